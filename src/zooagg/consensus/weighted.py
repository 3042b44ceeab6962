"""The weighted answers in the consensus table: where a run folder has `zooagg weight`'s
`weighted_subjects_<method>` tables, each task gains `<task>_<method>` (the method's answer,
by its label) and `<task>_<method>_probability`, beside the task's majority-vote cells (a
dropdown select `T1.0` as `T1_select0_<method>`; survey questions, per species, stay in the
weighted_subjects table)."""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from .build import ConsensusTable
from .votes import Labels

WEIGHTED = re.compile(r"^weighted_subjects_(\w+)\.(csv|parquet)$")
#: a dropdown select's weighting task (`T1.0`): its cells are `T1_select0_*` in the table
SELECT = re.compile(r"^(.+)\.(\d+)$")


def weighted_files(folder: Path, names: Collection[str] | None = None) -> dict[str, Path]:
    """method -> its weighted_subjects table (a CSV before a Parquet of the same method); only
    the files named, when `names` is given."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("weighted_subjects_*"), key=lambda p: p.suffix != ".csv"):
        match = WEIGHTED.match(path.name)
        if match and (names is None or path.name in names):
            found.setdefault(match.group(1), path)
    return found


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [{k: "" if v is None else str(v) for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _prefix(task: str, columns: list[str]) -> str:
    """The table's column prefix of a weighting task (a one-select dropdown's cells are `T8_*`)."""
    select = SELECT.match(task)
    if not select:
        return task
    named = f"{select.group(1)}_select{select.group(2)}"
    if select.group(2) == "0" and not any(c.startswith(f"{named}_") for c in columns):
        return select.group(1)
    return named


def label_text(labels: Labels, task: str, label: str, survey: bool) -> str:
    """A weighting task's label (answer slugs, species, survey question answers or option
    values joined with `+`) in the workflow's words; the label itself where the workflow does
    not name it. Also the `label_text` column of `zooagg weight`'s weighted_subjects tables."""
    if survey:
        return " + ".join(labels.species(task, part) for part in label.split("+"))
    select = SELECT.match(task)
    if select:
        return " + ".join(labels.option(select.group(1), int(select.group(2)), part) for part in label.split("+"))
    if "." in task:  # a survey question about a species: `<task>.<question>`
        base, question = task.split(".", 1)
        return " + ".join(labels.survey_answer(base, question, part) for part in label.split("+"))
    return labels.answer(task, label)


def add_weighted(table: ConsensusTable, folder: Path, labels: Labels,
                 names: Collection[str] | None = None) -> ConsensusTable:
    """The table with each weighted method's answer and probability per subject-level task
    (from the weighted_subjects files named, when `names` is given)."""
    by_subject = {str(row["subject_id"]): row for row in table.rows}
    for method, path in weighted_files(folder, names).items():
        added: dict[str, list[str]] = {}
        for row in _rows(path):
            if row.get("choice") or str(row.get("subject_id")) not in by_subject:
                continue
            task = str(row["task"])
            prefix = _prefix(task, table.columns)
            survey = any(c.startswith(f"{prefix}_") and "species" in c for c in table.columns)
            answer, probability = f"{prefix}_{method}", f"{prefix}_{method}_probability"
            target = by_subject[str(row["subject_id"])]
            target[answer] = label_text(labels, task, str(row["label"]), survey)
            target[probability] = float(row["probability"]) if row.get("probability") not in (None, "") else None
            added.setdefault(prefix, [answer, probability])
        for prefix, columns in added.items():
            place = max((i for i, c in enumerate(table.columns) if c.startswith(f"{prefix}_")), default=None)
            at = place + 1 if place is not None else len(table.columns)
            table.columns[at:at] = [c for c in columns if c not in table.columns]
    return table
