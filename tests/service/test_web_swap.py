"""The live SWAP page in Chromium: SWAP turned on for the yes/no task with real form fields,
checked as the API checks them (a bad threshold refused next to its field, nothing changed);
classifications then posted one by one; the page shows each subject's P(yes), decision and
classifications and each volunteer's PL and PD as the API has them, and downloads the history."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .conftest import Server
from .helpers import make_project, post
from .test_swap_live import PARAMS, history, live_state, swap_rows
from .test_web import browser_page  # noqa: F401 - the fixture
from .test_web_consensus import SHOTS, sign_in


def test_swap_page_turns_swap_on_and_shows_the_state(server: Server, tmp_path: Path,
                                                     browser_page: Any) -> None:  # noqa: F811
    page = browser_page
    token = server.member("ada")
    rows = swap_rows(60)
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        entry = next(e["id"] for e in client.get(f"/api/projects/{project}/parameters").json() if e["task"] == "T0")
    sign_in(page, server)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server.url}/web/projects/{project}")
    page.click("#swap-link")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}/swap$"))
    assert "Task T0 (answers: 0 = Yes, 1 = No)" in page.inner_text("legend")
    assert page.locator("legend").count() == 1  # T1 (three colours) is no yes/no question
    assert page.get_attribute(f"input[name='s{entry}.detection']", "type") == "number"
    assert page.get_attribute(f"input[name='s{entry}.on']", "type") == "checkbox"
    # validated as the API validates: rejection above detection is refused next to the field
    page.check(f"input[name='s{entry}.on']")
    page.fill(f"input[name='s{entry}.detection']", "0.1")
    page.fill(f"input[name='s{entry}.rejection']", "0.2")
    page.click("#swap-save")
    assert "need 0 <= rejection < detection <= 1" in page.inner_text(f"[id='error-s{entry}.detection']")
    with server.client(token) as client:
        assert client.get(f"/api/projects/{project}/weighting/swap/live").json()["settings"] == {}
    for key, value in PARAMS.items():
        page.fill(f"input[name='s{entry}.{key}']", str(value))
    page.click("#swap-save")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}/swap$"))
    assert page.is_checked(f"input[name='s{entry}.on']")
    with server.client(token) as client:
        assert live_state(client, project)["settings"] == {"T0": PARAMS}
        for row in rows:
            assert post(client, project, row).status_code == 201
        state = live_state(client, project)
        steps = history(client, project)["decisions"]
    page.reload()
    subjects = page.locator("#swap-subjects tr").all_inner_texts()
    assert subjects[0].split("\t") == ["task", "subject", "P(yes)", "status", "decision", "classifications", "truth"]
    assert [r.split("\t") for r in subjects[1:]] == [
        [s["task"], s["subject_id"], f"{s['probability']:.4f}", s["status"], s["decision"], str(s["classifications"]),
         s["truth"] or ""] for s in state["subjects"]]
    volunteers = page.locator("#swap-volunteers tr").all_inner_texts()
    assert [r.split("\t")[1:] for r in volunteers[1:]] == [
        [v["volunteer"], v["user_name"], f"{v['PL']:.3f}", f"{v['PD']:.3f}", f"{v['skill']:.3f}", str(v["training"]),
         str(v["answers"])] for v in state["volunteers"]]
    assert {s["decision"] for s in state["subjects"]} == {"keep", "retire"}
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "web-swap.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#swap-download")
    saved = tmp_path / "swap.csv"
    info.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(steps) + 1
    assert lines[1].split(",")[2] == steps[0]["classification_id"]
    # off: the history goes
    page.uncheck(f"input[name='s{entry}.on']")
    page.click("#swap-save")
    page.wait_for_url(re.compile(rf".*/web/projects/{project}/swap$"))
    with server.client(token) as client:
        assert history(client, project)["decisions"] == []
