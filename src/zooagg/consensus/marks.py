"""Consensus cells of drawing and transcription reductions.

A drawing reduction has, per frame and tool, the volunteers' marks (`…_cluster_labels`, one
label per mark, -1 for a mark in no cluster) and the clusters (`…_clusters_x`, `…_clusters_y`,
…). The table gives, per tool, how many marks and clusters there were and the cluster centres
as text; and per task whether the subject had marks but no cluster at all, the sign that the
clustering's eps (or min_samples) is too strict for this task.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ..tables.cells import is_missing
from .votes import DIGITS, Cells, Row, number

MARK_COLUMN = re.compile(r"^data\.frame(\d+)\.(.+?)_tool(?:Index)?(\d+)_(\w+)$")
LINE_FRAME = re.compile(r"^data\.frame(\d+)$")


def is_drawing(row: Row) -> bool:
    return any(MARK_COLUMN.match(column) for column in row)


def is_transcription(row: Row) -> bool:
    return any(LINE_FRAME.match(column) for column in row)


def _tools(row: Row, task: str) -> dict[int, dict[int, dict[str, Any]]]:
    """tool -> frame -> {name: value} of one reduction row."""
    tools: dict[int, dict[int, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for column, value in row.items():
        match = MARK_COLUMN.match(column)
        # an empty cell (a CSV column of another subject's tool) is no data, as a missing key
        if match and match.group(2) == task and not is_missing(value) and value != "":
            tools[int(match.group(3))][int(match.group(1))][match.group(4)] = value
    return tools


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mean(values: list[Any]) -> float | None:
    numbers = [n for n in (number(v) for v in values) if n is not None]
    return sum(numbers) / len(numbers) if numbers else None


def centres(params: Mapping[str, Any]) -> list[tuple[float, float]]:
    """The centre of each cluster of one tool in one frame, whatever the shape."""
    xs, ys = _list(params.get("clusters_x")), _list(params.get("clusters_y"))
    if "clusters_x1" in params:  # lines: the midpoint
        xs = [(a + b) / 2 for a, b in zip(_list(params["clusters_x1"]), _list(params.get("clusters_x2")),
                                          strict=False) if number(a) is not None and number(b) is not None]
        ys = [(a + b) / 2 for a, b in zip(_list(params.get("clusters_y1")), _list(params.get("clusters_y2")),
                                          strict=False) if number(a) is not None and number(b) is not None]
    elif xs and isinstance(xs[0], list):  # polygons and freehand lines: the mean vertex
        xs = [_mean(v) for v in xs]
        ys = [_mean(v) for v in ys]
    elif "clusters_width" in params and "clusters_angle" not in params:  # rectangles: x, y is a corner
        xs = [x + w / 2 for x, w in zip(xs, _list(params["clusters_width"]), strict=False)
              if number(x) is not None and number(w) is not None]
        ys = [y + h / 2 for y, h in zip(ys, _list(params.get("clusters_height")), strict=False)
              if number(y) is not None and number(h) is not None]
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=False) if number(x) is not None
            and number(y) is not None]


def _text(points: list[tuple[int, float, float]]) -> str:
    def one(frame: int, x: float, y: float) -> str:
        xy = f"({x:.1f}, {y:.1f})"
        return f"frame {frame}: {xy}" if frame else xy

    return "; ".join(one(*point) for point in points)


def drawing_cells(row: Row, task: str) -> Cells:
    """Per tool: marks, clusters and cluster centres; per task: marks but no cluster (over
    every tool of the task: see `settle_drawing`)."""
    cells: Cells = {}
    for tool, frames in sorted(_tools(row, task).items()):
        marks = clusters = 0
        points: list[tuple[int, float, float]] = []
        for frame, params in sorted(frames.items()):
            marks += len(_list(params.get("cluster_labels")))
            found = centres(params)
            counts = _list(params.get("clusters_count"))
            clusters += len(counts) if counts else len(found)
            points.extend((frame, x, y) for x, y in found)
        cells[f"tool{tool}_marks"] = marks
        cells[f"tool{tool}_clusters"] = clusters
        cells[f"tool{tool}_centres"] = _text(points)
    cells["marks_without_consensus"] = False
    return cells


def settle_drawing(cells: Cells, tools: list[int]) -> None:
    """A drawing task's cells once every reducer of the task (one per tool shape) is in: tools
    without marks on this subject get 0 marks and 0 clusters, and the flag looks at all tools."""
    for tool in tools:
        cells.setdefault(f"tool{tool}_marks", 0)
        cells.setdefault(f"tool{tool}_clusters", 0)
        cells.setdefault(f"tool{tool}_centres", "")
    marks = sum(cells[f"tool{tool}_marks"] for tool in tools)
    clusters = sum(cells[f"tool{tool}_clusters"] for tool in tools)
    cells["marks_without_consensus"] = marks > 0 and clusters == 0


def transcription_cells(row: Row) -> Cells:
    """poly_line_text_reducer and kin: consensus lines, their text and mean consensus score."""
    lines: list[Mapping[str, Any]] = []
    for column, value in sorted(row.items(), key=lambda item: _frame_of(item[0])):
        if LINE_FRAME.match(column):
            lines.extend(line for line in _list(value) if isinstance(line, Mapping))
    texts = [str(line.get("consensus_text", "")) for line in lines]
    scores = [n for n in (number(line.get("consensus_score")) for line in lines) if n is not None]
    low = number(row.get("data.low_consensus_lines"))
    return {"lines": len(lines), "text": " | ".join(texts) if texts else None,
            "score": round(sum(scores) / len(scores), DIGITS) if scores else None,
            "low_consensus_lines": int(low) if low is not None else None}


def _frame_of(column: str) -> int:
    match = LINE_FRAME.match(column)
    return int(match.group(1)) if match else -1

