"""JSON API for live projects: create, workflow, parameters, classifications, reductions."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from ..errors import ZooaggError
from . import projects
from .access import (
    RETRIES,
    caller_plan,
    ingest_export,
    keeps_changing,
    plan_for,
    project_of,
    save_upload,
)
from .api_accounts import Caller, bearer
from .downloads import reduction_csv, subject_reductions
from .fastpath import answer
from .ingest import Batch, Rejected, prepare_all, record_of, retryable
from .jsonio import JSONBytes, error, error_body
from .state import AppState, state_of

router = APIRouter(prefix="/api/projects", tags=["projects"])


class NewProject(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    filter: str = "first"


class ProjectChange(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = None
    filter: str | None = None


class EntryChange(BaseModel):
    extractor_params: dict[str, Any] | None = None
    reducer: str | None = None
    reducer_params: dict[str, Any] | None = None


class MemberAdd(BaseModel):
    name: str


def field_errors(exc: projects.FieldErrors) -> JSONBytes:
    first = next(iter(exc.errors))
    return JSONBytes(error_body(str(exc), parameter=first, where="body", extra={"errors": exc.errors}),
                     status_code=422)


def _changed(summary: Any) -> dict[str, Any]:
    return {"recomputed": {"classifications": summary.classifications, "extracts": summary.extracts,
                           "reductions": summary.reductions, "rejected": summary.rejected[:100]}}


@router.post("", status_code=201, summary="Create a project (you become its member)")
def create(body: NewProject, who: Caller, request: Request) -> Response:
    with state_of(request).store.write() as session:
        try:
            project = projects.create_project(session, who, body.title, body.description, body.filter)
        except projects.FieldErrors as exc:
            return field_errors(exc)
        return JSONBytes(projects.summary(session, project), status_code=201)


@router.get("", summary="Your projects")
def list_projects(who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        return JSONBytes([{"id": p.id, "title": p.title} for p in projects.projects_of(session, who)])


@router.get("/{project_id}", summary="A project: workflow, parameters, counts, downloads")
def show(project_id: int, who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        return JSONBytes(projects.summary(session, project_of(session, who, project_id)))


@router.patch("/{project_id}", summary="Change title, description or the repeat filter (recomputes)")
def change(project_id: int, body: ProjectChange, who: Caller, request: Request) -> Response:
    state = state_of(request)
    with state.store.write() as session:
        project = project_of(session, who, project_id)
        if body.title is not None:
            project.title = body.title
        if body.description is not None:
            project.description = body.description
        try:
            if body.filter is not None and body.filter != project.filter_how:
                projects.set_filter(session, state.plans, project, body.filter)
        except projects.FieldErrors as exc:
            session.rollback()
            return field_errors(exc)
        return JSONBytes(projects.summary(session, project))


@router.post("/{project_id}/members", status_code=201, summary="Add an existing member to the project")
def add_member(project_id: int, body: MemberAdd, who: Caller, request: Request) -> Response:
    from sqlalchemy import select

    from .models import Member, ProjectMember

    with state_of(request).store.write() as session:
        project_of(session, who, project_id)
        member = session.scalar(select(Member).where(Member.name == body.name))
        if member is None:
            return error(422, f"no member named {body.name!r}", parameter="name", where="body")
        if session.get(ProjectMember, (project_id, member.id)) is None:
            session.add(ProjectMember(project_id=project_id, member_id=member.id))
        return JSONBytes({"project_id": project_id, "member": member.name}, status_code=201)


@router.put("/{project_id}/workflow", summary="Aggregate this workflow (JSON: workflow_id, version, tasks, strings)")
async def put_workflow(project_id: int, who: Caller, request: Request) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        return error(400, f"the body is not valid JSON ({exc.msg})", where="body")
    if not isinstance(body, dict):
        return error(422, "the body must be a JSON object", where="body")
    state = state_of(request)

    def work() -> Response:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            try:
                workflow, versions = projects.workflow_from_json(body)
                summary = projects.set_workflow(session, state.plans, project, workflow, versions)
            except projects.FieldErrors as exc:
                session.rollback()
                return field_errors(exc)
            return JSONBytes({**projects.summary(session, project), **_changed(summary)})

    return await run_in_threadpool(work)


@router.post("/{project_id}/workflow/upload", summary="Aggregate a workflow chosen from a workflow export")
async def upload_workflow(project_id: int, who: Caller, request: Request, file: Annotated[UploadFile, File()],
                          workflow_id: Annotated[int, Form()], version: Annotated[str, Form()] = "",
                          min_version: Annotated[str, Form()] = "", max_version: Annotated[str, Form()] = ""
                          ) -> Response:
    state = state_of(request)
    path = await save_upload(file)

    def work() -> Response:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            try:
                workflow, versions = projects.workflow_from_export(path, workflow_id, version, min_version,
                                                                   max_version)
                summary = projects.set_workflow(session, state.plans, project, workflow, versions)
            except projects.FieldErrors as exc:
                session.rollback()
                return field_errors(exc)
            return JSONBytes({**projects.summary(session, project), **_changed(summary)})

    try:
        return await run_in_threadpool(work)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@router.get("/{project_id}/parameters", summary="Each task's extractor and reducer with parameters")
def get_parameters(project_id: int, who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        return JSONBytes(projects.parameters_of(session, project_id))


@router.patch("/{project_id}/parameters/{entry_id}", summary="Change one task's parameters (recomputes)")
def change_parameters(project_id: int, entry_id: int, body: EntryChange, who: Caller, request: Request) -> Response:
    state = state_of(request)
    with state.store.write() as session:
        project = project_of(session, who, project_id)
        try:
            summary = projects.update_entry(session, state.plans, project, entry_id,
                                            extractor_params=body.extractor_params, reducer=body.reducer,
                                            reducer_params=body.reducer_params)
        except projects.FieldErrors as exc:
            session.rollback()
            return field_errors(exc)
        return JSONBytes({"parameters": projects.parameters_of(session, project_id), **_changed(summary)})


def accept_post(state: AppState, token: str | None, project_id: int, body: bytes) -> Response | Batch:
    """Everything a post needs before it is written, in one trip off the event loop: the
    caller, the project, the body checked and each classification extracted."""
    with state.store.read() as session:
        plan = caller_plan(session, state, state.tokens.caller(session, token), project_id)
    try:
        rows = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return error(400, f"the body is not valid JSON ({exc.msg})", where="body")
    if isinstance(rows, dict):
        rows = [rows]
    if not isinstance(rows, list) or not rows:
        return error(422, "send one classification (an object) or a non-empty list of them", where="body")
    records: list[dict[str, bytes]] = []
    problems: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            records.append(record_of(row))
        except Rejected as exc:
            problems.append(exc.as_json(index))
    if problems:
        return _rejected(problems)
    prepared, problems = prepare_all(plan, records)
    return _rejected(problems) if problems else Batch(plan, prepared)


@router.post("/{project_id}/classifications",
             summary="Post one classification or a list, in the export's row shape (idempotent)")
async def post_classifications(project_id: int, request: Request) -> Response:
    """Most posts are served before they get here (fastpath.py); this is the full route."""
    state = state_of(request)
    body = await request.body()
    loop = asyncio.get_running_loop()
    for _ in range(RETRIES):
        # asyncio's own executor: a lighter trip to a thread than run_in_threadpool's
        accepted = await loop.run_in_executor(None, accept_post, state, bearer(request), project_id, body)
        if isinstance(accepted, Response):
            return accepted
        try:
            result = await state.writer.submit_async(accepted)
        except Exception as exc:
            if retryable(exc):
                continue
            raise
        status, content = answer(result)
        return Response(content, status_code=status, media_type="application/json")
    raise keeps_changing()


def _rejected(problems: list[dict[str, Any]]) -> Response:
    first = problems[0]
    message = f"classification {first.get('classification_id', '?')}: {first['error']}"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more)"
    return JSONBytes(error_body(message + "; nothing was stored", hint=first.get("hint", ""),
                                parameter=first.get("column"), where="body", extra={"rejected": problems[:100]}),
                     status_code=422)


@router.post("/{project_id}/classifications/upload", summary="Upload a classification export (CSV)")
async def upload_classifications(project_id: int, who: Caller, request: Request,
                                 file: Annotated[UploadFile, File()]) -> Response:
    state = state_of(request)
    path = await save_upload(file)
    try:
        return JSONBytes(await run_in_threadpool(ingest_export, state, who, project_id, path))
    except ZooaggError as exc:
        return error(422, exc.message, hint=exc.hint, parameter="file", where="body")
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@router.get("/{project_id}/reductions/{extractor}.csv", summary="Current reductions, as `zooagg reduce` writes them")
def download(project_id: int, extractor: str, who: Caller, request: Request) -> Response:
    state = state_of(request)
    plan = plan_for(state, who, project_id)
    if extractor not in plan.extractor_names:
        return error(404, f"this project has no extractor {extractor!r}", where="path",
                     hint="its extractors: " + ", ".join(plan.extractor_names))
    with state.store.write() as session:
        path = reduction_csv(session, plan, extractor)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True))


@router.get("/{project_id}/consensus.csv",
            summary="The consensus table now: one row per subject, each task's leading answer and agreement")
def consensus_download(project_id: int, who: Caller, request: Request) -> Response:
    from .consensus import consensus_csv

    state = state_of(request)
    plan = plan_for(state, who, project_id)
    folder = Path(tempfile.mkdtemp(prefix="zooagg-download-"))
    with state.store.write() as session:
        path = consensus_csv(session, plan, folder)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/{project_id}/subjects/{subject_id}", summary="One subject's current reductions (JSON)")
def subject(project_id: int, subject_id: str, who: Caller, request: Request) -> Response:
    state = state_of(request)
    plan = plan_for(state, who, project_id)
    with state.store.read() as session:
        found = subject_reductions(session, plan, subject_id)
    if not found:
        return error(404, f"no reductions for subject {subject_id} yet", where="path")
    return JSONBytes({"subject_id": subject_id, "reductions": found})



@router.get("/{project_id}/weighting/{method}",
            summary="Volunteer-weighted consensus now: zooagg weight over the stored extracts (docs/weighting.md)")
def weighting(project_id: int, method: str, who: Caller, request: Request, task: str | None = None) -> Response:
    """Per subject and task the method's answer, probability and the majority's; per volunteer
    their skill; for `swap` every classification's P(yes), status and retire/keep decision, in
    order. The method's parameters come in the query string (SWAP's thresholds: `detection`,
    `rejection`, `prior`, ...); `task` picks one task."""
    from .weighting import project_weighting

    state = state_of(request)
    plan = plan_for(state, who, project_id)
    query = {k: v for k, v in request.query_params.items() if k != "task"}
    try:
        with state.store.read() as session:
            result = project_weighting(session, plan, method, query, task)
    except ZooaggError as exc:
        status = 404 if exc.message.startswith("unknown weighting") else 422
        return error(status, exc.message, hint=exc.hint, where="path" if status == 404 else "query")
    return JSONBytes(result)
