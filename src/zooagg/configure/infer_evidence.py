"""What a classification export's annotations show about a workflow's tasks: each annotation's
shape, each drawing tool's marks, FEM sub-task annotations, dropdown option labels and answer
labels, gathered per task (`Inferrer`); `infer.py` turns them into task models and configs.
The shapes and what they tell are in `infer.py`'s docstring."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: FEM `taskType` names -> the project builder's type names
FEM_TASK_TYPES = {"dropdown-simple": "dropdown", "transcription": "drawing", "dataVisAnnotation": "drawing"}
#: FEM `toolType` names -> the project builder's tool names
FEM_TOOL_TYPES = {"transcriptionLine": "line"}
#: label words that name a shape the mark keys cannot tell apart
LABEL_HINTS = (("bezier", "bezier"), ("freehand", "freehandLine"), ("free hand", "freehandLine"),
               ("triangle", "triangle"), ("rectangle", "rectangle"), ("circle", "circle"),
               ("ellipse", "ellipse"))
MAX_ANSWERS = 200  # answer labels kept per question (for the task-labels file)
#: a FEM sub-task's key: task, tool index, sub-task index
SUBTASK_KEY = re.compile(r"(.+)\.(\d+)\.(\d+)")


@dataclass
class ToolEvidence:
    index: int
    shapes: Counter[str] = field(default_factory=Counter)
    label: str = ""
    details: dict[int, TaskEvidence] = field(default_factory=dict)

    def shape(self) -> str:
        fuller = Counter({s: n for s, n in self.shapes.items() if s != "point"})
        best = fuller.most_common(1)[0][0] if fuller else ("point" if self.shapes else "")
        hint = self.label.lower()
        if best in ("polygon", "circle", "point", "rectangle"):
            for word, shape in LABEL_HINTS:
                if word in hint and _compatible(best, shape):
                    return shape
        return best


def _compatible(seen: str, hinted: str) -> bool:
    """Which label hints may refine a shape read from the keys."""
    return (seen, hinted) in {("polygon", "bezier"), ("polygon", "freehandLine"), ("circle", "triangle"),
                              ("point", "rectangle"), ("point", "circle"), ("point", "ellipse")}


@dataclass
class TaskEvidence:
    key: str
    kinds: Counter[str] = field(default_factory=Counter)
    label: str = ""
    answers: Counter[str] = field(default_factory=Counter)
    tools: dict[int, ToolEvidence] = field(default_factory=dict)
    choices: Counter[str] = field(default_factory=Counter)
    questions: Counter[str] = field(default_factory=Counter)
    selects: list[str] = field(default_factory=list)
    #: a dropdown's option labels as volunteers' annotations carry them: select -> value -> label
    options: dict[int, dict[str, str]] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)  # combo sub-tasks
    seen: int = 0
    empty: int = 0

    def kind(self) -> str:
        if not self.kinds:
            return ""
        if self.kinds["multiple"] and self.kinds["single"]:
            return "multiple"
        return self.kinds.most_common(1)[0][0]


# ---- reading the evidence -----------------------------------------------------------------

def _is_number_text(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value) is not None


def _mark_shape(mark: dict[str, Any]) -> str:
    tool_type = mark.get("toolType")
    if isinstance(tool_type, str) and tool_type:
        return FEM_TOOL_TYPES.get(tool_type, tool_type)
    keys = set(mark)
    if {"x1", "y1", "x2", "y2"} <= keys:
        return "line"
    if "pathX" in keys:
        return "freehandLine"
    if "points" in keys:
        return "polygon"
    if {"rx", "ry"} <= keys:
        return "ellipse"
    if "r" in keys:
        return "circle"
    if {"width", "height"} <= keys:
        return "rotateRectangle" if "angle" in keys else "rectangle"
    if {"x", "width"} <= keys and "y" not in keys:
        return "column"
    if "x" in keys and "y" not in keys:
        return "fullHeightLine"
    if "y" in keys and "x" not in keys:
        return "fullWidthLine"
    return "point"


def _raw_kind(value: Any) -> str:
    """The type of a tool sub-task from its raw value (details are not relabelled on export)."""
    if isinstance(value, bool):
        return "single"
    if isinstance(value, int | float):
        return "single"
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return "multiple"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "dropdown"
    if isinstance(value, str):
        return "text"  # a slider sub-task also gives text; transcribed numbers are far more common
    return ""


def _is_mark(item: Any) -> bool:
    return isinstance(item, dict) and ("tool" in item or "toolIndex" in item or "toolType" in item)


class Inferrer:
    """Collects evidence over a workflow's classifications, one annotation at a time."""

    def __init__(self) -> None:
        self.tasks: dict[str, TaskEvidence] = {}
        self.combo_children: set[str] = set()

    def evidence(self, key: str) -> TaskEvidence:
        if key not in self.tasks:
            self.tasks[key] = TaskEvidence(key)
        return self.tasks[key]

    def add(self, annotation: dict[str, Any]) -> None:
        key = annotation.get("task")
        if not isinstance(key, str) or not key:
            return
        subtask = SUBTASK_KEY.fullmatch(key)
        if subtask and ("markIndex" in annotation or "taskType" in annotation):
            self._subtask(subtask.group(1), int(subtask.group(2)), int(subtask.group(3)), annotation)
            return
        combo = annotation.get("combo_task")  # the reader opened this combo up (exports/combos.py)
        if isinstance(combo, str) and combo != key:
            parent = self.evidence(combo)
            if key not in parent.children:
                parent.children.append(key)
                parent.kinds["combo"] += 1
                parent.seen += 1
            self.combo_children.add(key)
        task = self.evidence(key)
        task.seen += 1
        label = annotation.get("task_label")
        if isinstance(label, str) and label:
            task.label = label
        kind = self._kind(annotation, task)
        if kind:
            task.kinds[kind] += 1
        else:
            task.empty += 1

    def _kind(self, annotation: dict[str, Any], task: TaskEvidence) -> str:
        value = annotation.get("value")
        fem = annotation.get("taskType")
        if isinstance(fem, str) and fem:
            fem_kind = FEM_TASK_TYPES.get(fem, fem)
            if fem_kind == "drawing" and isinstance(value, list):
                self._marks(task, value)
            return fem_kind if value not in (None, [], "") else ""
        if value is None or value == [] or value == "":
            return ""
        has_label = "task_label" in annotation
        if isinstance(value, dict) and "select_label" in value:
            task.selects = task.selects or [str(value.get("select_label"))]
            _options(task, [value])
            return "dropdown"
        if isinstance(value, list):
            return self._list_kind(annotation, task, value, has_label)
        if isinstance(value, bool):
            return "single"
        if isinstance(value, int | float):
            return "single" if has_label else "slider"
        if isinstance(value, str):
            if not has_label:
                return "slider" if _is_number_text(value) else "text"
            keys = list(annotation)
            if keys.index("value") < keys.index("task_label"):
                return "text"  # the exporter writes text tasks as {task, value, task_label}
            self._answer(task, value)
            return "single"
        return ""

    def _list_kind(self, annotation: dict[str, Any], task: TaskEvidence, value: list[Any],
                   has_label: bool) -> str:
        first = value[0]
        if all(_is_mark(v) for v in value):
            self._marks(task, value)
            return "drawing"
        if isinstance(first, dict):
            if "choice" in first:
                for item in value:
                    if isinstance(item, dict):
                        task.choices[str(item.get("choice"))] += 1
                        for question in (item.get("answers") or {}):
                            task.questions[str(question)] += 1
                return "survey"
            if "select_label" in first:
                if len(value) > len(task.selects):
                    task.selects = [str(v.get("select_label")) for v in value if isinstance(v, dict)]
                _options(task, value)
                return "dropdown"
            if "task" in first:
                for sub in value:
                    if isinstance(sub, dict) and isinstance(sub.get("task"), str):
                        if sub["task"] not in task.children:
                            task.children.append(sub["task"])
                        self.combo_children.add(sub["task"])
                        self.add(sub)
                return "combo"
            if "start" in first and "end" in first:
                return "highlighter"
            return ""
        if all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            for item in value:
                self._answer(task, str(item))
            if has_label and annotation.get("task_label") is None:
                return "shortcut"  # shortcuts have no question: the exporter writes task_label null
            return "multiple"
        return ""

    def _subtask(self, task_key: str, tool_index: int, position: int, annotation: dict[str, Any]) -> None:
        """A FEM sub-task answer: evidence for sub-task `position` of the tool, not a task."""
        tool = self.evidence(task_key).tools.setdefault(tool_index, ToolEvidence(tool_index))
        evidence = tool.details.setdefault(position, TaskEvidence(f"{task_key}.{tool_index}.{position}"))
        evidence.seen += 1
        value = annotation.get("value")
        fem = annotation.get("taskType")
        kind = FEM_TASK_TYPES.get(fem, fem) if isinstance(fem, str) and fem else _raw_kind(value)
        if value in (None, [], "") or not kind:
            evidence.empty += 1
        else:
            evidence.kinds[kind] += 1

    def _answer(self, task: TaskEvidence, label: str) -> None:
        if label in task.answers or len(task.answers) < MAX_ANSWERS:
            task.answers[label] += 1

    def _marks(self, task: TaskEvidence, marks: list[Any]) -> None:
        for mark in marks:
            if not isinstance(mark, dict):
                continue
            index = mark.get("tool", mark.get("toolIndex"))
            if not isinstance(index, int):
                continue
            tool = task.tools.setdefault(index, ToolEvidence(index))
            tool.shapes[_mark_shape(mark)] += 1
            if isinstance(mark.get("tool_label"), str) and mark["tool_label"]:
                tool.label = mark["tool_label"]
            for position, detail in enumerate(mark.get("details") or []):
                if not isinstance(detail, dict):
                    continue
                if "value" not in detail and isinstance(detail.get("task"), str):
                    # FEM names its sub-task here; the answer is an annotation of its own (`_subtask`)
                    tool.details.setdefault(position, TaskEvidence(f"{task.key}.{index}.{position}"))
                    continue
                evidence = tool.details.setdefault(position, TaskEvidence(f"{task.key}.{index}.{position}"))
                evidence.seen += 1
                kind = _raw_kind(detail.get("value"))
                if kind:
                    evidence.kinds[kind] += 1


def _options(task: TaskEvidence, selects: list[Any]) -> None:
    """Remember each select's option key -> label (first label seen wins). The key is what the
    dropdown extractor votes on: `option_index` in the dropdown-simple form exported since
    2026-04 (its `value` is then the option's own value), else `value`."""
    for index, chosen in enumerate(selects):
        if not (isinstance(chosen, dict) and isinstance(chosen.get("label"), str)):
            continue
        key = chosen.get("option_index", chosen.get("value"))
        if key is not None and not isinstance(key, bool):
            known = task.options.setdefault(index, {})
            if len(known) < MAX_ANSWERS:
                known.setdefault(str(key), chosen["label"])
