"""A live project's consensus table: the offline builder over the stored reductions.

The rows are the stored reductions flattened as the CSV writer flattens them, the labels are
the workflow's strings (dropdown options keyed by value, as in a Task_labels file), and a
subject's classifications are its distinct classification ids among the extracts, and per
task those that gave it something, as offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..consensus import ConsensusTable, consensus_table
from ..consensus.build import Counts
from ..tables import flatten
from .downloads import refresh
from .models import Extract, Reduction, Workflow
from .plan import Plan


def _rows(session: Session, plan: Plan) -> Iterator[dict[str, Any]]:
    found = session.scalars(select(Reduction).where(Reduction.project_id == plan.project_id,
                                                    Reduction.error.is_(None)))
    workflow = str(plan.workflow_id)
    for reduction in found:
        for row in reduction.rows:
            yield {"subject_id": reduction.subject_id, "workflow_id": workflow, "task": reduction.task,
                   "reducer": reduction.reducer, **flatten(dict(row))}


def labels_of(workflow: Workflow | None, plan: Plan) -> dict[str, Any]:
    """Task texts and answer labels, as `zooagg config` writes them to Task_labels."""
    if workflow is None:
        return {}
    from ..configure.config import task_labels_for

    config: dict[str, list[dict[str, Any]]] = {}
    for entry in plan.entries:
        config.setdefault(entry.extractor, []).append({"task": entry.task})
    return task_labels_for(workflow, config)  # type: ignore[arg-type]


def project_consensus(session: Session, plan: Plan) -> ConsensusTable:
    """The consensus table of a live project now (outdated reductions recomputed first)."""
    for extractor in plan.extractor_names:
        refresh(session, plan, extractor)
    counts = Counts()
    for subject, task, classification, user, data in session.execute(
            select(Extract.subject_id, Extract.task, Extract.classification_id, Extract.user_name, Extract.data)
            .where(Extract.project_id == plan.project_id)):
        flat = flatten(data) if isinstance(data, dict) else {}
        counts.add(subject, task, classification, user, (v for k, v in flat.items() if k != "data.aggregation_version"))
    workflow = session.scalar(select(Workflow).where(Workflow.project_id == plan.project_id))
    return consensus_table(_rows(session, plan), labels_of(workflow, plan), counts.per_subject(), None,
                           counts.per_task())


def consensus_csv(session: Session, plan: Plan, folder: Path) -> Path:
    """`consensus_workflow_<id>.csv` of a live project, written into `folder`."""
    from ..consensus.folder import write_table

    return write_table(project_consensus(session, plan), folder / f"consensus_workflow_{plan.workflow_id}.csv")
