"""Live reduction: a subject's reductions recomputed from its stored extracts.

The reduction a subject gets is the one `zooagg reduce` gives for the same extracts: the
extracts are ordered as the offline reduce orders them (created_at, then the export's row
order, i.e. classification_id), the same repeat filter (`first` by default) picks which count,
and each extract is seen as it reads back from the extract CSV (None values and empty
mappings dropped, `aggregation_version` removed: see columns.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, Text, bindparam, select, text, type_coerce
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..engine.extract_table import filter_repeats
from . import bulk
from .columns import Orders
from .models import Extract, Reduction
from .pipeline import Pipeline
from .plan import Entry, Plan
from .store import lock_subjects

EXTRACTS = cast(Table, Extract.__table__)
REDUCTIONS = cast(Table, Reduction.__table__)


@cache
def _upsert_reductions(dialect: str) -> Any:
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(REDUCTIONS)
    keys = ("project_id", "extractor", "task", "subject_id")
    return statement.on_conflict_do_update(index_elements=list(keys), set_={
        name: statement.excluded[name] for name in ("reducer", "rows", "error", "signature", "updated_at")})


def user_id_value(text: str) -> Any:
    return int(text) if text.isdigit() else None


def reduce_rows(entry: Entry, extracts: list[Any], user_ids: list[Any], created: list[str],
                classification_ids: list[str]) -> list[dict[str, Any]]:
    """The reducer's rows for one subject and task (stamped); raises what the reducer raises."""
    return entry.reduce.rows(extracts, {"user_ids": user_ids, "created_at": created,
                                        "classification_ids": classification_ids})


#: PostgreSQL: the subjects go as one array, so the SQL text is the same for any number of them
#: and psycopg parses it once; each subject's extracts are read by their own probe of
#: ix_extract_subject (the LATERAL subquery, kept apart by OFFSET 0), whatever the planner
#: guesses: with `subject_id = ANY(...)` it read every extract of the project, and filtered,
#: until the table's statistics were first gathered (a new database, for its first minute)
PG_EXTRACTS_SQL = """
SELECT x.id, x.extractor, x.task, x.subject_id, x.data, x.user_name, x.user_id, x.created_at, x.classification_id
FROM unnest(CAST(%(subjects)s AS text[])) AS s(subject) CROSS JOIN LATERAL (
    SELECT e.id, e.extractor, e.task, e.subject_id, CAST(e.data AS text) AS data, e.user_name, e.user_id,
           e.created_at, e.classification_id, e.classification_number, e.position
    FROM extracts AS e
    WHERE e.project_id = %(project_id)s AND e.subject_id = s.subject
      AND e.extractor = ANY(CAST(%(extractors)s AS text[]))
    OFFSET 0) AS x
ORDER BY x.created_at, x.classification_number, x.classification_id, x.position"""
#: as psycopg takes it (pipeline.py), and as SQLAlchemy does
PG_EXTRACTS_OF_SUBJECTS = text(PG_EXTRACTS_SQL.replace("%(subjects)s", ":subjects").replace(
    "%(project_id)s", ":project_id").replace("%(extractors)s", ":extractors"))


@cache
def _extracts_of_subjects(dialect: str) -> Any:
    """The stored extracts of some extractors and subjects, in the offline reduce's order within
    each subject and task, with the data as the JSON text stored: the reducers mostly see
    remembered extracts (Orders.reorder_all)."""
    if dialect == "postgresql":
        return PG_EXTRACTS_OF_SUBJECTS
    e = EXTRACTS.c
    return (select(e.id, e.extractor, e.task, e.subject_id, type_coerce(e.data, Text), e.user_name, e.user_id,
                   e.created_at, e.classification_id)
            .where(e.project_id == bindparam("project_id"), e.extractor.in_(bindparam("extractors", expanding=True)),
                   e.subject_id.in_(bindparam("subjects", expanding=True)))
            .order_by(e.created_at, e.classification_number, e.classification_id, e.position))


SUBJECTS_PER_QUERY = 500


def reduce_subjects(session: Session, plan: Plan, keys: Iterable[tuple[str, str, str]], orders: Orders,
                    pipeline: Pipeline | None = None) -> int:
    """Reduce the stored extracts of each (extractor, task, subject) and store the results,
    holding the subjects' locks (lock_subjects) until the transaction ends.

    One query reads the extracts of up to SUBJECTS_PER_QUERY subjects, one statement writes
    all their reductions. Returns how many reductions were stored. With a `pipeline`, the locks
    go with the first read, and the writes with the next round trip.
    """
    by_subject: dict[str, dict[tuple[str, str], Entry]] = {}
    for extractor, task, subject in keys:
        entry = plan.entry(extractor, task)
        if entry is not None:
            by_subject.setdefault(subject, {})[(extractor, task)] = entry
    subjects = sorted(by_subject)
    connection = session.connection()
    signatures = {e.extractor: orders.get(e.extractor).signature for es in by_subject.values() for e in es.values()}
    extractors = sorted(signatures)
    lock_subjects(connection, plan.project_id, subjects, pipeline)
    upsert = _upsert_reductions(connection.dialect.name)
    query = _extracts_of_subjects(connection.dialect.name)
    for start in range(0, len(subjects), SUBJECTS_PER_QUERY):
        chunk = subjects[start:start + SUBJECTS_PER_QUERY]
        found: dict[tuple[str, str, str], list[Any]] = {}
        params = {"project_id": plan.project_id, "extractors": extractors, "subjects": chunk}
        for row in connection.execute(query, params) if pipeline is None else pipeline.query(PG_EXTRACTS_SQL, params):
            key = row[1:4]
            if key in found:
                found[key].append(row)
            else:
                found[key] = [row]
        updated = now()
        values = []
        for subject in chunk:
            for (extractor, task), entry in sorted(by_subject[subject].items()):
                rows, error = _reduce_one(plan, entry, found.get((extractor, task, subject), []), orders)
                values.append({"project_id": plan.project_id, "extractor": extractor, "task": task,
                               "subject_id": subject, "reducer": entry.reducer.name, "rows": rows, "error": error,
                               "signature": signatures[extractor], "updated_at": updated})
        bulk.REDUCTIONS.execute(connection, upsert, values, pipeline)
    return sum(len(entries) for entries in by_subject.values())


def _reduce_one(plan: Plan, entry: Entry, found: list[Any], orders: Orders) -> tuple[list[dict[str, Any]], str | None]:
    """One subject's reduction for one entry from its stored extracts (in order), or why it failed."""
    # each row: id, extractor, task, subject_id, data, user_name, user_id, created_at, classification_id
    kept = filter_repeats(list(range(len(found))), [r[5] for r in found], [r[8] for r in found], plan.filter_how)
    chosen = [found[i] for i in kept] if len(kept) < len(found) else found
    try:
        extracts = orders.reorder_all(entry.extractor, [(r[0], r[4]) for r in chosen])
        return reduce_rows(entry, extracts, [user_id_value(r[6]) for r in chosen],
                           [r[7] for r in chosen], [r[8] for r in chosen]), None
    except Exception as exc:  # noqa: BLE001 - one subject the reducer cannot handle: recorded, the rest goes on
        return [], f"{entry.reducer.name} failed ({type(exc).__name__}: {exc})"


def now() -> datetime:
    return datetime.now().astimezone()
