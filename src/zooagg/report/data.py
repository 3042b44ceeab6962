"""What a report shows, read from a run folder: votes, agreement, activity and drawn marks.

Everything comes from the files `zooagg run` (or `extract` and `reduce`) wrote: the extracts
give classifications per subject and per day and the raw marks; the reductions give each
subject's votes (after the repeat filter) and the cluster centres. The classification export,
when known, gives volunteers per day over every classification, not only those with extracts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..manifest import recorded_outputs
from ..registry import consensus_form
from ..tables.cells import parse_cell
from .marks import (
    MIN_CLASSIFICATIONS,
    DrawingTask,
    Mark,
    parameters_for,
    read_drawing,
    reduction_for,
    rows_of,
)
from .texts import TextTask, read_texts

AGREEMENT = 0.8  # a subject "agrees" when its top answer has more than this share of the votes
#: the reducers' `consensus` forms the report counts as votes per answer
VOTE_FORMS = ("votes", "survey", "dropdown")
__all__ = ["AGREEMENT", "MIN_CLASSIFICATIONS", "DrawingTask", "Mark", "rows_of"]


@dataclass
class SubjectVotes:
    subject: str
    votes: Counter[str]
    voters: int  # classifications that answered (survey: total_vote_count)
    #: classifications counted for this task after the repeat filter (set by load_run)
    classifications: int = 0

    @property
    def tied(self) -> bool:
        """Another answer has as many votes as the top one."""
        counts = [n for n in self.votes.values() if n > 0]
        return len(counts) > 1 and counts.count(max(counts)) > 1

    @property
    def total(self) -> int:
        return int(sum(self.votes.values()))

    @property
    def top(self) -> tuple[str, float]:
        """The top answer and its share of the votes (0 when nobody answered)."""
        if not self.votes or self.total == 0:
            return "", 0.0
        answer, count = self.votes.most_common(1)[0]
        return answer, count / (self.voters if self.voters else self.total)


@dataclass
class TaskVotes:
    task: str
    reducer: str
    file: str
    subjects: list[SubjectVotes] = field(default_factory=list)
    #: a dropdown task's select (0-based): each select is its own vote
    select: int | None = None

    @property
    def title(self) -> str:
        return self.task if self.select is None else f"{self.task}, select {self.select + 1}"

    def counted(self) -> list[SubjectVotes]:
        """Subjects whose agreement means something: votes from two or more classifications."""
        return [s for s in self.subjects if s.total and s.classifications >= MIN_CLASSIFICATIONS]

    def fewer(self) -> int:
        """Subjects with votes from fewer classifications (left out of the agreement)."""
        return sum(1 for s in self.subjects if s.total and s.classifications < MIN_CLASSIFICATIONS)

    def ties(self) -> int:
        return sum(1 for s in self.counted() if s.tied)

    def shares(self) -> list[float]:
        return [s.top[1] for s in self.counted()]

    @property
    def agreement(self) -> float | None:
        """Share of the counted subjects whose top answer has more than AGREEMENT of the votes."""
        shares = self.shares()
        return sum(share > AGREEMENT for share in shares) / len(shares) if shares else None

    def least_agreement(self, count: int = 15) -> list[SubjectVotes]:
        return sorted(self.counted(), key=lambda s: (s.top[1], -s.voters, s.subject))[:count]

    def answer_totals(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for subject in self.subjects:
            totals.update(subject.votes)
        return totals


@dataclass
class SliderTask:
    """A slider task's reduction: per subject the mean, median and variance of the values."""

    task: str
    file: str
    #: (subject, mean, median, variance)
    subjects: list[tuple[str, float, float, float]] = field(default_factory=list)

    def widest(self, count: int = 15) -> list[tuple[str, float, float, float]]:
        """The subjects volunteers agreed on least: largest variance first."""
        return sorted(self.subjects, key=lambda s: (-s[3], s[0]))[:count]


def read_sliders(path: Path) -> list[SliderTask]:
    """Slider tasks of a slider_reducer file (rows without a mean are left out)."""
    tasks: dict[str, SliderTask] = {}
    for row in rows_of(path):
        mean = row.get("data.slider_mean", "")
        if mean in ("", None):
            continue
        task = tasks.setdefault(row.get("task", ""), SliderTask(row.get("task", ""), path.name))
        task.subjects.append((row["subject_id"], _number(mean), _number(row.get("data.slider_median", "")),
                              _number(row.get("data.slider_var", ""))))
    return list(tasks.values())


@dataclass
class WorkflowRun:
    folder: Path
    workflow_id: str
    inferred: bool = False
    versions: str = ""
    labels: dict[str, Any] = field(default_factory=dict)
    votes: list[TaskVotes] = field(default_factory=list)
    sliders: list[SliderTask] = field(default_factory=list)
    #: task -> subject -> classifications (rows in the extracts)
    per_subject: dict[str, Counter[str]] = field(default_factory=dict)
    extractor_of: dict[str, str] = field(default_factory=dict)
    drawings: list[DrawingTask] = field(default_factory=list)
    #: day -> classifications, day -> volunteers
    per_day: Counter[str] = field(default_factory=Counter)
    volunteers_per_day: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    activity_source: str = "the extracts"
    texts: list[TextTask] = field(default_factory=list)
    other: list[tuple[str, int]] = field(default_factory=list)  # outputs shown as counts only
    #: every reduction (and consensus table) in the folder, with its rows
    files: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def classifications(self) -> int:
        return sum(self.per_day.values())

    @property
    def volunteers(self) -> int:
        return len(set().union(*self.volunteers_per_day.values())) if self.volunteers_per_day else 0

    @property
    def subjects(self) -> int:
        return len({s for counts in self.per_subject.values() for s in counts})

    def task_text(self, task: str, select: int | None = None) -> str:
        if select is not None:
            title = self.labels.get(f"{task}.selects.{select}.title")
            if isinstance(title, str):
                return title
        for suffix in ("question", "instruction"):
            text = self.labels.get(f"{task}.{suffix}")
            if isinstance(text, str):
                return text
        return ""


def run_folders(root: Path) -> list[Path]:
    """Every folder under `root` (itself included) holding extracts or reductions."""
    found = {p.parent for p in root.rglob("*_extractions.csv")} | \
        {p.parent for p in root.rglob("*_reductions*.csv") if not p.name.endswith("_rejects.csv")}
    return sorted(found)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


# ---- votes -------------------------------------------------------------------------------------

def count_votes(path: Path) -> list[TaskVotes]:
    """Votes per subject and task from a question, shortcut, survey or dropdown reduction."""
    tasks: dict[str, TaskVotes] = {}
    survey: dict[tuple[str, str], SubjectVotes] = {}
    forms: dict[str, str | None] = {}  # each reducer's consensus form, looked up once
    for row in rows_of(path):
        reducer, task = row.get("reducer", ""), row.get("task", "")
        if reducer not in forms:
            forms[reducer] = consensus_form("reducer", reducer)
        form = forms[reducer]
        if form == "dropdown":  # data.value: one {option: votes} per select
            selects = parse_cell(row.get("data.value", ""))
            for index, options in enumerate(selects if isinstance(selects, list) else []):
                if isinstance(options, dict):
                    part = tasks.setdefault(f"{task}\0{index}", TaskVotes(task, reducer, path.name, select=index))
                    counted = Counter({str(k): int(v) for k, v in options.items() if isinstance(v, int | float)})
                    part.subjects.append(SubjectVotes(row["subject_id"], counted, 0))
            continue
        entry = tasks.setdefault(task, TaskVotes(task, reducer, path.name))
        if form == "survey":
            key = (row["subject_id"], task)
            if key not in survey:
                survey[key] = SubjectVotes(row["subject_id"], Counter(), int(_number(row.get("data.total_vote_count", "0"))))
                entry.subjects.append(survey[key])
            choice = row.get("data.choice", "")
            if choice:
                survey[key].votes[choice] += int(_number(row.get("data.choice_count", "0")))
            continue
        votes: Counter[str] = Counter()
        for column, value in row.items():
            if column.startswith("data.") and column != "data.aggregation_version" and value not in ("", None):
                votes[column[5:]] += int(_number(value))
        entry.subjects.append(SubjectVotes(row["subject_id"], votes, 0))
    return list(tasks.values())


# ---- the whole run folder ----------------------------------------------------------------------

def load_run(folder: Path) -> WorkflowRun:
    extract_files = sorted(p for p in folder.glob("*_extractions.csv"))
    latest = recorded_outputs(folder).reductions  # an earlier run's leftovers are not this run's results
    reduction_files = sorted(p for p in folder.glob("*_reductions*.csv")
                             if not p.name.endswith("_rejects.csv") and (latest is None or p.name in latest))
    workflow_id = ""
    run = WorkflowRun(folder, workflow_id)
    for path in folder.glob("Task_labels_workflow_*.yaml"):
        with path.open(encoding="utf-8") as handle:
            run.inferred = run.inferred or handle.readline().startswith("# INFERRED")
            handle.seek(0)
            loaded = yaml.safe_load(handle)
        run.labels.update(loaded if isinstance(loaded, dict) else {})
    seen_classifications: set[str] = set()
    for path in extract_files:
        extractor = path.name.removesuffix("_extractions.csv")
        draws = consensus_form("extractor", extractor) == "marks"
        drawing_tasks: set[str] = set()
        for row in rows_of(path):
            run.workflow_id = run.workflow_id or row.get("workflow_id", "")
            task = row.get("task", "")
            counts = run.per_subject.setdefault(task, Counter())
            if _answered(row):  # extractors write a row (with empty data) for tasks not shown
                counts[row.get("subject_id", "")] += 1
            run.extractor_of.setdefault(task, extractor)
            if draws:
                drawing_tasks.add(task)
            cid = row.get("classification_id", "")
            if cid not in seen_classifications:
                seen_classifications.add(cid)
                day = row.get("created_at", "")[:10]
                run.per_day[day] += 1
                run.volunteers_per_day[day].add(row.get("user_name", ""))
        for task in sorted(drawing_tasks):
            drawing = read_drawing(path, task, extractor, reduction_for(folder, extractor))
            drawing.parameters = parameters_for(folder, extractor)
            run.drawings.append(drawing)
    for path in sorted(folder.glob("consensus_workflow_*.csv")):
        run.files.append((path.name, sum(1 for _ in rows_of(path))))
    for path in reduction_files:
        run.files.append((path.name, sum(1 for _ in rows_of(path))))
        first = next(rows_of(path), None)
        if first is None:
            continue
        run.workflow_id = run.workflow_id or first.get("workflow_id", "")
        form = consensus_form("reducer", first.get("reducer", ""))
        if form in VOTE_FORMS:
            for votes in count_votes(path):
                if votes.select is not None:
                    name_options(votes, run.labels, votes.select)
                run.votes.append(votes)
        elif form == "slider":
            run.sliders.extend(read_sliders(path))
        elif form == "text":
            run.texts.extend(read_texts(path, rows_of(path)))
        elif not any(d.reduction == path.name for d in run.drawings):
            run.other.append((path.name, sum(1 for _ in rows_of(path))))
    for task_votes in run.votes:
        count_classifications(task_votes, run.per_subject.get(task_votes.task, Counter()))
    run.votes.sort(key=lambda t: (_natural(t.task), t.select or 0))
    run.drawings.sort(key=lambda d: _natural(d.task))
    return run


def count_classifications(task: TaskVotes, answered: Counter[str]) -> None:
    """Classifications behind each subject's votes: the extracts with an answer, but no more
    than the votes kept (a volunteer's repeats are filtered out) or, for a survey, its voters."""
    for subject in task.subjects:
        kept = subject.voters or subject.total
        rows = answered.get(subject.subject, 0)
        subject.classifications = min(rows, kept) if rows else kept


def name_options(votes: TaskVotes, labels: dict[str, Any], select: int) -> None:
    """Votes keyed by option label where the workflow gives one (the key itself otherwise), found
    as the consensus table finds them (`consensus.votes.Labels.option`: a classic option's value,
    or a FEM dropdown-simple option's index)."""
    from ..consensus.votes import Labels

    named = Labels(labels)
    for subject in votes.subjects:
        subject.votes = Counter({named.option(votes.task, select, k): n for k, n in subject.votes.items()})


def _answered(row: dict[str, str]) -> bool:
    return any(value not in ("", "[]", None) for column, value in row.items()
               if column and column.startswith("data.") and column not in ("data.aggregation_version",
                                                                           "data.classifier_version"))


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def activity_from_export(run: WorkflowRun, classifications: Path, versions: tuple[str, str] | None) -> None:
    """Classifications and volunteers per day from the classification export (streamed)."""
    from ..exports.csvio import decode, iter_batches
    from ..exports.versions import VersionRange

    wanted = run.workflow_id.encode()
    vrange = VersionRange.from_config({"min": versions[0], "max": versions[1]}) if versions else None
    per_day: Counter[str] = Counter()
    volunteers: dict[str, set[str]] = defaultdict(set)
    for batch in iter_batches(classifications):
        names = batch.schema.names
        user = "user_name" if "user_name" in names else "extended_user_id"
        if user not in names or "created_at" not in names:
            return
        columns = [batch.column(names.index(c)).to_pylist() for c in ("workflow_id", user, "created_at")]
        version_column = batch.column(names.index("workflow_version")).to_pylist() \
            if "workflow_version" in names else [b""] * batch.num_rows
        for wid, name, created, version in zip(*columns, version_column, strict=True):
            if wid != wanted or not _version_ok(version, vrange):
                continue
            day = decode(created)[0][:10]
            per_day[day] += 1
            volunteers[day].add(decode(name)[0])
    if per_day:
        run.per_day, run.volunteers_per_day = per_day, volunteers
        run.activity_source = f"the classification export {classifications.name}"


def _version_ok(raw: bytes, vrange: Any) -> bool:
    from ..exports.versions import parse_version

    if vrange is None:
        return True
    try:
        return parse_version(raw.decode("latin-1")) in vrange
    except ValueError:
        return False
