"""The web pages in headless Chromium (Playwright): sign in, a hostile project title shows as
text and runs nothing, upload exports, download the reductions."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import PASSWORD, Server
from .exports import (
    WORKFLOW_ID,
    classification_rows,
    write_classification_export,
    write_workflow_export,
)

CHROMIUM = "/usr/bin/chromium"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser test needs Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser test needs playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_sign_in_hostile_title_upload_download(server: Server, tmp_path: Path, browser_page: Any) -> None:
    page = browser_page
    server.member("ada")
    dialogs: list[str] = []
    def dismissed(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismissed)
    page.goto(f"{server.url}/web/login")
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "wrong name or password" in page.inner_text("p.error")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/web/projects$"))

    page.fill("input[name=title]", HOSTILE)
    page.click("text=Create project")
    page.wait_for_url(re.compile(r".*/web/projects/\d+$"))
    assert page.inner_text("#project-title") == HOSTILE
    assert page.locator("#project-title script, #project-title img").count() == 0

    page.set_input_files("input[type=file] >> nth=0", str(write_workflow_export(tmp_path / "workflows.csv")))
    page.fill("input[name=workflow_id]", str(WORKFLOW_ID))
    page.click("#upload-workflow")
    page.wait_for_selector("#upload-classifications")
    export = write_classification_export(tmp_path / "classifications.csv", classification_rows(30))
    page.set_input_files("input[type=file] >> nth=1", str(export))
    page.click("#upload-classifications")
    assert "30 stored" in page.inner_text("#ingest-result")

    with page.expect_download() as info:
        page.click("text=question_reducer_reductions.csv")
    saved = tmp_path / "download.csv"
    info.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith("subject_id,workflow_id,task,reducer,data.")

    page.goto(f"{server.url}/web/projects")
    assert page.inner_text("ul.projects") == HOSTILE
    assert dialogs == []


def test_parameter_form_shows_errors_next_to_the_field(server: Server, tmp_path: Path, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    token = server.member("ada")
    from .helpers import make_project

    with server.client(token) as client:
        project = make_project(client, tmp_path)
        entry = next(e for e in client.get(f"/api/projects/{project}/parameters").json()
                     if e["extractor"] == "point_extractor_by_frame")
    page.goto(f"{server.url}/web/login")
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/web/projects$"))
    page.goto(f"{server.url}/web/projects/{project}/parameters")
    # eps is a number field (the browser takes numbers only); a list field takes any text
    wrong = f"e{entry['id']}.tools"
    page.fill(f"input[name='{wrong}']", "wide")
    page.click("text=Save and recompute")
    assert "must be list" in page.inner_text(f"[id='error-{wrong}']")
    assert page.input_value(f"input[name='{wrong}']") == "wide"
    page.fill(f"input[name='{wrong}']", "[0]")
    field = f"r{entry['id']}.eps"
    page.fill(f"input[name='{field}']", "7.5")
    page.click("text=Save and recompute")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}$"))
    with server.client(token) as client:
        saved = next(e for e in client.get(f"/api/projects/{project}/parameters").json() if e["id"] == entry["id"])
    assert saved["reducer_params"]["eps"] == 7.5


def test_forms_need_csrf_and_pages_send_csp(server: Server) -> None:
    server.member("ada")
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        login = client.get("/web/login")
        assert "script-src 'self'" in login.headers["content-security-policy"]
        forged = client.post("/web/login", data={"name": "ada", "password": PASSWORD, "csrf": "guess"})
        assert forged.status_code == 403
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        signed_in = client.post("/web/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf})
        assert signed_in.status_code == 303
        assert "httponly" in signed_in.headers["set-cookie"].lower()
        assert "samesite=strict" in signed_in.headers["set-cookie"].lower()
        no_token = client.post("/web/projects", data={"title": "x"})
        assert no_token.status_code == 403
        assert client.get("/web/projects").status_code == 200
    with httpx.Client(base_url=server.url, follow_redirects=False) as stranger:
        assert stranger.get("/web/projects").headers["location"] == "/web/login"
