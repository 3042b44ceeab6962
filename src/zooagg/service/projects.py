"""Live projects: create, load a workflow, set parameters, summarise. No HTTP here: the JSON
API and the web pages both call these."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import registry
from ..errors import ConfigError, ZooaggError
from ..exports.versions import parse_version
from ..exports.workflows import WorkflowVersion, read_workflows, select_versions
from .auth import Caller
from .errors import FieldErrors, refuse_nul
from .jsonio import plain
from .models import (
    DroppedMark,
    Extract,
    Project,
    ProjectMember,
    Reduction,
    StoredClassification,
    SwapSetting,
    TaskParameters,
    Workflow,
)
from .plan import PlanCache, build_plan, default_parameters
from .rebuild import RebuildSummary, rebuild

FILTERS = ("first", "last", "all")
TITLE_MOST = 300


def create_project(session: Session, caller: Caller, title: str, description: str = "",
                   filter_how: str = "first") -> Project:
    errors = check_texts(title=title, description=description)
    if filter_how not in FILTERS:
        errors["filter"] = f"must be one of {', '.join(FILTERS)}"
    if errors:
        raise FieldErrors(errors)
    project = Project(title=title.strip(), description=description, filter_how=filter_how, config_rev=0)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, member_id=caller.member_id))
    return project


def check_texts(title: str | None = None, description: str | None = None) -> dict[str, str]:
    """FieldErrors' entries for a project's title and description (None: not given)."""
    errors = refuse_nul({k: v for k, v in (("title", title), ("description", description)) if v is not None})
    if title is not None and "title" not in errors and (not title.strip() or len(title) > TITLE_MOST):
        errors["title"] = f"a title needs 1 to {TITLE_MOST} characters"
    return errors


def change_texts(project: Project, title: str | None, description: str | None) -> None:
    """Set a project's title and description (None: unchanged); FieldErrors when either is bad."""
    errors = check_texts(title, description)
    if errors:
        raise FieldErrors(errors)
    if title is not None:
        project.title = title.strip()
    if description is not None:
        project.description = description


def projects_of(session: Session, caller: Caller) -> list[Project]:
    query = select(Project).order_by(Project.id)
    if not caller.is_admin:
        query = query.join(ProjectMember, ProjectMember.project_id == Project.id).where(
            ProjectMember.member_id == caller.member_id)
    return list(session.scalars(query))


def workflow_from_export(path: Path, workflow_id: int, version: str | None = None, min_version: str | None = None,
                         max_version: str | None = None) -> tuple[WorkflowVersion, Any]:
    """The workflow version to aggregate, chosen from an export as `zooagg config` chooses it."""
    try:
        return select_versions(read_workflows(path), workflow_id, version or None, min_version or None,
                               max_version or None, file="upload")
    except ZooaggError as exc:
        raise FieldErrors({"file" if "column" in exc.message or "JSON" in exc.message else "workflow_id":
                           f"{exc.message} ({exc.hint})" if exc.hint else exc.message}) from exc


def workflow_from_json(body: dict[str, Any]) -> tuple[WorkflowVersion, Any]:
    errors: dict[str, str] = {}
    try:
        workflow_id = int(body.get("workflow_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        workflow_id = 0
        errors["workflow_id"] = "must be a whole number"
    version_text = str(body.get("version") or "1.1")
    try:
        version = parse_version(version_text)
    except ValueError:
        version = (1, 1)
        errors["version"] = "must look like 12.34"
    for key in ("tasks", "strings"):
        if not isinstance(body.get(key, {}), dict):
            errors[key] = "must be a JSON object"
    if not isinstance(body.get("tasks"), dict) or not body.get("tasks"):
        errors.setdefault("tasks", "the workflow's tasks are needed (the tasks column of a workflow export)")
    if errors:
        raise FieldErrors(errors)
    workflow = WorkflowVersion(workflow_id, version, str(body.get("display_name", "")), body["tasks"],
                               body.get("strings") or {})
    return workflow, body.get("versions") or workflow.version_text


def set_workflow(session: Session, plans: PlanCache, project: Project, workflow: WorkflowVersion,
                 versions: Any) -> RebuildSummary:
    """Aggregate this workflow version with the default configuration; recompute what is stored."""
    try:
        rows, notes = default_parameters(workflow.tasks, workflow.strings)
    except (ZooaggError, ValueError, TypeError, KeyError) as exc:
        raise FieldErrors({"tasks": f"cannot read the workflow's tasks: {exc}"}) from exc
    session.execute(delete(Workflow).where(Workflow.project_id == project.id))
    session.execute(delete(TaskParameters).where(TaskParameters.project_id == project.id))
    session.add(Workflow(project_id=project.id, workflow_id=workflow.workflow_id, version=workflow.version_text,
                         versions=versions, display_name=workflow.display_name, tasks=workflow.tasks,
                         strings=workflow.strings, notes=notes))
    for row in rows:
        session.add(TaskParameters(project_id=project.id, **row))
    return changed(session, plans, project, re_extract=True)


def changed(session: Session, plans: PlanCache, project: Project, re_extract: bool) -> RebuildSummary:
    """After a change of workflow or parameters: a new plan, and everything recomputed."""
    project.config_rev += 1
    session.flush()
    plan = plans.get(session, project)
    return rebuild(session, plan, re_extract) if plan is not None else RebuildSummary()


def _check_params(kind: registry.Kind, name: str, params: Any, field: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not isinstance(params, dict):
        return {field: "must be a JSON object of parameter -> value"}
    try:
        component = registry.get(kind, name)
    except ConfigError as exc:
        return {field.rsplit("_", 1)[0]: f"{exc.message} ({exc.hint})"}
    for key, value in params.items():
        try:
            component.parse_params({key: value})
        except ConfigError as exc:
            errors[f"{field}.{key}"] = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
    return errors


def update_entry(session: Session, plans: PlanCache, project: Project, entry_id: int, *,
                 extractor_params: dict[str, Any] | None = None, reducer: str | None = None,
                 reducer_params: dict[str, Any] | None = None) -> RebuildSummary:
    """Change one task's parameters (validated: FieldErrors names each bad field) and recompute."""
    re_extract = apply_entry(session, project, entry_id, extractor_params=extractor_params, reducer=reducer,
                             reducer_params=reducer_params)
    return changed(session, plans, project, re_extract)


def apply_entry(session: Session, project: Project, entry_id: int, *,
                extractor_params: dict[str, Any] | None = None, reducer: str | None = None,
                reducer_params: dict[str, Any] | None = None) -> bool:
    """Validate and set one task's parameters; True when its extracts must be made again."""
    row = session.get(TaskParameters, entry_id)
    if row is None or row.project_id != project.id:
        raise FieldErrors({"id": f"this project has no task parameters {entry_id}"})
    errors: dict[str, str] = {}
    if extractor_params is not None:
        extractor_params = {k: v for k, v in extractor_params.items() if k != "task"}
        errors.update(_check_params("extractor", row.extractor, extractor_params, "extractor_params"))
    reducer_name = reducer or row.reducer
    if reducer_params is not None or reducer is not None:
        errors.update(_check_params("reducer", reducer_name, reducer_params if reducer_params is not None
                                    else row.reducer_params, "reducer_params"))
    if errors:
        raise FieldErrors(errors)
    # kept typed (`"7.5"` from a form is stored as 7.5), in the JSON form a config file would have
    if extractor_params is not None:
        extractor_params = plain(registry.get("extractor", row.extractor).parse_params(extractor_params))
    re_extract = extractor_params is not None and extractor_params != row.extractor_params
    if extractor_params is not None:
        row.extractor_params = extractor_params
    row.reducer = reducer_name
    if reducer_params is not None:
        row.reducer_params = plain(registry.get("reducer", reducer_name).parse_params(reducer_params))
    return re_extract


def set_filter(session: Session, plans: PlanCache, project: Project, filter_how: str) -> RebuildSummary:
    if filter_how not in FILTERS:
        raise FieldErrors({"filter": f"must be one of {', '.join(FILTERS)}"})
    project.filter_how = filter_how
    return changed(session, plans, project, re_extract=False)


def parameters_of(session: Session, project_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(TaskParameters).where(TaskParameters.project_id == project_id)
                           .order_by(TaskParameters.position))
    swap = {row.task: row.params for row in session.scalars(select(SwapSetting).where(
        SwapSetting.project_id == project_id))}
    return [{"id": r.id, "task": r.task, "extractor": r.extractor, "extractor_params": r.extractor_params,
             "reducer": r.reducer, "reducer_params": r.reducer_params,
             "swap": swap.get(r.task) if r.extractor == "question_extractor" else None} for r in rows]


def summary(session: Session, project: Project) -> dict[str, Any]:
    pid = project.id
    workflow = session.scalar(select(Workflow).where(Workflow.project_id == pid))

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(model.project_id == pid, *where))
                   or 0)

    last = session.scalar(select(func.max(StoredClassification.received_at))
                          .where(StoredClassification.project_id == pid))
    plan = build_plan(session, project) if workflow is not None else None
    return {
        "id": pid, "title": project.title, "description": project.description, "filter": project.filter_how,
        "workflow": None if workflow is None else {
            "workflow_id": workflow.workflow_id, "version": workflow.version, "versions": workflow.versions,
            "display_name": workflow.display_name, "notes": workflow.notes},
        "parameters": parameters_of(session, pid),
        "counts": {"classifications": count(StoredClassification), "extracts": count(Extract),
                   "reductions": count(Reduction), "failed_reductions": count(Reduction, Reduction.error.is_not(None)),
                   "marks_dropped": count(DroppedMark)},
        "last_received_at": last.isoformat() if last is not None else None,
        "downloads": [] if plan is None else [
            {"extractor": name, "url": f"/api/projects/{pid}/reductions/{name}.csv"} for name in plan.extractor_names],
        "dropped_marks": f"/api/projects/{pid}/dropped_marks.csv",
    }
