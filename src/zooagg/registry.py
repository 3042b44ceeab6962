"""The one registry of extractors, reducers and running reducers.

`@extractor(...)`, `@reducer(...)`, `@running_reducer(...)` and `@weighting(...)` register a
pure function with its typed parameters.
The registry alone feeds `config` defaults, CLI choices, `zooagg list`, the HTTP routes and
the docs index. Third-party packages add components through the `zooagg.plugins`
entry-point group: each entry point names a module that is imported (and registers on import).

`get` of a built-in name imports only the task module that registers it (`homes`), not every
task family and plugin: a run that reduces votes does not pay for scikit-learn or rapidfuzz.
Listing (`components`) and any other name load everything, built-ins first, then plugins; a
plugin may not register a built-in name (ConfigError), so a name means the same component
whatever the process loaded before.
"""

from __future__ import annotations

import difflib
import inspect
import json
import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError, Where

Kind = Literal["extractor", "reducer", "running_reducer", "weighting"]
#: every kind, in the order listings show them
KINDS: tuple[Kind, ...] = ("extractor", "reducer", "running_reducer", "weighting")

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


@dataclass(frozen=True)
class Param:
    """A typed keyword parameter, parsed and checked alike from YAML configs, `-k`, query
    strings (the Caesar routes) and live parameter changes: this is the one place a value is
    refused. A number is never NaN and never a bool (`eps: true` is not 1.0); a bool is
    true/false (or 1/0, yes/no, on/off), never "maybe"; `more_than`, `at_least` and
    `at_most` bound a number (None: no bound) and `finite` refuses infinity."""

    type: type
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None
    more_than: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    finite: bool = False

    def parse(self, name: str, raw: Any, component: str) -> Any:
        value = raw
        try:
            if raw is None:
                value = None
            elif self.type is bool:
                value = _parse_bool(raw)
            elif self.type is int:
                value = _parse_int(raw)
            elif self.type is float:
                value = _parse_float(raw)
            elif self.type is str:
                if not isinstance(raw, str | int | float):
                    raise TypeError
                value = str(raw)
            elif self.type in (list, dict):
                value = json.loads(raw) if isinstance(raw, str) else raw
                if not isinstance(value, self.type):
                    raise TypeError
            else:  # "any" parameters are passed through (e.g. nested detail configs)
                value = raw
        except (TypeError, ValueError, OverflowError) as exc:
            raise ConfigError(
                f"{component}: parameter {name!r} must be {self.type.__name__}, got {raw!r}",
                hint=f"fix the value of {name} in the config",
            ) from exc
        if self.choices is not None and value not in self.choices:
            raise ConfigError(
                f"{component}: parameter {name!r} must be one of {list(self.choices)}, got {raw!r}",
                hint=f"fix the value of {name} in the config",
            )
        wrong = self.out_of_range(value)
        if wrong:
            raise ConfigError(f"{component}: parameter {name!r} must be {wrong}, got {raw!r}",
                              hint=f"fix the value of {name} in the config")
        return value

    def out_of_range(self, value: Any) -> str:
        """What a number must be when `value` is outside the bounds, else ""."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return ""
        if math.isnan(value):
            return "a number (not NaN)"
        low = (f"more than {self.more_than:g}" if self.more_than is not None else
               f"at least {self.at_least:g}" if self.at_least is not None else "")
        high = f"at most {self.at_most:g}" if self.at_most is not None else ""
        bounds = " and ".join(part for part in (low, high) if part) or "finite"
        if ((self.more_than is not None and not value > self.more_than)
                or (self.at_least is not None and not value >= self.at_least)
                or (self.at_most is not None and not value <= self.at_most)
                or (self.finite and math.isinf(value))):
            return f"{bounds} ({'finite, ' if self.finite and bounds != 'finite' else ''}{self.type.__name__})"
        return ""


def distance(default: float | None, text: str, **bounds: Any) -> Param:
    """A distance or scale for clustering (DBSCAN's eps and its kin): a finite number above 0."""
    return Param(float, default, text, **{"more_than": 0, "finite": True, **bounds})


def count(default: int | None, text: str, at_least: int = 1, **bounds: Any) -> Param:
    """A whole number of things: at least 1 unless said otherwise."""
    return Param(int, default, text, at_least=at_least, **bounds)


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        if raw not in (0, 1):
            raise ValueError(raw)
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(raw)


def _parse_float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real | str):
        raise TypeError(raw)
    return float(raw)


def _parse_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError(raw)
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError(raw)
    value = int(raw)
    if not -(2**63) <= value < 2**63:  # no count means more, and the answer must carry it
        raise ValueError(raw)
    return value


#: keyword parameters every extractor accepts (the peer's extractor wrapper)
COMMON_EXTRACTOR_PARAMS: dict[str, Param] = {
    "task": Param(str, "all", "the task key whose annotations are extracted (e.g. T0)"),
    "pluck": Param(dict, None, "output key -> dotted path into the classification"),
    "recursive": Param(bool, False, "one extract per annotation of the task"),
    "recursive_subject_ids": Param(bool, False, "subject_id becomes {id}_{i} for recursive extracts"),
    "no_version": Param(bool, False, "do not stamp aggregation_version"),
}

COMMON_REDUCER_PARAMS: dict[str, Param] = {
    "no_version": Param(bool, False, "do not stamp aggregation_version"),
}


@dataclass
class Component:
    kind: Kind
    name: str
    func: Callable[..., Any]
    params: dict[str, Param]
    #: an extractor: the workflow task and drawing tool types `zooagg config` picks it for; a
    #: reducer: those of the extractors whose default it is (filled in by `describe`)
    task_types: tuple[str, ...] = ()
    #: an extractor: the reducer `zooagg config` pairs with it, and the parameters it writes for it
    default_reducer: str | None = None
    default_reducer_params: dict[str, Any] = field(default_factory=dict)
    doc: str = ""
    #: extra per-extract lists a reducer needs (user_ids, created_at); an extractor:
    #: "subject_data" when it reads the classification's subject metadata (offline, the engine
    #: reads that large column only then)
    wants: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default_factory=tuple)
    #: optional columnar form of a reducer: `columnar(keys, presence_matrix, **params)`, used when
    #: `columnar_ok(params)`; it must give exactly what `func` gives
    columnar: Callable[..., Any] | None = None
    columnar_ok: Callable[[dict[str, Any]], bool] = field(default=lambda params: True)
    #: the whole-column vote form the engine can reduce this reducer with (engine/votes.py:
    #: "presence", "survey" or "slider"), used when `columnar_ok(params)`; None: no such form
    vote_form: str | None = None
    #: a reducer whose result has this key gets its `aggregation_version` stamp just before it
    #: (where the peer puts it: `parameters` of the line-text reducers); else at the end
    stamp_before: str | None = None

    @property
    def all_params(self) -> dict[str, Param]:
        return {**common_params(self.kind), **self.params}

    def parse_params(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Typed keyword arguments from a YAML mapping or query string; unknown keys rejected."""
        known = self.all_params
        out: dict[str, Any] = {}
        for key, value in (raw or {}).items():
            if key not in known:
                raise ConfigError(
                    f"{self.kind.replace('_', ' ')} {self.name} has no parameter {key!r}",
                    hint=did_you_mean(key, known) + f"; its parameters: {', '.join(sorted(known))}",
                )
            out[key] = known[key].parse(key, value, self.name)
        return out

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.params.items()}


def common_params(kind: Kind) -> dict[str, Param]:
    """The wrapper parameters every component of a kind takes (a weighting method: none)."""
    if kind == "weighting":
        return {}
    return COMMON_EXTRACTOR_PARAMS if kind == "extractor" else COMMON_REDUCER_PARAMS


_REGISTRY: dict[Kind, dict[str, Component]] = {kind: {} for kind in KINDS}
_LOADED = False

#: a registering decorator in a task module's source: its kind, its name and what follows up to
#: the decorated function (where `aliases=(...)` would be)
_DECORATOR = re.compile(r'^@(extractor|reducer|running_reducer|weighting|plucked)\(\s*"([^"]+)"(.*?)^def ', re.M | re.S)
_ALIASES = re.compile(r'aliases=\(([^)]*)\)')


@cache
def homes() -> dict[str, dict[str, str]]:
    """The module of zooagg.tasks that registers each built-in name (aliases included), per kind
    ("plucked": pluck forms), read from the modules' decorators without importing them, so a
    `get` imports one module. tests/test_lazy_registry.py checks it against what loading every
    module registers."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in (*KINDS, "plucked")}
    folder = Path(__file__).parent / "tasks"
    for path in sorted(folder.glob("*.py")):
        for kind, name, rest in _DECORATOR.findall(path.read_text(encoding="utf-8")):
            aliases = _ALIASES.search(rest)
            for key in [name, *(re.findall(r'"([^"]+)"', aliases.group(1)) if aliases else [])]:
                found[kind][key] = path.stem
    return found


def task_modules() -> list[str]:
    """Every module of zooagg.tasks that registers something, in the order `load` imports them."""
    return sorted({module for names in homes().values() for module in names.values()})


def did_you_mean(word: str, options: Mapping[str, Any] | list[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else "no similar name"


def _register(kind: Kind, name: str, func: Callable[..., Any], **info: Any) -> Component:
    component = Component(kind=kind, name=name, func=func, doc=inspect.cleandoc(func.__doc__ or ""), **info)
    for key in (name, *component.aliases):
        home = homes()[kind].get(key)
        # a built-in name is looked up in its own module alone (_lookup), so a plugin that took
        # it over would be used or not depending on what the process had loaded before
        if home is not None and func.__module__ != f"zooagg.tasks.{home}":
            raise ConfigError(f"{func.__module__} registers the {kind.replace('_', ' ')} {key!r}, "
                              "which is a built-in name", hint="give the plugin's component a name of its own")
        _REGISTRY[kind][key] = component
    return component


def extractor(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    task_types: tuple[str, ...] = (),
    default_reducer: str | None = None,
    aliases: tuple[str, ...] = (),
    wants: tuple[str, ...] = (),
    default_reducer_params: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an extractor: `func(annotations, classification, **params) -> dict | list`.

    `wants=("subject_data",)`: it reads `classification.subject_data` (the subject's metadata).

    `task_types`: the task types (and drawing tool types) `zooagg config` configures with this
    extractor; one extractor per type. `default_reducer`: the reducer config pairs with it.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for task_type in task_types:
            taken = _extractor_types().get(task_type)
            if taken is not None and taken != name:
                raise ConfigError(f"{func.__module__} gives task type {task_type!r} to {name}, but {taken} has it",
                                  hint="a task type has one default extractor")
        _register("extractor", name, func, params=params or {}, task_types=task_types,
                  default_reducer=default_reducer, aliases=aliases, wants=wants,
                  default_reducer_params=dict(default_reducer_params or {}))
        return func

    return decorate


def reducer(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    wants: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    columnar: Callable[..., Any] | None = None,
    columnar_ok: Callable[[dict[str, Any]], bool] | None = None,
    vote_form: str | None = None,
    stamp_before: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a reducer: `func(extracts, **params) -> dict | list` (one subject, one task).
    `stamp_before`: the result key the `aggregation_version` stamp goes in front of (call.py)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        extra: dict[str, Any] = {"columnar": columnar, "vote_form": vote_form, "stamp_before": stamp_before}
        if columnar_ok is not None:
            extra["columnar_ok"] = columnar_ok
        _register("reducer", name, func, params=params or {}, wants=wants, aliases=aliases, **extra)
        return func

    return decorate


def running_reducer(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    wants: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a running (store-based) reducer: `func(extracts, store, **params) -> dict`.

    Caesar calls one with only the extracts that arrived since its last call and the `store`
    it kept from that call's answer; the answer is the reduction so far with the new store
    under `_store`. `wants` may ask for `user_ids` and `relevant_reduction` (one per extract).
    Its names are its own: a running and a plain reducer may share one.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _register("running_reducer", name, func, params=params or {}, wants=wants)
        return func

    return decorate


def weighting(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    binary: bool = False,
    seeded: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a volunteer-weighting method: `func(answers, **params) -> Weighted`
    (tasks/weighting.py): every volunteer's answers to one task over a whole workflow in, each
    subject's label probabilities and each volunteer's skill out. `binary`: the method takes
    yes/no tasks only (SWAP); `seeded`: it learns from gold subjects (wants "gold"), so scoring
    holds each gold subject out of its own seed. Its names are its own namespace."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _register("weighting", name, func, params=params or {}, task_types=("binary",) if binary else (),
                  wants=("gold",) if seeded else ())
        return func

    return decorate


#: pluck forms: a pluck key whose value a task family reads in a form of its own (the key ->
#: a function of the plucked value; None drops it), and the module that registers each one
_PLUCK_FORMS: dict[str, Callable[[Any], Any]] = {}


def plucked(key: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register how an extractor's `pluck` writes `key`: under its own name (not `pluck.<key>`),
    as the function makes it from the plucked value (the function's None: nothing written)."""

    def decorate(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _PLUCK_FORMS[key] = func
        return func

    return decorate


def pluck_form(key: str) -> Callable[[Any], Any] | None:
    home = homes()["plucked"].get(key)
    if home is not None and key not in _PLUCK_FORMS:
        import_module(f"zooagg.tasks.{home}")
    return _PLUCK_FORMS.get(key)


def _extractor_types() -> dict[str, str]:
    return {t: c.name for c in _REGISTRY["extractor"].values() for t in c.task_types}


#: whole-workflow configs (`workflow_config`), in registration order
_WORKFLOW_CONFIGS: list[Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None]] = []


def workflow_config(
    func: Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None],
) -> Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None]:
    """Register `func(tasks) -> extractor config | None`: for a project whose workflows are
    recognised as a whole rather than task by task (`tasks`: the workflow's `tasks` JSON). The
    first that answers gives `zooagg config` its extractor config for that workflow."""
    _WORKFLOW_CONFIGS.append(func)
    return func


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


def load() -> None:
    """Import the built-in task families and any plugins (once)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from importlib.metadata import entry_points

    for module in task_modules():
        import_module(f"zooagg.tasks.{module}")
    for entry in entry_points(group="zooagg.plugins"):
        entry.load()


def components(kind: Kind) -> dict[str, Component]:
    load()
    return dict(sorted(_REGISTRY[kind].items()))


def _lookup(kind: Kind, name: str) -> Component | None:
    """A built-in name imports its own module only; anything else loads every module."""
    home = homes()[kind].get(name)
    if home is not None and not _LOADED:
        import_module(f"zooagg.tasks.{home}")
    if name not in _REGISTRY[kind]:
        load()
    return _REGISTRY[kind].get(name)


def get(kind: Kind, name: str, where: Where | None = None) -> Component:
    # the peer's config names the shape extractor per shape: shape_extractor_rectangle, ...
    shape = kind == "extractor" and name.startswith("shape_extractor_")
    component = _lookup(kind, "shape_extractor" if shape else name)
    if component is None:
        raise ConfigError(
            f"unknown {kind.replace('_', ' ')} {name!r}",
            hint=did_you_mean(name, _REGISTRY[kind]) + "; run `zooagg list` to see them all",
            where=where or Where(),
        )
    return component
