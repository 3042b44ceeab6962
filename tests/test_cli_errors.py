"""Every user-facing error: one `Error:` line on stderr, exit code 2, no traceback, and a fix."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import DATA, Result, RunCli, write_yaml

QUESTION_10 = "extractor_config: {question_extractor: [{task: T0}]}\nworkflow_id: 10\nworkflow_version: '16.55'\n"
SLSN = DATA / "slsn_cls_export.csv"
WORKFLOWS = DATA / "slsn_wf_export.csv"


def one_error(result: Result) -> str:
    """The single error line, after checking the shape every error must have."""
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith("Error: ")
    return line


@pytest.fixture
def question_config(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "extractor.yaml", QUESTION_10)


def test_missing_column_is_named(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    with SLSN.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = [c for c in rows[0] if c != "subject_ids"]
    export = tmp_path / "no_subject_ids.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    line = one_error(run_cli(["extract", export, question_config, "-hb"], tmp_path))
    assert "missing column(s) subject_ids" in line
    assert "column subject_ids" in line
    assert "a classification export needs classification_id, workflow_id" in line
    assert not (tmp_path / "question_extractor_extractions.csv").exists()


def test_subject_export_as_classifications(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    line = one_error(run_cli(["extract", DATA / "kitteh_subjects.csv", question_config, "-hb"], tmp_path))
    assert "kitteh_subjects.csv: this is a subject export, not a classification export" in line
    assert "pass the classification export" in line


def test_workflow_export_as_classifications(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    line = one_error(run_cli(["extract", WORKFLOWS, question_config, "-hb"], tmp_path))
    assert "slsn_wf_export.csv: this is a workflow export, not a classification export" in line
    assert "pass the classification export" in line


def test_classification_export_as_workflows(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", SLSN, "10"], tmp_path))
    assert "this is a classification export, not a workflow export" in line
    assert "pass the workflow export" in line


def test_unknown_workflow_id_in_config(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "99"], tmp_path))
    assert "no workflow with id 99" in line
    assert "workflow ids in this export: 10" in line
    assert list(tmp_path.glob("*.yaml")) == []


def test_unknown_workflow_id_in_extract(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", QUESTION_10.replace("workflow_id: 10", "workflow_id: 99"))
    line = one_error(run_cli(["extract", SLSN, config, "-hb"], tmp_path))
    assert "no classifications for workflow 99" in line
    assert "fix workflow_id in the extractor config" in line


@pytest.mark.parametrize("flags", [["-v", "16.54"], ["-v", "12"], ["--max_version", "13"]])
def test_unknown_version_in_config(run_cli: RunCli, tmp_path: Path, flags: list[str]) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", *flags], tmp_path))
    assert "workflow 10 has no version matching" in line
    assert "versions in this export: 14.52, 14.53, 14.54, 14.55, 15.55, 16.55" in line


def test_major_only_version_is_shown_as_x(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", "-v", "12"], tmp_path))
    assert "workflow 10 has no version matching 12.x" in line


@pytest.mark.parametrize(("flags", "shown"), [(["-v", "abc"], "-v abc"),
                                              (["--max_version", "1x"], "--max_version 1x")])
def test_malformed_version_flag(run_cli: RunCli, tmp_path: Path, flags: list[str], shown: str) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", *flags], tmp_path))
    assert line == f"Error: file {WORKFLOWS}: bad workflow version ({shown}) (versions look like 12.34 or 12)"
    assert list(tmp_path.glob("*.yaml")) == []


def test_unknown_version_in_extract(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", QUESTION_10.replace("'16.55'", "'16.54'"))
    line = one_error(run_cli(["extract", SLSN, config, "-hb"], tmp_path))
    assert "no classifications of workflow 10 match version 16.54" in line
    assert "widen workflow_version in the extractor config" in line
    assert list(tmp_path.glob("*.csv")) == []


@pytest.mark.parametrize("command", ["extract", "config"])
def test_empty_file(run_cli: RunCli, tmp_path: Path, question_config: Path, command: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    args = ["extract", "empty.csv", "extractor.yaml", "-hb"] if command == "extract" else ["config", "empty.csv", "10"]
    line = one_error(run_cli(args, tmp_path))
    assert line == "Error: file empty.csv: the file is empty (download the export again)"


def test_header_only_file(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(SLSN.read_bytes().split(b"\n", 1)[0] + b"\n")
    line = one_error(run_cli(["extract", header_only.name, question_config.name, "-hb"], tmp_path))
    assert line == "Error: file header.csv: the export has a header but no rows (download the export again)"


def test_nonexistent_file(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    line = one_error(run_cli(["extract", "nothere.csv", question_config, "-hb"], tmp_path))
    assert line == "Error: file nothere.csv: file not found (check the path)"


def test_nonexistent_config(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["extract", SLSN, "nothere.yaml", "-hb"], tmp_path))
    assert line == "Error: file nothere.yaml: config file not found (check the path)"


def test_unknown_extractor_suggests_the_right_one(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", QUESTION_10.replace("question_extractor", "question_extracter"))
    line = one_error(run_cli(["extract", SLSN, config, "-hb"], tmp_path))
    assert "unknown extractor 'question_extracter'" in line
    assert "did you mean 'question_extractor'?" in line
    assert "zooagg list" in line


def test_unknown_reducer_parameter_suggests_pairs(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer:\n        pars: true\n")
    extracts = tmp_path / "x.csv"
    extracts.write_text("classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,"
                        "data.yes\n1,a,1,10,T0,2024,5,question_extractor,1\n", encoding="utf-8")
    line = one_error(run_cli(["reduce", extracts, config, "-hb"], tmp_path))
    assert "reducer question_reducer has no parameter 'pars'" in line
    assert "did you mean 'pairs'?" in line
    assert "its parameters: no_version, pairs, track_user_ids" in line
    assert not (tmp_path / "question_reducer_reductions.csv").exists()


def test_unknown_keyword_for_config_suggests_pairs(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", "-k", '{"T0": {"pars": true}}'], tmp_path))
    assert "takes 'pars'" in line
    assert "did you mean 'pairs'?" in line
    assert list(tmp_path.glob("*.yaml")) == []


def test_keyword_for_missing_task(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", "-k", '{"T9": {"pairs": true}}'], tmp_path))
    assert "-k names task 'T9', which the workflow does not have" in line


@pytest.mark.parametrize("text", ["{T0: 1}", '{"T0": {"pairs": true}', "not json"])
def test_bad_keyword_json(run_cli: RunCli, tmp_path: Path, text: str) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", "-k", text], tmp_path))
    assert line.startswith("Error: -k is not valid JSON")
    assert """write it like '{"T0": {"pairs": true}}'""" in line


def test_keyword_json_of_wrong_shape(run_cli: RunCli, tmp_path: Path) -> None:
    line = one_error(run_cli(["config", WORKFLOWS, "10", "-k", '{"T0": 1}'], tmp_path))
    assert "-k must map task keys to keyword mappings" in line


def test_reducer_config_given_to_extract(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    line = one_error(run_cli(["extract", SLSN, config, "-hb"], tmp_path))
    assert "not an extractor config" in line
    assert "this looks like a reducer config" in line


def test_extractor_config_given_to_reduce(run_cli: RunCli, tmp_path: Path, question_config: Path) -> None:
    line = one_error(run_cli(["reduce", SLSN, question_config, "-hb"], tmp_path))
    assert "not a reducer config" in line
    assert "this looks like an extractor config" in line


def test_classification_export_given_to_reduce(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    line = one_error(run_cli(["reduce", SLSN, config, "-hb"], tmp_path))
    assert "this is a classification export, not an extract file" in line
    assert "run `zooagg extract` first" in line


def test_bad_parameter_value(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer:\n        pairs: maybe\n")
    line = one_error(run_cli(["reduce", SLSN, config, "-hb"], tmp_path))
    assert "question_reducer: parameter 'pairs' must be bool, got 'maybe'" in line
