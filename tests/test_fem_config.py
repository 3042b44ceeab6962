"""`config` and `config --from-classifications` for FEM workflows: sub-task keys, FEM-only
tools and task types. The fixtures are `data/fem/birds_*` (built from the front-end sources,
see `data/fem/make_fixtures.py`) and `data/infer/kitteh.csv` (rows of the real kitteh-zoo
FEM export)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import DATA, RunCli, classification_row, read_rows, write_export

from zooagg.configure.infer import infer_workflow

FEM = DATA / "fem"


def test_flattened_sub_task_answers_are_sub_tasks_of_their_drawing_task() -> None:
    inference = infer_workflow(FEM / "birds_classifications.csv", 9001)
    assert sorted(inference.tasks) == ["T0", "T1"]  # no T0.0.0, T0.0.1 or T0.1.0 task
    assert inference.summary() == [
        "T0: drawing tools 0=point+details[single,dropdown], 1=rectangle+details[text] (4 annotations, 0 empty)",
        "T1: dropdown (4 annotations, 0 empty)",
    ]
    assert inference.front_ends == {"fem": 4}


def test_kitteh_is_read_as_fem(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", DATA / "infer" / "kitteh.csv", "28090"], tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / "Extractor_config_workflow_28090_V13.16.yaml").read_text(encoding="utf-8")
    assert "# front ends: FEM (2.0) 2);\n" in text
    assert yaml.safe_load(text)["extractor_config"] == {
        "polygon_extractor": [{"details": {}, "task": "T0", "tools": [0, 1]}]}


def configs(folder: Path) -> dict[str, object]:
    """Every YAML file `config` wrote, by name, without the version suffix."""
    return {p.name.replace("_workflow_9001_V3.1", ""): yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.yaml"))}


POINT_DETAILS = {"T0_toolIndex0_subtask0": "question_extractor", "T0_toolIndex0_subtask1": "dropdown_extractor"}


def test_config_from_a_fem_workflow_export_writes_both_key_forms(run_cli: RunCli, tmp_path: Path) -> None:
    """The workflow export cannot say which front end classified: sub-tasks get the classic
    list and one FEM key each; FEM-only tools and task types are configured, not warned about."""
    result = run_cli(["config", FEM / "birds_workflows.csv", "9001", "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    assert "warning" not in result.err
    written = configs(tmp_path)
    assert written["Extractor_config.yaml"]["extractor_config"] == {  # type: ignore[index]
        "dropdown_extractor": [{"task": "T1"}],
        "point_extractor_by_frame": [{"task": "T0", "tools": [0], "details": {
            "T0_tool0": ["question_extractor", "dropdown_extractor"], **POINT_DETAILS}}],
        "shape_extractor_rectangle": [{"task": "T0", "tools": [1], "shape": "rectangle", "details": {
            "T0_tool1": ["text_extractor"], "T0_toolIndex1_subtask0": "text_extractor"}}],
        "shape_extractor_temporalPoint": [{"task": "T0", "tools": [2], "shape": "temporalPoint", "details": {}}],
        "shape_extractor_temporalRotateRectangle": [{"task": "T0", "tools": [3], "shape": "temporalRotateRectangle",
                                                     "details": {}}],
        "shape_extractor_column": [{"task": "T2", "tools": [0], "shape": "column", "details": {}}],  # graph2dRangeX
        "text_extractor": [{"task": "T3"}],  # textFromSubject
    }
    reducers = {name: doc["reducer_config"] for name, doc in written.items()  # type: ignore[index]
                if name.startswith("Reducer")}
    assert reducers == {
        "Reducer_config_dropdown_extractor.yaml": {"dropdown_reducer": {}},
        "Reducer_config_point_extractor_by_frame.yaml": {"point_reducer_dbscan": {"details": {
            "T0_tool0": ["question_reducer", "dropdown_reducer"],
            "T0_toolIndex0_subtask0": "question_reducer", "T0_toolIndex0_subtask1": "dropdown_reducer"}}},
        "Reducer_config_shape_extractor_rectangle.yaml": {"shape_reducer_dbscan": {"shape": "rectangle", "details": {
            "T0_tool1": ["text_reducer"], "T0_toolIndex1_subtask0": "text_reducer"}}},
        "Reducer_config_shape_extractor_temporalPoint.yaml": {"temporal_point_reducer_dbscan": {}},
        "Reducer_config_shape_extractor_temporalRotateRectangle.yaml": {
            "shape_reducer_dbscan": {"shape": "temporalRotateRectangle"}},
        "Reducer_config_shape_extractor_column.yaml": {"shape_reducer_dbscan": {"shape": "column"}},
        "Reducer_config_text_extractor.yaml": {"text_reducer": {}},
    }


def test_the_written_config_keeps_the_fem_sub_task_answers(run_cli: RunCli, tmp_path: Path) -> None:
    """Extract and reduce the fixture with the config `config` wrote: the per-cluster sub-task
    votes are the hand-worked ones of test_fem_subtasks.py (cluster 0: two adults, one juvenile,
    three wrens; cluster 1: three juveniles, two tits and a robin)."""
    assert run_cli(["config", FEM / "birds_workflows.csv", "9001", "-d", tmp_path], tmp_path).code == 0
    extract = run_cli(["extract", FEM / "birds_classifications.csv", "Extractor_config_workflow_9001_V3.1.yaml"],
                      tmp_path)
    assert extract.code == 0, extract.err
    # the written reducer config with the clustering parameters of this small subject
    written = yaml.safe_load((tmp_path / "Reducer_config_workflow_9001_V3.1_point_extractor_by_frame.yaml")
                             .read_text(encoding="utf-8"))
    written["reducer_config"]["point_reducer_dbscan"].update(eps=5, min_samples=2)
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(written))
    reduce = run_cli(["reduce", "point_extractor_by_frame_extractions.csv", "r.yaml"], tmp_path)
    assert reduce.code == 0, reduce.err
    (row,) = read_rows(tmp_path / "point_reducer_dbscan_reductions.csv")
    assert row["data.frame0.T0_toolIndex0_subtask0_clusters"] == "[{'0': 2, '1': 1}, {'1': 3}]"
    assert row["data.frame0.T0_toolIndex0_subtask1_clusters"] == \
        "[{'value': [{'1': 3}]}, {'value': [{'2': 2, '0': 1}]}]"


def test_config_from_fem_classifications_writes_fem_keys_only(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", "--from-classifications", FEM / "birds_classifications.csv", "9001"], tmp_path)
    assert result.code == 0, result.err
    written = configs(tmp_path)
    assert written["Extractor_config.yaml"]["extractor_config"] == {  # type: ignore[index]
        "dropdown_extractor": [{"task": "T1"}],
        "point_extractor_by_frame": [{"task": "T0", "tools": [0], "details": POINT_DETAILS}],
        "shape_extractor_rectangle": [{"task": "T0", "tools": [1], "shape": "rectangle",
                                       "details": {"T0_toolIndex1_subtask0": "text_extractor"}}],
    }
    assert written["Reducer_config_point_extractor_by_frame.yaml"]["reducer_config"] == {  # type: ignore[index]
        "point_reducer_dbscan": {"details": {"T0_toolIndex0_subtask0": "question_reducer",
                                             "T0_toolIndex0_subtask1": "dropdown_reducer"}}}


def test_config_from_mixed_classifications_writes_both(run_cli: RunCli, tmp_path: Path) -> None:
    """One classic and one FEM classification of a point tool with a single-question sub-task."""
    classic = classification_row(1, [{"task": "T0", "task_label": "Mark", "value": [
        {"x": 1, "y": 2, "tool": 0, "frame": 0, "tool_label": "Bird", "details": [{"value": 1}]}]}])
    fem = classification_row(2, [{"task": "T0", "task_label": "Mark", "value": [
        {"x": 3, "y": 4, "toolIndex": 0, "toolType": "point", "frame": 0, "tool_label": "Bird",
         "details": [{"task": "T0.0.0"}]}]},
        {"task": "T0.0.0", "taskType": "single", "markIndex": 0, "value": 0}])
    fem["metadata"] = json.dumps({"classifier_version": "2.0"})
    export = write_export(tmp_path / "mixed.csv", [classic, fem])
    result = run_cli(["config", "--from-classifications", export, "1"], tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / "Extractor_config_workflow_1_V1.1.yaml").read_text(encoding="utf-8")
    assert "# front ends: classic (1.x) 1, FEM (2.0) 1);\n" in text
    assert yaml.safe_load(text)["extractor_config"] == {"point_extractor_by_frame": [{
        "task": "T0", "tools": [0],
        "details": {"T0_tool0": ["question_extractor"], "T0_toolIndex0_subtask0": "question_extractor"}}]}
