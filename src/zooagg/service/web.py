"""Server-rendered web pages (Jinja2, autoescaped; no scripts at all).

Signed-in members carry a session token in an HttpOnly, SameSite=Strict cookie; every form
carries a CSRF value derived from that token (the sign-in form: a double-submit cookie).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any, cast

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from .. import registry
from ..errors import ZooaggError
from . import auth, projects, web_views
from .access import Id, ingest_export, plan_for, project_of, save_upload
from .downloads import file_name, reduction_csv
from .errors import AuthError, FieldErrors
from .models import Workflow
from .state import AppState, state_of
from .web_session import (
    LOGIN_CSRF,
    SESSION,
    checked_form,
    context,
    page,
    web_caller,
)

router = APIRouter(prefix="/web", include_in_schema=False)
# ---- sign in and out -------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request) -> Response:
    value = secrets.token_urlsafe(24)
    response = page("login.html", csrf=value, error=None, name="")
    _cookie(request, response, LOGIN_CSRF, value, max_age=3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not auth.same_secret(str(form.get("csrf", "")), expected):
        return page("login.html", 403, csrf=expected, error="The form expired; please try again.", name=name)
    state = state_of(request)
    client = request.client.host if request.client else "?"
    try:
        with state.store.write() as session:
            _, token = auth.sign_in(session, state.limiter, client, name, password, "web session")
    except AuthError as exc:
        return page("login.html", exc.status, csrf=expected, error=exc.message, name=name)
    response = RedirectResponse("/web/projects", status_code=303)
    _cookie(request, response, SESSION, token, max_age=14 * 24 * 3600)
    response.delete_cookie(LOGIN_CSRF, path="/web")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    with state.store.write() as session:
        auth.revoke(session, who.token_id)
    state.tokens.forget(who.token_id)
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION, path="/")
    return response


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    state = state_of(request)
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=state.settings.secure_cookies, path="/" if name == SESSION else "/web")


# ---- projects --------------------------------------------------------------------------------

@router.get("")
@router.get("/")
def web_root() -> Response:
    """The banner's /web: the project list (which sends a visitor to sign in first)."""
    return RedirectResponse("/web/projects", status_code=303)


@router.get("/projects")
def project_list(request: Request) -> Response:
    who = web_caller(request)
    with state_of(request).store.read() as session:
        found = projects.projects_of(session, who)
        return page("projects.html", projects=found, errors={}, form={}, **context(request, who))


@router.post("/projects")
async def project_create(request: Request) -> Response:
    form = await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    title, description = str(form.get("title", "")), str(form.get("description", ""))
    try:
        with state.store.write() as session:
            project_id = projects.create_project(session, who, title, description,
                                                 str(form.get("filter", "first"))).id
    except FieldErrors as exc:  # the form again, with what is wrong beside each field
        with state.store.read() as session:
            found = projects.projects_of(session, who)
        return page("projects.html", 422, projects=found, errors=exc.errors,
                    form={"title": title.replace("\x00", ""), "description": description.replace("\x00", "")},
                    **context(request, who))
    return RedirectResponse(f"/web/projects/{project_id}", status_code=303)


def _project_page(request: Request, who: auth.Caller, project_id: int, status: int = 200,
                  **extra: Any) -> Response:
    from .consensus import labels_of, project_consensus

    views: dict[str, Any] = {"tasks": [], "agreement": [], "unclustered": [], "consensus": None}
    with state_of(request).store.write() as session:  # write: outdated reductions are recomputed
        project = project_of(session, who, project_id)
        info = projects.summary(session, project)
        plan = state_of(request).plans.get(session, project)
        if plan is not None:
            workflow = session.scalar(select(Workflow).where(Workflow.project_id == project_id))
            table = project_consensus(session, plan)
            tasks = list(dict.fromkeys(e.task for e in plan.entries))
            views = {"tasks": web_views.task_texts(labels_of(workflow, plan), tasks),
                     "agreement": web_views.agreement_rows(table), "unclustered": web_views.unclustered_rows(table),
                     "consensus": web_views.preview(table)}
    downloads = [] if plan is None else [
        {"extractor": name, "file": file_name(plan, name)} for name in plan.extractor_names]
    return page("project.html", status, project=info, downloads=downloads, errors=extra.pop("errors", {}),
                min_classifications=web_views.MIN_CLASSIFICATIONS, **views, **extra, **context(request, who))


@router.get("/projects/{project_id}")
def project_page(project_id: Id, request: Request) -> Response:
    return _project_page(request, web_caller(request), project_id)


@router.post("/projects/{project_id}/workflow")
async def workflow_upload(project_id: Id, request: Request) -> Response:
    form = await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    upload = form.get("file")
    errors: dict[str, str] = {}
    workflow_id = str(form.get("workflow_id", "")).strip()
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "choose the workflow export (…-workflows.csv)"
    if not workflow_id.isdigit():
        errors["workflow_id"] = "the workflow id is a whole number"
    if errors:
        return _project_page(request, who, project_id, 422, errors=errors)
    path = await _save(cast(UploadFile, upload))

    def work() -> Response | None:
        try:
            with state.store.write() as session:
                project = project_of(session, who, project_id)
                workflow, versions = projects.workflow_from_export(path, int(workflow_id),
                                                                   str(form.get("version", "")))
                projects.set_workflow(session, state.plans, project, workflow, versions)
        except FieldErrors as exc:
            return _project_page(request, who, project_id, 422, errors=exc.errors)
        return None

    try:
        failed = await run_in_threadpool(work)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return failed or RedirectResponse(f"/web/projects/{project_id}", status_code=303)


@router.post("/projects/{project_id}/classifications")
async def classifications_upload(project_id: Id, request: Request) -> Response:
    form = await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _project_page(request, who, project_id, 422, errors={"classifications": "choose a classification export"})
    path = await _save(upload)
    try:
        result = await run_in_threadpool(ingest_export, state, who, project_id, path)
    except ZooaggError as exc:
        return _project_page(request, who, project_id, 422, errors={"classifications": exc.message})
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return _project_page(request, who, project_id, ingest=result)


async def _save(upload: UploadFile) -> Path:

    return await save_upload(upload)  # type: ignore[arg-type]


@router.get("/projects/{project_id}/reductions/{extractor}.csv")
def download(project_id: Id, extractor: str, request: Request) -> Response:
    state = state_of(request)
    plan = plan_for(state, web_caller(request), project_id)
    if extractor not in plan.extractor_names:
        return page("error.html", 404, message=f"This project has no extractor {extractor}.")
    with state.store.write() as session:
        path = reduction_csv(session, plan, extractor)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True))


@router.get("/projects/{project_id}/consensus.csv")
def consensus_download(project_id: Id, request: Request) -> Response:
    import tempfile

    from .consensus import consensus_csv

    state = state_of(request)
    plan = plan_for(state, web_caller(request), project_id)
    folder = Path(tempfile.mkdtemp(prefix="zooagg-download-"))
    with state.store.write() as session:
        path = consensus_csv(session, plan, folder)
    return FileResponse(path, media_type="text/csv", filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/projects/{project_id}/dropped_marks.csv")
def dropped_download(project_id: Id, request: Request) -> Response:
    from .downloads import csv_attachment, dropped_csv

    state, who = state_of(request), web_caller(request)
    with state.store.read() as session:
        content = dropped_csv(session, project_of(session, who, project_id).id)
    return csv_attachment(content, f"dropped_marks_project_{project_id}.csv")


@router.get("/projects/{project_id}/report")
def live_report(project_id: Id, request: Request) -> Response:
    from .live_report import report_html

    state = state_of(request)
    plan = plan_for(state, web_caller(request), project_id)
    try:
        with state.store.write() as session:
            html = report_html(session, plan)
    except ZooaggError as exc:
        return page("error.html", 503, message=str(exc))
    return HTMLResponse(html)


# ---- parameters ------------------------------------------------------------------------------

def _fields(state: AppState, who: auth.Caller, project_id: int, values: dict[str, str] | None = None
            ) -> list[dict[str, Any]]:
    """One block per task entry: its extractor and reducer parameters as form fields."""
    with state.store.read() as session:
        project_of(session, who, project_id)
        entries = projects.parameters_of(session, project_id)
    blocks = []
    for entry in entries:
        fields = []
        for kind, prefix, name, current in (("extractor", "e", entry["extractor"], entry["extractor_params"]),
                                            ("reducer", "r", entry["reducer"], entry["reducer_params"])):
            kind_t: registry.Kind = "extractor" if kind == "extractor" else "reducer"
            for key, param in registry.get(kind_t, name).all_params.items():
                if key == "task":
                    continue
                field = f"{prefix}{entry['id']}.{key}"
                shown = values.get(field, "") if values is not None else _text(current.get(key))
                if param.type is bool and values is None:
                    shown = "true" if current.get(key, param.default) else ""
                fields.append({"name": field, "label": f"{kind} {key}", "value": shown, "help": param.help,
                               "default": _text(param.default), "kind": kind,
                               "input": web_views.input_kind(param),
                               "choices": [_text(c) for c in param.choices or ()]})
        chosen = values.get(f"reducer{entry['id']}", entry["reducer"]) if values is not None else entry["reducer"]
        blocks.append({**entry, "fields": fields, "reducer_field": f"reducer{entry['id']}", "chosen": chosen,
                       "reducers": web_views.reducer_choices(entry["extractor"], entry["reducer"])})
    return blocks


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _value(text: str) -> Any:
    try:
        return orjson.loads(text) if text[:1] in "[{" else text
    except orjson.JSONDecodeError:
        return text


@router.get("/projects/{project_id}/parameters")
def parameters_form(project_id: Id, request: Request) -> Response:
    who = web_caller(request)
    blocks = _fields(state_of(request), who, project_id)
    with state_of(request).store.read() as session:
        filter_how = project_of(session, who, project_id).filter_how
    return page("parameters.html", project_id=project_id, blocks=blocks, errors={}, filter_how=filter_how,
                **context(request, who))


@router.post("/projects/{project_id}/parameters")
async def parameters_save(project_id: Id, request: Request) -> Response:
    form = await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    # an unticked checkbox sends nothing; its "present" marker carries the default, and a box
    # left at its default is not stored (as an empty text field)
    for marker in [k for k in values if k.startswith("present.")]:
        field, default = marker.removeprefix("present."), values.pop(marker)
        ticked = field in values
        if ticked == (default == "true"):
            values.pop(field, None)
        else:
            values[field] = "true" if ticked else "false"
    changes: dict[int, dict[str, dict[str, Any]]] = {}
    reducers: dict[int, str] = {}
    for field, text in values.items():
        head, _, key = field.partition(".")
        if field.startswith("reducer") and field[7:].isdigit():
            reducers[int(field[7:])] = text.strip()
        elif head[:1] in "er" and head[1:].isdigit() and key and text.strip():
            part = "extractor_params" if head[0] == "e" else "reducer_params"
            changes.setdefault(int(head[1:]), {"extractor_params": {}, "reducer_params": {}})[part][key] = \
                _value(text.strip())
    errors: dict[str, str] = {}
    filter_how = str(form.get("filter", ""))
    try:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            re_extract = False
            for entry in projects.parameters_of(session, project_id):
                change = changes.get(entry["id"], {"extractor_params": {}, "reducer_params": {}})
                reducer = reducers.get(entry["id"]) or entry["reducer"]
                if reducer != entry["reducer"]:  # the fields shown were the old reducer's: start from defaults
                    change["reducer_params"] = {}
                try:
                    re_extract |= projects.apply_entry(session, project, entry["id"],
                                                       extractor_params=change["extractor_params"],
                                                       reducer=reducer if reducer != entry["reducer"] else None,
                                                       reducer_params=change["reducer_params"])
                except FieldErrors as exc:
                    for key, message in exc.errors.items():
                        part, _, name = key.partition(".")
                        if part == "reducer" or not name:
                            errors[f"reducer{entry['id']}"] = message
                        else:
                            errors[f"{'e' if part == 'extractor_params' else 'r'}{entry['id']}.{name}"] = message
            if filter_how and filter_how not in projects.FILTERS:
                errors["filter"] = f"must be one of {', '.join(projects.FILTERS)}"
            if errors:
                raise FieldErrors(errors)  # nothing of the form is kept
            project.filter_how = filter_how or project.filter_how
            projects.changed(session, state.plans, project, re_extract)
    except FieldErrors:
        blocks = _fields(state, who, project_id, values)
        return page("parameters.html", 422, project_id=project_id, blocks=blocks, errors=errors,
                    filter_how=filter_how, **context(request, who))
    return RedirectResponse(f"/web/projects/{project_id}", status_code=303)
