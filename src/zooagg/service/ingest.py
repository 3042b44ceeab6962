"""Live ingest: a classification (an export row) is stored once, extracted, and its
subject's reductions recomputed from the stored extracts (reducing.py), all in one transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.orm import Session

from ..call import by_task
from ..engine.rejects import dropped_marks, reject_row
from ..errors import RowError, Where, ZooaggError
from ..exports.classifications import JSON_COLUMNS, REQUIRED, Classification, parse_record
from ..exports.ids import classification_key
from ..exports.versions import parse_version
from ..tasks.dropped import NOTING, take_dropped
from . import bulk, swap_live
from .auth import PG_TOKENS_ACCESS, access_denied, access_params, denials
from .columns import PG_TALLY, ColumnCache, Orders
from .errors import NUL, NUL_TEXT, Rejected, RejectedPost, ServiceError, StalePlan
from .jsonio import dumps
from .models import DroppedMark, Extract, Project, StoredClassification
from .pipeline import Pipeline
from .plan import Entry, Plan
from .reducing import now, reduce_subjects

SOURCE = "request"


def retryable(exc: Exception) -> bool:
    """The project's configuration changed under the request, or PostgreSQL chose its
    transaction as a deadlock victim: prepare and send it again."""
    return isinstance(exc, StalePlan) or (isinstance(exc, OperationalError) and "deadlock" in str(exc).lower())


def store_refusal(exc: BaseException) -> ServiceError | None:
    """The 422 for what the store refused to keep (a value it has no room or type for): sending
    the same request again will not help. None for anything else."""
    if isinstance(exc, DataError) or (isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError)):
        first = (str(exc.orig) or type(exc.orig).__name__).splitlines()[0]
        return ServiceError(f"the store cannot keep a value of this request ({first[:200]})",
                            hint="correct the value; sending the same request again will not help")
    return None


@dataclass
class Prepared:
    """A classification parsed and extracted, not yet stored."""

    classification: Classification
    row: dict[str, Any]
    extracts: list[tuple[Entry, int, str, Any]]  # entry, row index, subject_id, data
    #: the marks its extractors read but could not use, as answers report them (dropped_mark)
    dropped: list[dict[str, str]] = field(default_factory=list)


@dataclass
class IngestResult:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    #: the dropped marks of the classifications stored (a duplicate's were reported when it was)
    dropped: list[dict[str, str]] = field(default_factory=list)


def dropped_mark(extractor: str, error: RowError) -> dict[str, str]:
    """A dropped mark in an answer: the offline rejects file's row, task and reason."""
    _, row, _, task, _, reason = reject_row(error)
    return {"classification_id": row, "task": task, "extractor": extractor, "reason": reason}


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
        if (not record.get(name) and name != "user_name") or name not in record:
            raise Rejected(RowError(f"the {name} column is missing or empty",
                                    hint="send every column of a classification export row",
                                    where=Where(file=SOURCE, row=cid or None, column=name)))
    return record


def posted_records(body: bytes) -> list[dict[str, bytes]]:
    """The classifications of a post's body (one object in the export's row shape, or a list of
    them) as the raw records the reader makes: ServiceError (400) when the body is not JSON,
    (422) when it is not that shape, RejectedPost naming each row that is not a row. The one
    step both the short path (fastpath.py) and the full route take."""
    try:
        rows = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ServiceError(f"the body is not valid JSON ({exc.msg})", status=400) from exc
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not rows:
        raise ServiceError("send one classification (an object) or a non-empty list of them",
                           hint="send the export's columns as JSON: {\"classification_id\": ..., ...}")
    records: list[dict[str, bytes]] = []
    problems: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            records.append(record_of(row))
        except Rejected as exc:
            problems.append(exc.as_json(index))
    if problems:
        raise RejectedPost(problems)
    return records


def accepted(plan: Plan, records: list[dict[str, bytes]], token_id: int | None = None) -> Batch:
    """The post's records prepared under `plan`, ready for the writer; RejectedPost when any
    cannot be taken (then nothing of the post is stored)."""
    prepared, problems = prepare_all(plan, records)
    if problems:
        raise RejectedPost(problems)
    return Batch(plan, prepared, token_id)


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
    for name, raw in record.items():
        if NUL.search(raw):
            cid = record.get("classification_id", b"").decode("utf-8", errors="replace").replace("\x00", "")
            raise Rejected(RowError(f"the {name} column has {NUL_TEXT}", hint="remove it and send the row again",
                                    where=Where(file=SOURCE, row=cid or None, column=name)))
    parsed = parse_record(record, SOURCE)
    if isinstance(parsed, RowError):
        raise Rejected(parsed)
    # one id in one form: 7000001.0 and 07000001 are 7000001 (a duplicate if it is stored)
    cid = parsed.classification_id = classification_key(parsed.classification_id)
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
    dropped: list[dict[str, str]] = []
    for entry in plan.entries:
        with NOTING:
            try:
                rows = entry.extract.rows(parsed, entry.extract.annotations(grouped))
            except ZooaggError as exc:
                take_dropped()  # the whole classification is rejected: its marks are not reported apart
                raise Rejected(RowError(f"{entry.extractor}: {exc.message}", exc.hint,
                                        Where(SOURCE, cid, "annotations", entry.task, exc.where.value))) from exc
            except Exception as exc:  # the extractor met an annotation it does not understand
                take_dropped()
                raise Rejected(RowError(f"{entry.extractor} failed on this annotation ({type(exc).__name__}: {exc})",
                                        hint="check the annotation's shape against the task type",
                                        where=Where(SOURCE, cid, "annotations", entry.task))) from exc
            marks = dropped_marks(entry.extractor, SOURCE, cid, entry.task)
        dropped += [dropped_mark(entry.extractor, mark) for mark in marks]
        for index, (subject, data) in enumerate(rows):
            extracts.append((entry, index, subject, data))
    return Prepared(parsed, stored_row(record), extracts, dropped)


def prepare_all(plan: Plan, records: Iterable[dict[str, bytes]]) -> tuple[list[Prepared], list[dict[str, Any]]]:
    """Every record prepared, and the problems of those that cannot be (with their index)."""
    prepared: list[Prepared] = []
    problems: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            prepared.append(prepare(plan, record))
        except Rejected as exc:
            problems.append(exc.as_json(index))
    return prepared, problems


# ---- storing -------------------------------------------------------------------------------
# Core statements on the tables (not the ORM's unit of work), built once: the hot path runs a
# handful of statements per transaction, each for every classification of the transaction.

CLASSIFICATIONS = cast(Table, StoredClassification.__table__)
EXTRACTS = cast(Table, Extract.__table__)
PROJECTS = cast(Table, Project.__table__)
#: the projects' revisions, and on PostgreSQL a share lock on their rows until commit: a change
#: of configuration (which updates the row) waits for this transaction, or this one for it
PROJECT_REVS = select(PROJECTS.c.id, PROJECTS.c.config_rev).where(
    PROJECTS.c.id.in_(bindparam("projects", expanding=True))).with_for_update(read=True)
#: the same for one project, the usual case (an IN list is rendered anew at each execution)
PROJECT_REV = select(PROJECTS.c.id, PROJECTS.c.config_rev).where(
    PROJECTS.c.id == bindparam("project")).with_for_update(read=True)
INSERT_EXTRACTS = insert(EXTRACTS)
INSERT_DROPPED = insert(DroppedMark)
#: PostgreSQL, through the driver (pipeline.py): in one statement and one result row, as JSON
#: texts, PROJECT_REVS, columns.PG_TALLY and auth.PG_TOKENS_ACCESS; then the classifications' insert
PG_FIRST_READS = (
    "SELECT CAST((SELECT json_agg(json_build_array(p.id, p.config_rev)) FROM (SELECT id, config_rev FROM projects "
    f"WHERE id = ANY(CAST(%(projects)s AS integer[])) FOR SHARE) AS p) AS text), CAST((SELECT json_agg(c) FROM "
    f"({PG_TALLY}) AS c(project_id, extractor, count, checksum)) AS text), CAST((SELECT json_agg(a) FROM "
    f"({PG_TOKENS_ACCESS}) AS a(id, revoked_at, is_admin, project_id)) AS text)")
PG_INSERT_CLASSIFICATIONS = (
    'INSERT INTO classifications (project_id, classification_id, subject_ids, created_at, "row", received_at) '
    'SELECT project_id, classification_id, subject_ids, created_at, "row", received_at '
    "FROM json_to_recordset(CAST(%(rows)s AS json)) AS r(project_id integer, classification_id text, "
    'subject_ids text, created_at text, "row" json, received_at timestamptz) '
    "ON CONFLICT (project_id, classification_id) DO NOTHING RETURNING id, classification_id")


@cache
def _insert_classifications(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the rows that were not there yet, in one go."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(CLASSIFICATIONS)
    return statement.on_conflict_do_nothing(index_elements=["project_id", "classification_id"]).returning(
        CLASSIFICATIONS.c.id, CLASSIFICATIONS.c.classification_id)


@dataclass
class Batch:
    """One request's classifications, prepared under one plan; with the id of the request's
    token when its access to the project is to be checked in the transaction that stores it."""

    plan: Plan
    prepared: list[Prepared]
    token_id: int | None = None


@dataclass
class Written:
    """What store_batches did: each batch's result (or StalePlan, or AuthError), and the column
    orders it used, for the ColumnCache once the transaction has committed."""

    outcomes: list[IngestResult | Exception]
    orders: list[tuple[int, Orders]]


def store_batches(session: Session, batches: list[Batch], columns: ColumnCache, commit: bool = False) -> Written:
    """Store, extract and reduce several requests' classifications in the session's transaction.

    Each batch gets its result, or StalePlan when its project's configuration changed since
    it was prepared (nothing of that batch is stored; prepare it again), or AuthError when its
    token no longer gives access to the project. A classification already stored, or earlier
    in the same call, counts as a duplicate. With `commit` on PostgreSQL, the transaction is
    committed here with its last statements, in one round trip (the caller's session then finds
    nothing to commit); otherwise the caller commits.
    """
    connection = session.connection()
    pipeline = Pipeline.of(connection)
    projects = sorted({b.plan.project_id for b in batches})
    checks = {(b.token_id, b.plan.project_id) for b in batches if b.token_id is not None}
    revs, denied, tallies = _first_reads(connection, pipeline, projects, checks)
    outcomes: list[IngestResult | Exception] = []
    for batch in batches:
        refused = denied.get((batch.token_id, batch.plan.project_id)) if batch.token_id is not None else None
        outcomes.append(refused or (IngestResult() if revs.get(batch.plan.project_id) == batch.plan.config_rev
                                    else StalePlan()))
    used: list[tuple[int, Orders]] = []
    for project in projects:
        mine = [(b, o) for b, o in zip(batches, outcomes, strict=True)
                if b.plan.project_id == project and isinstance(o, IngestResult)]
        if mine:
            plan = mine[0][0].plan
            stored = None if tallies is None else tallies.get(project, {})
            orders = columns.orders(session, project, plan.config_rev, stored, pipeline)
            _store_project(session, plan, mine, orders, pipeline)
            used.append((plan.config_rev, orders))
    if pipeline is not None:
        pipeline.commit() if commit else pipeline.flush()
    return Written(outcomes, used)


Tallies = dict[int, dict[str, tuple[int, int]]]


def _first_reads(connection: Connection, pipeline: Pipeline | None, projects: list[int],
                 checks: set[tuple[int, int]]) -> tuple[dict[int, int], dict[tuple[int, int], Any], Tallies | None]:
    """The projects' revisions (share-locked), the tokens' refusals and, on PostgreSQL, the
    projects' column tallies (ColumnCache.orders), in one round trip there."""
    if pipeline is None:
        revs = dict(connection.execute(PROJECT_REV, {"project": projects[0]}).all() if len(projects) == 1
                    else connection.execute(PROJECT_REVS, {"projects": projects}).all())
        return revs, access_denied(connection, checks) if checks else {}, None
    checked = access_params(checks)
    revs, tally, access = pipeline.query(PG_FIRST_READS, {"projects": projects, "tokens": checked["tokens"],
                                                          "token_projects": checked["projects"]})[0]
    tallies: Tallies = {}
    for row in orjson.loads(tally or "[]"):
        tallies.setdefault(row["project_id"], {})[row["extractor"]] = (row["count"], row["checksum"])
    access_rows = [(a["id"], a["revoked_at"], a["is_admin"], a["project_id"]) for a in orjson.loads(access or "[]")]
    return {p: rev for p, rev in orjson.loads(revs or "[]")}, denials(checks, access_rows) if checks else {}, tallies


def _store_project(session: Session, plan: Plan, batches: list[tuple[Batch, IngestResult]], orders: Orders,
                   pipeline: Pipeline | None = None) -> None:
    fresh: dict[str, tuple[Prepared, IngestResult]] = {}
    for batch, result in batches:
        for item in batch.prepared:
            cid = item.classification.classification_id
            if cid in fresh:
                result.duplicates.append(cid)
            else:
                fresh[cid] = (item, result)
    connection = session.connection()
    received = now()
    # in classification_id order: two writers inserting the same ids wait for each other in the
    # same order, never in a circle
    rows = [{"project_id": plan.project_id, "classification_id": cid, "subject_ids": item.classification.subject_ids,
             "created_at": item.classification.created_at, "row": item.row, "received_at": received}
            for cid, (item, _) in sorted(fresh.items())]
    inserted = {cid: pk for pk, cid in (
        connection.execute(_insert_classifications(connection.dialect.name), rows) if pipeline is None
        else pipeline.query(PG_INSERT_CLASSIFICATIONS, {"rows": dumps(rows).decode()}))}
    stored: list[tuple[int, Prepared]] = []
    for cid, (item, result) in fresh.items():
        if cid in inserted:
            result.stored.append(cid)
            result.dropped += item.dropped
            stored.append((inserted[cid], item))
        else:
            result.duplicates.append(cid)
    insert_extracts(session, plan, stored, orders, pipeline)
    insert_dropped(session, plan, stored, pipeline)
    touched = {(entry.extractor, entry.task, subject) for _, item in stored for entry, _, subject, _ in item.extracts}
    reduce_subjects(session, plan, touched, orders, pipeline)
    if plan.swap:
        swap_live.on_stored(session, plan, stored, pipeline)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def insert_extracts(session: Session, plan: Plan, stored: list[tuple[int, Prepared]], orders: Orders,
                    pipeline: Pipeline | None = None) -> None:
    """Insert the extracts of stored classifications (primary key, prepared), learning their columns."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, list[tuple[int | None, str, int, Any]]] = {}
    for pk, item in stored:
        c = item.classification
        number = _number(c.classification_id)
        for entry, index, subject, data in item.extracts:
            position = entry.position * 10_000 + index
            seen.setdefault(entry.extractor, []).append((number, c.classification_id, position, data))
            rows.append({"project_id": plan.project_id, "classification_pk": pk, "extractor": entry.extractor,
                         "task": entry.task, "subject_id": subject, "classification_id": c.classification_id,
                         "classification_number": number, "user_name": c.user_name, "user_id": c.user_id,
                         "created_at": c.created_at, "position": position, "data": data})
    for extractor, extracts in seen.items():
        orders.see(extractor, extracts)
    bulk.EXTRACTS.execute(session.connection(), INSERT_EXTRACTS, rows, pipeline)


def insert_dropped(session: Session, plan: Plan, stored: list[tuple[int, Prepared]],
                   pipeline: Pipeline | None = None) -> None:
    """Keep the dropped marks of stored classifications (a duplicate's were kept when it was)."""
    rows = [{"project_id": plan.project_id, "classification_pk": pk, **mark} for pk, item in stored
            for mark in item.dropped]
    bulk.DROPPED.execute(session.connection(), INSERT_DROPPED, rows, pipeline)
