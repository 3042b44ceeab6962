"""Calling a registered component: the one place that does what the peer's wrappers do around
the pure task functions. The CLI's engine, the live service, the Caesar routes, `zooagg plot`
and the drawing sub-task reducers all call components through here.

- `ExtractorCall`: picks the task's annotations (sub-task keys `T0.0.0` go with `T0`), runs the
  extractor once per annotation when `recursive`, adds the `pluck`ed values, and stamps
  `aggregation_version` unless `no_version`.
- `ReducerCall` (reducers and running reducers): passes the per-extract lists the reducer
  `wants` (user_ids, created_at, classification_ids, relevant_reduction) and stamps the result
  (at the end, or in front of the reducer's `stamp_before` key, where the peer puts it).
- `WeightingCall`: a volunteer-weighting method (`zooagg weight`, `zooagg.weigh`, the live
  project's weighting route) with its typed parameters, over one task's `Answers`; no stamp.

This is the only place that stamps `aggregation_version` on a result; the engine's whole-column
vote path asks `ReducerCall.version` for the value of its constant column.

Each is built once per config entry from the typed parameters, so per row there is only the
call: the extract loop (engine/extract.py) uses `func`, `params` and `stamp` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import AGGREGATION_VERSION, registry

if TYPE_CHECKING:
    from .exports.classifications import Classification
    from .tasks.weighting import Answers, Weighted

Grouped = dict[str, list[dict[str, Any]]]
#: what a reducer may ask for (`wants`), one value per extract
WANTS = ("user_ids", "created_at", "classification_ids", "relevant_reduction")


# ---- extractors -----------------------------------------------------------------------------

def by_task(annotations: list[dict[str, Any]]) -> Grouped:
    """A classification's annotations by task key (as text)."""
    grouped: Grouped = {}
    for annotation in annotations:
        task = annotation.get("task")
        items = grouped.get(key := task if type(task) is str else str(task))
        if items is None:
            grouped[key] = [annotation]
        else:
            items.append(annotation)
    return grouped


def annotations_for(grouped: Grouped, task: str, plain: bool | None = None) -> list[dict[str, Any]]:
    """A task's annotations; sub-task keys such as `T0.0.0` go with `T0`, as in the peer.
    `plain`: whether `grouped` has no sub-task keys, when the caller knows already."""
    if task == "all":
        return [a for items in grouped.values() for a in items]
    if plain is None:
        plain = "." not in "".join(grouped)
    if plain:
        return grouped.get(task) or []
    out: list[dict[str, Any]] = []
    for key, items in grouped.items():
        if key.split(".")[0] == task:
            out += items
    return out


def pluck(classification: Classification, paths: dict[str, str],
          forms: Mapping[str, Callable[[Any], Any]] | None = None) -> dict[str, Any]:
    """Values picked from the classification by dotted paths (`subject.metadata.x`, `metadata.y`),
    as `pluck.<key>`; a key with a registered pluck form (`registry.pluck_form`) is written
    under its own name, as the form makes it (nothing when the form gives None)."""
    root: dict[str, Any] = {
        "metadata": classification.metadata,
        "annotations": classification.annotations,
        "subject": {"metadata": next(iter(classification.subject_data.values()), {})},
        "gold_standard": classification.gold_standard,
    }
    if forms is None:
        forms = pluck_forms(paths)
    out: dict[str, Any] = {}
    for key, path in paths.items():
        node: Any = root
        try:
            for part in str(path).strip().split("."):
                node = node[part.strip()]
        except (KeyError, TypeError, IndexError):
            continue
        name = key.strip()
        form = forms.get(name)
        if form is None:
            out[f"pluck.{name}"] = node
        elif (value := form(node)) is not None:
            out[name] = value
    return out


def pluck_forms(paths: Mapping[str, str] | None) -> dict[str, Callable[[Any], Any]]:
    """The registered pluck forms of a pluck mapping's keys (looked up once per config entry)."""
    forms = {}
    for key in paths or {}:
        form = registry.pluck_form(key.strip())
        if form is not None:
            forms[key.strip()] = form
    return forms


@dataclass
class ExtractorCall:
    """One extractor entry, ready to run: the function and its split-out wrapper options."""

    name: str  # as written in the config (shape_extractor_rectangle)
    func: Callable[..., Any]
    task: str
    params: dict[str, Any]
    pluck: dict[str, str] | None
    recursive: bool
    recursive_ids: bool
    stamp: bool
    forms: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, name: str, registered: str, params: dict[str, Any]) -> ExtractorCall:
        """`params`: typed (Component.parse_params), the wrapper options included."""
        rest = dict(params)
        task = str(rest.pop("task", "all"))
        paths = rest.pop("pluck", None)
        recursive = bool(rest.pop("recursive", False))
        recursive_ids = bool(rest.pop("recursive_subject_ids", False))
        stamp = not rest.pop("no_version", False)
        func = registry.get("extractor", registered).func
        return cls(name, func, task, rest, paths, recursive, recursive_ids, stamp, pluck_forms(paths))

    def annotations(self, grouped: Grouped, plain: bool | None = None) -> list[dict[str, Any]]:
        return annotations_for(grouped, self.task, plain)

    def results(self, classification: Classification, annotations: list[dict[str, Any]]) -> Any:
        """The extractor's result (a dict, or a list), plucked, not yet stamped."""
        if self.recursive:
            results: Any = [self.func([a], classification, **self.params) for a in annotations]
        else:
            results = self.func(annotations, classification, **self.params)
        if self.pluck and isinstance(results, dict):
            results.update(pluck(classification, self.pluck, self.forms))
        return results

    def stamped(self, results: Any) -> Any:
        if self.stamp:
            for data in results if isinstance(results, list) else [results]:
                data["aggregation_version"] = AGGREGATION_VERSION
        return results

    def stamp_one(self, data: dict[str, Any]) -> None:
        """`stamped` for the usual result, one dict (the engine's per-row fast path)."""
        if self.stamp:
            data["aggregation_version"] = AGGREGATION_VERSION

    def __call__(self, classification: Classification) -> Any:
        """One classification's extract (a dict; a list for list-valued extractors and
        `recursive`), stamped: what the Caesar route answers."""
        annotations = self.annotations(by_task(classification.annotations))
        return self.stamped(self.results(classification, annotations))

    def rows(self, classification: Classification, annotations: list[dict[str, Any]]
             ) -> list[tuple[str, dict[str, Any]]]:
        """(subject_id, data) per extract row of one classification, stamped."""
        return self.rows_of(classification, self.results(classification, annotations))

    def rows_of(self, classification: Classification, results: Any) -> list[tuple[str, dict[str, Any]]]:
        """An extractor's result as (subject_id, data) rows, stamped; a recursive extract's
        subject is `{id}_{i}` with `recursive_subject_ids`."""
        subject = classification.subject_ids
        self.stamped(results)
        if not isinstance(results, list):
            return [(subject, results)]
        if self.recursive_ids:
            return [(f"{subject}_{index}", data) for index, data in enumerate(results)]
        return [(subject, data) for data in results]


# ---- reducers -------------------------------------------------------------------------------

#: a source of the per-extract lists a reducer wants: name -> list, or NOT_GIVEN (the reducer's
#: own default is used)
NOT_GIVEN: Any = object()
Extras = Callable[[str], Any]


@dataclass
class ReducerCall:
    """A reducer (or running reducer) with its typed parameters, ready to run."""

    component: registry.Component
    params: dict[str, Any]  # typed, without no_version
    stamp: bool

    @classmethod
    def of(cls, component: registry.Component, params: dict[str, Any]) -> ReducerCall:
        """`params`: typed (Component.parse_params), `no_version` included."""
        rest = dict(params)
        return cls(component, rest, not rest.pop("no_version", False))

    @classmethod
    def named(cls, kind: registry.Kind, name: str, params: dict[str, Any] | None = None) -> ReducerCall:
        return cls.of(registry.get(kind, name), params or {})

    @property
    def name(self) -> str:
        return self.component.name

    @property
    def wants(self) -> tuple[str, ...]:
        return self.component.wants

    def extras(self, source: Extras | Mapping[str, Any]) -> dict[str, Any]:
        """The lists the reducer wants, from `source` (a mapping, or a function of the name)."""
        out = {}
        for want in self.component.wants:
            value = source.get(want, NOT_GIVEN) if isinstance(source, Mapping) else source(want)
            if value is not NOT_GIVEN:
                out[want] = value
        return out

    def __call__(self, extracts: list[Any], extras: Extras | Mapping[str, Any] = {}, *store: Any) -> Any:  # noqa: B006
        """The reduction (a dict, or a list of them), stamped. A running reducer gets the
        `store` of its previous answer after the extracts."""
        result = self.component.func(extracts, *store, **self.params, **self.extras(extras))
        return self.stamped(result)

    def rows(self, extracts: list[Any], extras: Extras | Mapping[str, Any] = {}) -> list[dict[str, Any]]:  # noqa: B006
        """The reduction as a list of rows, stamped."""
        result = self(extracts, extras)
        return result if isinstance(result, list) else [result]

    @property
    def version(self) -> str | None:
        """The stamp's value, None with `no_version`."""
        return AGGREGATION_VERSION if self.stamp else None

    def stamped(self, result: Any) -> Any:
        if not self.stamp:
            return result
        if isinstance(result, list):
            return [self.stamped(data) for data in result]
        before = self.component.stamp_before
        if before is None or before not in result or "aggregation_version" in result:
            result["aggregation_version"] = AGGREGATION_VERSION
            return result
        at = list(result).index(before)
        items = list(result.items())
        return dict([*items[:at], ("aggregation_version", AGGREGATION_VERSION), *items[at:]])


# ---- weighting methods ----------------------------------------------------------------------

@dataclass
class WeightingCall:
    """A weighting method with its typed parameters, ready to run over one task's answers."""

    component: registry.Component
    params: dict[str, Any]  # typed

    @classmethod
    def named(cls, name: str, params: Mapping[str, Any] | None = None) -> WeightingCall:
        """`params`: as written (YAML, `-k` JSON, a query string); typed here, unknown keys
        rejected (ConfigError)."""
        component = registry.get("weighting", name)
        return cls(component, component.parse_params(params))

    @property
    def name(self) -> str:
        return self.component.name

    @property
    def seeded(self) -> bool:
        """Whether the method learns from gold subjects (the `gold` of its Answers)."""
        return "gold" in self.component.wants

    def __call__(self, answers: Answers) -> Weighted:
        return self.component.func(answers, **self.params)
