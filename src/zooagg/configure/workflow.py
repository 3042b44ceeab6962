"""Typed task models from a workflow export's `tasks` and `strings` JSON.

The export keeps human text out of `tasks`: `"question": "T0.question"` is a key into the
`strings` column. `parse_tasks` resolves those keys and returns one model per task, for
every task type the Zooniverse project builder makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

QUESTION_TYPES = ("single", "multiple")


@dataclass
class Answer:
    label: str
    next: str | None = None


@dataclass
class Task:
    """A task (or a tool's sub-task). `type` is the project builder's type string."""

    key: str
    type: str
    text: str = ""  # question / instruction, resolved from strings
    answers: list[Answer] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The task family: question types are "single" or "multiple", others their type."""
        return self.type


@dataclass
class Tool:
    index: int
    type: str  # point, rectangle, circle, ellipse, line, polygon, freehandLine, bezier, ...
    label: str
    details: list[Task] = field(default_factory=list)


@dataclass
class DrawingTask(Task):
    tools: list[Tool] = field(default_factory=list)


@dataclass
class SurveyTask(Task):
    choices: dict[str, str] = field(default_factory=dict)  # choice id -> label
    questions: dict[str, str] = field(default_factory=dict)  # question id -> label


@dataclass
class DropdownTask(Task):
    selects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SliderTask(Task):
    min: float = 0.0
    max: float = 1.0
    step: float = 0.1


@dataclass
class ComboTask(Task):
    task_keys: list[str] = field(default_factory=list)


@dataclass
class HighlighterTask(Task):
    labels: list[str] = field(default_factory=list)


def _text(value: Any, strings: dict[str, Any]) -> str:
    if isinstance(value, str):
        resolved = strings.get(value, value)
        return resolved if isinstance(resolved, str) else str(resolved)
    return "" if value is None else str(value)


def _answers(raw: dict[str, Any], strings: dict[str, Any]) -> list[Answer]:
    answers = raw.get("answers") or []
    return [Answer(_text(a.get("label"), strings), a.get("next")) for a in answers if isinstance(a, dict)]


def parse_task(key: str, raw: dict[str, Any], strings: dict[str, Any]) -> Task:
    kind = str(raw.get("type", ""))
    text = _text(raw.get("question") or raw.get("instruction") or "", strings)
    common: dict[str, Any] = {"key": key, "type": kind, "text": text, "raw": raw, "answers": _answers(raw, strings)}
    if kind in ("drawing", "transcription", "dataVisAnnotation"):
        tools = []
        for index, tool in enumerate(raw.get("tools") or []):
            details = [
                parse_task(f"{key}.{index}.{d}", detail, strings)
                for d, detail in enumerate(tool.get("details") or [])
                if isinstance(detail, dict)
            ]
            tools.append(Tool(index, str(tool.get("type", "")), _text(tool.get("label"), strings), details))
        return DrawingTask(**common, tools=tools)
    if kind == "survey":
        choices = {cid: _text(c.get("label"), strings) for cid, c in (raw.get("choices") or {}).items()}
        questions = {qid: _text(q.get("label"), strings) for qid, q in (raw.get("questions") or {}).items()}
        return SurveyTask(**common, choices=choices, questions=questions)
    if kind == "dropdown":
        return DropdownTask(**common, selects=list(raw.get("selects") or []))
    if kind == "slider":
        def number(name: str, default: float) -> float:
            try:
                return float(raw.get(name, default))
            except (TypeError, ValueError):
                return default
        return SliderTask(**common, min=number("min", 0.0), max=number("max", 1.0), step=number("step", 0.1))
    if kind == "combo":
        return ComboTask(**common, task_keys=[str(t) for t in raw.get("tasks") or []])
    if kind == "highlighter":
        labels = [_text(h.get("label"), strings) for h in raw.get("highlighterLabels") or [] if isinstance(h, dict)]
        return HighlighterTask(**common, labels=labels)
    return Task(**common)


def parse_tasks(tasks: dict[str, Any], strings: dict[str, Any] | None = None) -> dict[str, Task]:
    """Typed models for every task of a workflow version, in the export's order."""
    strings = strings or {}
    return {key: parse_task(key, raw, strings) for key, raw in tasks.items() if isinstance(raw, dict)}
