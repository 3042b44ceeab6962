"""`zooagg config`: the peer's files byte for byte, plus what the peer cannot do.

tests/data/peer_config/ holds what panoptes_aggregation 5.3.1 wrote for
`panoptes_aggregation config slsn_wf_export.csv 10` (run once, files committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import DATA, RunCli

from zooagg import registry

WORKFLOWS = DATA / "slsn_wf_export.csv"
PEER = DATA / "peer_config"
NAMES = ["Extractor_config_workflow_10_V16.55.yaml", "Reducer_config_workflow_10_V16.55_question_extractor.yaml",
         "Task_labels_workflow_10_V16.55.yaml"]


def test_config_matches_the_peer_byte_for_byte(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", WORKFLOWS, "10", "-d", tmp_path / "out"], tmp_path)
    assert result.code == 0, result.err
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(NAMES) == sorted(p.name for p in PEER.iterdir())
    for name in NAMES:
        assert (tmp_path / "out" / name).read_bytes() == (PEER / name).read_bytes(), name
    assert f"Saving Extractor config to:\n{tmp_path / 'out' / NAMES[0]}" in result.out


def test_config_defaults_to_the_current_folder(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", WORKFLOWS, "10"], tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == sorted(NAMES)


def test_keywords_put_pairs_into_the_reducer_config(run_cli: RunCli, tmp_path: Path) -> None:
    # the peer puts every -k keyword into the extractor config, where question_extractor has no `pairs`
    result = run_cli(["config", WORKFLOWS, "10", "-k", '{"T0": {"pairs": true}}', "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    reducer = yaml.safe_load((tmp_path / NAMES[1]).read_text(encoding="utf-8"))
    assert reducer == {"reducer_config": {"question_reducer": {"pairs": True}}}
    extractor = (tmp_path / NAMES[0]).read_bytes()
    assert extractor == (PEER / NAMES[0]).read_bytes()  # untouched: no pairs in it


def test_keywords_for_the_extractor_stay_in_the_extractor_config(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["config", WORKFLOWS, "10", "-k", '{"T1": {"no_version": true}}', "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    extractor = yaml.safe_load((tmp_path / NAMES[0]).read_text(encoding="utf-8"))
    assert extractor["extractor_config"] == {"question_extractor": [{"task": "T0"},
                                                                    {"task": "T1", "no_version": True}]}
    reducer = yaml.safe_load((tmp_path / NAMES[1]).read_text(encoding="utf-8"))
    assert reducer == {"reducer_config": {"question_reducer": {}}}


@pytest.mark.parametrize(("max_version", "chosen"), [("15", "15.55"), ("14", "14.55")])
def test_major_only_max_version_includes_its_minors(run_cli: RunCli, tmp_path: Path, max_version: str,
                                                    chosen: str) -> None:
    # the peer does not raise a major-only max in `config`: --max_version 15 gives it 14.55, and
    # --max_version 14 fails ("combination does not exist") although 14.52 .. 14.55 exist
    result = run_cli(["config", WORKFLOWS, "10", "--max_version", max_version, "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    path = tmp_path / f"Extractor_config_workflow_10_V{chosen}.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert config["workflow_version"] == {"max": max_version}
    assert config["workflow_id"] == 10
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == [
        f"Extractor_config_workflow_10_V{chosen}.yaml",
        f"Reducer_config_workflow_10_V{chosen}_question_extractor.yaml",
        f"Task_labels_workflow_10_V{chosen}.yaml",
    ]


@pytest.mark.parametrize(("flags", "written", "chosen"), [
    (["-v", "14"], "'14'", "14.55"),
    (["-v", "14.53"], "'14.53'", "14.53"),
    (["--min_version", "14.54", "--max_version", "15.55"], "\n    max: '15.55'\n    min: '14.54'", "15.55"),
    (["-v", "14", "--min_version", "15.1"], "\n    min: '15.1'", "16.55"),  # --min/--max override -v
])
def test_version_flags(run_cli: RunCli, tmp_path: Path, flags: list[str], written: str, chosen: str) -> None:
    result = run_cli(["config", WORKFLOWS, "10", *flags, "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / f"Extractor_config_workflow_10_V{chosen}.yaml").read_text(encoding="utf-8")
    assert text.endswith(f"workflow_version:{' ' if written.startswith(chr(39)) else ''}{written}\n")


def test_config_makes_the_output_folder(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder"
    result = run_cli(["config", WORKFLOWS, "10", "-d", target], tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in target.iterdir()) == sorted(NAMES)


def test_generated_config_runs_end_to_end(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["config", WORKFLOWS, "10", "-d", tmp_path], tmp_path).code == 0
    extract = run_cli(["extract", DATA / "slsn_cls_export.csv", tmp_path / NAMES[0], "-d", tmp_path, "-hb"],
                      tmp_path)
    assert extract.code == 0, extract.err
    assert "7 rows read, 7 matched workflow 10 v16.55, extracts: 14 question_extractor, 0 rejected" in extract.out
    reduce = run_cli(["reduce", tmp_path / "question_extractor_extractions.csv", tmp_path / NAMES[1],
                      "-d", tmp_path, "-hb"], tmp_path)
    assert reduce.code == 0, reduce.err
    assert "14 extracts, 7 subjects" in reduce.out


def test_handmade_workflow_config(run_cli: RunCli, tmp_path: Path) -> None:
    """Every task type: the peer's extractors (a combo's inner tasks are configured on their own)."""
    result = run_cli(["config", DATA / "handmade_workflows.csv", "77", "-d", tmp_path], tmp_path)
    assert result.code == 0, result.err
    config = yaml.safe_load((tmp_path / "Extractor_config_workflow_77_V3.14.yaml").read_text(encoding="utf-8"))
    assert config["workflow_version"] == "3.14"
    assert config["extractor_config"] == {
        "dropdown_extractor": [{"task": "T2"}],
        # the peer gives highlighter tasks no extractor; zooagg has one (an extension)
        **({"highlighter_extractor": [{"task": "T6"}]} if "highlighter" in registry.extractor_for_type() else {}),
        # classic and FEM sub-task keys: the workflow export cannot say which front end classified
        "point_extractor_by_frame": [{"details": {"T0_tool0": ["question_extractor"],
                                                  "T0_toolIndex0_subtask0": "question_extractor"},
                                      "task": "T0", "tools": [0]}],
        "poly_line_text_extractor": [{"details": {}, "task": "T0"}],
        "question_extractor": [{"task": "T8"}],
        "shape_extractor_rectangle": [{"details": {}, "shape": "rectangle", "task": "T0", "tools": [1]}],
        "shortcut_extractor": [{"task": "T7"}],
        "slider_extractor": [{"task": "T3"}],
        "survey_extractor": [{"task": "T1"}],
        "text_extractor": [{"task": "T5"}],
    }
    point = yaml.safe_load((tmp_path / "Reducer_config_workflow_77_V3.14_point_extractor_by_frame.yaml")
                           .read_text(encoding="utf-8"))
    assert point == {"reducer_config": {"point_reducer_dbscan": {"details": {
        "T0_tool0": ["question_reducer"], "T0_toolIndex0_subtask0": "question_reducer"}}}}
    shape = yaml.safe_load((tmp_path / "Reducer_config_workflow_77_V3.14_shape_extractor_rectangle.yaml")
                           .read_text(encoding="utf-8"))
    assert shape == {"reducer_config": {"shape_reducer_dbscan": {"shape": "rectangle"}}}
    assert ("warning: task T6 (highlighter) has no extractor" in result.err) != ("highlighter" in registry.extractor_for_type())
    labels = yaml.safe_load((tmp_path / "Task_labels_workflow_77_V3.14.yaml").read_text(encoding="utf-8"))
    assert labels["T2.selects.0.options.*.0.label"] == {"red": "Red"}
    assert labels["T1.choices.LN.label"] == "Lion"
    assert "T0.help" not in labels
