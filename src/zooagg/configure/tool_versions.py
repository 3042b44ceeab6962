"""Version ranges in which a workflow's drawing tools keep their shapes.

Without a workflow export, a project run infers one config from every version present. When a
tool changes shape between versions (Kenya Wildlife Watch's T2 drew rectangles, then circles from
version 62), one extractor cannot read both, so the versions are split where any tool's shape
changes and each range is inferred on its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..exports.classifications import ClassificationReader
from ..exports.versions import Version, parse_version
from .groups import RunGroup
from .infer_evidence import LABEL_HINTS, _compatible, _mark_shape

ToolKey = tuple[str, int]  # (task, tool index)


def _tool_of(mark: dict[str, Any]) -> int | None:
    tool = mark.get("toolIndex", mark.get("tool"))
    return tool if isinstance(tool, int) and not isinstance(tool, bool) else None


def shapes_by_version(path: str | Path, workflow_id: int) -> dict[Version, dict[ToolKey, Counter[str]]]:
    """Per version: the shapes each drawing tool's marks had (streamed over the export)."""
    found: dict[Version, dict[ToolKey, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for classification in ClassificationReader(path, workflow_id, None):
        if isinstance(classification, Exception) or not classification.workflow_version:
            continue  # a damaged row says nothing; extract reports it
        try:
            version = parse_version(classification.workflow_version)
        except ValueError:
            continue
        for annotation in classification.annotations:
            value = annotation.get("value") if isinstance(annotation, dict) else None
            for mark in value if isinstance(value, list) else []:
                tool = _tool_of(mark) if isinstance(mark, dict) else None
                if tool is not None:
                    found[version][(str(annotation.get("task", "")), tool)][shape_of(mark)] += 1
    return found


def shape_of(mark: dict[str, Any]) -> str:
    """A mark's shape; a bare x, y (a click without a drag) takes the shape its tool's label
    names ("Rectangle", "Circle"), else it says nothing ("point" counts only where nothing
    fuller was drawn)."""
    shape = _mark_shape(mark)
    label = mark.get("tool_label")
    if shape == "point" and isinstance(label, str):
        for word, hinted in LABEL_HINTS:
            if word in label.lower() and _compatible("point", hinted):
                return hinted
    return shape


def _usual(counts: Counter[str]) -> str | None:
    fuller = Counter({s: n for s, n in counts.items() if s != "point"})
    return fuller.most_common(1)[0][0] if fuller else None


def shape_ranges(versions: list[Version], shapes: dict[Version, dict[ToolKey, Counter[str]]]) -> list[list[Version]]:
    """Consecutive versions split where a tool's usual shape differs from the one before it
    (versions without marks of a tool keep the range they are in)."""
    ranges: list[list[Version]] = []
    current: dict[ToolKey, str] = {}
    for version in sorted(versions):
        usual = {key: shape for key, counts in shapes.get(version, {}).items() if (shape := _usual(counts))}
        if not ranges or any(key in current and current[key] != shape for key, shape in usual.items()):
            ranges.append([])
            current = {}
        ranges[-1].append(version)
        current.update(usual)
    return ranges


def split_inferred(groups: list[RunGroup], classifications: str | Path,
                   present: dict[int, Counter[Version]]) -> list[RunGroup]:
    """Each inferred group split where a drawing tool changes shape; other groups unchanged.
    `present` is the classifications per workflow and version (`versions_in`)."""
    out: list[RunGroup] = []
    for group in groups:
        if not group.inferred or len(group.versions) < 2:
            out.append(group)
            continue
        parts = shape_ranges(group.versions, shapes_by_version(classifications, group.workflow_id))
        counts = present.get(group.workflow_id, Counter())
        out.extend(replace(group, versions=part, rows=sum(counts[v] for v in part)) for part in parts)
    return out
