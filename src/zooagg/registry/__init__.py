"""The one registry of extractors, reducers, running reducers and weighting methods.

`@extractor(...)`, `@reducer(...)`, `@running_reducer(...)` and `@weighting(...)` register a
pure function with its typed parameters. The registry alone feeds `config` defaults, CLI
choices, `zooagg list`, the HTTP routes and the docs index. Third-party packages add components
through the `zooagg.plugins` entry-point group: each entry point names a module that is
imported (and registers on import).

By what each part does:

- `params.py`: `Param` (one typed value, parsed and checked alike from every source),
  `distance`, `count`, the wrapper parameters every extractor and reducer takes, `did_you_mean`;
- `store.py`: `Component`, the registered components per kind and how a name is found (`get`
  imports only the built-in name's own task module, `homes`; `components` loads everything);
- `decorators.py`: the decorators that register;
- `derived.py`: what the registry derives (the config maps, `describe()`).

Every public name is importable from `zooagg.registry`, as plugins and the docs do.
"""

from .decorators import extractor, plucked, reducer, running_reducer, weighting, workflow_config
from .derived import (
    consensus_form,
    default_reducers,
    describe,
    extractor_for_type,
    reducers_for,
    workflow_config_for,
)
from .params import (
    COMMON_EXTRACTOR_PARAMS,
    COMMON_REDUCER_PARAMS,
    Param,
    count,
    did_you_mean,
    distance,
)
from .store import (
    KINDS,
    Component,
    Kind,
    common_params,
    components,
    get,
    homes,
    load,
    pluck_form,
    task_modules,
)

__all__ = [
    "COMMON_EXTRACTOR_PARAMS",
    "COMMON_REDUCER_PARAMS",
    "KINDS",
    "Component",
    "Kind",
    "Param",
    "common_params",
    "components",
    "consensus_form",
    "count",
    "default_reducers",
    "describe",
    "did_you_mean",
    "distance",
    "extractor",
    "extractor_for_type",
    "get",
    "homes",
    "load",
    "pluck_form",
    "plucked",
    "reducer",
    "reducers_for",
    "running_reducer",
    "task_modules",
    "weighting",
    "workflow_config",
    "workflow_config_for",
]
