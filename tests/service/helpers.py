"""Steps the live tests share: a project with the test workflow, posting rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session

from zooagg.service.models import Project
from zooagg.service.plan import Plan, build_plan

from .exports import WORKFLOW_ID, write_workflow_export


def make_project(client: httpx.Client, tmp_path: Path, title: str = "Live test", filter_how: str = "first") -> int:
    response = client.post("/api/projects", json={"title": title, "filter": filter_how})
    assert response.status_code == 201, response.text
    project = int(response.json()["id"])
    export = write_workflow_export(tmp_path / "workflows.csv")
    with export.open("rb") as handle:
        response = client.post(f"/api/projects/{project}/workflow/upload", files={"file": ("workflows.csv", handle)},
                               data={"workflow_id": str(WORKFLOW_ID)})
    assert response.status_code == 200, response.text
    return project


def post(client: httpx.Client, project: int, body: Any) -> httpx.Response:
    return client.post(f"/api/projects/{project}/classifications", json=body)


def project_plan(session: Session, project: int) -> Plan:
    """The stored project's plan (what its reductions are recomputed with)."""
    project_row = session.get(Project, project)
    assert project_row is not None
    plan = build_plan(session, project_row)
    assert plan is not None
    return plan
