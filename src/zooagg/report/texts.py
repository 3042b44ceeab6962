"""Text in a report: text tasks' consensus with its score, transcribed lines drawn and listed.

A text task (`text_reducer`) has per subject a consensus text, its consensus score (how many
volunteers agreed, on average per aligned word) and how many typed. A transcription task
(line-text extractors, `poly_line_text_reducer`) has per classification lines with text, and
per subject consensus lines with their text and score.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..tables.cells import parse_cell

LINE_POINTS = re.compile(r"^data\.frame(\d+)\.points\.([xy])$")
LINE_FRAME = re.compile(r"^data\.frame(\d+)$")


@dataclass
class TextLine:
    subject: str
    text: str
    score: float
    views: int


@dataclass
class TextTask:
    task: str
    file: str
    reducer: str
    lines: list[TextLine] = field(default_factory=list)

    def lowest(self, count: int = 15) -> list[TextLine]:
        """The consensus texts volunteers agreed on least: lowest score first."""
        return sorted(self.lines, key=lambda line: (line.score, -line.views, line.subject))[:count]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_texts(path: Path, rows: Iterator[dict[str, str]]) -> list[TextTask]:
    """The text tasks of a text_reducer file."""
    tasks: dict[str, TextTask] = {}
    for row in rows:
        task = tasks.setdefault(row.get("task", ""), TextTask(row.get("task", ""), path.name, "text_reducer"))
        views = int(_number(row.get("data.number_views")))
        if views:
            task.lines.append(TextLine(row["subject_id"], row.get("data.consensus_text", ""),
                                       _number(row.get("data.consensus_score")), views))
    return list(tasks.values())


def is_line_text(extractor: str) -> bool:
    return "line_text" in extractor


def extract_lines(row: dict[str, str]) -> list[dict[str, Any]]:
    """One volunteer's transcribed lines as paths (`pathX`/`pathY`), from a line-text extract."""
    coordinates: dict[int, dict[str, Any]] = {}
    for column, value in row.items():
        match = LINE_POINTS.match(column or "")
        if match and value:
            coordinates.setdefault(int(match.group(1)), {})[match.group(2)] = parse_cell(value)
    paths: list[dict[str, Any]] = []
    for _, axes in sorted(coordinates.items()):
        xs, ys = axes.get("x"), axes.get("y")
        if isinstance(xs, list) and isinstance(ys, list):
            paths.extend({"pathX": x, "pathY": y} for x, y in zip(xs, ys, strict=False)
                         if isinstance(x, list) and isinstance(y, list))
    return paths


def consensus_lines(row: dict[str, str]) -> list[dict[str, Any]]:
    """A subject's consensus lines (poly_line_text_reducer: `data.frame<N>` is a list of lines)."""
    lines: list[dict[str, Any]] = []
    for column, value in row.items():
        if LINE_FRAME.match(column or "") and value:
            parsed = parse_cell(value)
            lines.extend(line for line in (parsed if isinstance(parsed, list) else []) if isinstance(line, dict))
    return lines


def line_texts(subject: str, lines: list[dict[str, Any]]) -> list[TextLine]:
    return [TextLine(subject, str(line.get("consensus_text", "")), _number(line.get("consensus_score")),
                     int(_number(line.get("number_views")))) for line in lines]


def text_table(lines: list[TextLine], what: str) -> str:
    """Lowest consensus score first: the texts to read again."""
    if not lines:
        return f"<p>No {escape(what)} has a consensus text.</p>"
    rows = "".join(f"<tr><td>{escape(line.subject)}</td><td class='num'>{line.views}</td>"
                   f"<td>{escape(line.text)}</td><td class='num'>{line.score:.3g}</td></tr>" for line in lines)
    return (f"<table><tr><th>subject</th><th>volunteers</th><th>consensus text</th>"
            f"<th>consensus score</th></tr>{rows}</table>")


def text_section(task: TextTask, question: str) -> str:
    return (f"<h2>Task {escape(task.task)} <small class='meta'>({escape(task.reducer)}, {escape(task.file)})"
            "</small></h2>" + (f"<p class='question'>{escape(question)}</p>" if question else "")
            + "<p class='meta'>The consensus score is how many volunteers agreed, on average per word: "
              "it cannot be more than the volunteers who typed.</p>"
            + "<h3>Lowest consensus score first: the texts to read again</h3>"
            + text_table(task.lowest(), "subject"))
