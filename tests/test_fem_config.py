"""`config` and `config --from-classifications` for FEM workflows: sub-task keys, FEM-only
tools and task types. The fixtures are `data/fem/birds_*` (built from the front-end sources,
see `data/fem/make_fixtures.py`) and `data/infer/kitteh.csv` (rows of the real kitteh-zoo
FEM export)."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import DATA

from zooagg.infer import infer_workflow

FEM = DATA / "fem"


def test_flattened_sub_task_answers_are_sub_tasks_of_their_drawing_task() -> None:
    inference = infer_workflow(FEM / "birds_classifications.csv", 9001)
    assert sorted(inference.tasks) == ["T0", "T1"]  # no T0.0.0, T0.0.1 or T0.1.0 task
    assert inference.summary() == [
        "T0: drawing tools 0=point+details[single,dropdown], 1=rectangle+details[text] (4 annotations, 0 empty)",
        "T1: dropdown (4 annotations, 0 empty)",
    ]
    assert inference.front_ends == {"fem": 4}


def test_kitteh_is_read_as_fem(run_cli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", DATA / "infer" / "kitteh.csv", "28090"], tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / "Extractor_config_workflow_28090_V13.16.yaml").read_text(encoding="utf-8")
    assert "# front ends: FEM (2.0) 2);\n" in text
    assert yaml.safe_load(text)["extractor_config"] == {
        "polygon_extractor": [{"details": {}, "task": "T0", "tools": [0, 1]}]}
