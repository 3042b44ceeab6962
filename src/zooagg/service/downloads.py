"""Current reductions as the same CSV `zooagg reduce` writes, and as JSON per subject.

The CSV goes through the offline tool's own writer (`tables.SpooledTable`) in the offline
order: subjects sorted as the extract file sorts them (numerically when all are numbers),
tasks in order of first appearance, and every subject x task pair present (a pair with no
extracts gets the reducer's answer for no extracts, as offline).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from ..errors import ZooaggError
from ..tables import NA_VALUES, REDUCTION_COLUMNS, REDUCTION_FRONT, SpooledTable
from .columns import Orders
from .models import DroppedMark, Extract, Reduction
from .plan import Plan
from .reducing import reduce_rows, reduce_subjects


def file_name(plan: Plan, extractor: str) -> str:
    """`{reducer}_reductions.csv`, or `{reducer}_reductions_{extractor}.csv` when two
    extractors share a reducer (as `zooagg run` names them)."""
    reducer = next(e.reducer.name for e in plan.entries if e.extractor == extractor)
    shared = len({e.extractor for e in plan.entries if e.reducer.name == reducer}) > 1
    return f"{reducer}_reductions_{extractor}.csv" if shared else f"{reducer}_reductions.csv"


def ordered_subjects(subjects: list[str]) -> list[str]:
    """Sorted as the offline reduce sorts them: as numbers when every subject_id is one."""
    try:
        if any(s in NA_VALUES for s in subjects):
            raise ValueError
        return sorted(subjects, key=float)
    except ValueError:
        return sorted(subjects)


def task_order(session: Session, plan: Plan, extractor: str, subjects: list[str]) -> list[str]:
    """Tasks in order of first appearance in the offline extract file, sorted by subject then time."""
    wanted = {e.task for e in plan.entries if e.extractor == extractor}
    present = set(session.scalars(select(Extract.task).distinct().where(
        Extract.project_id == plan.project_id, Extract.extractor == extractor)))
    wanted &= present
    seen: dict[str, None] = {}
    for subject in subjects:
        rows = session.scalars(select(Extract.task).where(
            Extract.project_id == plan.project_id, Extract.extractor == extractor, Extract.subject_id == subject)
            .order_by(Extract.created_at, Extract.classification_number, Extract.classification_id,
                      Extract.position))
        for task in rows:
            seen.setdefault(task, None)
        if len(seen) >= len(wanted):
            break
    return list(seen)


def reduction_csv(session: Session, plan: Plan, extractor: str, folder: Path | None = None) -> Path:
    """Write the reduction CSV of one extractor's extracts; returns the file (in a temp folder).

    Runs in a write transaction: reductions computed under an older column order are
    recomputed first (classifications arrived out of export order; see columns.py).
    """
    refresh(session, plan, extractor)
    stored: dict[tuple[str, str], Reduction] = {
        (r.subject_id, r.task): r for r in session.scalars(select(Reduction).where(
            Reduction.project_id == plan.project_id, Reduction.extractor == extractor))}
    subjects = ordered_subjects(list(dict.fromkeys(key[0] for key in stored)))
    tasks = task_order(session, plan, extractor, subjects)
    folder = folder or Path(tempfile.mkdtemp(prefix="zooagg-download-"))
    table = SpooledTable(folder / file_name(plan, extractor), REDUCTION_COLUMNS)
    empty: dict[str, list[dict[str, Any]]] = {}
    workflow = str(plan.workflow_id)
    for subject in subjects:
        for task in tasks:
            entry = plan.entry(extractor, task)
            if entry is None:
                continue
            found = stored.get((subject, task))
            if found is not None:
                rows, name = found.rows, found.reducer
            else:
                if task not in empty:
                    empty[task] = _reduce_nothing(entry)
                rows, name = empty[task], entry.reducer.name
            for row in rows:
                table.add([subject, workflow, task, name], dict(row))
    return table.finish("csv", False, front=REDUCTION_FRONT)


def refresh(session: Session, plan: Plan, extractor: str) -> None:
    """Recompute the extractor's reductions made under an older column order (see columns.py)."""
    orders = Orders(session, plan.project_id)
    signature = orders.get(extractor).signature
    outdated = session.execute(select(Reduction.task, Reduction.subject_id).where(
        Reduction.project_id == plan.project_id, Reduction.extractor == extractor,
        Reduction.signature != signature)).all()
    reduce_subjects(session, plan, [(extractor, task, subject) for task, subject in outdated], orders)
    session.flush()


def _reduce_nothing(entry: Any) -> list[dict[str, Any]]:
    try:
        return reduce_rows(entry, [], [], [], [])
    except (ZooaggError, ValueError, TypeError, KeyError, IndexError):
        return []


def subject_reductions(session: Session, plan: Plan, subject: str) -> list[dict[str, Any]]:
    found = session.scalars(select(Reduction).where(Reduction.project_id == plan.project_id,
                                                    Reduction.subject_id == subject))
    positions = {(e.extractor, e.task): e.position for e in plan.entries}
    ordered = sorted(found, key=lambda r: positions.get((r.extractor, r.task), 0))
    return [{"extractor": r.extractor, "task": r.task, "reducer": r.reducer, "rows": r.rows,
             **({"error": r.error} if r.error else {})} for r in ordered]


#: the columns of a project's dropped marks download
DROPPED_COLUMNS = ("classification_id", "task", "extractor", "reason")


def dropped_csv(session: Session, project_id: int) -> bytes:
    """Every dropped mark of the project's stored classifications, in the order they were
    stored: the classification, its task, the extractor and why (the rejects file's reason)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DROPPED_COLUMNS)
    rows = session.execute(select(*(getattr(DroppedMark, c) for c in DROPPED_COLUMNS))
                           .where(DroppedMark.project_id == project_id).order_by(DroppedMark.id))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_attachment(content: str | bytes, name: str) -> Response:
    """A CSV made in memory, as a download named `name` (the JSON API's and the pages' alike)."""
    return Response(content, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
