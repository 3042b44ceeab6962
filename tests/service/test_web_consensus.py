"""The live server's consensus table and the pages around it: the same table as `zooagg run`
writes offline, `/web` leading somewhere, the project page showing tasks, agreement and the
consensus, and the parameter form with real checkboxes, numbers and a reducer choice (Chromium)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx

from zooagg.cli import main

from .conftest import PASSWORD, Server
from .exports import (
    WORKFLOW_ID,
    classification_rows,
    write_classification_export,
)
from .helpers import make_project
from .test_web import browser_page  # noqa: F401 - the fixture

#: set to a folder (e.g. docs) to keep the pages' screenshots
SHOTS = os.environ.get("ZOOAGG_SCREENSHOTS")


def live_project(server: Server, tmp_path: Path, rows: int | list[dict[str, str]] = 60,
                 member: str = "ada") -> tuple[str, int, Path]:
    """A live project holding an export of `rows` (a number of test rows, or the rows)."""
    token = server.member(member)
    written = classification_rows(rows) if isinstance(rows, int) else rows
    export = write_classification_export(tmp_path / "classifications.csv", written)
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        with export.open("rb") as handle:
            response = client.post(f"/api/projects/{project}/classifications/upload",
                                   files={"file": ("classifications.csv", handle)})
        assert response.status_code == 200, response.text
    return token, project, export


def test_web_root_leads_to_the_projects(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        for path in ("/web", "/web/"):
            response = client.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/web/projects")
            followed = client.get(path, follow_redirects=True)
            assert followed.status_code == 200
            assert str(followed.url).endswith("/web/login")


def test_live_consensus_is_the_offline_table(server: Server, tmp_path: Path) -> None:
    token, project, export = live_project(server, tmp_path)
    with server.client(token) as client:
        response = client.get(f"/api/projects/{project}/consensus.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith(f'filename="consensus_workflow_{WORKFLOW_ID}.csv"')
    out = tmp_path / "offline"
    assert main(["run", str(tmp_path / "workflows.csv"), str(export), str(WORKFLOW_ID), "-d", str(out), "-hb"]) == 0
    assert main(["consensus", str(out), "--no-metadata"]) == 0
    offline = next(out.rglob(f"consensus_workflow_{WORKFLOW_ID}.csv")).read_text(encoding="utf-8")
    assert response.text == offline
    header = offline.splitlines()[0].split(",")
    assert header[:3] == ["subject_id", "workflow_id", "classifications"]
    assert {"T0_answer", "T1_agreement", "T2_tool1_centres", "T3_species_seen"} <= set(header)


def sign_in(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/web")
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/web/projects$"))


def test_project_page_and_parameter_fields_in_chromium(server: Server, tmp_path: Path,
                                                       browser_page: Any) -> None:  # noqa: F811
    page = browser_page
    token, project, _ = live_project(server, tmp_path)
    sign_in(page, server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server.url}/web/projects/{project}")
    assert "Is there an animal?" in page.inner_text("#task-texts")
    assert "Mark heads and bodies" in page.inner_text("#task-texts")
    agreement = page.inner_text("#agreement")
    assert "T0" in agreement
    assert "T3" in agreement
    table = page.locator("#consensus tr")
    assert page.inner_text("#consensus tr >> nth=0").split("\t")[:3] == ["subject_id", "workflow_id",
                                                                          "classifications"]
    assert table.count() > 2
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "web-project.png"), full_page=True)
    page.click("#report-link")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}/report$"))
    summary = page.inner_text("table >> nth=1")
    assert "subjects with 2+ classifications" in summary
    assert "ties" in summary
    assert "T0" in page.inner_text("h2 >> nth=1") or "Task T0" in page.content()
    # the report's stylesheet is allowed by its hash under the server's CSP (no inline scripts)
    assert page.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse") == "collapse"
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "web-report.png"), full_page=False)
    page.goto(f"{server.url}/web/projects/{project}")
    with page.expect_download() as info:
        page.click("#consensus-download")
    saved = tmp_path / "consensus.csv"
    info.value.save_as(saved)
    with server.client(token) as client:
        assert saved.read_text(encoding="utf-8") == client.get(f"/api/projects/{project}/consensus.csv").text

    with server.client(token) as client:
        entries = client.get(f"/api/projects/{project}/parameters").json()
    points = next(e for e in entries if e["extractor"] == "point_extractor_by_frame")
    page.goto(f"{server.url}/web/projects/{project}/parameters")
    assert page.get_attribute(f"input[name='r{points['id']}.eps']", "type") == "number"
    assert page.get_attribute(f"input[name='r{points['id']}.min_samples']", "step") == "1"
    assert page.get_attribute(f"input[name='e{points['id']}.recursive']", "type") == "checkbox"
    options = page.locator(f"select[name='reducer{points['id']}'] option").all_inner_texts()
    assert options == ["point_reducer_dbscan", "point_reducer_hdbscan"]
    if SHOTS:
        block = page.locator("fieldset", has=page.locator(f"select[name='reducer{points['id']}']"))
        block.screenshot(path=str(Path(SHOTS) / "web-parameters.png"))
    # validated as the API validates: a whole number is asked for, 2.5 is refused next to the field
    page.fill(f"input[name='r{points['id']}.min_samples']", "2.5")
    page.click("text=Save and recompute")
    assert "must be int" in page.inner_text(f"[id='error-r{points['id']}.min_samples']")
    page.fill(f"input[name='r{points['id']}.min_samples']", "")
    page.check(f"input[name='e{points['id']}.recursive']")
    page.select_option(f"select[name='reducer{points['id']}']", "point_reducer_hdbscan")
    page.click("text=Save and recompute")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}$"))
    with server.client(token) as client:
        saved_entry = next(e for e in client.get(f"/api/projects/{project}/parameters").json()
                           if e["id"] == points["id"])
    assert saved_entry["reducer"] == "point_reducer_hdbscan"
    assert saved_entry["extractor_params"] == {**points["extractor_params"], "recursive": True}
    page.goto(f"{server.url}/web/projects/{project}/parameters")
    assert page.is_checked(f"input[name='e{points['id']}.recursive']")
    page.uncheck(f"input[name='e{points['id']}.recursive']")
    page.click("text=Save and recompute")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}$"))
    with server.client(token) as client:
        saved_entry = next(e for e in client.get(f"/api/projects/{project}/parameters").json()
                           if e["id"] == points["id"])
    assert saved_entry["extractor_params"] == points["extractor_params"]  # unticked: back to the default
