"""A project's aggregation plan: its workflow, its extractor entries and their reducers.

Made from the stored workflow and task parameters and cached per (project, config_rev), so
ingest does not rebuild it per classification.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import registry
from ..call import ExtractorCall, ReducerCall
from ..configure.config import extractor_config_for, reducer_configs_for
from ..configure.workflow import parse_tasks
from ..exports.versions import VersionRange
from .models import Project, SwapSetting, TaskParameters, Workflow


@dataclass
class Entry:
    id: int
    position: int
    task: str
    extractor: str  # as written in a config (shape_extractor_rectangle)
    extract: ExtractorCall
    reduce: ReducerCall

    @property
    def reducer(self) -> registry.Component:
        return self.reduce.component


@dataclass
class Plan:
    project_id: int
    config_rev: int
    workflow_id: int
    versions: VersionRange
    filter_how: str
    entries: list[Entry]
    #: the yes/no tasks with live SWAP turned on, with their parameters (swap_live.py)
    swap: dict[str, dict[str, Any]] = field(default_factory=dict)

    def entry(self, extractor: str, task: str) -> Entry | None:
        for entry in self.entries:
            if entry.extractor == extractor and entry.task == task:
                return entry
        return None

    @property
    def extractor_names(self) -> list[str]:
        return list(dict.fromkeys(e.extractor for e in self.entries))


class PlanCache:
    """The plan of each project this process made last (one revision per project)."""

    def __init__(self) -> None:
        self._plans: dict[int, Plan] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, project: Project) -> Plan | None:
        return self.current(session, project.id, project.config_rev)

    def latest(self, project_id: int) -> Plan | None:
        """The plan of this project this process made last, if any (maybe no longer current:
        ingest checks the revision when it writes)."""
        with self._lock:
            return self._plans.get(project_id)

    def current(self, session: Session, project_id: int, config_rev: int) -> Plan | None:
        """The plan of this project at this configuration revision, built on first use (from
        the stored configuration, whatever its revision: ingest checks it when it writes)."""
        with self._lock:
            plan = self._plans.get(project_id)
        if plan is None or plan.config_rev != config_rev:
            project = session.get(Project, project_id)
            plan = build_plan(session, project) if project is not None else None
            if plan is not None:
                with self._lock:
                    self._plans[project_id] = plan
        return plan


def build_plan(session: Session, project: Project) -> Plan | None:
    workflow = session.scalar(select(Workflow).where(Workflow.project_id == project.id))
    if workflow is None:
        return None
    rows = session.scalars(select(TaskParameters).where(TaskParameters.project_id == project.id)
                           .order_by(TaskParameters.position)).all()
    entries = []
    for row in rows:
        extractor = registry.get("extractor", row.extractor)
        e_params = extractor.parse_params({**row.extractor_params, "task": row.task})
        reducer = registry.get("reducer", row.reducer)
        entries.append(Entry(row.id, row.position, row.task, row.extractor,
                             ExtractorCall.of(row.extractor, extractor.name, e_params),
                             ReducerCall.of(reducer, reducer.parse_params(row.reducer_params))))
    questions = {e.task for e in entries if e.extractor == "question_extractor"}
    swap = {row.task: dict(row.params) for row in session.scalars(
        select(SwapSetting).where(SwapSetting.project_id == project.id)) if row.task in questions}
    return Plan(project.id, project.config_rev, workflow.workflow_id, VersionRange.from_config(workflow.versions),
                project.filter_how, entries, swap)


def default_parameters(tasks: dict[str, Any], strings: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Task parameter rows for a workflow, as `zooagg config` makes them (reducer params per task)."""
    config, notes = extractor_config_for(parse_tasks(tasks, strings))
    rows: list[dict[str, Any]] = []
    known = registry.components("extractor")
    for name, entries in config.items():
        base = "shape_extractor" if name.startswith("shape_extractor_") else name
        if base not in known:
            continue
        for entry in entries:
            reducers = reducer_configs_for({name: [entry]})
            if not reducers:
                notes.append(f"{name} (task {entry.get('task')}) has no reducer; skipped")
                continue
            (reducer_name, reducer_params), = reducers[0][1]["reducer_config"].items()
            if reducer_name not in registry.components("reducer"):
                notes.append(f"{reducer_name} is not available in this version of zooagg yet; "
                             f"task {entry.get('task')} is skipped")
                continue
            params = {k: v for k, v in entry.items() if k != "task"}
            rows.append({"task": str(entry.get("task", "all")), "extractor": name, "extractor_params": params,
                         "reducer": reducer_name, "reducer_params": reducer_params})
    for position, row in enumerate(rows):
        row["position"] = position
    return rows, notes
