"""`zooagg run` never gives up on a project: files and ids in any number and order, one output
layout, a failing workflow recorded while the others run, inference split where a tool changes
shape, and polygon tools with sub-tasks configured so the run goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from conftest import DATA, RunCli, classification_row, read_rows, write_export

INFER = DATA / "infer"
SLSN = DATA / "slsn_cls_export.csv"
WORKFLOWS = DATA / "slsn_wf_export.csv"


def manifest_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "zooagg-run.json").read_text(encoding="utf-8"))


def test_one_export_and_two_workflow_ids(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "building_blocks.csv", "4870", "4994", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["workflow_4870", "workflow_4994",
                                                                    "zooagg-run.json"]
    assert (tmp_path / "out" / "workflow_4994" / "consensus_workflow_4994.csv").exists()


def test_exports_and_id_in_any_order_give_one_layout(run_cli: RunCli, tmp_path: Path) -> None:
    listings: list[list[str]] = []
    for order in ([WORKFLOWS, SLSN, "10"], [SLSN, WORKFLOWS, "10"], ["10", SLSN, WORKFLOWS], [SLSN, WORKFLOWS]):
        out = tmp_path / f"out{len(listings)}"
        result = run_cli(["run", *order, "-d", out, "-hb"], tmp_path)
        assert result.code == 0, result.err
        listings.append(sorted(str(p.relative_to(out)) for p in out.rglob("*")))
        assert manifest_of(out)["runs"][0]["folder"] == "workflow_10"
    assert all(listing == listings[0] for listing in listings)
    assert "workflow_10/consensus_workflow_10.csv" in listings[0]
    assert "workflow_10/question_reducer_reductions.csv" in listings[0]


def test_polygon_tool_with_a_sub_task_runs(run_cli: RunCli, tmp_path: Path) -> None:
    """dd-building-blocks 4759: a polygon tool with a question under it; polygon_reducer takes no
    `details`, so the reducer config leaves them out instead of stopping the run."""
    result = run_cli(["run", INFER / "building_blocks.csv", "4759", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    folder = tmp_path / "out" / "workflow_4759"
    (config,) = folder.glob("Reducer_config_workflow_4759_*_polygon_extractor.yaml")
    assert yaml.safe_load(config.read_text(encoding="utf-8"))["reducer_config"] == {"polygon_reducer": {}}
    assert (folder / "polygon_reducer_reductions.csv").exists() or \
        list(folder.glob("polygon_reducer_reductions_*.csv"))


def test_every_project_workflow_runs(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "building_blocks.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    runs = manifest_of(tmp_path / "out")["runs"]
    assert sorted(r["workflow_id"] for r in runs) == [371, 1187, 1962, 3130, 4759, 4870, 4994]
    assert all(r["consensus"] and "error" not in r for r in runs)


def failing_export(tmp_path: Path) -> Path:
    """Workflow 1 is fine; workflow 2 has a row whose annotations are not JSON."""
    rows = [classification_row(i, [{"task": "T0", "task_label": "Cat?", "value": "Yes"}], subject_id=100 + i,
                               workflow_id=1) for i in range(1, 4)]
    rows.append(classification_row(10, [{"task": "T0", "task_label": "Dog?", "value": "No"}], subject_id=200,
                                   workflow_id=2))
    rows.append(classification_row(11, "[{not json", subject_id=201, workflow_id=2))
    return write_export(tmp_path / "two.csv", rows)


def test_a_failing_workflow_is_recorded_and_the_others_run(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", failing_export(tmp_path), "-d", "out", "-hb", "--strict"], tmp_path)
    assert result.code == 1
    assert result.err_lines[-1].startswith("Error: 1 of 2 workflow run(s) failed: workflow 2 (")
    manifest = manifest_of(tmp_path / "out")
    first, second = manifest["runs"]
    assert first["workflow_id"] == 1
    assert "error" not in first
    assert first["consensus"] == "consensus_workflow_1.csv"
    assert second["workflow_id"] == 2
    assert second["reductions"] == []
    assert second["consensus"] is None
    assert "row 11" in second["error"]
    assert "\n" not in second["error"]
    assert manifest["failed"] == [{"workflow_id": 2, "folder": "workflow_2", "error": second["error"]}]
    assert (tmp_path / "out" / "workflow_1" / "consensus_workflow_1.csv").exists()


def test_inference_splits_where_a_tool_changes_shape(run_cli: RunCli, tmp_path: Path) -> None:
    """Kenya's T2 drew rectangles up to version 58.48 and circles from 62.49 on."""
    result = run_cli(["run", INFER / "kenya.csv", "2030", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    runs = manifest_of(tmp_path / "out")["runs"]
    assert [(r["versions"], r["folder"]) for r in runs] == [
        (["27.36", "55.46"], "workflow_2030/V55.46"), (["62.49", "72.59"], "workflow_2030/V72.59")]
    early = tmp_path / "out" / "workflow_2030" / "V55.46"
    late = tmp_path / "out" / "workflow_2030" / "V72.59"
    assert list(early.glob("*shape_extractor_rectangle*.yaml")) or "rectangle" in \
        next(early.glob("Extractor_config_*.yaml")).read_text(encoding="utf-8")
    assert "circle" in next(late.glob("Extractor_config_*.yaml")).read_text(encoding="utf-8")
    assert (late / "consensus_workflow_2030_V72.59.csv").exists()
    # of the sample's 7 T2 marks, 3 rectangles have only x and y (the 97 of 101 in the
    # whole export): each is counted and written to the rejects file, none silently lost
    assert "0 rejected, 3 marks dropped" in result.out
    rejects = read_rows(early / "extractions_rejects.csv")
    assert len(rejects) == 3
    assert all("has no width, height: mark dropped" in r["reason"] for r in rejects)
    assert "0 rejected, 0 marks dropped" in result.out  # the circles (V72.59) are all complete
