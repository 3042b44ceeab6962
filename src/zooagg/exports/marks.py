"""Drawing marks from both front ends, normalised once.

Classic front end: `{"tool": 0, "x": .., "y": .., "frame": 0, "details": [..]}`, polygons as
`points: [{x, y}, ..]`. Newer front end (FEM, classifier_version 2.0): `toolIndex`,
`toolType`, freehand lines as `pathX`/`pathY`, marks carrying `frame`. After normalisation
every mark has `tool` (int), `frame` (int) and `details` (list); the original keys stay, so
an extractor that must reproduce the peer's FEM-specific output can still see them.

FEM shapes are also given the classic geometry (docs/fem.md has the table), so a shape drawn
on either front end has the same numbers and clusters with its twin: rectangles and rotated
rectangles get the top-left corner `x`, `y` from `x_center`, `y_center`; circles and ellipses
get `x`, `y` (ellipse angles change sign: FEM stores the screen angle, classic its negative).
Each conversion runs only on a mark that lacks the classic key it writes, so normalising a mark
twice changes nothing. graph2dRangeX marks keep their `x` (the centre of the range, which the
peer writes as it is): only a subject that also has classic column marks needs the left edge,
and the shape reducer converts there (`tasks.drawing_reduce.ranges_as_left_edges`).

Marks an extractor reads but cannot use (a missing coordinate, a mark of another shape) are
not errors of the whole classification: the extractor notes them with `tasks.dropped.note_dropped` and
the engine, which knows the file and row, drains them with `take_dropped` into the rejects file.
"""

from __future__ import annotations

from typing import Any


def _numbers(mark: dict[str, Any], *keys: str) -> bool:
    return all(type(mark.get(key)) in (int, float) for key in keys)


def _corner_from_centre(mark: dict[str, Any]) -> None:
    """rectangle, rotateRectangle: FEM's centre -> the classic top-left of the unrotated box."""
    if "x" not in mark and _numbers(mark, "x_center", "y_center", "width", "height"):
        mark["x"] = mark["x_center"] - mark["width"] / 2
        mark["y"] = mark["y_center"] - mark["height"] / 2


def _circle(mark: dict[str, Any]) -> None:
    if "r" not in mark and "radius" in mark:  # the name before 2023
        mark["r"] = mark["radius"]
    if "x" not in mark and _numbers(mark, "x_center", "y_center"):
        mark["x"], mark["y"] = mark["x_center"], mark["y_center"]


def _ellipse(mark: dict[str, Any]) -> None:
    if "x" not in mark and _numbers(mark, "x_center", "y_center"):
        mark["x"], mark["y"] = mark["x_center"], mark["y_center"]
        if _numbers(mark, "angle"):
            mark["angle"] = -mark["angle"]


#: conversions to the classic geometry, by FEM toolType (other tools share the classic keys)
_TO_CLASSIC = {
    "rectangle": _corner_from_centre,
    "rotateRectangle": _corner_from_centre,
    "circle": _circle,
    "ellipse": _ellipse,
}


def normalise_mark(mark: dict[str, Any]) -> dict[str, Any]:
    if "tool" not in mark and "toolIndex" in mark:
        mark["tool"] = mark["toolIndex"]
    mark.setdefault("frame", 0)
    if mark.get("details") is None:
        mark["details"] = []
    if "points" not in mark and isinstance(mark.get("pathX"), list) and isinstance(mark.get("pathY"), list):
        mark["points"] = [{"x": x, "y": y} for x, y in zip(mark["pathX"], mark["pathY"], strict=False)]
    convert = _TO_CLASSIC.get(mark.get("toolType"))  # type: ignore[arg-type]
    if convert is not None:
        convert(mark)
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
        if type(value) is not list or not value:
            continue
        first = value[0]
        if _is_mark(first) and all(map(_is_mark, value)):
            # a classic mark with tool, frame, details and no pathX is normal already: kept as it is
            # (FEM marks never are: they have toolIndex and no tool, or, graph2dRangeX, no frame)
            annotation["value"] = [mark if "frame" in mark and "tool" in mark and "pathX" not in mark
                                   and mark.get("details") is not None else normalise_mark(mark) for mark in value]
        elif type(first) is not str and (type(first) is not dict or _is_mark(first)) and any(map(_is_mark, value)):
            # marks beside items that are none (a broken export): those stay, for the extractor to
            # drop and note. A list that starts with text or a non-mark object is an answer list
            # (multiple question, survey, dropdown), left untouched without looking further
            annotation["value"] = [normalise_mark(mark) if _is_mark(mark) else mark for mark in value]
    return list(annotations)
