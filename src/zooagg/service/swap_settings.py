"""Live SWAP's settings and what it keeps, read back: the team turns SWAP on for a yes/no
question task (`PATCH /api/projects/{id}/parameters/{entry}` with `swap`, or the web page),
with the parameters `zooagg weight -m swap` takes; the decision history, each subject's
status and each volunteer's agent are read here for the JSON routes, the CSV and the page."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import registry
from ..errors import ConfigError
from .errors import NUL_TEXT, FieldErrors
from .models import (
    Project,
    SwapSetting,
    SwapStep,
    SwapSubject,
    SwapVolunteer,
    TaskParameters,
    Workflow,
)
from .plan import PlanCache
from .reducing import now
from .swap_live import QUESTION, clear, decision_of, replay

#: SWAP's parameters, in the order the form shows them (tasks.swap.SWAP_PARAMS)
PARAMS = ("prior", "detection", "rejection", "initial_skill", "positive")
#: the history's columns, in the CSV's order
STEP_COLUMNS = ("step", "task", "classification_id", "subject_id", "volunteer", "user_name", "answer",
                "probability_before", "probability", "status", "decision", "decided_at")


def check_params(value: Any) -> dict[str, Any]:
    """SWAP's parameters from a request (true: the defaults), typed and checked; FieldErrors
    names each bad one as `swap.<parameter>`."""
    if value is True:
        value = {}
    if not isinstance(value, dict):
        raise FieldErrors({"swap": "must be true (the defaults), false (off) or an object of SWAP's parameters: "
                                   + ", ".join(PARAMS)})
    component = registry.get("weighting", "swap")
    errors: dict[str, str] = {}
    params = component.defaults()
    for key, raw in value.items():
        try:
            params.update(component.parse_params({key: raw}))
        except ConfigError as exc:
            errors[f"swap.{key}"] = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
    for key in ("prior", "initial_skill"):
        if f"swap.{key}" not in errors and not 0 < params[key] < 1:
            errors[f"swap.{key}"] = f"must be between 0 and 1 (not 0 or 1), got {params[key]}"
    if not errors.keys() & {"swap.detection", "swap.rejection"} and \
            not 0 <= params["rejection"] < params["detection"] <= 1:
        errors["swap.detection"] = (f"need 0 <= rejection < detection <= 1, got rejection {params['rejection']}, "
                                    f"detection {params['detection']}")
    if "swap.positive" not in errors and "\x00" in str(params["positive"]):
        errors["swap.positive"] = f"has {NUL_TEXT}"
    elif "swap.positive" not in errors and not str(params["positive"]).strip():
        errors["swap.positive"] = "name the answer that means yes (as the extracts have it: e.g. yes, or 0)"
    if errors:
        raise FieldErrors(errors)
    return {k: params[k] for k in PARAMS}


def yes_no(session: Session, project_id: int, task: str) -> str | None:
    """Why this task cannot have SWAP (None: it can): a single-answer question of two answers."""
    workflow = session.scalar(select(Workflow).where(Workflow.project_id == project_id))
    spec = (workflow.tasks if workflow is not None else {}).get(task)
    answers = spec.get("answers") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or spec.get("type") != "single" or not isinstance(answers, list) \
            or len(answers) != 2:
        kind = spec.get("type") if isinstance(spec, dict) else "unknown"
        count = len(answers) if isinstance(answers, list) else 0
        return f"SWAP takes a yes/no question (one answer of two); task {task} is a {kind} task with {count} answers"
    return None


def set_swap(session: Session, plans: PlanCache, project: Project, entry_id: int, value: Any) -> int:
    """Turn SWAP on (or change its parameters: the history is made anew, as the offline run over
    the stored classifications) or off (false: its state and history go) for one task entry;
    returns the decisions the history now has."""
    row = session.get(TaskParameters, entry_id)
    if row is None or row.project_id != project.id:
        raise FieldErrors({"id": f"this project has no task parameters {entry_id}"})
    if value is not False:
        if row.extractor != QUESTION:
            raise FieldErrors({"swap": f"SWAP takes a yes/no question; task {row.task} is read by {row.extractor}"})
        why = yes_no(session, project.id, row.task)
        if why:
            raise FieldErrors({"swap": why})
        params = check_params(value)
    project.config_rev += 1  # first: ingest holds the project's row, then the settings' (swap_live)
    session.flush()
    if value is False:
        session.execute(delete(SwapSetting).where(SwapSetting.project_id == project.id, SwapSetting.task == row.task))
        clear(session, project.id, row.task)
        return 0
    upsert = (pg_insert if session.connection().dialect.name == "postgresql" else sqlite_insert)(SwapSetting)
    session.execute(upsert.values(project_id=project.id, task=row.task, params=params, updated_at=now())
                    .on_conflict_do_update(index_elements=["project_id", "task"],
                                           set_={"params": params, "updated_at": now()}))
    plan = plans.get(session, project)
    return replay(session, plan, row.task) if plan is not None else 0


def settings_of(session: Session, project_id: int) -> dict[str, dict[str, Any]]:
    return {row.task: row.params for row in session.scalars(
        select(SwapSetting).where(SwapSetting.project_id == project_id).order_by(SwapSetting.task))}


# ---- read back --------------------------------------------------------------------------------

def _step(row: SwapStep) -> dict[str, Any]:
    return {"step": row.id, "task": row.task, "classification_id": row.classification_id,
            "subject_id": row.subject_id, "volunteer": row.volunteer, "user_name": row.user_name,
            "answer": row.answer, "probability_before": row.probability_before, "probability": row.probability,
            "status": row.status, "decision": row.decision, "decided_at": row.decided_at.isoformat()}


def decisions(session: Session, project_id: int, task: str | None = None, after: int = 0,
              limit: int | None = None) -> list[dict[str, Any]]:
    """The history in the order the decisions were made, from step `after` on."""
    query = select(SwapStep).where(SwapStep.project_id == project_id, SwapStep.id > after).order_by(SwapStep.id)
    if task is not None:
        query = query.where(SwapStep.task == task)
    return [_step(row) for row in session.scalars(query.limit(limit))]


def decisions_csv(session: Session, project_id: int, task: str | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STEP_COLUMNS)
    for step in decisions(session, project_id, task):
        writer.writerow([step[c] for c in STEP_COLUMNS])
    return out.getvalue()


def status(session: Session, project_id: int, task: str | None = None, states: bool = True) -> dict[str, Any]:
    """Each subject's P(yes), status and decision now; each volunteer's agent (with `states`;
    else only the settings)."""
    subjects = select(SwapSubject).where(SwapSubject.project_id == project_id).order_by(
        SwapSubject.task, SwapSubject.subject_id)
    volunteers = select(SwapVolunteer).where(SwapVolunteer.project_id == project_id).order_by(
        SwapVolunteer.task, SwapVolunteer.volunteer)
    if task is not None:
        subjects = subjects.where(SwapSubject.task == task)
        volunteers = volunteers.where(SwapVolunteer.task == task)
    settings = {k: v for k, v in settings_of(session, project_id).items() if task is None or k == task}
    if not states:
        return {"settings": settings}
    return {
        "settings": settings,
        "subjects": [{"task": s.task, "subject_id": s.subject_id, "probability": s.probability, "status": s.status,
                      "decision": decision_of(s.status), "classifications": s.classifications, "truth": s.truth}
                     for s in session.scalars(subjects)],
        "volunteers": [{"task": v.task, "volunteer": v.volunteer, "user_name": v.user_name, "PL": v.pl, "PD": v.pd,
                        "skill": (v.pl + v.pd) / 2, "training": v.training, "answers": v.answers}
                       for v in session.scalars(volunteers)],
    }
