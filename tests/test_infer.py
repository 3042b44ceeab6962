"""Task types inferred from classification exports that come without a workflow export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA, RunCli, classification_row, read_rows, write_export

from zooagg.configure.config import load_extractor_config, load_reducer_config
from zooagg.configure.groups import versions_in
from zooagg.configure.infer import infer_workflow
from zooagg.configure.workflow import DrawingTask

INFER = DATA / "infer"

#: (file, workflow id, task -> inferred type); drawing tasks list tool=shape(+sub-task types)
EXPECTED = [
    ("building_blocks.csv", 371, {"T1": "drawing:0=point,4=point+single,5=point+multiple", "T2": "single",
                                  "T3": "drawing:0=point,5=point", "T4": "single", "T5": "single"}),
    ("building_blocks.csv", 1187, {"T0": "survey"}),
    ("building_blocks.csv", 1962, {"T3": "drawing:2=point,4=point", "T5": "single"}),
    ("building_blocks.csv", 3130, {"T1": "drawing:0=circle,1=circle,2=circle", "T2": "single"}),
    ("building_blocks.csv", 4759, {"T1": "drawing:0=point+multiple/text/text/text,1=point+multiple/text/text/text",
                                   "T2": "multiple",
                                   "T3": "drawing:0=fullWidthLine,1=fullHeightLine,2=bezier,3=polygon,4=polygon+single"}),
    ("building_blocks.csv", 4870, {"T0": "drawing:0=rectangle+text,1=rectangle+text", "T1": "text",
                                   "T2": "drawing:0=rectangle+text/text"}),
    ("building_blocks.csv", 4994, {"T0": "survey"}),
    ("camcat.csv", 2672, {"T0": "survey"}),
    ("fossil_finder.csv", 371, {"T1": "drawing:0=point,3=point,5=point+multiple", "T2": "single",
                                "T3": "drawing:0=point,2=point,3=point,5=point", "T4": "single", "T5": "single"}),
    ("fossil_finder.csv", 1962, {"T3": "drawing:0=point,2=point,4=point", "T5": "single"}),
    ("gorongosa.csv", 2649, {"T1": "survey"}),
    ("kenya.csv", 2030, {"T0": "multiple", "T1": "multiple", "T2": "drawing:0=rectangle", "T3": "survey",
                         "T4": "single", "T5": "shortcut"}),
    ("kenya.csv", 3461, {"T0": "drawing:0=circle"}),
    ("kitteh.csv", 28090, {"T0": "drawing:0=freehandLine,1=polygon"}),
    ("many_tools.csv", 21790, {"T0": "single", "T1": "text", "T2": "drawing:0=point+text", "T3": "drawing:0=circle",
                               "T4": "drawing:0=rectangle", "T5": "drawing:0=line+text"}),
    ("michigan.csv", 2276, {"T2": "single", "T3": "survey"}),
    ("nfn.csv", 1931, {"T1": "dropdown", "T2": "text", "T3": "text", "T4": "text", "T6": "text", "T7": "text",
                       "T8": "dropdown", "T9": "dropdown", "T10": "dropdown", "T5": "combo:T2,T3,T4",
                       "T11": "combo:T6,T7,T8,T9,T10"}),
    ("survey_building_blocks.csv", 4994, {"T0": "survey"}),
]


def described(file: str, workflow_id: int) -> dict[str, str]:
    inference = infer_workflow(INFER / file, workflow_id)
    out: dict[str, str] = {}
    for key, task in inference.tasks.items():
        if isinstance(task, DrawingTask):
            out[key] = "drawing:" + ",".join(
                f"{tool.index}={tool.type}" + ("+" + "/".join(d.type for d in tool.details) if tool.details else "")
                for tool in task.tools)
        else:
            out[key] = task.type
    out.update({key: "combo:" + ",".join(children) for key, children in inference.combos.items()})
    return out


@pytest.mark.parametrize(("file", "workflow_id", "expected"), EXPECTED,
                         ids=[f"{f.removesuffix('.csv')}-{w}" for f, w, _ in EXPECTED])
def test_inferred_types(file: str, workflow_id: int, expected: dict[str, str]) -> None:
    assert described(file, workflow_id) == expected


def test_every_workflow_of_every_file_is_covered() -> None:
    covered = {(f, w) for f, w, _ in EXPECTED}
    present = {(p.name, w) for p in INFER.glob("*.csv") for w in versions_in(p)}
    assert present == covered


def test_config_from_classifications(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", INFER / "many_tools.csv", "21790", "-d", "out"], tmp_path)
    assert result.code == 0, result.err
    assert "T5: drawing tools 0=line+details[text]" in result.out
    out = tmp_path / "out"
    extractor = out / "Extractor_config_workflow_21790_V49.45.yaml"
    text = extractor.read_text(encoding="utf-8")
    assert text.startswith("# INFERRED by zooagg from the classification export many_tools.csv\n")
    doc = yaml.safe_load(text)
    assert doc["inferred"] is True
    assert doc["workflow_version"] == {"min": "36.23", "max": "49.45"}
    assert doc["extractor_config"]["question_extractor"] == [{"task": "T0"}]
    assert doc["extractor_config"]["shape_extractor_circle"][0]["task"] == "T3"
    config = load_extractor_config(extractor)  # the loader ignores the marker
    assert config.workflow_id == 21790
    for path in out.glob("Reducer_config_*.yaml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["inferred"] is True
        if "text_extractor" not in path.name:
            load_reducer_config(path)
    labels = yaml.safe_load((out / "Task_labels_workflow_21790_V49.45.yaml").read_text(encoding="utf-8"))
    assert labels["T3.tools.0.label"] == "Nose"
    assert "inferred" not in labels


def test_inferred_config_extracts(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["config", "--from-classifications", INFER / "kenya.csv", "2030"], tmp_path).code == 0
    result = run_cli(["extract", INFER / "kenya.csv", "Extractor_config_workflow_2030_V72.59.yaml", "-hb"], tmp_path)
    assert result.code == 0, result.err
    rows = read_rows(tmp_path / "survey_extractor_extractions.csv")
    assert {r["task"] for r in rows} == {"T3"}


def test_version_flags_select_classifications(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", INFER / "kenya.csv", "2030", "-v", "27.36"], tmp_path)
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "Extractor_config_workflow_2030_V27.36.yaml").read_text(encoding="utf-8"))
    assert doc["workflow_version"] == "27.36"


def test_unknown_workflow_is_one_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", INFER / "kenya.csv", "99"], tmp_path)
    assert result.code == 2
    assert result.err_lines == [f"Error: file {INFER / 'kenya.csv'}, value 99: no classifications of workflow 99 "
                                "(workflow ids in this export: 2030, 3461)"]


def shapes(annotations: list[dict[str, Any]], tmp_path: Path) -> dict[str, str]:
    rows = [classification_row(i, annotations, subject_id=100 + i) for i in range(2)]
    export = write_export(tmp_path / "export.csv", rows)
    return {k: t.type for k, t in infer_workflow(export, 1).tasks.items()}


def test_answer_shapes(tmp_path: Path) -> None:
    annotations: list[dict[str, Any]] = [
        {"task": "T0", "task_label": "Q?", "value": "Yes"},
        {"task": "T1", "task_label": "Which?", "value": ["a", "b"]},
        {"task": "T2", "task_label": None, "value": ["Nothing here"]},
        {"task": "T3", "value": "free text", "task_label": "Write"},
        {"task": "T4", "value": "0.35"},
        {"task": "T5", "value": [{"select_label": "Country", "option": True, "value": "840", "label": "USA"}]},
        {"task": "T6", "value": {"select_label": "Country", "option": True, "value": "840", "label": "USA"}},
        {"task": "T7", "value": [{"choice": "LION", "answers": {}, "filters": {}}]},
        {"task": "T8", "taskType": "highlighter", "value": [{"start": 0, "end": 3, "text": "abc"}]},
        {"task": "T9", "task_label": "Draw", "value": [{"toolIndex": 0, "toolType": "ellipse", "x": 1, "y": 2,
                                                        "rx": 3, "ry": 4, "angle": 0}]},
        {"task": "T10", "task_label": "Q?", "value": None},
    ]
    assert shapes(annotations, tmp_path) == {
        "T0": "single", "T1": "multiple", "T2": "shortcut", "T3": "text", "T4": "slider", "T5": "dropdown",
        "T6": "dropdown", "T7": "survey", "T8": "highlighter", "T9": "drawing",
    }
