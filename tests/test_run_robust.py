"""`zooagg run` never gives up on a project: polygon tools with sub-tasks are configured so the
run goes on, and every workflow of a project runs."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import DATA

INFER = DATA / "infer"


def manifest_of(out: Path) -> dict[str, object]:
    return json.loads((out / "zooagg-run.json").read_text(encoding="utf-8"))


def test_polygon_tool_with_a_sub_task_runs(run_cli, tmp_path: Path) -> None:
    """dd-building-blocks 4759: a polygon tool with a question under it; polygon_reducer takes no
    `details`, so the reducer config leaves them out instead of stopping the run."""
    result = run_cli(["run", INFER / "building_blocks.csv", "4759", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    folder = tmp_path / "out" / "workflow_4759"
    (config,) = folder.glob("Reducer_config_workflow_4759_*_polygon_extractor.yaml")
    assert yaml.safe_load(config.read_text(encoding="utf-8"))["reducer_config"] == {"polygon_reducer": {}}
    assert list(folder.glob("polygon_reducer_reductions*.csv"))


def test_every_project_workflow_runs(run_cli, tmp_path: Path) -> None:
    result = run_cli(["run", INFER / "building_blocks.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    runs = manifest_of(tmp_path / "out")["runs"]
    assert sorted(r["workflow_id"] for r in runs) == [371, 1187, 1962, 3130, 4759, 4870, 4994]  # type: ignore[union-attr,index]
    assert all(r["consensus"] for r in runs)  # type: ignore[union-attr,index]
