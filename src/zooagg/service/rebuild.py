"""Recomputing a project after its workflow or parameters change, and checking that stored
reductions equal a recomputation (used by the crash test and `GET .../verify`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .columns import Orders
from .errors import Rejected
from .ingest import Prepared, insert_dropped, insert_extracts, prepare, record_of
from .models import DroppedMark, Extract, ExtractColumn, Reduction, StoredClassification
from .plan import Plan
from .reducing import reduce_subjects
from .swap_live import replay_all

#: classifications whose extracts are inserted in one statement
CHUNK = 500


@dataclass
class RebuildSummary:
    classifications: int = 0
    extracts: int = 0
    reductions: int = 0
    #: marks of the stored classifications the new extractor parameters cannot use
    marks_dropped: int = 0
    #: stored classifications the new extractor parameters cannot extract (kept, not extracted)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def rebuild(session: Session, plan: Plan, re_extract: bool = True) -> RebuildSummary:
    """Re-extract every stored classification (if asked) and recompute every reduction."""
    summary = RebuildSummary()
    if re_extract:
        session.execute(delete(Extract).where(Extract.project_id == plan.project_id))
        session.execute(delete(ExtractColumn).where(ExtractColumn.project_id == plan.project_id))
        session.execute(delete(DroppedMark).where(DroppedMark.project_id == plan.project_id))
    orders = Orders(session, plan.project_id)
    if re_extract:
        rows = session.execute(select(StoredClassification.id, StoredClassification.row)
                               .where(StoredClassification.project_id == plan.project_id)
                               .order_by(StoredClassification.id)).yield_per(500)
        chunk: list[tuple[int, Prepared]] = []
        for pk, row in rows:
            summary.classifications += 1
            try:
                prepared = prepare(plan, record_of(row))
            except Rejected as exc:
                summary.rejected.append(exc.as_json())
                continue
            chunk.append((pk, prepared))
            summary.extracts += len(prepared.extracts)
            summary.marks_dropped += len(prepared.dropped)
            if len(chunk) >= CHUNK:
                insert_extracts(session, plan, chunk, orders)
                insert_dropped(session, plan, chunk)
                chunk = []
        insert_extracts(session, plan, chunk, orders)
        insert_dropped(session, plan, chunk)
    session.execute(delete(Reduction).where(Reduction.project_id == plan.project_id))
    groups = session.execute(select(Extract.extractor, Extract.task, Extract.subject_id).distinct()
                             .where(Extract.project_id == plan.project_id)).all()
    summary.reductions = reduce_subjects(session, plan, groups, orders)
    if re_extract:
        replay_all(session, plan)
    return summary


def stale_reductions(session: Session, plan: Plan) -> list[tuple[str, str, str]]:
    """(extractor, task, subject) whose stored reduction differs from a fresh recomputation.

    Runs inside a transaction that is rolled back by the caller: it recomputes in place and
    compares, so nothing changes.
    """
    stored = {(r.extractor, r.task, r.subject_id): (r.rows, r.error)
              for r in session.scalars(select(Reduction).where(Reduction.project_id == plan.project_id))}
    rebuild(session, plan, re_extract=False)
    session.flush()
    fresh = {(r.extractor, r.task, r.subject_id): (r.rows, r.error)
             for r in session.scalars(select(Reduction).where(Reduction.project_id == plan.project_id)
                                      .execution_options(populate_existing=True))}
    keys = set(stored) | set(fresh)
    return sorted(k for k in keys if stored.get(k) != fresh.get(k))
