"""The report does not flatter: agreement only where two or more classifications were counted,
ties flagged, text with its consensus score, transcription lines drawn, eps that is too small
named, and every result file listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, RunCli, classification_row, write_export

from zooagg.report.data import load_run

pytest.importorskip("matplotlib")


def few_votes_export(tmp_path: Path) -> Path:
    """100: one classification; 200: Yes and No (a tie); 300: Yes x3; 400: one volunteer twice."""
    votes = {100: [("a", "Yes")], 200: [("a", "Yes"), ("b", "No")], 300: [("a", "Yes"), ("b", "Yes"), ("c", "Yes")],
             400: [("a", "No"), ("a", "Yes")]}
    rows = []
    for subject, answers in votes.items():
        for i, (user, answer) in enumerate(answers):
            rows.append(classification_row(subject * 10 + i, [{"task": "T0", "task_label": "Cat?", "value": answer}], subject_id=subject,
                                           user_name=user, user_id=str(ord(user)),
                                           created_at=f"2024-01-0{1 + i} 10:00:00 UTC"))
    return write_export(tmp_path / "few.csv", rows)


def test_agreement_counts_only_subjects_with_two_classifications(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["run", few_votes_export(tmp_path), "-d", "out", "-hb"], tmp_path).code == 0
    assert run_cli(["report", "out"], tmp_path).code == 0
    (task,) = load_run(tmp_path / "out" / "workflow_1").votes
    # 400's repeat is filtered out, so it has one counted classification like 100
    assert {s.subject: s.classifications for s in task.subjects} == {"100": 1, "200": 2, "300": 3, "400": 1}
    assert [s.subject for s in task.counted()] == ["200", "300"]
    assert (task.agreement, task.fewer(), task.ties()) == (0.5, 2, 1)
    page = (tmp_path / "out" / "workflow_1" / "report_workflow_1.html").read_text(encoding="utf-8")
    summary = page.split("Volunteers per day")[0]
    assert "<td class='num'>2</td><td class='num'>50%</td><td class='num'>1</td><td class='num'>2</td>" in summary
    least = page.split("Least agreement first")[1]
    assert ">100<" not in least
    assert ">400<" not in least
    assert "<td class='low'>tie</td>" in least.split(">200<")[1].split("</tr>")[0]
    assert "2 subject(s) with fewer than 2 classifications are left out" in least


def test_text_transcription_eps_and_every_file(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["run", DATA / "consensus" / "many_tools.csv", "-d", "out", "-hb"], tmp_path).code == 0
    assert run_cli(["report", "out"], tmp_path).code == 0
    folder = tmp_path / "out" / "workflow_21790"
    run = load_run(folder)
    (text,) = run.texts
    assert [(t.subject, t.text, t.score, t.views) for t in text.lowest()] == [
        ("458021", "sleeping", 1.0, 2), ("458022", "1", 4.0, 4), ("458031", "1", 4.0, 4)]
    lines = next(d for d in run.drawings if d.task == "T5")
    # one volunteer underlined three features on 458031: drawn as paths, listed with their text
    assert [len(m) for m in lines.marks["458031"] if m] == [3]
    assert sorted(t.text for t in lines.texts) == ["Ear", "Ear", "Eyes"]
    rectangles = next(d for d in run.drawings if d.task == "T4")
    assert rectangles.unclustered() == ["458021", "458022", "458031"]
    page = (folder / "report_workflow_21790.html").read_text(encoding="utf-8")
    t4 = page.split("<h2>Task T4")[1].split("<h2>")[0]
    assert "3 of 3 subjects marked in 2+ classifications have <b>no consensus mark</b>" in t4
    assert "with eps = 5.0" in t4
    t1 = page.split("<h2>Task T1")[1].split("<h2>")[0]
    assert "<td>sleeping</td><td class='num'>1</td>" in t1
    t5 = page.split("<h2>Task T5")[1].split("<h2>")[0]
    assert "Transcribed lines, lowest consensus score first" in t5
    assert "<td>Eyes</td>" in t5
    written = page.split("<h2>Results written")[1]
    for name in ("consensus_workflow_21790.csv", "question_reducer_reductions.csv", "text_reducer_reductions.csv",
                 "poly_line_text_reducer_reductions.csv", "point_reducer_dbscan_reductions.csv",
                 "shape_reducer_dbscan_reductions_shape_extractor_circle.csv",
                 "shape_reducer_dbscan_reductions_shape_extractor_rectangle.csv"):
        assert f"<li>{name}: 3 rows</li>" in written
