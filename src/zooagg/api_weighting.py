"""The public Python API for volunteer weighting: `weigh`, the same steps as `zooagg weight`
(docs/weighting.md), returning DataFrames instead of writing files."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .api import Frame, PathLike, Source, folder, input_csv


@dataclass
class Weighting:
    """What `weigh` found: `subjects` (per subject and task the method's label, its probability
    and the majority's label), `volunteers` (per volunteer and task their skill, confusion
    matrix as JSON text and number of answers) and `scores` (against the truth, with
    `score=True`; else None), the columns of `zooagg weight`'s files.

    >>> result = weigh("tests/golden/michigan-2276/expected/question_extractor_extractions.csv")
    >>> sorted(result.volunteers.columns)[:4]
    ['answers', 'confusion', 'method', 'skill']
    """

    subjects: Frame
    volunteers: Frame
    scores: Frame | None = None


def _frame(rows: list[dict[str, Any]]) -> Frame:
    from .frames import rows_columns
    from .frames_out import to_output

    names = list(dict.fromkeys(key for row in rows for key in row))
    return to_output(rows_columns(names, rows))


def weigh(*extracts: Source, method: str = "dawid_skene", params: dict[str, Any] | None = None,
          tasks: tuple[str, ...] | list[str] = (), classifications: PathLike | None = None,
          truth: PathLike | None = None, score: bool = False) -> Weighting:
    """Volunteer-weighted consensus of one workflow's question, shortcut, survey and dropdown
    extracts (paths or frames of extract files): `method` is a weighting method's name
    (`majority_vote`, `dawid_skene`, `one_coin_dawid_skene`, `glad`, `mace`, `swap`) and
    `params` its parameters. The gold_standard/expert rows of `classifications` (an export)
    and a `truth` file are the truth: they seed the methods that learn from it, and with
    `score=True` the method is scored against it. Where a Task_labels file sits beside the
    first extract file, `subjects` has the labels' texts too, as `zooagg weight` writes them
    (`label_text`, `majority_label_text`). A bad extract row is left out with a
    `ZooaggWarning`; a task the method does not fit (SWAP on a task that is not yes/no) too.

    >>> result = weigh("tests/golden/michigan-2276/expected/question_extractor_extractions.csv",
    ...                method="dawid_skene")
    >>> result.subjects[["subject_id", "task", "label", "majority_label", "answers"]].head(3)
       subject_id task                 label        majority_label  answers
    0     4597474   T2  snow-or-snow-covered  snow-or-snow-covered        1
    1     4602633   T2                 clear               flooded        1
    2     4598988   T2                 clear               flooded        1
    """
    from .errors import ZooaggWarning
    from .weighting import run as runs
    from .weighting.answers import gold_classifications, read_extracts, read_truth, split_gold
    from .weighting.command import workflow_labels

    runs.method(method)
    scratch = folder(None) if any(not isinstance(s, str | Path) for s in extracts) else Path(".")
    paths = [Path(input_csv(source, scratch, f"extracts_{i}", extracts=True)) for i, source in enumerate(extracts)]
    rejected: list[Any] = []
    found, _ = read_extracts(paths, set(tasks) or None, rejected.append)
    for error in rejected:
        warnings.warn(f"left out: {error}", ZooaggWarning, stacklevel=2)
    if classifications is not None:
        split_gold(found, gold_classifications(Path(classifications)))
    if truth is not None:
        read_truth(Path(truth), found)
    labels = workflow_labels(paths[0].parent) if extracts and isinstance(extracts[0], str | Path) else None
    subjects: list[dict[str, Any]] = []
    volunteers: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    for entry in found.values():
        outcome = runs.attempt(method, params or {}, entry.finish())
        if isinstance(outcome, str):
            warnings.warn(f"{entry.task} left out: {outcome}", ZooaggWarning, stacklevel=2)
            continue
        subjects += runs.subject_rows(outcome, labels)
        volunteers += runs.volunteer_rows(outcome)
        if score and (scored := runs.score(method, params or {}, entry)) is not None:
            scores.append(scored)
    return Weighting(_frame(subjects), _frame(volunteers), _frame(scores) if score else None)
