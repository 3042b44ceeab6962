"""The registry's store: every registered `Component` per kind, and how a name is found.

`get` of a built-in name imports only the task module that registers it (`homes`, read from the
task modules' decorators without importing them), not every task family and plugin: a run that
reduces votes does not pay for scikit-learn or rapidfuzz. Listing (`components`) and any other
name load everything, built-ins first, then the `zooagg.plugins` entry points; a plugin may not
register a built-in name (ConfigError), so a name means the same component whatever the process
loaded before. The decorators that fill the store are in decorators.py.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, Where
from .params import COMMON_EXTRACTOR_PARAMS, COMMON_REDUCER_PARAMS, Param, did_you_mean

Kind = Literal["extractor", "reducer", "running_reducer", "weighting"]
#: every kind, in the order listings show them
KINDS: tuple[Kind, ...] = ("extractor", "reducer", "running_reducer", "weighting")


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
    #: a reducer: the extractors whose extracts it also reduces, besides those whose
    #: `default_reducer` it is (the alternatives the live server's form offers)
    reads: tuple[str, ...] = ()
    #: how the consensus table and the report read its output. A reducer: the summary form of
    #: its rows (consensus/build.py `SUMMARIES`: "votes", "question_consensus", "survey",
    #: "dropdown", "slider", "text"); an extractor: "marks" when its extracts are drawn marks the
    #: report draws. None: neither reads it (its file is listed as it is)
    consensus: str | None = None

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
    folder = Path(__file__).parent.parent / "tasks"
    for path in sorted(folder.glob("*.py")):
        for kind, name, rest in _DECORATOR.findall(path.read_text(encoding="utf-8")):
            aliases = _ALIASES.search(rest)
            for key in [name, *(re.findall(r'"([^"]+)"', aliases.group(1)) if aliases else [])]:
                found[kind][key] = path.stem
    return found


def task_modules() -> list[str]:
    """Every module of zooagg.tasks that registers something, in the order `load` imports them."""
    return sorted({module for names in homes().values() for module in names.values()})


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


#: pluck forms: a pluck key whose value a task family reads in a form of its own (the key ->
#: a function of the plucked value; None drops it), and the module that registers each one
_PLUCK_FORMS: dict[str, Callable[[Any], Any]] = {}


def pluck_form(key: str) -> Callable[[Any], Any] | None:
    home = homes()["plucked"].get(key)
    if home is not None and key not in _PLUCK_FORMS:
        import_module(f"zooagg.tasks.{home}")
    return _PLUCK_FORMS.get(key)


def _extractor_types() -> dict[str, str]:
    return {t: c.name for c in _REGISTRY["extractor"].values() for t in c.task_types}


#: whole-workflow configs (`workflow_config`), in registration order
_WORKFLOW_CONFIGS: list[Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None]] = []


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
