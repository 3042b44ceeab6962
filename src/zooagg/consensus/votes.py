"""Consensus cells of the vote-type reductions: question, shortcut, survey, dropdown, slider, text.

Each function takes the flat reduction row(s) of one subject x task (`data.*` keys, values
already parsed) and the workflow's task labels, and returns the cells it contributes, keyed by
column suffix (the builder puts the task id in front).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..tables.cells import is_missing

Row = Mapping[str, Any]
Cells = dict[str, Any]
#: reduction keys that are bookkeeping, not answers
META_KEYS = ("data.aggregation_version", "data.classifier_version", "data.reducer")
DIGITS = 3  # agreement, shares and scores are rounded to this many decimals


def number(value: Any) -> float | None:
    """A count or measurement from a reduction cell (None when empty, NaN or not a number)."""
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def leading(votes: Mapping[str, float], rank: Callable[[str], Any] | None = None) -> Cells:
    """The leading answer, its votes, all votes, its share (agreement) and whether it is tied.

    A tie means two or more answers share the highest count; the answer shown is then the
    first of them by `rank` (the workflow's answer order) or by key, the same whatever order
    the reduction's columns came in, and `tie` says the choice was arbitrary.
    """
    counted = {k: v for k, v in votes.items() if v > 0}
    if not counted:
        return {"answer": None, "votes": 0, "total": 0, "agreement": None, "tie": False}
    top = max(counted.values())
    tied = sorted((k for k, v in counted.items() if v == top), key=rank or str)
    total = sum(counted.values())
    return {"answer": tied[0], "votes": _count(top), "total": _count(total),
            "agreement": round(top / total, DIGITS), "tie": len(tied) > 1}


class Labels:
    """The workflow's words for answer keys, species and dropdown options (Task_labels file)."""

    def __init__(self, labels: Mapping[str, Any]) -> None:
        self.labels = labels

    def answer(self, task: str, key: str) -> str:
        """An answer key of a question reduction (its index or its slug) -> the answer's label."""
        from ..tasks._common import slug

        if "+" in key and key not in self._answers(task):  # question_reducer(pairs=True): "0+2"
            return " + ".join(self.answer(task, part) for part in key.split("+"))
        answers = self._answers(task)
        if key in answers:
            return answers[key]
        for label in answers.values():
            if slug(label) == key:
                return label
        return key

    def rank(self, task: str) -> Callable[[str], tuple[int, str]]:
        """Sort key of a question's answer keys: the workflow's answer order, then the key."""
        from ..tasks._common import slug

        order: dict[str, int] = {}
        for index, label in self._answers(task).items():
            if index.isdigit():
                order.setdefault(index, int(index))
                order.setdefault(slug(label), int(index))
        return lambda key: (order.get(key, len(order) + 1), key)

    def _answers(self, task: str) -> dict[str, str]:
        prefix = f"{task}.answers."
        return {k[len(prefix):-len(".label")]: str(v) for k, v in self.labels.items()
                if k.startswith(prefix) and k.endswith(".label")}

    def species(self, task: str, choice: str) -> str:
        """A survey choice as the extracts write it (slug of the choice id) -> its label."""
        from ..tasks._common import slug

        prefix = f"{task}.choices."
        for key, value in self.labels.items():
            if key.startswith(prefix) and key.endswith(".label") and slug(key[len(prefix):-len(".label")]) == choice:
                return str(value)
        return choice

    def survey_answer(self, task: str, question: str, answer: str) -> str:
        """A survey question's answer as the extracts write it (`answers_<question>.<answer>`:
        slugs of the question's and the answer's ids) -> the answer's label (the workflow's
        `<task>.questions.<id>.answers.<id>.label`); the answer itself where none matches."""
        from ..tasks._common import slug

        prefix = f"{task}.questions."
        for key, value in self.labels.items():
            if not (key.startswith(prefix) and key.endswith(".label")):
                continue
            parts = key[len(prefix):-len(".label")].split(".answers.")
            if len(parts) == 2 and slug(parts[0]) == question and slug(parts[1]) == answer:
                return str(value)
        return answer

    def option(self, task: str, select: int, value: str) -> str:
        """A dropdown vote key -> its option's label (`T1.selects.0.options.*.3.label: {value:
        label}`). Classic dropdowns vote on the option's value; FEM's dropdown-simple, in each of
        its forms, on the option's index (docs/fem.md), so a key that is no option's value but a
        whole number is taken as the index of an option of the first select (`*`)."""
        prefix = f"{task}.selects.{select}.options."
        wanted = value.casefold()
        for key, entry in self.labels.items():
            if key.startswith(prefix) and key.endswith(".label") and isinstance(entry, Mapping):
                for option, label in entry.items():
                    if str(option).casefold() == wanted:
                        return str(label)
        by_index = self.labels.get(f"{prefix}*.{value}.label") if value.isdigit() else None
        if isinstance(by_index, Mapping) and len(by_index) == 1:
            return str(next(iter(by_index.values())))
        return value


def question_cells(row: Row, task: str, labels: Labels) -> Cells:
    """question_reducer / shortcut_reducer: `data.<answer>` holds each answer's votes."""
    votes: dict[str, float] = {}
    for column, value in row.items():
        if column.startswith("data.") and column not in META_KEYS:
            count = number(value)
            if count is not None:
                votes[column[5:]] = count
    cells = leading(votes, labels.rank(task))
    if cells["answer"] is not None:
        cells["answer"] = labels.answer(task, cells["answer"])
    return cells


def question_consensus_cells(row: Row, task: str, labels: Labels) -> Cells:
    """question_consensus_reducer: already the leading answer; it does not say whether it is tied."""
    answer = row.get("data.most_likely")
    votes = number(row.get("data.num_votes")) or 0
    agreement = number(row.get("data.agreement"))
    total = round(votes / agreement) if agreement else 0
    return {"answer": labels.answer(task, str(answer)) if not is_missing(answer) else None,
            "votes": _count(votes), "total": total,
            "agreement": round(agreement, DIGITS) if agreement is not None else None, "tie": None}


def survey_cells(rows: Sequence[Row], task: str, labels: Labels) -> Cells:
    """survey_reducer: one row per species named; `total_vote_count` is the classifications that
    named any species, so agreement is the share of them naming the leading one."""
    counts: dict[str, float] = {}
    total = 0.0
    for row in rows:
        total = max(total, number(row.get("data.total_vote_count")) or 0)
        choice = row.get("data.choice")
        count = number(row.get("data.choice_count"))
        if not is_missing(choice) and choice != "" and count:
            counts[str(choice)] = counts.get(str(choice), 0) + count
    cells = leading(counts)
    if cells["answer"] is not None:
        cells["answer"] = labels.species(task, cells["answer"])
        cells["total"] = _count(total)
        cells["agreement"] = round(cells["votes"] / total, DIGITS) if total else None
    cells["species_seen"] = len(counts)
    return cells


def dropdown_cells(row: Row, task: str, labels: Labels) -> Cells:
    """dropdown_reducer: `data.value` is one {option: votes} mapping per select (menu)."""
    selects = row.get("data.value")
    if not isinstance(selects, list):
        selects = []
    cells: Cells = {}
    for index, options in enumerate(selects):
        votes = {str(k): float(v) for k, v in options.items() if number(v) is not None} \
            if isinstance(options, Mapping) else {}
        part = leading(votes)
        if part["answer"] is not None:
            part["answer"] = labels.option(task, index, part["answer"])
        prefix = "" if len(selects) == 1 else f"select{index}_"
        cells.update({prefix + key: value for key, value in part.items()})
    return cells


def slider_cells(row: Row) -> Cells:
    """slider_reducer: the median and, as the spread, the standard deviation of the values."""
    variance = number(row.get("data.slider_var"))
    return {"median": number(row.get("data.slider_median")), "mean": number(row.get("data.slider_mean")),
            "sd": round(math.sqrt(variance), DIGITS) if variance is not None and variance >= 0 else None}


def text_cells(row: Row) -> Cells:
    """text_reducer: the consensus text, its score (volunteers agreeing, on average per word)
    and how many volunteers transcribed."""
    text = row.get("data.consensus_text")
    score = number(row.get("data.consensus_score"))
    views = number(row.get("data.number_views"))
    return {"text": None if is_missing(text) else str(text),
            "score": round(score, DIGITS) if score is not None else None,
            "views": _count(views) if views is not None else 0}
