"""Drawing tasks: extractors for points, shapes, rectangles, polygons and Bezier curves.

Every extractor returns `{frameN: {<task>_tool<i>_<param>: [one value per mark], ...}}`
(classic front end) or `<task>_toolIndex<i>_<param>` (marks from the newer front end,
FEM, which the reader leaves with their `toolIndex`). `tools` keeps only marks of those
tool indexes; `details` runs sub-extractors on each mark's sub-task answers (see
`drawing_details`).

Bad marks. A mark with a missing or null coordinate is skipped on its own (the peer keeps
the rest of the classification too), together with its sub-task answers so lists stay
aligned; it is noted (`tasks.dropped.note_dropped`) and the engine writes it to the rejects
file and counts it in the run summary as a dropped mark. A coordinate that is not a number, or is NaN or infinite, a mark without a tool
index, or a frame that is not a whole number raises `ExtractError` naming the mark; the
engine writes the classification to the rejects file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from math import comb
from typing import Any

import numpy as np

from ..clustering.shapes import SHAPE_PARAMS
from ..errors import ExtractError, Where
from ..registry import Param, extractor
from .drawing_details import (
    DRAWING_TYPES,
    add_details,
    classifier_version,
    drawing_context,
)
from .dropped import note_dropped

TOOLS = Param(list, None, "keep only marks made with these tool indexes, e.g. [0, 1]")
DETAILS = Param(dict, None, "sub-task extractors per tool, e.g. {T0_tool0: [question_extractor]}")
V1_KEYS = Param(bool, False, "name FEM marks' columns as classic ones (T0_tool0_x, not T0_toolIndex0_x), "
                "as the peer's use_v1_keys")
SHAPE = Param(str, None, "the shape tool the marks were drawn with", tuple(SHAPE_PARAMS))
#: the drawing tools `zooagg config` gives to shape_extractor, as the peer's config does
SHAPE_TOOLS = ("rectangle", "circle", "column", "ellipse", "fullWidthLine", "fullHeightLine", "line",
               "rotateRectangle", "triangle", "fan")
#: FEM tools the peer's config leaves out, read as shapes too (configure/fem.py: graph2dRangeX
#: is read as a column)
FEM_SHAPE_TOOLS = ("temporalPoint", "temporalRotateRectangle", "graph2dRangeX")

#: values taken from a mark, or None to skip the mark
Fields = dict[str, Any] | None


def _bad(message: str, mark: Any) -> ExtractError:
    return ExtractError(message, hint="fix or remove this mark in the export", where=Where(value=mark))


def mark_name(task: str, index: int, mark: dict[str, Any]) -> str:
    return f"mark {index} (tool {mark.get('tool')}) of task {task}"


def number(mark: dict[str, Any], key: str, label: str) -> float | int | None:
    """A mark's coordinate: None if missing or null, ExtractError if not a finite number."""
    value = mark.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{label}: {key} is {value!r}, not a number", mark)
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(f"{label}: {key} is {value!r}, not a finite number", mark)
    return value


def tool_key(task: str, mark: dict[str, Any], label: str, v1_keys: bool = False) -> str:
    """`T0_tool1` for classic marks, `T0_toolIndex1` for FEM marks (as the peer names them;
    `v1_keys`: `T0_tool1` for both)."""
    fem = "toolIndex" in mark
    tool = mark.get("toolIndex") if fem else mark.get("tool")
    if isinstance(tool, bool) or not isinstance(tool, int):
        raise _bad(f"{label}: tool index is {tool!r}, not a whole number", mark)
    return f"{task}_toolIndex{tool}" if fem and not v1_keys else f"{task}_tool{tool}"


def frame_key(mark: dict[str, Any], label: str) -> str:
    frame = mark.get("frame", 0)
    if isinstance(frame, float) and frame.is_integer():
        frame = int(frame)
    if isinstance(frame, bool) or not isinstance(frame, int):
        raise _bad(f"{label}: frame is {frame!r}, not a whole number", mark)
    return f"frame{frame}"


def extract_marks(annotations: list[dict[str, Any]], classification: Any, tools: list[Any] | None,
                  details: dict[str, Any] | None, fields: Callable[[dict[str, Any], str], Fields],
                  by_frame: bool = True, v1_keys: bool = False) -> dict[str, Any]:
    """The common loop: group each kept mark's fields by frame and tool key, then details."""
    params: tuple[str, ...] | None = getattr(fields, "params", None)
    if params is not None and by_frame and not details:
        plain = plain_extract(annotations, classification, tools, params)
        if plain is not None:
            return plain
    context = drawing_context(annotations, classification, tools)
    extract: dict[str, Any] = {}
    kept: list[tuple[str, int, dict[str, Any], str, str]] = []
    for task, marks in context.drawings:
        for index, mark in marks:
            key_frame = _add_mark(extract, task, index, mark, fields, by_frame, v1_keys)
            if key_frame is not None:
                kept.append((task, index, mark, *key_frame))
    if context.version is not None:
        extract["classifier_version"] = context.version_text
    if details and by_frame:
        add_details(extract, kept, context, details, classification)
    return extract


def _add_mark(target_of: dict[str, Any], task: str, index: int, mark: dict[str, Any],
              fields: Callable[[dict[str, Any], str], Fields], by_frame: bool,
              v1_keys: bool = False) -> tuple[str, str] | None:
    """Add one mark's values to the extract: its (tool key, frame key), or None if skipped."""
    label = mark_name(task, index, mark)
    key = tool_key(task, mark, label, v1_keys)
    frame = frame_key(mark, label)
    values = fields(mark, label)
    if values is None:
        note_dropped(why_dropped(mark, fields, label), mark)
        return None
    target = target_of.setdefault(frame, {}) if by_frame else target_of
    for suffix, value in values.items():
        if suffix == "gold_standard":
            target[suffix] = value
            continue
        name = f"{key}_{suffix}"
        column = target.get(name)
        if column is None:
            target[name] = [value]
        else:
            column.append(value)
    return key, frame


def why_dropped(mark: dict[str, Any], fields: Callable[[dict[str, Any], str], Fields], label: str) -> str:
    """The rejects file's reason for a mark `fields` skipped: the keys it lacks."""
    kind = mark.get("toolType")
    drawn = f" (a {kind} mark)" if isinstance(kind, str) else ""
    params: tuple[str, ...] | None = getattr(fields, "params", None)
    if params is None:
        lacks = getattr(fields, "lacks", "nothing this extractor reads")
        if callable(lacks):  # a reason that depends on the mark
            lacks = lacks(mark)
    else:
        lacks = "no " + ", ".join(p for p in params if mark.get(p) is None)
    return f"{label}{drawn} has {lacks}: mark dropped, the rest of the classification kept"


_NUMBERS = frozenset({int, float})


def plain_extract(annotations: list[dict[str, Any]], classification: Any, tools: list[Any] | None,
                  params: tuple[str, ...]) -> dict[str, Any] | None:
    """`extract_marks` by frame without details, for classic marks that are all plain (an int
    tool and frame, finite numbers for every parameter), in one pass; None as soon as anything
    is unusual (the general loop then decides, and names what is wrong). Changes nothing it is
    given."""
    metadata = getattr(classification, "metadata", None)
    if not (type(metadata) is dict and "classifier_version" not in metadata) and \
            classifier_version(classification)[0] >= (2,):  # (no version in the metadata: 1.0)
        return None
    wanted = None if tools is None else set(tools)
    extract: dict[str, Any] = {}
    for annotation in annotations:
        value = annotation.get("value")
        if annotation.get("taskType", "drawing") not in DRAWING_TYPES or value is None:
            continue
        if type(value) is not list:
            return None
        task = annotation.get("task")
        if type(task) is not str:
            return None
        for mark in value:
            if type(mark) is not dict or "toolIndex" in mark or type(tool := mark.get("tool")) is not int:
                return None
            if wanted is not None and tool not in wanted:
                continue
            frame = mark.get("frame", 0)
            numbers = tuple(map(mark.get, params))
            if type(frame) is not int or not _finite_numbers(numbers):
                return None
            target = extract.get(frame_name := f"frame{frame}")
            if target is None:
                target = extract[frame_name] = {}
            for name, number in zip(_column_names(task, tool, params), numbers, strict=True):
                column = target.get(name)
                if column is None:
                    target[name] = [number]
                else:
                    column.append(number)
    return extract


def _finite_numbers(values: tuple[Any, ...]) -> bool:
    """Every value an int or float (not bool), none NaN or infinite."""
    if not _NUMBERS.issuperset(map(type, values)):
        return False
    try:
        return math.isfinite(sum(values))  # an overflowing sum is only a false alarm: the long way
    except OverflowError:
        return False


@lru_cache(maxsize=4096)
def _column_names(task: str, tool: int, params: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{task}_tool{tool}_{param}" for param in params)


@lru_cache(maxsize=64)
def coordinates(params: tuple[str, ...]) -> Callable[[dict[str, Any], str], Fields]:
    """Fields for marks defined by numbers; a mark missing any of them is skipped."""

    def fields(mark: dict[str, Any], label: str) -> Fields:
        values = {p: number(mark, p, label) for p in params}
        if any(v is None for v in values.values()):
            return None
        return values

    fields.params = params  # type: ignore[attr-defined]  # lets extract_marks take plain marks quickly
    return fields


@extractor("point_extractor_by_frame", params={"tools": TOOLS, "details": DETAILS, "use_v1_keys": V1_KEYS},
           task_types=("point",), default_reducer="point_reducer_dbscan", consensus="marks")
def point_extractor_by_frame(annotations: list[dict[str, Any]], classification: Any = None, *,
                             tools: list[Any] | None = None, details: dict[str, Any] | None = None,
                             use_v1_keys: bool = False) -> dict[str, Any]:
    """Point marks per frame: `{frame0: {T0_tool0_x: [..], T0_tool0_y: [..]}}`.

    Unlike the peer, FEM marks (`toolIndex`) work: their keys read `T0_toolIndex0_x`.
    """
    return extract_marks(annotations, classification, tools, details, coordinates(("x", "y")),
                         v1_keys=use_v1_keys)


@extractor("point_extractor", params={"tools": TOOLS}, default_reducer="point_reducer", consensus="marks")
def point_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                    tools: list[Any] | None = None) -> dict[str, Any]:
    """Point marks without frames or sub-tasks: `{T0_tool0_x: [..], T0_tool0_y: [..]}`."""
    extract = extract_marks(annotations, classification, tools, None, coordinates(("x", "y")), by_frame=False)
    extract.pop("classifier_version", None)  # the peer's point_extractor never adds it
    return extract


@extractor("shape_extractor", params={"shape": SHAPE, "tools": TOOLS, "details": DETAILS, "use_v1_keys": V1_KEYS},
           task_types=SHAPE_TOOLS + FEM_SHAPE_TOOLS, default_reducer="shape_reducer_dbscan", consensus="marks")
def shape_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                    shape: str | None = None, tools: list[Any] | None = None,
                    details: dict[str, Any] | None = None, use_v1_keys: bool = False) -> dict[str, Any]:
    """Marks of one shape tool per frame: `{frame0: {T0_tool2_x: [..], T0_tool2_width: [..], ..}}`.

    The parameters of each shape are listed in `zooagg.clustering.SHAPE_PARAMS`; a mark
    missing any of them (or with a null one) is skipped.
    """
    if shape not in SHAPE_PARAMS:
        raise ExtractError(f"shape_extractor needs shape, one of {', '.join(SHAPE_PARAMS)}; got {shape!r}",
                           hint="add `shape: rectangle` (for example) to the extractor config")
    return extract_marks(annotations, classification, tools, details, coordinates(SHAPE_PARAMS[shape]),
                         v1_keys=use_v1_keys)


@extractor("rectangle_extractor", params={"tools": TOOLS, "details": DETAILS}, default_reducer="rectangle_reducer", consensus="marks")
def rectangle_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                        tools: list[Any] | None = None,
                        details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rectangles per frame: `{frame0: {T0_tool0_x, _y, _width, _height: [..]}}`."""
    return extract_marks(annotations, classification, tools, details,
                         coordinates(("x", "y", "width", "height")))


def outline(mark: dict[str, Any], label: str) -> tuple[list[Any], list[Any]] | None:
    """A polygon's or freehand line's vertices, from `pathX`/`pathY` (FEM) or `points`; None
    when it has none or a point lacks a coordinate (an incomplete mark, `outline_lacks` says
    which); ExtractError when it is broken (a point that is no object, a coordinate that is no
    number, pathX and pathY of different lengths)."""
    if isinstance(mark.get("pathX"), list) and isinstance(mark.get("pathY"), list):
        xs, ys = mark["pathX"], mark["pathY"]
        if len(xs) != len(ys):
            raise _bad(f"{label}: pathX has {len(xs)} values but pathY {len(ys)}", mark)
        points = [{"x": x, "y": y} for x, y in zip(xs, ys, strict=True)]
    elif isinstance(mark.get("points"), list):
        points = mark["points"]
    else:
        return None
    xs_out, ys_out = [], []
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            raise _bad(f"{label}: point {i} is {point!r}, not {{x, y}}", mark)
        x, y = number(point, "x", f"{label}, point {i}"), number(point, "y", f"{label}, point {i}")
        if x is None or y is None:
            return None
        xs_out.append(x)
        ys_out.append(y)
    return xs_out, ys_out


def outline_lacks(mark: dict[str, Any]) -> str:
    """What an outline `outline` or the polygon extractor left out lacks (the rejects file's reason)."""
    points = mark.get("points") if not isinstance(mark.get("pathX"), list) else \
        [{"x": x, "y": y} for x, y in zip(mark["pathX"], mark.get("pathY") or [], strict=False)]
    if not isinstance(points, list) or not points:
        return "no points"
    missing = next((i for i, p in enumerate(points) if isinstance(p, dict) and (p.get("x") is None or p.get("y") is None)), None)
    if missing is not None:
        return f"no x or y in point {missing}"
    return f"only {len(points)} points (a polygon needs 3)"


def polygon_fields(gold_standard: bool) -> Callable[[dict[str, Any], str], Fields]:
    def fields(mark: dict[str, Any], label: str) -> Fields:
        found = outline(mark, label)
        if found is None or not found[0]:
            return None
        xs, ys = found
        if len(xs) < 3 and mark.get("toolType", "polygon") == "polygon":
            return None  # a closed outline needs three corners; it would break the polygon reducer
        return {"pathX": xs, "pathY": ys, "gold_standard": gold_standard}

    fields.lacks = outline_lacks  # type: ignore[attr-defined]  # (why_dropped)
    return fields


@extractor("polygon_extractor", params={"tools": TOOLS, "details": DETAILS, "use_v1_keys": V1_KEYS},
           task_types=("freehandLine", "polygon"), default_reducer="polygon_reducer", consensus="marks")
def polygon_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                      tools: list[Any] | None = None, details: dict[str, Any] | None = None,
                      use_v1_keys: bool = False) -> dict[str, Any]:
    """Polygons and freehand lines per frame: `{frame0: {T0_tool0_pathX: [[..], ..], .._pathY, gold_standard}}`.

    A mark without points, with a point lacking a coordinate, or a polygon (classic marks, or
    FEM `toolType: polygon`) with one or two points is skipped and noted as a dropped mark;
    freehand lines may have any number of points.
    `gold_standard` comes from the classification's column (the peer always writes False
    when run on a CSV export, because it never reads that column).
    """
    gold = bool(getattr(classification, "gold_standard", False)) if classification is not None else False
    if isinstance(classification, dict):
        gold = bool(classification.get("gold_standard", False))
    return extract_marks(annotations, classification, tools, details, polygon_fields(gold), v1_keys=use_v1_keys)


def bezier_curve(control: np.ndarray, samples: int = 10) -> np.ndarray:
    """Points on the Bezier curve of `control` points, from the last control point to the first.

    B(t) = Σ_i C(n-1, i) · t^(n-1-i) · (1-t)^i · P_i, sampled at `samples` values of t in [0, 1].
    """
    n = len(control)
    t = np.linspace(0.0, 1.0, samples)
    basis = np.array([comb(n - 1, i) * (t ** (n - 1 - i)) * (1 - t) ** i for i in range(n)])
    curve = np.array([control[:, 0] @ basis, control[:, 1] @ basis]).T
    return curve[::-1]


def bezier_fields(mark: dict[str, Any], label: str) -> Fields:
    found = outline(mark, label)
    if found is None or len(found[0]) <= 2:
        return None
    xs, ys = found
    control = np.array(list(zip(xs, ys, strict=True)), dtype=float)
    if len(control) % 2 == 0:  # an even count means a closed curve: back to the start
        control = np.append(control, [control[0]], axis=0)
    pieces = [bezier_curve(control[i - 1:i + 2]) for i in range(1, len(control), 2)]
    curve = np.concatenate(pieces)
    return {"pathX": curve[:, 0].tolist(), "pathY": curve[:, 1].tolist()}


bezier_fields.lacks = lambda mark: (  # type: ignore[attr-defined]  # (why_dropped)
    "two points or fewer" if outline_lacks(mark).startswith("only") else outline_lacks(mark))


@extractor("bezier_extractor", params={"tools": TOOLS, "details": DETAILS}, task_types=("bezier",),
           default_reducer="polygon_reducer", consensus="marks")
def bezier_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                     tools: list[Any] | None = None,
                     details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Bezier marks as sampled curves: consecutive control-point triples (each sharing its
    last point with the next) become quadratic curves of 10 points each, joined end to end.
    Marks with two points or fewer are skipped.
    """
    return extract_marks(annotations, classification, tools, details, bezier_fields)
