"""What the JSON API and the web pages share: the member behind a bearer token (`Caller`), a
member's project and plan, ingesting with retries, an uploaded export saved and ingested. Route
modules import from here, never from each other (tests/test_layers.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, UploadFile
from fastapi import Path as InPath
from pydantic import AfterValidator
from sqlalchemy.orm import Session

from ..exports.classifications import ClassificationReader
from . import auth
from .errors import MAX_ID, NUL_TEXT, AuthError, Rejected, ServiceError
from .ingest import IngestResult, Prepared, prepare_all, retryable, store_refusal
from .models import Project
from .plan import Plan
from .state import AppState, state_of


def bearer(request: Request) -> str | None:
    return auth.bearer_token(request.headers.get("authorization", ""))


def caller(request: Request) -> auth.Caller:
    """The member behind the request's `Authorization: Bearer` token (401 otherwise)."""
    state = state_of(request)
    with state.store.read() as session:
        return state.tokens.caller(session, bearer(request))


Caller = Annotated[auth.Caller, Depends(caller)]


BATCH = 500
RETRIES = 5

#: an id in a path: a project's, a task entry's, a token's (no larger one is stored)
Id = Annotated[int, InPath(ge=1, le=MAX_ID, description="an id (1 to 2147483647)")]


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError(f"has {NUL_TEXT}")
    return text


#: a text field of a JSON body that the store keeps
Text = Annotated[str, AfterValidator(_no_nul)]


def project_of(session: Session, who: auth.Caller, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise AuthError(404, f"no project {project_id}")
    auth.require_member_of(session, who, project_id)
    return project


def caller_plan(session: Session, state: AppState, who: auth.Caller, project_id: int) -> Plan:
    """The project's current plan, once the caller may use it (404, 403; 409 before a workflow)."""
    plan = state.plans.current(session, project_id, auth.project_revision(session, who, project_id))
    if plan is None:
        raise AuthError(409, "this project has no workflow yet: PUT /api/projects/{id}/workflow first")
    return plan


def plan_for(state: AppState, who: auth.Caller, project_id: int) -> Plan:
    with state.store.read() as session:
        return caller_plan(session, state, who, project_id)


def keeps_changing() -> ServiceError:
    """What a request gets when its retries (RETRIES) all met a configuration change."""
    return ServiceError("the project's configuration keeps changing", hint="send the request again", status=409)


def ingest_with_retry(state: AppState, who: auth.Caller, project_id: int, records: list[dict[str, bytes]],
                      all_or_nothing: bool) -> tuple[IngestResult, list[dict[str, Any]]]:
    """Prepare and write through the group writer, waiting in this thread (uploads)."""
    for _ in range(RETRIES):
        plan = plan_for(state, who, project_id)
        prepared, problems = prepare_all(plan, records)
        if problems and all_or_nothing:
            return IngestResult(), problems
        try:
            return state.writer.submit(plan, prepared).result(), problems
        except Exception as exc:
            if retryable(exc):
                continue
            if store_refusal(exc) is None:
                raise
        return _one_by_one(state, plan, prepared, problems)
    raise keeps_changing()


def _one_by_one(state: AppState, plan: Plan, prepared: list[Prepared], problems: list[dict[str, Any]]
                ) -> tuple[IngestResult, list[dict[str, Any]]]:
    """A chunk the store refused, written a classification at a time: those it refuses become
    problems, the others are stored."""
    result = IngestResult()
    for item in prepared:
        try:
            one = state.writer.submit(plan, [item]).result()
        except Exception as exc:
            refusal = store_refusal(exc)
            if refusal is None:
                raise
            problems.append({"error": refusal.message, "hint": refusal.hint,
                             "classification_id": item.classification.classification_id})
            continue
        result.stored += one.stored
        result.duplicates += one.duplicates
        result.dropped += one.dropped
    return result, problems


def ingest_export(state: AppState, who: auth.Caller, project_id: int, path: Path) -> dict[str, Any]:
    """Every row of the project's workflow (and versions) is ingested; bad rows are reported."""
    plan = plan_for(state, who, project_id)
    reader = ClassificationReader(path, plan.workflow_id, plan.versions)
    stored = duplicates = 0
    rejected: list[dict[str, Any]] = []
    dropped: list[dict[str, str]] = []  # the first 100 of marks_dropped
    marks_dropped = 0
    for chunk in _chunks((r for records in reader.batches(True)
                          for r in records), BATCH):
        result, problems = ingest_with_retry(state, who, project_id, chunk, all_or_nothing=False)
        stored += len(result.stored)
        duplicates += len(result.duplicates)
        marks_dropped += len(result.dropped)
        dropped += result.dropped[:100 - len(dropped)]
        rejected += problems
    stats = reader.stats
    # rows with more or fewer fields than the header: rejects too, the rest of the file was read
    rejected += [Rejected(error).as_json() for error in stats.bad_rows]
    return {"rows_read": stats.rows_read, "rows_matched": stats.rows_kept, "stored": stored,
            "duplicates": duplicates, "other_workflow": stats.other_workflow, "other_version": stats.other_version,
            "rejected": len(rejected), "rejects": rejected[:100],
            "marks_dropped": marks_dropped, "dropped_marks": dropped}


def _chunks(items: Iterable[dict[str, bytes]], size: int) -> Iterator[list[dict[str, bytes]]]:
    chunk: list[dict[str, bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def save_upload(file: UploadFile) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="zooagg-upload-"))
    path = folder / "upload.csv"
    with path.open("wb") as handle:
        while block := await file.read(1 << 20):
            handle.write(block)
    return path
