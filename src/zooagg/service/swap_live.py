"""Live SWAP (docs/weighting.md): a project's yes/no task with SWAP turned on has, with each
classification stored, its subject's P(yes), status and retire/keep decision updated, its
volunteer's agent (PL, PD) too, and one decision row appended to the history, all in the
transaction that stores the classification (ingest._store_project). A classification stored
already is not stored again, so a duplicate delivery changes nothing here either.

The update is tasks/swap.py's, step by step, as `zooagg weight -m swap` makes it offline:
each volunteer counts once per subject (their first classification), a classification marked
`gold_standard` or `expert` is no volunteer's answer but the subject's truth, and an agent
learns from every answer it gave on a subject whose truth is known. Classifications are taken
in the order they arrive (those of one transaction in created_at, classification_id order, as
offline): sent in classification order, the history is the offline run's. A truth that arrives
after volunteers answered its subject teaches their agents then (offline they would have
learnt at their answers): their skills end the same, the P(yes) in between can differ.

`replay` makes a task's state and history anew from the stored classifications in the offline
order, with the truth known from the start: exactly the offline run. It runs when SWAP is
turned on or its parameters change, and when the project's extracts are made again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..tasks.swap import agent_learns, new_agent, status_of, subject_update
from ..weighting.answers import volunteer_of, vote_label
from .models import Extract, StoredClassification, SwapSetting, SwapStep, SwapSubject, SwapVolunteer
from .pipeline import Pipeline
from .plan import Plan
from .reducing import now
from .weighting import marked

if TYPE_CHECKING:
    from .ingest import Prepared

#: the extractor whose answers SWAP weighs (a yes/no question task)
QUESTION = "question_extractor"
SUBJECTS = cast(Table, SwapSubject.__table__)
VOLUNTEERS = cast(Table, SwapVolunteer.__table__)
STEPS = cast(Table, SwapStep.__table__)


def decision_of(status: str) -> str:
    return "keep" if status == "undecided" else "retire"


@dataclass(frozen=True)
class Answer:
    """One classification's answer to a SWAP task (gold: it is the subject's truth)."""

    created_at: str
    classification_id: str
    subject_id: str
    volunteer: str
    user_name: str
    label: str
    gold: bool


@dataclass
class Subject:
    probability: float
    status: str
    classifications: int = 0
    truth: str | None = None
    #: who answered it and what they said (each volunteer counts once per subject)
    said: dict[str, str] = field(default_factory=dict)


@dataclass
class Volunteer:
    user_name: str
    agent: dict[str, float]
    answers: int = 0


class TaskState:
    """One task's SWAP state, as much of it as the answers at hand touch, and the new steps."""

    def __init__(self, task: str, params: dict[str, Any], when: datetime) -> None:
        self.task = task
        self.prior = float(params["prior"])
        self.detection = float(params["detection"])
        self.rejection = float(params["rejection"])
        self.initial_skill = float(params["initial_skill"])
        self.positive = str(params["positive"]).lower()
        self.when = when
        self.subjects: dict[str, Subject] = {}
        self.volunteers: dict[str, Volunteer] = {}
        self.steps: list[dict[str, Any]] = []

    def subject(self, subject_id: str) -> Subject:
        found = self.subjects.get(subject_id)
        if found is None:
            found = self.subjects[subject_id] = Subject(self.prior, status_of(self.prior, self.detection,
                                                                              self.rejection))
        return found

    def take(self, answer: Answer) -> None:
        """One classification's answer: a truth, or a volunteer's step."""
        subject = self.subject(answer.subject_id)
        if answer.gold:
            if subject.truth is None:
                subject.truth = answer.label
                for name, label in subject.said.items():  # they answered before the truth came
                    self._learn(self.volunteers[name], label, answer.label)
            return
        if answer.volunteer in subject.said:
            return
        volunteer = self.volunteers.get(answer.volunteer)
        if volunteer is None:
            volunteer = self.volunteers[answer.volunteer] = Volunteer(answer.user_name,
                                                                      new_agent(self.initial_skill))
        said_yes = answer.label.lower() == self.positive
        before = subject.probability
        agent = volunteer.agent
        subject.probability = subject_update(before, said_yes, agent["PL"], agent["PD"])
        subject.status = status_of(subject.probability, self.detection, self.rejection)
        subject.classifications += 1
        subject.said[answer.volunteer] = answer.label
        volunteer.answers += 1
        if subject.truth is not None:
            self._learn(volunteer, answer.label, subject.truth)
        self.steps.append({"task": self.task, "classification_id": answer.classification_id,
                           "subject_id": answer.subject_id, "volunteer": answer.volunteer,
                           "user_name": answer.user_name, "answer": answer.label, "probability_before": before,
                           "probability": subject.probability, "status": subject.status,
                           "decision": decision_of(subject.status), "decided_at": self.when})

    def _learn(self, volunteer: Volunteer, label: str, truth: str) -> None:
        volunteer.agent = agent_learns(volunteer.agent, label.lower() == self.positive, truth.lower() == self.positive)


def answer_of(created_at: str, classification_id: str, subject_id: str, user_id: Any, user_name: Any,
              data: Any, row: Any) -> Answer | None:
    """A stored question extract as a SWAP answer; None when it gave no answer or names nobody
    (offline: skipped, or a weighting reject)."""
    label = vote_label(data) if isinstance(data, dict) else ""
    volunteer = volunteer_of(user_id, user_name)
    if not label or not volunteer:
        return None
    return Answer(created_at, classification_id, subject_id, volunteer, str(user_name or ""), label,
                  isinstance(row, dict) and marked(row))


def _ordered(answers: Iterable[Answer]) -> list[Answer]:
    """In the offline order (weighting.answers.TaskAnswers.finish)."""
    return sorted(answers, key=lambda a: (a.created_at, a.classification_id))


# ---- with each transaction of ingest ---------------------------------------------------------

def on_stored(session: Session, plan: Plan, stored: list[tuple[int, Prepared]], pipeline: Pipeline | None = None
              ) -> int:
    """SWAP's steps for the classifications this transaction stored; returns how many."""
    by_task: dict[str, list[Answer]] = {}
    for _, item in stored:
        c = item.classification
        for entry, _, subject, data in item.extracts:
            if entry.extractor == QUESTION and entry.task in plan.swap:
                found = answer_of(c.created_at, c.classification_id, subject, c.user_id, c.user_name, data, item.row)
                if found is not None:
                    by_task.setdefault(entry.task, []).append(found)
    if not by_task:
        return 0
    if pipeline is not None:
        pipeline.flush()
    # one transaction at a time per task: the volunteers' agents are shared by all its subjects
    session.execute(select(SwapSetting.task).where(SwapSetting.project_id == plan.project_id,
                                                   SwapSetting.task.in_(sorted(by_task)))
                    .order_by(SwapSetting.task).with_for_update())
    steps = 0
    for task in sorted(by_task):
        answers = _ordered(by_task[task])
        state = _load(session, plan.project_id, TaskState(task, plan.swap[task], now()), answers)
        for answer in answers:
            state.take(answer)
        _save(session, plan.project_id, state)
        steps += len(state.steps)
    return steps


def _load(session: Session, project_id: int, state: TaskState, answers: list[Answer]) -> TaskState:
    """The stored state of the answers' subjects and volunteers (and of the volunteers who
    answered a subject whose truth arrives now)."""
    subjects = sorted({a.subject_id for a in answers})
    where = (SwapSubject.project_id == project_id, SwapSubject.task == state.task)
    for found in session.scalars(select(SwapSubject).where(*where, SwapSubject.subject_id.in_(subjects))):
        state.subjects[found.subject_id] = Subject(found.probability, found.status, found.classifications,
                                                   found.truth)
    for subject, volunteer, label in session.execute(
            select(SwapStep.subject_id, SwapStep.volunteer, SwapStep.answer).where(
                SwapStep.project_id == project_id, SwapStep.task == state.task, SwapStep.subject_id.in_(subjects))):
        state.subject(subject).said[volunteer] = label
    needed = {a.volunteer for a in answers} | {v for a in answers if a.gold for v in state.subject(a.subject_id).said}
    for row in session.scalars(select(SwapVolunteer).where(
            SwapVolunteer.project_id == project_id, SwapVolunteer.task == state.task,
            SwapVolunteer.volunteer.in_(sorted(needed)))):
        state.volunteers[row.volunteer] = Volunteer(row.user_name, {"PL": row.pl, "PD": row.pd, "NL": row.nl,
                                                                    "ND": row.nd, "training": row.training},
                                                    row.answers)
    return state


@cache
def _upsert(dialect: str, table: str) -> Any:
    target = {"swap_subjects": SUBJECTS, "swap_volunteers": VOLUNTEERS}[table]
    keys = [c.name for c in target.primary_key.columns]
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(target)
    return statement.on_conflict_do_update(index_elements=keys, set_={
        c.name: statement.excluded[c.name] for c in target.columns if c.name not in keys})


def _save(session: Session, project_id: int, state: TaskState) -> None:
    connection = session.connection()
    dialect = connection.dialect.name
    if state.subjects:
        connection.execute(_upsert(dialect, "swap_subjects"), [
            {"project_id": project_id, "task": state.task, "subject_id": key, "probability": s.probability,
             "status": s.status, "classifications": s.classifications, "truth": s.truth}
            for key, s in state.subjects.items()])
    if state.volunteers:
        connection.execute(_upsert(dialect, "swap_volunteers"), [
            {"project_id": project_id, "task": state.task, "volunteer": key, "user_name": v.user_name,
             "pl": v.agent["PL"], "pd": v.agent["PD"], "nl": v.agent["NL"], "nd": v.agent["ND"],
             "training": int(v.agent["training"]), "answers": v.answers}
            for key, v in state.volunteers.items()])
    if state.steps:
        connection.execute(insert(STEPS), [{"project_id": project_id, **step} for step in state.steps])


# ---- made anew -------------------------------------------------------------------------------

def clear(session: Session, project_id: int, task: str) -> None:
    """A task's SWAP state and history, gone."""
    for model in (SwapStep, SwapSubject, SwapVolunteer):
        session.execute(delete(model).where(model.project_id == project_id, model.task == task))


def replay(session: Session, plan: Plan, task: str) -> int:
    """The task's state and history made anew from the stored classifications, in the offline
    order, each subject's truth known from the start (the offline run); returns the steps."""
    clear(session, plan.project_id, task)
    query = (select(Extract.created_at, Extract.classification_id, Extract.subject_id, Extract.user_id,
                    Extract.user_name, Extract.data, StoredClassification.row)
             .join(StoredClassification, StoredClassification.id == Extract.classification_pk)
             .where(Extract.project_id == plan.project_id, Extract.extractor == QUESTION, Extract.task == task))
    answers = _ordered(a for row in session.execute(query) if (a := answer_of(*row)) is not None)
    state = TaskState(task, plan.swap[task], now())
    truths: dict[str, list[str]] = {}
    for answer in answers:
        if answer.gold:
            truths.setdefault(answer.subject_id, []).append(answer.label)
    for subject, labels in truths.items():  # the most given, ties to the first (answers.split_gold)
        state.subject(subject).truth = Counter(labels).most_common(1)[0][0]
    for answer in answers:
        state.take(answer)
    _save(session, plan.project_id, state)
    return len(state.steps)


def replay_all(session: Session, plan: Plan) -> int:
    """Every SWAP task of the project made anew (after its extracts were made again)."""
    return sum(replay(session, plan, task) for task in sorted(plan.swap))
