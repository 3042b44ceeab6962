"""Dropdown tasks: the classic list of (linked) selects, and the newer dropdown-simple."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import ExtractError, Where
from ..registry import extractor, reducer
from ._common import first_annotation, slug


def _classifier_major(classification: Any) -> int:
    metadata = getattr(classification, "metadata", None) or {}
    text = str(metadata.get("classifier_version", "1.0"))
    try:
        return int(text.split(".")[0])
    except ValueError:
        return 1


@extractor("dropdown_extractor", task_types=("dropdown",))
def dropdown_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """`{"value": [{slug(selected): 1}, ...]}`: one entry per select of the task."""
    annotation = first_annotation(annotations)
    if annotation is None:
        return {}
    selected: list[dict[str, int]] = []
    value = annotation.get("value")
    if _classifier_major(classification) < 2:
        if not isinstance(value, list):
            raise ExtractError("a dropdown value must be a list of selects", where=Where(value=value))
        for select in value:
            if not isinstance(select, dict):
                raise ExtractError("each dropdown select must be an object with a 'value'", where=Where(value=select))
            selected.append({slug(select.get("value")): 1})
    elif "dropdown-simple" in (annotation.get("taskType"), annotation.get("task_type")):
        key = value
        if isinstance(key, dict):
            key = key.get("selection", key.get("value"))
        selected.append({slug(key): 1})
    return {"value": selected}


@reducer("dropdown_reducer")
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
