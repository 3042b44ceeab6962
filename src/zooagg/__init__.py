"""zooagg: fast, drop-in consensus aggregation for Zooniverse exports.

The Python API (docs/python.md) runs the same engine as the `zooagg` command and returns
pandas DataFrames (Arrow tables when pandas is not installed)::

    import zooagg
    project = zooagg.run_project("cls_export.csv", "wf_export.csv", directory="out")
    votes = project.reductions(10)["question_reducer_reductions"]

Only the names in `__all__` are the public API; every module under `zooagg.` is internal and
may change. They are imported on first use, so `import zooagg` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: the value stamped into every extract and reduction (the peer stamps its own version there)
AGGREGATION_VERSION = f"zooagg-{__version__}"

#: public name -> the internal module that defines it
_PUBLIC: dict[str, str] = {
    "read_table": "zooagg.api",
    "make_configs": "zooagg.api",
    "extract": "zooagg.api",
    "reduce": "zooagg.api",
    "run_project": "zooagg.api_project",
    "consensus_table": "zooagg.api_project",
    "Configs": "zooagg.api",
    "Project": "zooagg.api_project",
    "weigh": "zooagg.api_weighting",
    "Weighting": "zooagg.api_weighting",
    "ZooaggError": "zooagg.errors",
    "InputError": "zooagg.errors",
    "ConfigError": "zooagg.errors",
    "RowError": "zooagg.errors",
    "ExtractError": "zooagg.errors",
    "ReduceError": "zooagg.errors",
    "ZooaggWarning": "zooagg.errors",
}

__all__ = [  # the same names as _PUBLIC (tests/test_api.py checks)
    "AGGREGATION_VERSION",
    "ConfigError",
    "Configs",
    "ExtractError",
    "InputError",
    "Project",
    "ReduceError",
    "RowError",
    "Weighting",
    "ZooaggError",
    "ZooaggWarning",
    "__version__",
    "consensus_table",
    "extract",
    "make_configs",
    "read_table",
    "reduce",
    "run_project",
    "weigh",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports on demand
    from .api import Configs, extract, make_configs, read_table, reduce
    from .api_project import Project, consensus_table, run_project
    from .api_weighting import Weighting, weigh
    from .errors import (
        ConfigError,
        ExtractError,
        InputError,
        ReduceError,
        RowError,
        ZooaggError,
        ZooaggWarning,
    )


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'zooagg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
