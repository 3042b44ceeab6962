"""The web page of live SWAP (docs/weighting.md): turn SWAP on for a yes/no question task with
its parameters (form fields, checked as the parameters API checks them), and see each
subject's P(yes), status and decision, each volunteer's PL and PD, and download the history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from .. import registry
from . import projects
from .access import Id, project_of
from .downloads import csv_attachment
from .errors import FieldErrors
from .models import Workflow
from .state import state_of
from .swap_settings import PARAMS, decisions_csv, set_swap, status, yes_no
from .web_session import checked_form, context, page, web_caller

router = APIRouter(prefix="/web", include_in_schema=False)


def _answers(workflow: Workflow | None, task: str) -> str:
    """The task's answers as the extracts name them when Panoptes sends their index."""
    spec = (workflow.tasks if workflow is not None else {}).get(task) or {}
    strings = workflow.strings if workflow is not None else {}
    return ", ".join(f"{i} = {strings.get(str(answer.get('label')), answer.get('label'))}"
                     for i, answer in enumerate(spec.get("answers") or []) if isinstance(answer, dict))


def _blocks(request: Request, project_id: int, values: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's blocks (one per yes/no question task) and the state now."""
    who = web_caller(request)
    component = registry.get("weighting", "swap")
    with state_of(request).store.read() as session:
        project = project_of(session, who, project_id)
        workflow = session.scalar(select(Workflow).where(Workflow.project_id == project_id))
        entries = [e for e in projects.parameters_of(session, project_id)
                   if e["extractor"] == "question_extractor" and yes_no(session, project_id, e["task"]) is None]
        now = status(session, project_id)
    blocks = []
    for entry in entries:
        current = entry["swap"] or {}
        prefix = f"s{entry['id']}"
        fields = []
        for key in PARAMS:
            param = component.params[key]
            name = f"{prefix}.{key}"
            shown = values.get(name, "") if values is not None else str(current.get(key, ""))
            fields.append({"name": name, "label": key, "value": shown, "default": str(param.default),
                           "help": param.help, "number": param.type is float})
        on = (f"{prefix}.on" in values) if values is not None else bool(entry["swap"])
        blocks.append({"task": entry["task"], "on_field": f"{prefix}.on", "on": on, "fields": fields,
                       "field": prefix, "answers": _answers(workflow, entry["task"])})
    return {"project": project, "blocks": blocks, **now, **context(request, who)}


@router.get("/projects/{project_id}/swap")
def swap_page(project_id: Id, request: Request) -> Response:
    return page("swap.html", errors={}, **_blocks(request, project_id))


@router.post("/projects/{project_id}/swap")
async def swap_save(project_id: Id, request: Request) -> Response:
    form = await checked_form(request)
    who = web_caller(request)
    state = state_of(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    errors: dict[str, str] = {}
    try:
        with state.store.write() as session:
            project = project_of(session, who, project_id)
            for entry in projects.parameters_of(session, project_id):
                prefix = f"s{entry['id']}"
                if f"{prefix}.on" in values:
                    chosen: Any = {k: values[f"{prefix}.{k}"].strip() for k in PARAMS
                                   if values.get(f"{prefix}.{k}", "").strip()}
                elif entry["swap"] is not None:
                    chosen = False
                else:
                    continue
                try:
                    set_swap(session, state.plans, project, entry["id"], chosen)
                except FieldErrors as exc:
                    errors.update({f"{prefix}{k.removeprefix('swap')}": v for k, v in exc.errors.items()})
            if errors:
                raise FieldErrors(errors)  # nothing of the form is kept
    except FieldErrors:
        return page("swap.html", 422, errors=errors, **_blocks(request, project_id, values))
    return RedirectResponse(f"/web/projects/{project_id}/swap", status_code=303)


@router.get("/projects/{project_id}/swap/decisions.csv")
def swap_download(project_id: Id, request: Request) -> Response:
    who = web_caller(request)
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        text = decisions_csv(session, project_id)
    return csv_attachment(text, f"swap_decisions_project_{project_id}.csv")
