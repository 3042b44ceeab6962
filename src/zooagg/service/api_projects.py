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
    Caller,
    Id,
    Text,
    bearer,
    caller_plan,
    ingest_export,
    keeps_changing,
    plan_for,
    project_of,
    save_upload,
)
from .downloads import csv_attachment, dropped_csv, reduction_csv, subject_reductions
from .errors import NUL, NUL_TEXT, ServiceError
from .fastpath import answer
from .ingest import Batch, accepted, posted_records, retryable
from .jsonio import JSONBytes
from .schemas import (
    BODY_MEMBER,
    BODY_PLANNED,
    BODY_PROJECT,
    CSV,
    MEMBER,
    PLANNED,
    PROJECT,
    WITH_JSON,
    MemberAdded,
    ParameterEntry,
    ParametersChanged,
    Posted,
    ProjectItem,
    ProjectSummary,
    SubjectReductions,
    Uploaded,
    WeightingAnswer,
    errors,
)
from .state import AppState, state_of

router = APIRouter(prefix="/api/projects", tags=["projects"])


class NewProject(BaseModel):
    title: Text = Field(min_length=1, max_length=projects.TITLE_MOST)
    description: Text = ""
    filter: Text = "first"


class ProjectChange(BaseModel):
    title: Text | None = Field(None, min_length=1, max_length=projects.TITLE_MOST)
    description: Text | None = None
    filter: Text | None = None


class EntryChange(BaseModel):
    extractor_params: dict[str, Any] | None = None
    reducer: Text | None = None
    reducer_params: dict[str, Any] | None = None
    #: live SWAP on a yes/no question: its parameters (true: the defaults), or false to turn it off
    swap: Any = Field(None, description="an object of SWAP's parameters (prior, detection, rejection, "
                      "initial_skill, positive), true for the defaults, false to turn it off")


class MemberAdd(BaseModel):
    name: Text


def _changed(summary: Any) -> dict[str, Any]:
    return {"recomputed": {"classifications": summary.classifications, "extracts": summary.extracts,
                           "reductions": summary.reductions, "rejected": summary.rejected[:100],
                           "marks_dropped": summary.marks_dropped}}


@router.post("", status_code=201, summary="Create a project (you become its member)", response_model=ProjectSummary, responses=BODY_MEMBER)
def create(body: NewProject, who: Caller, request: Request) -> Response:
    with state_of(request).store.write() as session:
        project = projects.create_project(session, who, body.title, body.description, body.filter)
        return JSONBytes(projects.summary(session, project), status_code=201)


@router.get("", summary="Your projects", response_model=list[ProjectItem], responses=MEMBER)
def list_projects(who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        return JSONBytes([{"id": p.id, "title": p.title} for p in projects.projects_of(session, who)])


@router.get("/{project_id}", summary="A project: workflow, parameters, counts, downloads", response_model=ProjectSummary, responses=PROJECT)
def show(project_id: Id, who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        return JSONBytes(projects.summary(session, project_of(session, who, project_id)))


@router.patch("/{project_id}", summary="Change title, description or the repeat filter (recomputes)", response_model=ProjectSummary, responses=BODY_PROJECT)
def change(project_id: Id, body: ProjectChange, who: Caller, request: Request) -> Response:
    state = state_of(request)
    with state.store.write() as session:
        project = project_of(session, who, project_id)
        projects.change_texts(project, body.title, body.description)
        if body.filter is not None and body.filter != project.filter_how:
            projects.set_filter(session, state.plans, project, body.filter)
        return JSONBytes(projects.summary(session, project))


@router.post("/{project_id}/members", status_code=201, summary="Add an existing member to the project", response_model=MemberAdded, responses=BODY_PROJECT)
def add_member(project_id: Id, body: MemberAdd, who: Caller, request: Request) -> Response:
    from sqlalchemy import select

    from .models import Member, ProjectMember

    with state_of(request).store.write() as session:
        project_of(session, who, project_id)
        member = session.scalar(select(Member).where(Member.name == body.name))
        if member is None:
            raise ServiceError(f"no member named {body.name!r}", parameter="name")
        if session.get(ProjectMember, (project_id, member.id)) is None:
            session.add(ProjectMember(project_id=project_id, member_id=member.id))
        return JSONBytes({"project_id": project_id, "member": member.name}, status_code=201)


@router.put("/{project_id}/workflow", summary="Aggregate this workflow (JSON: workflow_id, version, tasks, strings)", response_model=ProjectSummary, responses=errors(400, 401, 403, 404, 422))
async def put_workflow(project_id: Id, who: Caller, request: Request) -> Response:
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ServiceError(f"the body is not valid JSON ({exc.msg})", status=400) from exc
    if not isinstance(body, dict):
        raise ServiceError("the body must be a JSON object")
    if NUL.search(raw):
        raise ServiceError(f"the workflow has {NUL_TEXT}", hint="remove it from the workflow")
    state = state_of(request)

    def work() -> Response:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            workflow, versions = projects.workflow_from_json(body)
            summary = projects.set_workflow(session, state.plans, project, workflow, versions)
            return JSONBytes({**projects.summary(session, project), **_changed(summary)})

    return await run_in_threadpool(work)


@router.post("/{project_id}/workflow/upload", summary="Aggregate a workflow chosen from a workflow export", response_model=ProjectSummary, responses=BODY_PROJECT)
async def upload_workflow(project_id: Id, who: Caller, request: Request, file: Annotated[UploadFile, File()],
                          workflow_id: Annotated[int, Form()], version: Annotated[str, Form()] = "",
                          min_version: Annotated[str, Form()] = "", max_version: Annotated[str, Form()] = ""
                          ) -> Response:
    state = state_of(request)
    path = await save_upload(file)

    def work() -> Response:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            workflow, versions = projects.workflow_from_export(path, workflow_id, version, min_version,
                                                               max_version)
            summary = projects.set_workflow(session, state.plans, project, workflow, versions)
            return JSONBytes({**projects.summary(session, project), **_changed(summary)})

    try:
        return await run_in_threadpool(work)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@router.get("/{project_id}/parameters", summary="Each task's extractor and reducer with parameters", response_model=list[ParameterEntry], responses=PROJECT)
def get_parameters(project_id: Id, who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        return JSONBytes(projects.parameters_of(session, project_id))


@router.patch("/{project_id}/parameters/{entry_id}", summary="Change one task's parameters (recomputes)", response_model=ParametersChanged, responses=BODY_PROJECT)
def change_parameters(project_id: Id, entry_id: Id, body: EntryChange, who: Caller, request: Request) -> Response:
    from .rebuild import RebuildSummary
    from .swap_settings import set_swap

    state = state_of(request)
    with state.store.write() as session:
        project = project_of(session, who, project_id)
        summary, swapped = RebuildSummary(), {}
        if body.extractor_params is not None or body.reducer is not None or body.reducer_params is not None \
                or body.swap is None:
            summary = projects.update_entry(session, state.plans, project, entry_id,
                                            extractor_params=body.extractor_params, reducer=body.reducer,
                                            reducer_params=body.reducer_params)
        if body.swap is not None:
            swapped = {"swap_decisions": set_swap(session, state.plans, project, entry_id, body.swap)}
        return JSONBytes({"parameters": projects.parameters_of(session, project_id), **_changed(summary), **swapped})


def accept_post(state: AppState, token: str | None, project_id: int, body: bytes) -> Batch:
    """Everything a post needs before it is written, in one trip off the event loop: the
    caller, the project, the body checked and each classification extracted (or the
    ServiceError that says why not)."""
    with state.store.read() as session:
        plan = caller_plan(session, state, state.tokens.caller(session, token), project_id)
    return accepted(plan, posted_records(body))


@router.post("/{project_id}/classifications",
             summary="Post one classification or a list, in the export's row shape (idempotent)", response_model=Posted, responses={201: {"description": "Stored: how many were new, how many duplicates"}, **WITH_JSON})
async def post_classifications(project_id: Id, request: Request) -> Response:
    """Most posts are served before they get here (fastpath.py); this is the full route."""
    state = state_of(request)
    body = await request.body()
    loop = asyncio.get_running_loop()
    for _ in range(RETRIES):
        # asyncio's own executor: a lighter trip to a thread than run_in_threadpool's
        batch = await loop.run_in_executor(None, accept_post, state, bearer(request), project_id, body)
        try:
            result = await state.writer.submit_async(batch)
        except Exception as exc:
            if retryable(exc):
                continue
            raise
        status, content = answer(result)
        return Response(content, status_code=status, media_type="application/json")
    raise keeps_changing()


@router.post("/{project_id}/classifications/upload", summary="Upload a classification export (CSV)", response_model=Uploaded, responses=BODY_PLANNED)
async def upload_classifications(project_id: Id, who: Caller, request: Request,
                                 file: Annotated[UploadFile, File()]) -> Response:
    state = state_of(request)
    path = await save_upload(file)
    try:
        return JSONBytes(await run_in_threadpool(ingest_export, state, who, project_id, path))
    except ServiceError:
        raise
    except ZooaggError as exc:  # the file as a whole
        raise ServiceError(exc.message, exc.hint, exc.where, parameter="file") from exc
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@router.get("/{project_id}/reductions/{extractor}.csv", summary="Current reductions, as `zooagg reduce` writes them", responses={**CSV, **PLANNED})
def download(project_id: Id, extractor: str, who: Caller, request: Request) -> Response:
    state = state_of(request)
    plan = plan_for(state, who, project_id)
    if extractor not in plan.extractor_names:
        raise ServiceError(f"this project has no extractor {extractor!r}", status=404, location="path",
                           hint="its extractors: " + ", ".join(plan.extractor_names))
    with state.store.write() as session:
        path = reduction_csv(session, plan, extractor)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True))


@router.get("/{project_id}/consensus.csv",
            summary="The consensus table now: one row per subject, each task's leading answer and agreement", responses={**CSV, **PLANNED})
def consensus_download(project_id: Id, who: Caller, request: Request) -> Response:
    from .consensus import consensus_csv

    state = state_of(request)
    plan = plan_for(state, who, project_id)
    folder = Path(tempfile.mkdtemp(prefix="zooagg-download-"))
    with state.store.write() as session:
        path = consensus_csv(session, plan, folder)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/{project_id}/dropped_marks.csv",
            summary="The marks of stored classifications that could not be used, and why", responses={**CSV, **PROJECT})
def dropped_download(project_id: Id, who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        content = dropped_csv(session, project_of(session, who, project_id).id)
    return csv_attachment(content, f"dropped_marks_project_{project_id}.csv")


@router.get("/{project_id}/subjects/{subject_id}", summary="One subject's current reductions (JSON)", response_model=SubjectReductions, responses=PLANNED)
def subject(project_id: Id, subject_id: str, who: Caller, request: Request) -> Response:
    state = state_of(request)
    plan = plan_for(state, who, project_id)
    found = None
    if "\x00" not in subject_id:  # no subject id has one (the store refuses them)
        with state.store.read() as session:
            found = subject_reductions(session, plan, subject_id)
    if not found:
        raise ServiceError(f"no reductions for subject {subject_id} yet", status=404, location="path")
    return JSONBytes({"subject_id": subject_id, "reductions": found})


@router.get("/{project_id}/weighting/{method}",
            summary="Volunteer-weighted consensus now: zooagg weight over the stored extracts (docs/weighting.md)",
            response_model=WeightingAnswer, responses=PLANNED)
def weighting(project_id: Id, method: str, who: Caller, request: Request, task: str | None = None) -> Response:
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
    except ServiceError:
        raise
    except ZooaggError as exc:
        status = 404 if exc.message.startswith("unknown weighting") else 422
        raise ServiceError(exc.message, exc.hint, status=status, location="path" if status == 404 else "query"
                           ) from exc
    return JSONBytes(result)
