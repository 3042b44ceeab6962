"""`zooagg report`: self-contained HTML per workflow, the numbers in it, and a headless look."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import DATA, RunCli, classification_row, write_export

from zooagg.report.data import load_run

pytest.importorskip("matplotlib")
INFER = DATA / "infer"


def votes_export(tmp_path: Path) -> Path:
    """Three subjects: 5 of 5 say yes; 3 yes 2 no (60%); 4 yes 1 "<b>no</b>" (80%, not above)."""
    votes = {100: ["Yes"] * 5, 200: ["Yes"] * 3 + ["No"] * 2, 300: ["Yes"] * 4 + ["<b>no</b>"]}
    rows = []
    for subject, answers in votes.items():
        for i, answer in enumerate(answers):
            rows.append(classification_row(subject * 10 + i, [{"task": "T0", "task_label": "Cat?", "value": answer}],
                                           subject_id=subject, user_name=f"user{i}", user_id=str(i + 1),
                                           created_at=f"2024-01-0{1 + i % 2} 10:00:00 UTC"))
    return write_export(tmp_path / "votes.csv", rows)


def test_agreement_and_least_agreement_first(run_cli: RunCli, tmp_path: Path) -> None:
    export = votes_export(tmp_path)
    assert run_cli(["run", export, "-d", "out", "-hb"], tmp_path).code == 0
    result = run_cli(["report", "out"], tmp_path)
    assert result.code == 0, result.err
    page = (tmp_path / "out" / "workflow_1" / "report_workflow_1.html").read_text(encoding="utf-8")
    run = load_run(tmp_path / "out" / "workflow_1")
    (task,) = run.votes
    assert task.agreement == pytest.approx(1 / 3)
    assert [s.subject for s in task.least_agreement()] == ["200", "300", "100"]
    assert "<td class='num'>33%</td>" in page
    table = page.split("Least agreement first")[1]
    assert table.index(">200<") < table.index(">300<") < table.index(">100<")
    assert "&lt;b&gt;no&lt;/b&gt;" in page or "b-no-b" in page  # labels are escaped (or slugged)
    assert "<b>no</b>" not in page
    assert "From the classification export votes.csv." in page
    assert run.volunteers == 5
    assert run.classifications == 15


def test_report_is_self_contained(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["run", INFER / "many_tools.csv", "-d", "out", "-hb"], tmp_path).code == 0
    result = run_cli(["report", "out"], tmp_path)
    assert result.code == 0, result.err
    page = (tmp_path / "out" / "workflow_21790" / "report_workflow_21790.html").read_text(encoding="utf-8")
    assert "was <b>inferred</b>" in page
    assert re.findall(r"(?:src|href)=['\"](?!data:)", page) == []  # nothing to fetch
    assert "<script" not in page
    images = re.findall(r"src=\"data:image/png;base64,", page)
    # activity, T0 votes, and per drawing task a histogram and a grid (T2 point, T3 circle, T4 rectangle)
    assert len(images) >= 8
    for task in ("T0", "T2", "T3", "T4"):
        assert f"Task {task}" in page


def test_drawing_without_reduction_degrades(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["run", INFER / "kitteh.csv", "-d", "out", "-hb"], tmp_path).code == 0
    folder = tmp_path / "out" / "workflow_28090"
    for path in folder.glob("*_reductions*.csv"):
        path.unlink()
    assert run_cli(["report", "out", "-o", "pages"], tmp_path).code == 0
    page = (tmp_path / "pages" / "report_workflow_28090.html").read_text(encoding="utf-8")
    assert "no reduction of this task was found" in page
    assert page.count("data:image/png;base64,") == 3  # activity, histogram, grid


def test_empty_folder_is_one_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli(["report", "empty"], tmp_path)
    assert result.code == 2
    assert result.err_lines == ["Error: file empty: no extracts or reductions here "
                                "(run `zooagg run` first and give its -d folder)"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_opens_offline_in_headless_chromium(run_cli: RunCli, tmp_path: Path) -> None:
    """Every plot decodes in a browser with the network cut off (Playwright drives the system
    chromium; no browser is downloaded)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    assert run_cli(["run", INFER / "many_tools.csv", "-d", "out", "-hb"], tmp_path).code == 0
    assert run_cli(["report", "out"], tmp_path).code == 0
    page_file = tmp_path / "out" / "workflow_21790" / "report_workflow_21790.html"
    requested: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1320, "height": 900})
            context.on("request", lambda request: requested.append(request.url))
            page = context.new_page()
            page.goto(page_file.as_uri())
            decoded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert len(decoded) >= 8
    assert all(decoded)
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
    assert len(shot) > 50_000


def reported_golden_run(run_cli: RunCli, tmp_path: Path, kind: str) -> Path:
    """A run folder with the synthetic golden case's `kind` (dropdown, slider) extracts, reduction
    and task labels, reported; the folder."""
    golden = Path(__file__).parent / "golden" / "synthetic-slider-dropdown-shortcut" / "expected"
    run_dir = tmp_path / "out"
    run_dir.mkdir()
    for name in (f"{kind}_extractor_extractions.csv", f"{kind}_reducer_reductions.csv",
                 "Task_labels_workflow_101_V4.2.yaml"):
        shutil.copy(golden / name, run_dir)
    result = run_cli(["report", "out"], tmp_path)
    assert result.code == 0, result.err
    return run_dir


def test_dropdown_selects_are_plotted_as_votes_with_option_labels(run_cli: RunCli, tmp_path: Path) -> None:
    """Each select of a dropdown task is a vote of its own, its options named from Task_labels."""
    run_dir = reported_golden_run(run_cli, tmp_path, "dropdown")
    run = load_run(run_dir)
    countries, years = run.votes
    assert (countries.title, years.title) == ("T3, select 1", "T3, select 2")
    first = countries.subjects[0]
    assert first.subject == "90000001"
    assert dict(first.votes) == {"Canada": 4, "United States": 2}  # '124': 4, '840': 2 in the CSV
    assert dict(years.subjects[0].votes) == {"2000": 4, "1999": 1, "about-1990s": 1}
    page = (run_dir / "report_workflow_101.html").read_text(encoding="utf-8")
    assert "<h2>Task T3, select 1" in page
    assert "<h2>Task T3, select 2" in page
    assert "Canada: 4, United States: 2" in page
    assert page.count('src="data:image/png;base64,') >= 3  # activity and one figure per select


def test_slider_tasks_show_mean_and_spread_widest_first(run_cli: RunCli, tmp_path: Path) -> None:
    run_dir = reported_golden_run(run_cli, tmp_path, "slider")
    (slider,) = load_run(run_dir).sliders
    assert slider.task == "T2"
    assert slider.subjects[0] == ("90000001", 5.3125, 5.25, 8.43359375)  # the reduction's first row
    widest = slider.widest()
    assert [s[3] for s in widest] == sorted((s[3] for s in slider.subjects), reverse=True)
    page = (run_dir / "report_workflow_101.html").read_text(encoding="utf-8")
    assert "<h2>Task T2 <small class='meta'>(slider_reducer" in page
    assert "<p class='question'>How sure are you?</p>" in page
    table = page.split("Widest spread first")[1]
    assert table.index(f">{widest[0][0]}<") < table.index(f">{widest[-1][0]}<")
    assert "<h2>Other results" not in page  # plotted, no longer listed under "Other results"
    assert "<li>slider_reducer_reductions.csv: " in page.split("<h2>Results written")[1]


def test_transcribed_lines_are_drawn_with_their_consensus_text(run_cli: RunCli, tmp_path: Path) -> None:
    """many_tools 458031: one volunteer underlined three features, typing Ear, Eyes, Ear."""
    from matplotlib.figure import Figure

    from zooagg.report.plots import label_lines

    result = run_cli(["run", DATA / "consensus" / "many_tools.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    run = load_run(tmp_path / "out" / "workflow_21790")
    lines = next(d for d in run.drawings if d.task == "T5")
    axes = Figure().subplots()
    label_lines(axes, lines.clusters["458031"])
    assert sorted(t.get_text() for t in axes.texts) == ["Ear", "Ear", "Eyes"]
