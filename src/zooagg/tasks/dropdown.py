"""Dropdown tasks: the classic list of (linked) selects, and the newer dropdown-simple.

A dropdown-simple answer reaches zooagg in three forms, and all three give the same vote key
for the same choice (the option's index in the task's flattened option list, or the text a
volunteer typed where the task allows it):

| form | where | the answer | key |
|---|---|---|---|
| raw `{selection, option}` | Caesar, FEM sub-tasks of marks | `selection`: index, or typed text | `selection` |
| `{select_label, option, value, label}` | exports 2021-05 to 2026-03 | `value`: index, or typed text | `value` |
| `{select_label, option, option_index, value, label}` | exports since 2026-04-02 | `option_index`; `value` is the option's own value | `option_index` |

The peer 5.3.1 reads `selection`, else `value`: on the 2026-04 form it votes on the option's
own value (`"840"`, a hash id) where the older forms vote on its index, so one choice splits
into two keys across the change; zooagg reads `option_index` first.

The form of the value, not the front end's version, decides how it is read: a list is the
classic list of selects (the peer's own FEM sub-task cases send one inside a 2.0
classification), anything else is dropdown-simple.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import ExtractError, Where
from ..registry import extractor, reducer
from ._common import first_annotation, slug
from .drawing_details import classifier_version

SIMPLE = "dropdown-simple"


def simple_choice(value: Any) -> Any:
    """The chosen option's index (or typed text) from any of the three dropdown-simple forms;
    None when nothing was chosen."""
    if not isinstance(value, dict):
        return value
    for key in ("option_index", "selection", "value"):
        if key in value:
            return value[key]
    return None  # `{select_label}` alone: the volunteer chose nothing


def _classic_selects(value: list[Any]) -> list[dict[str, int]]:
    selected = []
    for select in value:
        if not isinstance(select, dict):
            raise ExtractError("each dropdown select must be an object with a 'value'",
                               hint="fix or remove this answer in the export", where=Where(value=select))
        selected.append({slug(select.get("value")): 1})
    return selected


@extractor("dropdown_extractor", task_types=("dropdown",), default_reducer="dropdown_reducer")
def dropdown_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """`{"value": [{slug(selected): 1}, ...]}`: one entry per select of the task. A
    dropdown-simple task has one select; its raw and both exported forms give the same key for
    the same choice: the option's index (`option_index`, else `selection`, else `value`), or
    the text a volunteer typed (docs/fem.md)."""
    annotation = first_annotation(annotations)
    if annotation is None:
        return {}
    value = annotation.get("value")
    if isinstance(value, list):
        return {"value": _classic_selects(value)}
    simple = SIMPLE in (annotation.get("taskType"), annotation.get("task_type"))
    major = classifier_version(classification)[0][0]
    if simple or (major >= 2 and isinstance(value, dict)):
        return {"value": [{slug(simple_choice(value)): 1}]}
    if major >= 2:
        return {"value": []}  # a 2.0 answer of no dropdown form: nothing to count, as the peer
    raise ExtractError("a dropdown value must be a list of selects", hint="check that the task is a dropdown task",
                       where=Where(value=value))


@reducer("dropdown_reducer", consensus="dropdown")
def dropdown_reducer(extracts: list[dict[str, Any]]) -> dict[str, Any]:
    """Votes per option, one mapping per select."""
    totals: list[Counter[str]] = []
    for data in extracts:
        if "value" not in data:
            continue
        for index, votes in enumerate(data["value"] or []):
            if index == len(totals):
                totals.append(Counter())
            totals[index].update(votes)
    if not totals:
        return {}
    return {"value": [dict(t) for t in totals]}
