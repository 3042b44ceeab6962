"""The report's volunteer-weighting section: what `zooagg weight` wrote into the run folder,
the scores against the truth (weighting_scores) and, per method and task, on how many subjects
the weighted answer differs from the majority's (weighted_subjects_<method>)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection
from html import escape
from pathlib import Path
from typing import Any

from ..consensus.weighted import weighted_files

SCORE_COLUMNS = ("task", "method", "truth_subjects", "accuracy", "macro_f1", "brier", "calibration_error")


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [{k: "" if v is None else v for k, v in row.items()} for row in pq.read_table(path).to_pylist()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _latest(folder: Path) -> Collection[str] | None:
    """The weighting files `zooagg weight` wrote since the folder's latest run (None: no record, all)."""
    from ..manifest import recorded_outputs

    return recorded_outputs(folder).weighted


def _scores(folder: Path) -> str:
    latest = _latest(folder)
    path = next((p for p in (folder / "weighting_scores.csv", folder / "weighting_scores.parquet")
                 if p.exists() and (latest is None or p.name in latest)), None)
    if path is None:
        return ("<p class='meta'>No scores: <code>zooagg weight --score</code> scores every method against "
                "the gold-standard/expert rows or a truth file.</p>")
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in SCORE_COLUMNS)
    cells = [[(" class='num'" if i >= 2 else "", escape(str(row.get(c, "")))) for i, c in enumerate(SCORE_COLUMNS)]
             for row in _rows(path)]
    body = "".join("<tr>" + "".join(f"<td{css}>{text}</td>" for css, text in row) + "</tr>" for row in cells)
    return (f"<p>Each method against the truth (seeded methods scored on truth held out of their seed; "
            f"docs/weighting.md):</p><table><tr>{head}</tr>{body}</table>")


def _overruled(folder: Path) -> str:
    rows = []
    for method, path in weighted_files(folder, _latest(folder)).items():
        subjects: Counter[str] = Counter()
        differ: Counter[str] = Counter()
        for row in _rows(path):
            subjects[str(row["task"])] += 1
            differ[str(row["task"])] += str(row["label"]) != str(row["majority_label"])
        rows += [f"<tr><td>{escape(method)}</td><td>{escape(task)}</td><td class='num'>{subjects[task]:,}</td>"
                 f"<td class='num'>{differ[task]:,}</td></tr>" for task in sorted(subjects)]
    return ("<table><tr><th>method</th><th>task</th><th>subjects</th><th>answer differs from the majority's</th>"
            f"</tr>{''.join(rows)}</table>")


def weighting_section(folder: Path) -> str:
    """The section, or nothing when `zooagg weight` has not been run on this folder."""
    if not weighted_files(folder, _latest(folder)):
        return ""
    return f"<h2>Volunteer weighting</h2>{_scores(folder)}{_overruled(folder)}"
