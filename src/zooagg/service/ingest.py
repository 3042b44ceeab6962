"""Live ingest: a classification (an export row) is stored once, extracted, and its
subject's reductions recomputed from the stored extracts, all in one transaction.

The reduction a subject gets is the one `zooagg reduce` gives for the same extracts: the
extracts are ordered as the offline reduce orders them (created_at, then the export's row
order, i.e. classification_id), the same repeat filter (`first` by default) picks which count,
and each extract is seen as it reads back from the extract CSV (None values and empty
mappings dropped, `aggregation_version` removed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import AGGREGATION_VERSION
from ..engine.extract import by_task, extract_one
from ..engine.extract_table import filter_repeats
from ..errors import RowError, Where, ZooaggError
from ..exports.classifications import JSON_COLUMNS, REQUIRED, Classification, parse_record
from ..exports.versions import parse_version
from .columns import Orders
from .models import Extract, Project, Reduction, StoredClassification
from .plan import Entry, Plan
from .store import Store

SOURCE = "request"


class StalePlan(Exception):
    """The project's configuration changed while the request was being prepared: try again."""


class Rejected(Exception):
    """A classification that cannot be taken: nothing of it is stored."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error

    def as_json(self, index: int | None = None) -> dict[str, Any]:
        where = self.error.where
        out: dict[str, Any] = {"error": self.error.message, "hint": self.error.hint,
                               "classification_id": where.row, "column": where.column, "task": where.task}
        if where.value is not None:
            out["value"] = str(where.value)[:80]
        if index is not None:
            out["index"] = index
        return {k: v for k, v in out.items() if v not in (None, "")}


@dataclass
class Prepared:
    """A classification parsed and extracted, not yet stored."""

    classification: Classification
    row: dict[str, Any]
    extracts: list[tuple[Entry, int, str, Any]]  # entry, row index, subject_id, data


@dataclass
class IngestResult:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


# ---- rows in the export's shape -------------------------------------------------------------

def record_of(row: Any) -> dict[str, bytes]:
    """An export row (JSON columns as JSON or as strings) as the raw record the reader makes."""
    if not isinstance(row, dict):
        raise Rejected(RowError("a classification must be a JSON object with the export's columns",
                                hint="send {\"classification_id\": ..., \"annotations\": [...], ...}",
                                where=Where(file=SOURCE)))
    record: dict[str, bytes] = {}
    for name, value in row.items():
        if value is None:
            record[name] = b""
        elif isinstance(value, str):
            record[name] = value.encode()
        elif name in JSON_COLUMNS or isinstance(value, dict | list):
            record[name] = orjson.dumps(value)
        elif isinstance(value, bool):
            record[name] = b"true" if value else b"false"
        elif isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
            record[name] = str(value).encode()
        else:
            record[name] = b""
    cid = record.get("classification_id", b"").decode(errors="replace")
    for name in (*REQUIRED, "user_name"):
        if name == "user_name" and "extended_user_id" in record:
            continue
        if not record.get(name) and name != "user_name" or name not in record:
            raise Rejected(RowError(f"the {name} column is missing or empty",
                                    hint="send every column of a classification export row",
                                    where=Where(file=SOURCE, row=cid or None, column=name)))
    return record


def stored_row(record: dict[str, bytes]) -> dict[str, Any]:
    """What is kept of a row: text columns as text, JSON columns parsed (they parsed already)."""
    out: dict[str, Any] = {}
    for name, raw in record.items():
        text = raw.decode("utf-8", errors="replace")
        if name in JSON_COLUMNS and text:
            try:
                out[name] = orjson.loads(raw)
                continue
            except orjson.JSONDecodeError:
                pass
        out[name] = text
    return out


def prepare(plan: Plan, record: dict[str, bytes]) -> Prepared:
    """Parse, check and extract one row; raises Rejected naming the problem."""
    parsed = parse_record(record, SOURCE)
    if isinstance(parsed, RowError):
        raise Rejected(parsed)
    cid = parsed.classification_id
    if parsed.workflow_id != str(plan.workflow_id):
        raise Rejected(RowError(f"workflow_id {parsed.workflow_id} is not this project's workflow "
                                f"{plan.workflow_id}", hint="send it to the project of that workflow",
                                where=Where(file=SOURCE, row=cid, column="workflow_id", value=parsed.workflow_id)))
    if parsed.workflow_version and parse_version(parsed.workflow_version) not in plan.versions:
        raise Rejected(RowError(f"workflow_version {parsed.workflow_version} is outside this project's versions "
                                f"({plan.versions.describe()})", hint="change the project's workflow versions",
                                where=Where(file=SOURCE, row=cid, column="workflow_version")))
    grouped = by_task(parsed.annotations)
    extracts: list[tuple[Entry, int, str, Any]] = []
    for entry in plan.entries:
        try:
            rows = extract_one(parsed, entry.step, grouped)
        except ZooaggError as exc:
            raise Rejected(RowError(f"{entry.extractor}: {exc.message}", exc.hint,
                                    Where(SOURCE, cid, "annotations", entry.task, exc.where.value))) from exc
        except Exception as exc:  # the extractor met an annotation it does not understand
            raise Rejected(RowError(f"{entry.extractor} failed on this annotation ({type(exc).__name__}: {exc})",
                                    hint="check the annotation's shape against the task type",
                                    where=Where(SOURCE, cid, "annotations", entry.task))) from exc
        for index, (subject, data) in enumerate(rows):
            extracts.append((entry, index, subject, data))
    return Prepared(parsed, stored_row(record), extracts)


# ---- storing -------------------------------------------------------------------------------

def _insert_ignore(store: Store) -> Any:
    return sqlite_insert if store.sqlite else pg_insert


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def store_prepared(session: Session, store: Store, plan: Plan, prepared: Prepared, orders: Orders) -> bool:
    """Insert the classification and its extracts; False when it was already there."""
    c = prepared.classification
    statement = _insert_ignore(store)(StoredClassification).values(
        project_id=plan.project_id, classification_id=c.classification_id, subject_ids=c.subject_ids,
        created_at=c.created_at, row=prepared.row, received_at=_now(),
    ).on_conflict_do_nothing(index_elements=["project_id", "classification_id"]).returning(StoredClassification.id)
    pk = session.scalar(statement)
    if pk is None:
        return False
    insert_extracts(session, plan, pk, c, prepared.extracts, orders)
    return True


def insert_extracts(session: Session, plan: Plan, pk: int, c: Classification,
                    extracts: list[tuple[Entry, int, str, Any]], orders: Orders) -> None:
    if not extracts:
        return
    number = _number(c.classification_id)
    for entry in {e.extractor: e for e, _, _, _ in extracts}.values():
        orders.see(entry.extractor, [(number, c.classification_id, e.position * 10_000 + index, data)
                                     for e, index, _, data in extracts if e.extractor == entry.extractor])
    session.execute(insert(Extract), [{
        "project_id": plan.project_id, "classification_pk": pk, "extractor": entry.extractor,
        "task": entry.task, "subject_id": subject, "classification_id": c.classification_id,
        "classification_number": number, "user_name": c.user_name, "user_id": c.user_id,
        "created_at": c.created_at, "position": entry.position * 10_000 + index, "data": data,
    } for entry, index, subject, data in extracts])


def ingest(store: Store, plan: Plan, records: Iterable[dict[str, bytes]], *, all_or_nothing: bool = True
           ) -> tuple[IngestResult, list[dict[str, Any]]]:
    """Store, extract and reduce rows in one transaction.

    With `all_or_nothing`, any bad row rejects the whole call (nothing stored) and the
    problems come back; otherwise bad rows are skipped and reported, the rest stored.
    """
    prepared: list[Prepared] = []
    problems: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            prepared.append(prepare(plan, record))
        except Rejected as exc:
            problems.append(exc.as_json(index))
    result = IngestResult()
    if problems and all_or_nothing:
        return result, problems
    with store.write() as session:
        current = session.scalar(select(Project.config_rev).where(Project.id == plan.project_id))
        if current != plan.config_rev:
            raise StalePlan
        touched: set[tuple[str, str, str]] = set()
        orders = Orders(session, plan.project_id)
        for item in prepared:
            if store_prepared(session, store, plan, item, orders):
                result.stored.append(item.classification.classification_id)
                touched.update((e.extractor, e.task, subject) for e, _, subject, _ in item.extracts)
            else:
                result.duplicates.append(item.classification.classification_id)
        for extractor, task, subject in sorted(touched, key=lambda t: (t[2], t[0], t[1])):
            entry = plan.entry(extractor, task)
            if entry is not None:
                store.lock_subject(session, plan.project_id, subject)
                recompute(session, plan, entry, subject, orders)
    return result, problems


# ---- reducing ------------------------------------------------------------------------------

def user_id_value(text: str) -> Any:
    return int(text) if text.isdigit() else None


def reduce_rows(entry: Entry, extracts: list[Any], user_ids: list[Any], created: list[str],
                classification_ids: list[str]) -> list[dict[str, Any]]:
    """The reducer's rows for one subject and task (stamped); raises what the reducer raises."""
    extra: dict[str, Any] = {}
    wants = entry.reducer.wants
    if "user_ids" in wants:
        extra["user_ids"] = user_ids
    if "created_at" in wants:
        extra["created_at"] = created
    if "classification_ids" in wants:
        extra["classification_ids"] = classification_ids
    result = entry.reducer.func(extracts, **entry.reducer_params, **extra)
    rows = result if isinstance(result, list) else [result]
    if entry.stamp:
        for row in rows:
            row["aggregation_version"] = AGGREGATION_VERSION
    return rows


def recompute(session: Session, plan: Plan, entry: Entry, subject: str, orders: Orders) -> None:
    """Reduce one subject's stored extracts for one entry and store the result."""
    found = session.execute(
        select(Extract.data, Extract.user_name, Extract.user_id, Extract.created_at, Extract.classification_id)
        .where(Extract.project_id == plan.project_id, Extract.extractor == entry.extractor,
               Extract.task == entry.task, Extract.subject_id == subject)
        .order_by(Extract.created_at, Extract.classification_number, Extract.classification_id, Extract.position)
    ).all()
    kept = filter_repeats(list(range(len(found))), [r.user_name for r in found],
                          [r.classification_id for r in found], plan.filter_how)
    chosen = [found[i] for i in kept]
    error: str | None = None
    try:
        order = orders.get(entry.extractor)
        rows = reduce_rows(entry, [order.reorder(r.data) for r in chosen], [user_id_value(r.user_id) for r in chosen],
                           [r.created_at for r in chosen], [r.classification_id for r in chosen])
    except Exception as exc:  # one subject the reducer cannot handle: recorded, the rest goes on
        rows, error = [], f"{entry.reducer.name} failed ({type(exc).__name__}: {exc})"
    values = {"project_id": plan.project_id, "extractor": entry.extractor, "task": entry.task,
              "subject_id": subject, "reducer": entry.reducer.name, "rows": rows, "error": error,
              "signature": orders.get(entry.extractor).signature,
              "updated_at": _now()}
    session.execute(delete(Reduction).where(
        Reduction.project_id == plan.project_id, Reduction.extractor == entry.extractor,
        Reduction.task == entry.task, Reduction.subject_id == subject))
    session.execute(insert(Reduction).values(**values))


def _now() -> Any:
    from datetime import datetime

    return datetime.now().astimezone()
