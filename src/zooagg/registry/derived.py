"""What the registry derives from its components: the config maps `zooagg config` uses (a
task type's extractor, an extractor's default reducer, a whole workflow's config), the reducers
of an extractor's extracts (`reducers_for`), how the consensus table and report read an output
(`consensus_form`), and `describe()`, the one listing behind `zooagg
list`, `/-/registry` and docs/components.md."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .params import Param
from .store import (
    _REGISTRY,
    _WORKFLOW_CONFIGS,
    KINDS,
    Kind,
    _extractor_types,
    common_params,
    components,
    get,
    load,
)


def workflow_config_for(tasks: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    load()
    for func in _WORKFLOW_CONFIGS:
        found = func(tasks)
        if found is not None:
            return found
    return None


def extractor_for_type() -> dict[str, str]:
    """Task or drawing tool type -> the extractor `zooagg config` picks (the decorators' task_types)."""
    load()
    return _extractor_types()


def default_reducers() -> dict[str, str]:
    """Extractor -> the reducer `zooagg config` pairs with it (the decorators' default_reducer)."""
    load()
    return {name: c.default_reducer for name, c in _REGISTRY["extractor"].items() if c.default_reducer}


def reducers_for(extractor: str) -> list[str]:
    """The reducers that reduce an extractor's extracts: its default reducer and those whose
    decorator `reads` it, sorted (the choices the live server's form offers for a task)."""
    load()
    default = _REGISTRY["extractor"].get(extractor)
    found = {name for name, c in _REGISTRY["reducer"].items() if extractor in c.reads}
    if default is not None and default.default_reducer:
        found.add(default.default_reducer)
    return sorted(found)


def consensus_form(kind: Kind, name: str) -> str | None:
    """How the consensus table and the report read a component's output (its decorator's
    `consensus`), or None for a name no module registers (a file from elsewhere)."""
    try:
        return get(kind, name).consensus
    except ConfigError:
        return None


def describe() -> dict[str, list[dict[str, Any]]]:
    """Every component, per kind ("extractors", "reducers", "running_reducers"), as `zooagg
    list`, the service's `/-/registry` and docs/components.md show it: name, summary, doc,
    task types (a reducer's: those of the extractors it is the default of), default reducer,
    wants, its own parameters and the wrapper parameters every one of its kind takes."""
    load()
    reducer_types: dict[str, list[str]] = {}
    for component in components("extractor").values():
        if component.default_reducer:
            reducer_types.setdefault(component.default_reducer, []).extend(component.task_types)
    listing: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        common = common_params(kind)
        listing[kind + "s"] = [{
            "name": name,
            "summary": component.doc.splitlines()[0] if component.doc else "",
            "doc": component.doc,
            "task_types": list(component.task_types) or (reducer_types.get(name, []) if kind == "reducer" else []),
            "default_reducer": component.default_reducer,
            "wants": list(component.wants),
            "params": {k: _describe_param(p) for k, p in component.params.items()},
            "wrapper_params": {k: _describe_param(p) for k, p in common.items()},
        } for name, component in components(kind).items()]
    return listing


def _describe_param(param: Param) -> dict[str, Any]:
    return {"type": param.type.__name__, "default": param.default, "help": param.help,
            **({"choices": list(param.choices)} if param.choices else {})}
