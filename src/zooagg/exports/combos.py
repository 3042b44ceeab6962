"""Combo tasks opened up, once, in the reader.

The classic front end stores a combo task as one annotation whose value lists its inner
tasks' annotations: `{"task": "T5", "value": [{"task": "T2", "value": "Persea"}, ...]}`.
Each inner annotation takes the combo's place, so every inner task goes to its own extractor
(and inner drawing marks are normalised like any others); each keeps its combo's key as
`combo_task`. The newer front end already writes them flat.
"""

from __future__ import annotations

from typing import Any


def is_combo_value(value: Any) -> bool:
    return (isinstance(value, list) and len(value) > 0
            and all(isinstance(item, dict) and "task" in item and "tool" not in item
                    and "toolIndex" not in item for item in value))


def unpack_combo_annotations(annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for annotation in annotations:
        value = annotation.get("value") if isinstance(annotation, dict) else None
        # a combo's first item is a dict with "task" (checked first: most values are not lists of those)
        if isinstance(value, list) and value and isinstance(value[0], dict) and "task" in value[0] \
                and is_combo_value(value):
            break
    else:
        return annotations
    out: list[dict[str, Any]] = []
    for annotation in annotations:
        if isinstance(annotation, dict) and is_combo_value(annotation.get("value")):
            inner = unpack_combo_annotations(list(annotation["value"]))
            for item in inner:  # remembered, so inference can still tell the combo apart
                item.setdefault("combo_task", annotation.get("task"))
            out += inner
        else:
            out.append(annotation)
    return out
