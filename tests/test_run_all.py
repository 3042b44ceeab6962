"""`zooagg run` on a project's exports: every workflow, configured per version present."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import DATA, RunCli, read_rows

from zooagg.configure.groups import plan_groups
from zooagg.exports.workflows import WorkflowVersion, read_workflows

SLSN = DATA / "slsn_cls_export.csv"
WORKFLOWS = DATA / "slsn_wf_export.csv"
INFER = DATA / "infer"


def test_the_three_argument_form_writes_the_project_layout(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", WORKFLOWS, SLSN, "10", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["workflow_10", "zooagg-run.json"]
    assert sorted(p.name for p in (out / "workflow_10").iterdir()) == [
        "Extractor_config_workflow_10_V16.55.yaml", "Reducer_config_workflow_10_V16.55_question_extractor.yaml",
        "Task_labels_workflow_10_V16.55.yaml", "consensus_workflow_10.csv", "question_extractor_extractions.csv",
        "question_reducer_reductions.csv",
    ]


def test_project_exports_in_any_order(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", SLSN, WORKFLOWS, DATA / "kitteh_subjects.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    folder = tmp_path / "out" / "workflow_10"
    assert len(read_rows(folder / "question_reducer_reductions.csv")) == 14
    manifest = json.loads((tmp_path / "out" / "zooagg-run.json").read_text(encoding="utf-8"))
    assert manifest["subjects"].endswith("kitteh_subjects.csv")
    assert manifest["runs"] == [{"workflow_id": 10, "versions": ["16.55", "16.55"], "inferred": False,
                                 "folder": "workflow_10", "classifications": 7,
                                 "reductions": ["question_reducer_reductions.csv"], "weighted": [],
                                 "consensus": "consensus_workflow_10.csv"}]
    assert "# INFERRED" not in (folder / "Extractor_config_workflow_10_V16.55.yaml").read_text(encoding="utf-8")


def test_every_workflow_without_a_workflow_export(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "kenya.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["workflow_2030", "workflow_3461", "zooagg-run.json"]
    # T2 drew rectangles, then circles from 62.49: two version ranges, each inferred on its own
    reductions = read_rows(out / "workflow_2030" / "V72.59" / "survey_reducer_reductions.csv")
    assert {r["task"] for r in reductions} == {"T3"}
    assert (out / "workflow_2030" / "V72.59" / "shortcut_reducer_reductions.csv").exists()
    manifest = json.loads((out / "zooagg-run.json").read_text(encoding="utf-8"))
    assert [(r["workflow_id"], r["inferred"]) for r in manifest["runs"]] == [(2030, True), (2030, True),
                                                                                (3461, True)]
    assert [r["versions"] for r in manifest["runs"][:2]] == [["27.36", "55.46"], ["62.49", "72.59"]]


def test_named_workflows_only(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "kenya.csv", "3461", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["workflow_3461", "zooagg-run.json"]


def test_unknown_workflow_is_one_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "kenya.csv", "77", "-d", "out"], tmp_path)
    assert result.code == 2
    assert result.err_lines == [f"Error: file {INFER / 'kenya.csv'}, value 77: no classifications of workflow 77 "
                                "(workflow ids in this export: 2030, 3461)"]


def test_no_classification_export_is_one_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", WORKFLOWS, DATA / "kitteh_subjects.csv", "-d", "out"], tmp_path)
    assert result.code == 2
    assert result.err_lines == ["Error: no classification export given (zooagg run CLASSIFICATION_CSV "
                                "[WORKFLOW_CSV] [SUBJECT_CSV] [WORKFLOW_ID]...)"]


def test_versions_with_the_same_config_run_together() -> None:
    rows = read_workflows(WORKFLOWS)
    groups = plan_groups({10: Counter({(14, 52): 1, (15, 55): 3, (16, 55): 4})}, [10], rows)
    assert [(g.low, g.high, g.rows, g.inferred) for g in groups] == [("14.52", "16.55", 8, False)]


def test_versions_with_other_tasks_run_apart() -> None:
    question = {"type": "single", "question": "q", "answers": [{"label": "a"}]}
    rows = [WorkflowVersion(5, (1, 0), "w", {"T0": question}, {}),
            WorkflowVersion(5, (2, 0), "w", {"T0": question, "T1": question}, {})]
    groups = plan_groups({5: Counter({(1, 0): 2, (1, 3): 1, (2, 0): 5}), 6: Counter({(1, 1): 1})}, [5, 6], rows)
    assert [(g.workflow_id, g.low, g.high, g.inferred) for g in groups] == [
        (5, "1.0", "1.3", False), (5, "2.0", "2.0", False), (6, "1.1", "1.1", True)]


def test_the_library_run_returns_its_manifest_and_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zooagg import run

    manifest = run.run_project([str(SLSN), str(WORKFLOWS)], tmp_path)
    assert capsys.readouterr().out == ""
    assert manifest == json.loads((tmp_path / "zooagg-run.json").read_text(encoding="utf-8"))
    assert manifest["workflows"] == str(WORKFLOWS.resolve())
    assert manifest["subjects"] is None
    assert manifest["runs"] == [{"workflow_id": 10, "versions": ["16.55", "16.55"], "inferred": False,
                                 "folder": "workflow_10", "classifications": 7,
                                 "reductions": ["question_reducer_reductions.csv"], "weighted": [],
                                 "consensus": "consensus_workflow_10.csv"}]
    assert len(read_rows(tmp_path / "workflow_10" / "question_reducer_reductions.csv")) == 14
