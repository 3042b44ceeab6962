"""What the line-text reducers share: the marks of a subject read from its extracts (checked),
cluster labels in the peer's order, and word alignment of a line's transcriptions."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ReduceError, Where
from .text_align import align


@dataclass
class Mark:
    """One transcribed line (or polygon) of one extract, on one frame."""

    x: list[float]
    y: list[float]
    text: list[Any]  # the words (or the one line of text), then '' for the last dot
    slope: float
    gold: bool
    data_index: int  # which extract of the subject
    extract_index: int  # which mark of that extract on this frame


def _bad(message: str, value: Any) -> ReduceError:
    return ReduceError(message, hint="check the extracts: they should come from line_text_extractor or "
                                     "poly_line_text_extractor", where=Where(value=value))


def _numbers(values: Any, what: str) -> list[float]:
    if not isinstance(values, list | tuple) or not values:
        raise _bad(f"{what} must be a non-empty list of numbers, got {values!r}", values)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise _bad(f"{what} holds {v!r}, not a finite number", values)
    return list(values)


def _list(frame_value: dict[str, Any], *path: str) -> list[Any]:
    node: Any = frame_value
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        raise _bad(f"the extract has no list at {'.'.join(path)}", frame_value)
    return node


def _mark(x: Any, y: Any, text: Any, slope: Any, by_line: bool, label: str) -> tuple[list[Any], list[Any], list[Any]]:
    x, y = _numbers(x, f"{label} x"), _numbers(y, f"{label} y")
    if len(x) != len(y):
        raise _bad(f"{label} has {len(x)} x and {len(y)} y coordinates", [x, y])
    if not isinstance(text, list | tuple) or any(t is not None and not isinstance(t, str) for t in text):
        raise _bad(f"the text of {label} must be a list of strings, got {text!r}", text)
    if isinstance(slope, bool) or not isinstance(slope, int | float) or not math.isfinite(slope):
        raise _bad(f"the slope of {label} is {slope!r}, not a finite number", slope)
    if by_line:
        if any(t is None for t in text):
            raise _bad(f"{label} has a null text; process_by_line needs strings", text)
        x, y, text = [x[0], x[-1]], [y[0], y[-1]], [" ".join(text)]
    if len(text) + 1 != len(x):
        raise _bad(f"{label} has {len(x)} dots for {len(text)} words (one more dot than words is needed)",
                   [x, text])
    return x, y, [*text, ""]


def frames_of(extracts: list[dict[str, Any]], process_by_line: bool = False,
              need_dots_match: bool = True) -> dict[str, list[Mark]]:
    """Every mark of every extract, per frame (frames in first-seen order), checked."""
    frames: dict[str, list[Mark]] = {}
    for data_index, extract in enumerate(extracts):
        for frame, value in extract.items():
            if not str(frame).startswith("frame"):
                continue
            if not isinstance(value, dict):
                raise _bad(f"{frame} of an extract is {value!r}, not an object", value)
            marks = frames.setdefault(frame, [])
            xs, ys = _list(value, "points", "x"), _list(value, "points", "y")
            texts, slopes = _list(value, "text"), _list(value, "slope")
            if not len(xs) == len(ys) == len(texts) == len(slopes):
                raise _bad(f"{frame} of an extract has lists of different lengths (points, text, slope)", value)
            gold = bool(value.get("gold_standard", False))
            for index, (x, y, text, slope) in enumerate(zip(xs, ys, texts, slopes, strict=True)):
                label = f"line {index} of {frame}"
                if need_dots_match:
                    x, y, text = _mark(x, y, text, slope, process_by_line, label)
                marks.append(Mark(x, y, text, float(slope), gold, data_index, index))
    return frames


def sorted_labels(labels: np.ndarray, data: np.ndarray, average: Callable[[np.ndarray], Any] = np.mean,
                  descending: bool = False) -> list[int]:
    """The cluster labels (noise left out) ordered by the average of their data."""
    found = np.array(sorted({int(k) for k in labels if k != -1}), dtype=int)
    if not len(found):
        return []
    values = [average(data[np.asarray(labels) == k]) for k in found]
    order = np.argsort(values)
    if descending:
        order = order[::-1]
    return [int(k) for k in found[order]]


def aligned_columns(texts: list[str], min_word_count: int = 1) -> list[list[str]]:
    """The alignment table of `texts` (one list per word position); positions found in fewer
    than `min_word_count` transcriptions are blanked."""
    if not texts:
        return []
    out = []
    for column in align(texts):
        if sum(1 for w in column if w != "") >= min_word_count:
            out.append(list(column))
        else:
            out.append([""] * len(column))
    return out
