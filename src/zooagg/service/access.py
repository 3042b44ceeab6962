"""What the JSON API and the web pages share: a member's project and plan, ingesting with
retries, an uploaded export saved and ingested. Route modules import from here, never from
each other."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from sqlalchemy.orm import Session

from ..exports.classifications import ClassificationReader
from . import auth
from .ingest import IngestResult, prepare_all, retryable
from .models import Project
from .plan import Plan
from .state import AppState

BATCH = 500
RETRIES = 5


def project_of(session: Session, who: auth.Caller, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise auth.AuthError(404, f"no project {project_id}")
    auth.require_member_of(session, who, project_id)
    return project


def caller_plan(session: Session, state: AppState, who: auth.Caller, project_id: int) -> Plan:
    """The project's current plan, once the caller may use it (404, 403; 409 before a workflow)."""
    plan = state.plans.current(session, project_id, auth.project_revision(session, who, project_id))
    if plan is None:
        raise auth.AuthError(409, "this project has no workflow yet: PUT /api/projects/{id}/workflow first")
    return plan


def plan_for(state: AppState, who: auth.Caller, project_id: int) -> Plan:
    with state.store.read() as session:
        return caller_plan(session, state, who, project_id)


def keeps_changing() -> auth.AuthError:
    """What a request gets when its retries (RETRIES) all met a configuration change."""
    return auth.AuthError(409, "the project's configuration keeps changing; try again")


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
            if not retryable(exc):
                raise
    raise keeps_changing()


def ingest_export(state: AppState, who: auth.Caller, project_id: int, path: Path) -> dict[str, Any]:
    """Every row of the project's workflow (and versions) is ingested; bad rows are reported."""
    plan = plan_for(state, who, project_id)
    reader = ClassificationReader(path, plan.workflow_id, plan.versions)
    stored = duplicates = 0
    rejected: list[dict[str, Any]] = []
    for chunk in _chunks((r for records in reader.batches(True)
                          for r in records), BATCH):
        result, problems = ingest_with_retry(state, who, project_id, chunk, all_or_nothing=False)
        stored += len(result.stored)
        duplicates += len(result.duplicates)
        rejected += problems
    stats = reader.stats
    return {"rows_read": stats.rows_read, "rows_matched": stats.rows_kept, "stored": stored,
            "duplicates": duplicates, "other_workflow": stats.other_workflow, "other_version": stats.other_version,
            "rejected": len(rejected), "rejects": rejected[:100]}


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
