"""Drawn marks in a report: each volunteer's marks and the consensus clusters of a drawing task."""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..tables.cells import parse_cell
from .texts import TextLine, consensus_lines, extract_lines, is_line_text, line_texts

#: one classification agrees with itself: agreement is stated only over subjects with this many
MIN_CLASSIFICATIONS = 2
MARK_COLUMN = re.compile(r"^data\.frame(\d+)\.([^.]+?)_tool(?:Index)?(\d+)_(\w+)$")


def rows_of(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        yield from csv.DictReader(handle)


@dataclass
class Mark:
    tool: int
    shape: str  # point, circle, rectangle, ellipse, line, path
    params: dict[str, Any]


@dataclass
class DrawingTask:
    task: str
    extractor: str
    #: subject -> one list of marks per classification
    marks: dict[str, list[list[Mark]]] = field(default_factory=dict)
    #: subject -> cluster centres from the reduction (empty when there is none)
    clusters: dict[str, list[Mark]] = field(default_factory=dict)
    reduction: str = ""
    #: transcription tasks: each subject's consensus lines, text and score
    texts: list[TextLine] = field(default_factory=list)
    #: the reducer's parameters from its config file (eps, min_samples, ...)
    parameters: dict[str, Any] = field(default_factory=dict)

    def unclustered(self) -> list[str]:
        """Subjects marked in two or more classifications that have no consensus mark at all."""
        return sorted(s for s, marks in self.marks.items()
                      if sum(bool(m) for m in marks) >= MIN_CLASSIFICATIONS and not self.clusters.get(s))


def _shape_of(params: set[str]) -> str:
    if {"x1", "y1", "x2", "y2"} <= params:
        return "line"
    if {"pathX", "pathY"} <= params:
        return "path"
    if {"rx", "ry"} <= params:
        return "ellipse"
    if "r" in params:
        return "circle"
    if {"width", "height"} <= params:
        return "rectangle"
    return "point"


def _marks_in(row: dict[str, str], task: str, prefix: str = "") -> list[Mark]:
    """The marks of one extract (prefix "") or the clusters of one reduction (prefix "clusters_")."""
    tools: dict[int, dict[str, Any]] = defaultdict(dict)
    for column, value in row.items():
        match = MARK_COLUMN.match(column or "")
        if not match or match.group(2) != task or not value:
            continue
        name = match.group(4)
        if prefix:
            if not name.startswith(prefix):
                continue
            name = name[len(prefix):]
        elif name.startswith(("clusters_", "cluster_", "points_")):
            continue
        parsed = parse_cell(value)
        if isinstance(parsed, list):
            tools[int(match.group(3))][name] = parsed
    marks = []
    for tool, params in tools.items():
        if not {"x", "y"} <= set(params) and not {"pathX", "pathY"} <= set(params) \
                and not {"x1", "y1"} <= set(params):
            continue
        shape = _shape_of(set(params))
        length = min(len(v) for v in params.values())
        for i in range(length):
            one = {k: v[i] for k, v in params.items()}
            if shape == "point" and isinstance(one.get("x"), list):
                shape_i = "path"  # polygon extracts: one list of vertices per mark
                one = {"pathX": one["x"], "pathY": one["y"]}
            else:
                shape_i = shape
            marks.append(Mark(tool, shape_i, one))
    return marks


def read_drawing(extracts: Path, task: str, extractor: str, reduction: Path | None) -> DrawingTask:
    drawing = DrawingTask(task, extractor, reduction=reduction.name if reduction else "")
    lines = is_line_text(extractor)  # transcription: lines with text, not tool columns
    for row in rows_of(extracts):
        if row.get("task") != task:
            continue
        marks = [Mark(0, "path", p) for p in extract_lines(row)] if lines else _marks_in(row, task)
        drawing.marks.setdefault(row["subject_id"], []).append(marks)
    if reduction is not None:
        for row in rows_of(reduction):
            if row.get("task") != task:
                continue
            if lines:
                found = consensus_lines(row)
                drawing.texts.extend(line_texts(row["subject_id"], found))
                drawing.clusters[row["subject_id"]] = [
                    Mark(0, "path", {"pathX": line.get("clusters_x"), "pathY": line.get("clusters_y"),
                                     "text": str(line.get("consensus_text") or "")})
                    for line in found]
            else:
                drawing.clusters[row["subject_id"]] = _marks_in(row, task, "clusters_")
    return drawing




def parameters_for(folder: Path, extractor: str) -> dict[str, Any]:
    """The reducer's parameters: its config file's, over the reducer's defaults (empty when
    there is no config)."""
    from .. import registry

    config = next(iter(sorted(folder.glob(f"Reducer_config_workflow_*_{extractor}.yaml"))), None)
    if config is None:
        return {}
    try:
        with config.open(encoding="utf-8") as handle:
            name, params = next(iter(yaml.safe_load(handle)["reducer_config"].items()))
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, StopIteration, ValueError):
        return {}
    component = registry.components("reducer").get(str(name))
    defaults = {key: param.default for key, param in component.params.items()} if component else {}
    return {**defaults, **(params if isinstance(params, dict) else {})}


def reduction_for(folder: Path, extractor: str) -> Path | None:
    """The reduction made from an extractor's extracts, by the names `zooagg run` gives."""
    for path in sorted(folder.glob(f"*_reductions_{extractor}.csv")):
        return path
    config = next(iter(sorted(folder.glob(f"Reducer_config_workflow_*_{extractor}.yaml"))), None)
    if config is not None:
        try:
            with config.open(encoding="utf-8") as handle:
                reducer = next(iter(yaml.safe_load(handle)["reducer_config"]))
        except (OSError, yaml.YAMLError, KeyError, TypeError, StopIteration):
            return None
        path = folder / f"{reducer}_reductions.csv"
        return path if path.exists() else None
    return None
