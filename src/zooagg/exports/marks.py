"""Drawing marks from both front ends, normalised once.

Classic front end: `{"tool": 0, "x": .., "y": .., "frame": 0, "details": [..]}`, polygons as
`points: [{x, y}, ..]`. Newer front end (FEM, classifier_version 2.0): `toolIndex`,
`toolType`, freehand lines as `pathX`/`pathY`, marks carrying `frame`. After normalisation
every mark has `tool` (int), `frame` (int) and `details` (list); the original keys stay, so
an extractor that must reproduce the peer's FEM-specific output can still see them.
"""

from __future__ import annotations

from typing import Any


def normalise_mark(mark: dict[str, Any]) -> dict[str, Any]:
    if "tool" not in mark and "toolIndex" in mark:
        mark["tool"] = mark["toolIndex"]
    mark.setdefault("frame", 0)
    if mark.get("details") is None:
        mark["details"] = []
    if "points" not in mark and isinstance(mark.get("pathX"), list) and isinstance(mark.get("pathY"), list):
        mark["points"] = [{"x": x, "y": y} for x, y in zip(mark["pathX"], mark["pathY"], strict=False)]
    return mark


def _is_mark(item: Any) -> bool:
    return isinstance(item, dict) and ("tool" in item or "toolIndex" in item)


def normalise_annotation(annotation: dict[str, Any]) -> dict[str, Any]:
    normalise_annotations([annotation])
    return annotation


def normalise_annotations(annotations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`normalise_annotation` of each, in a new list (one call for the whole classification)."""
    for annotation in annotations:
        value = annotation.get("value")
        if type(value) is list and value and _is_mark(value[0]) and all(map(_is_mark, value)):
            # a classic mark with tool, frame, details and no pathX is normal already: kept as it is
            annotation["value"] = [mark if "frame" in mark and "tool" in mark and "pathX" not in mark
                                   and mark.get("details") is not None else normalise_mark(mark) for mark in value]
    return list(annotations)
