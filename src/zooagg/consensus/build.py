"""The consensus table as a pure function over reductions: one row per subject, every task.

Input is the reduction rows as the offline tool writes them (`subject_id`, `workflow_id`,
`task`, `reducer` and flat `data.*` keys with parsed values), from a run folder or from the
live server's store alike; nothing here reads a file or a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import RowError

from ..registry import consensus_form
from .marks import drawing_cells, is_drawing, is_transcription, settle_drawing, transcription_cells
from .votes import (
    Cells,
    Labels,
    Row,
    dropdown_cells,
    question_cells,
    question_consensus_cells,
    slider_cells,
    survey_cells,
    text_cells,
)

OneRow = Callable[[Row, str, Labels], Cells]
#: a reducer's `consensus` form (its decorator's) -> the cells of its one row per subject x task
#: ("survey" reads every row of the subject: `task_cells`)
SUMMARIES: dict[str, OneRow] = {
    "votes": question_cells,
    "question_consensus": question_consensus_cells,
    "dropdown": dropdown_cells,
    "slider": lambda row, task, labels: slider_cells(row),
    "text": lambda row, task, labels: text_cells(row),
}
TOOL_COLUMN = re.compile(r"^tool(\d+)_(marks|clusters|centres)$")
TOOL_KINDS = ("marks", "clusters", "centres")


@dataclass
class ConsensusTable:
    """Rows (one per subject) and their columns in order; `skipped` names the reducers whose
    outputs have no consensus summary (they stay in their own reduction files)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    skipped: dict[str, int] = field(default_factory=dict)
    #: subject_data cells the subject metadata could not be read from (consensus/folder.py)
    unreadable: list[RowError] = field(default_factory=list)

    def records(self) -> list[list[Any]]:
        return [[row.get(column) for column in self.columns] for row in self.rows]


class Counts:
    """Classifications per subject (distinct ids) and per subject and task (those that gave the
    task something: an answer, a species, a mark, text; one per volunteer as the repeat filter
    `-F first`/`last` keeps them, a classification without a user name on its own), counted
    over extract rows offline or in the live store alike."""

    def __init__(self) -> None:
        self._subjects: dict[str, set[str]] = {}
        self._tasks: dict[tuple[str, str], set[str]] = {}

    def add(self, subject: str, task: str, classification: str, user: str | None, data: Iterable[Any]) -> None:
        """One extract row; `data` its values (aggregation_version left out)."""
        self._subjects.setdefault(subject, set()).add(classification)
        if any(v is not None and v not in ("", "[]", "{}") and v != [] and v != {} for v in data):
            self._tasks.setdefault((subject, task), set()).add(f"u:{user}" if user else f"c:{classification}")

    def per_subject(self) -> dict[str, int]:
        return {subject: len(ids) for subject, ids in self._subjects.items()}

    def per_task(self) -> dict[tuple[str, str], int]:
        return {key: len(ids) for key, ids in self._tasks.items()}


def task_cells(form: str | None, rows: Sequence[Row], task: str, labels: Labels) -> Cells | None:
    """The consensus cells of one subject x task whose reducer reads in `form` (its
    `consensus_form`), or None when the reducer has no summary."""
    if form == "survey":
        return survey_cells(rows, task, labels)
    if form in SUMMARIES:
        return SUMMARIES[form](rows[0], task, labels)
    if is_drawing(rows[0]):
        return drawing_cells(rows[0], task)
    if is_transcription(rows[0]):
        return transcription_cells(rows[0])
    return None


def consensus_table(reductions: Iterable[Row], labels: Mapping[str, Any] | None = None,
                    classifications: Mapping[str, int] | None = None,
                    metadata: Mapping[str, Mapping[str, Any]] | None = None,
                    per_task: Mapping[tuple[str, str], int] | None = None) -> ConsensusTable:
    """One row per subject: per task its consensus cells (`<task>_<cell>`), the subject's
    classifications (when `classifications` gives them; per task as `<task>_classifications`
    when `per_task`, keyed by subject and task, does) and `metadata.<key>` columns."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    workflow: dict[str, str] = {}
    for row in reductions:
        subject = str(row.get("subject_id", ""))
        groups.setdefault((subject, str(row.get("task", "")), str(row.get("reducer", ""))), []).append(row)
        workflow.setdefault(subject, str(row.get("workflow_id", "")))
    words = Labels(labels or {})
    per_task_cells: dict[tuple[str, str], Cells] = {}
    skipped: dict[str, int] = {}
    # once per reducer, not per subject x task (a registry lookup is microseconds, times millions)
    forms = {reducer: consensus_form("reducer", reducer) for _, _, reducer in groups}
    for (subject, task, reducer), rows in groups.items():
        cells = task_cells(forms[reducer], rows, task, words)
        per_task_cells.setdefault((subject, task), {})
        if cells is None:
            skipped[reducer] = skipped.get(reducer, 0) + 1
            continue
        if per_task is not None:
            per_task_cells[(subject, task)]["classifications"] = per_task.get((subject, task), 0)
        per_task_cells[(subject, task)].update(cells)
    suffixes: dict[str, dict[str, None]] = {}
    for (_, task), cells in per_task_cells.items():
        suffixes.setdefault(task, {}).update(dict.fromkeys(cells))
    per_subject: dict[str, dict[str, Any]] = {}
    for (subject, task), cells in per_task_cells.items():
        tools = sorted({int(m.group(1)) for m in map(TOOL_COLUMN.match, suffixes[task]) if m})
        if tools and set(cells) - {"classifications"}:
            settle_drawing(cells, tools)
        target = per_subject.setdefault(subject, {"subject_id": subject, "workflow_id": workflow[subject]})
        target.update({f"{task}_{suffix}": value for suffix, value in cells.items()})
    suffixes = {task: known for task, known in suffixes.items() if known}
    columns = ["subject_id", "workflow_id"]
    if classifications is not None:
        columns.append("classifications")
        for subject, cells_of in per_subject.items():
            cells_of["classifications"] = classifications.get(subject, 0)
    for task in sorted(suffixes, key=natural):
        columns.extend(f"{task}_{suffix}" for suffix in ordered_suffixes(list(suffixes[task])))
    columns.extend(_metadata_columns(per_subject, metadata or {}))
    ordered = [per_subject[s] for s in ordered_subjects(list(per_subject))]
    return ConsensusTable(columns, ordered, skipped)


def _metadata_columns(per_subject: dict[str, dict[str, Any]], metadata: Mapping[str, Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for subject, row in per_subject.items():
        for key, value in (metadata.get(subject) or {}).items():
            names.setdefault(f"metadata.{key}", None)
            row[f"metadata.{key}"] = value
    return list(names)


def ordered_suffixes(suffixes: list[str]) -> list[str]:
    """A task's cells in a fixed order: its classifications, its own cells, then per tool (by
    number) marks, clusters and centres, then the marks-without-consensus flag."""
    def key(item: tuple[int, str]) -> tuple[int, ...]:
        seen, suffix = item
        if suffix == "classifications":
            return (-1, 0)
        match = TOOL_COLUMN.match(suffix)
        if match:
            return (1, int(match.group(1)), TOOL_KINDS.index(match.group(2)))
        return (2, seen) if suffix == "marks_without_consensus" else (0, seen)

    return [suffix for _, suffix in sorted(enumerate(suffixes), key=key)]


def natural(key: str) -> tuple[Any, ...]:
    """T2 before T10."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key))


def ordered_subjects(subjects: list[str]) -> list[str]:
    """As numbers when every subject_id is one (as the reductions are sorted), else as text."""
    if subjects and all(s.isdigit() for s in subjects):
        return sorted(subjects, key=int)
    return sorted(subjects)
