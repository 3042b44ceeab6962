"""Volunteer weighting of a live project: `zooagg weight` over the project's stored extracts.

The extracts are read in classification order (created_at, then classification id, as the
offline files are ordered), the classifications whose stored export row is marked
`gold_standard` or `expert` are the truth, and the method runs as offline. So for SWAP each
new classification updates the subjects' P(yes), status and retire/keep decision, and the
decision history is every classification's step, in order: the same as `zooagg weight -m swap`
over an export of the same classifications.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import flatten
from ..tasks.swap import swap_history
from ..weighting import run as runs
from ..weighting.answers import WEIGHABLE, TaskAnswers, collect, split_gold
from .models import Extract, StoredClassification, Workflow
from .plan import Plan

if TYPE_CHECKING:
    from ..consensus.votes import Labels


def marked(row: Mapping[str, Any]) -> bool:
    """A stored export row marked gold_standard (true) or expert: its answers are the truth."""
    gold = str(row.get("gold_standard") or "").strip().lower()
    expert = str(row.get("expert") or "").strip().lower()
    return gold in ("true", "1", "t") or expert not in ("", "na", "false", "null", "none")


def _rows(session: Session, plan: Plan, gold: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    query = (select(Extract.extractor, Extract.task, Extract.subject_id, Extract.classification_id,
                    Extract.user_name, Extract.user_id, Extract.created_at, Extract.data, StoredClassification.row)
             .join(StoredClassification, StoredClassification.id == Extract.classification_pk)
             .where(Extract.project_id == plan.project_id, Extract.extractor.in_(WEIGHABLE))
             .order_by(Extract.created_at, Extract.classification_number, Extract.position))
    source = f"project {plan.project_id}"
    for extractor, task, subject, cid, name, user, created, data, stored in session.execute(query):
        if isinstance(stored, dict) and marked(stored):
            gold.add(cid)
        yield source, {"extractor": extractor, "task": task, "subject_id": subject, "classification_id": cid,
                       "user_name": name, "user_id": user, "created_at": created, "workflow_id": plan.workflow_id,
                       **flatten(data if isinstance(data, dict) else {})}


def project_answers(session: Session, plan: Plan, tasks: set[str] | None = None) -> dict[str, TaskAnswers]:
    """The project's weighable tasks with their truth (gold/expert classifications)."""
    gold: set[str] = set()
    found, _ = collect(_rows(session, plan, gold), tasks)
    split_gold(found, gold)
    for entry in found.values():
        entry.finish()
    return found


def swap_decisions(entry: TaskAnswers, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every classification's SWAP step, in order: the subject's P(yes), status and decision."""
    _, _, steps = swap_history(entry.answers(entry.truth_codes()), **params)
    answers = entry.answers()
    return [{"subject_id": entry.items[s][0], "classification_id": entry.classification_ids[i],
             "volunteer": entry.volunteers[int(answers.volunteer[i])], "answer": entry.labels[int(answers.label[i])],
             "probability": p, "status": status, "decision": "keep" if status == "undecided" else "retire"}
            for i, (s, p, status) in enumerate(steps)]


def _labels(session: Session, plan: Plan) -> Labels | None:
    """The project's workflow words (as its consensus table has them), None without a workflow."""
    from ..consensus.votes import Labels
    from .consensus import labels_of

    words = labels_of(session.scalar(select(Workflow).where(Workflow.project_id == plan.project_id)), plan)
    return Labels(words) if words else None


def project_weighting(session: Session, plan: Plan, method: str, query: Mapping[str, str],
                      task: str | None = None) -> dict[str, Any]:
    """One method over the live project now: per subject and task its answer, probability and
    majority answer; per volunteer their skill; for SWAP each classification's decision."""
    component = runs.method(method)
    params = component.parse_params(dict(query))
    found = project_answers(session, plan, {task} if task else None)
    labels = _labels(session, plan)
    out: dict[str, Any] = {"method": method, "parameters": params, "tasks": {}, "subjects": [], "volunteers": []}
    for name, entry in found.items():
        outcome = runs.attempt(method, params, entry)
        if isinstance(outcome, str):
            out["tasks"][name] = {"skipped": outcome}
            continue
        out["tasks"][name] = {"answers": len(entry.classification_ids), "truth_subjects": len(entry.truth_codes())}
        out["subjects"] += runs.subject_rows(outcome, labels)
        out["volunteers"] += runs.volunteer_rows(outcome)
        if method == "swap":
            out.setdefault("decisions", []).extend({"task": name, **step} for step in swap_decisions(entry, params))
    return out
