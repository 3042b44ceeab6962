"""Lines of text marked with a drawing tool: each mark's position, slope and transcription.

`line_text_extractor` reads line marks (`x1, y1, x2, y2`) whose one sub-task is a text task,
from the classic front end (the text in the mark's `details`) and from the newer one (FEM: a
`transcription` task whose text answers are separate annotations found by `markIndex`).
`poly_line_text_extractor` reads polygon marks (`points`) with a text sub-task, either one dot
at each end of a line (`dot_freq: line`) or one dot between every two words (`dot_freq: word`).

Both give, per frame, the peer's layout:
`{frameN: {points: {x: [[..] per mark], y: [[..] per mark]}, text: [[..] per mark],
slope: [degrees per mark], gold_standard: bool}}`. The slope is the angle of the line from its
first to its last dot (a least-squares fit through every dot for polygons), in degrees, with
y increasing downward as in the image.

Bad marks. A mark that cannot be used (not an object, a line without one of its four
coordinates, a polygon without points or with a point lacking a coordinate, a mark without a
text answer, a polygon whose dots do not fit `dot_freq`) is left out on its own and noted
(`tasks.dropped.note_dropped`): the engine writes it to the rejects file and counts it in the
run summary as a dropped mark, and the rest of the classification is extracted. A coordinate
that is not a finite number, or a text answer that is not a string, is a broken export, not an
incomplete mark: `ExtractError` naming the mark, and the classification goes to the rejects
file. A null text answer is kept as null, as the peer keeps it; the reducer treats it as a
blank line.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..errors import ExtractError, Where
from ..registry import Param, extractor
from .drawing import frame_key
from .drawing_details import classifier_version
from .dropped import note_dropped
from .text import checked_text, gold_standard_of

try:  # numpy >= 2
    from numpy.exceptions import RankWarning
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy import RankWarning  # type: ignore[attr-defined,no-redef]

TOOLS = Param(list, None, "keep only marks made with these tool indexes, e.g. [0]")
#: `config` writes `details: {}` for these extractors when the task has other tools too; the peer
#: ignores it, and so does zooagg (the text sub-task is read from the marks themselves)
DETAILS = Param(dict, None, "ignored (the mark's text sub-task is always read)")
DOT_FREQ = Param(str, "line", "'line': a dot at each end of a line; 'word': a dot between words",
                 ("line", "word"))


def _bad(message: str, mark: Any, hint: str = "fix or remove this mark in the export") -> ExtractError:
    return ExtractError(message, hint=hint, where=Where(value=mark))


def _dropped(label: str, why: str, mark: Any) -> None:
    note_dropped(f"{label} {why}: mark dropped, the rest of the classification kept", mark)


def _lacks(mark: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The keys of `keys` the mark has no value for."""
    return [key for key in keys if mark.get(key) is None]


def _coordinate(mark: dict[str, Any], key: str, label: str) -> float:
    value = mark.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(f"{label}: {key} is {value!r}, not a finite number", mark)
    return value


def _text(value: Any, label: str) -> Any:
    """A transcription: a string (or null, kept as the peer keeps it); anything else is an error."""
    if value is not None and not isinstance(value, str):
        raise ExtractError(f"the text of {label} must be a string, got {type(value).__name__}",
                           hint="check that the mark's sub-task is a text task", where=Where(value=value))
    return checked_text(value, f"the text of {label}")


#: a mark without a text answer (told apart from a null answer, which is kept)
NO_TEXT = object()


def _detail_text(mark: dict[str, Any], label: str) -> Any:
    """The text answer in a classic mark's details, or NO_TEXT."""
    details = mark.get("details")
    if not isinstance(details, list) or not details or not isinstance(details[0], dict):
        return NO_TEXT
    return _text(details[0].get("value"), label)


def _marks(annotation: dict[str, Any] | None, tools: list[Any] | None) -> list[tuple[int, dict[str, Any]]]:
    """(index as drawn, mark) of the annotation's marks, keeping only `tools` if given."""
    if annotation is None:
        return []
    value = annotation.get("value")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ExtractError(f"a line task's value must be a list of marks, got {type(value).__name__}",
                           hint="check that the task is a drawing or transcription task", where=Where(value=value))
    out = []
    for index, mark in enumerate(value):
        if not isinstance(mark, dict):
            _dropped(f"mark {index} of task {annotation.get('task')}", "is not an object", mark)
            continue
        tool = mark.get("toolIndex", mark.get("tool"))
        if tools is None or tool in tools:
            out.append((index, mark))
    return out


def _new_frame(gold: bool | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"points": {"x": [], "y": []}, "text": [], "slope": []}
    if gold is not None:
        frame["gold_standard"] = gold
    return frame


def _add(frame: dict[str, Any], x: list[Any], y: list[Any], text: list[Any], slope: float) -> None:
    frame["points"]["x"].append(x)
    frame["points"]["y"].append(y)
    frame["text"].append(text)
    frame["slope"].append(slope)


def line_slope(x: list[float], y: list[float]) -> float:
    """Degrees from the first to the last point, y downward (the peer's arctan2 of dy, dx)."""
    return float(np.rad2deg(np.arctan2(y[-1] - y[0], x[-1] - x[0])))


@extractor("line_text_extractor", params={"tools": TOOLS, "details": DETAILS}, task_types=("transcription",),
           default_reducer="poly_line_text_reducer", consensus="marks")
def line_text_extractor(annotations: list[dict[str, Any]], classification: Any = None,
                        tools: list[Any] | None = None, details: Any = None) -> dict[str, Any]:
    """Line marks with a text sub-task: per frame their end points, text and slope."""
    if not annotations:
        return {}
    fem = classifier_version(classification)[0] >= (2,)
    if fem:
        lines = next((a for a in annotations if a.get("taskType") == "transcription"), None)
        answers = {(a.get("task"), a.get("markIndex")): a for a in annotations if a.get("taskType") == "text"}
    else:
        lines, answers = annotations[0], {}
    gold = gold_standard_of(classification)
    extract: dict[str, Any] = {}
    for index, mark in _marks(lines, tools):
        label = f"line {index} of task {(lines or {}).get('task')}"
        frame_name = frame_key(mark, label)
        if fem:
            details = mark.get("details") or [{}]
            task = details[0].get("task") if isinstance(details[0], dict) else None
            answer = answers.get((task, index))
            text = NO_TEXT if answer is None else _text(answer.get("value"), label)
            missing = f"no {task} annotation with markIndex {index}"
        else:
            text, missing = _detail_text(mark, label), "no text sub-task answer in its details"
        lacks = _lacks(mark, ("x1", "y1", "x2", "y2"))
        if lacks or text is NO_TEXT:
            _dropped(label, f"has no {', '.join(lacks)}" if lacks else f"has no text answer ({missing})", mark)
            continue
        x = [_coordinate(mark, "x1", label), _coordinate(mark, "x2", label)]
        y = [_coordinate(mark, "y1", label), _coordinate(mark, "y2", label)]
        frame = extract.setdefault(frame_name, _new_frame())
        _add(frame, x, y, [text], line_slope(x, y))
        frame["gold_standard"] = gold
    return extract


def fitted_slope(x: list[float], y: list[float]) -> float:
    """The slope in degrees of the least-squares line through the dots; for a vertical line the
    fit is done with the axes swapped; a line of zero length has slope 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankWarning)
        try:
            fit = np.polyfit(x, y, 1)
            ends = np.polyval(fit, [x[0], x[-1]])
            return float(np.rad2deg(np.arctan2(ends[-1] - ends[0], x[-1] - x[0])))
        except RankWarning:
            pass
        swapped_x, swapped_y = -np.array(y), np.array(x)
        try:
            fit = np.polyfit(swapped_x, swapped_y, 1)
        except RankWarning:
            return 0.0
        ends = np.polyval(fit, [swapped_x[0], swapped_x[-1]])
        rise = ends[-1] - ends[0]
        if rise.round(6) == 0:
            rise = 0.0  # -0.0 would turn a horizontal result into -180
        return float(np.rad2deg(np.arctan2(rise, swapped_x[-1] - swapped_x[0])) - 90)


def _polygon_points(mark: dict[str, Any], label: str) -> tuple[list[float], list[float]] | str:
    """The polygon's dots, or why the mark cannot be used."""
    points = mark.get("points")
    if not isinstance(points, list):
        return "has no points"
    x, y = [], []
    for number, point in enumerate(points):
        if not isinstance(point, dict):
            raise _bad(f"{label}: point {number} is {point!r}, not an object", mark)
        if lacks := _lacks(point, ("x", "y")):
            return f"has no {', '.join(lacks)} in point {number}"
        x.append(_coordinate(point, "x", f"{label} point {number}"))
        y.append(_coordinate(point, "y", f"{label} point {number}"))
    return x, y


@extractor("poly_line_text_extractor", params={"tools": TOOLS, "dot_freq": DOT_FREQ, "details": DETAILS},
           default_reducer="poly_line_text_reducer", consensus="marks")
def poly_line_text_extractor(annotations: list[dict[str, Any]], classification: Any = None,
                             dot_freq: str = "line", tools: list[Any] | None = None,
                             details: Any = None) -> dict[str, Any]:
    """Polygon marks with a text sub-task. With `dot_freq: line` only marks of exactly two dots
    are kept; with `word` only marks with one more dot than words (as the peer does; other
    marks are left out, their frame still listed, and each is noted as a dropped mark)."""
    if dot_freq not in ("line", "word"):
        raise ExtractError(f"dot_freq must be 'line' or 'word', got {dot_freq!r}", hint="fix dot_freq in the config")
    if not annotations:
        return {}
    gold = gold_standard_of(classification)
    extract: dict[str, Any] = {}
    for index, mark in _marks(annotations[0], tools):
        label = f"polygon {index} of task {annotations[0].get('task')}"
        frame = extract.setdefault(frame_key(mark, label), _new_frame(gold))
        text = _detail_text(mark, label)
        dots = _polygon_points(mark, label)
        if text is NO_TEXT or isinstance(dots, str):
            _dropped(label, "has no text answer in its details" if text is NO_TEXT else str(dots), mark)
            continue
        x, y = dots
        if dot_freq == "word" and not isinstance(text, str):
            raise _bad(f"{label} has a null text answer; dot_freq 'word' needs words", mark)
        words = text.split(" ") if dot_freq == "word" else [text]
        wanted = len(words) + 1 if dot_freq == "word" else 2
        if len(x) != wanted:
            _dropped(label, f"has {len(x)} dots where dot_freq {dot_freq!r} needs {wanted}", mark)
            continue
        _add(frame, x, y, words, fitted_slope(x, y))
    return extract
