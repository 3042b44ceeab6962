"""`--format parquet`: typed tables (counts as numbers, lists as JSON text) that pyarrow reads."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DATA, RunCli, classification_row, leftovers, write_export, write_yaml

META = ["classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
        "extractor"]


def test_question_extracts_as_parquet(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", "extractor_config:\n    question_extractor: [{task: T0}, {task: T1}]\n"
                        "workflow_id: 10\nworkflow_version: '16.55'\n")
    result = run_cli(["extract", DATA / "slsn_cls_export.csv", config, "-d", tmp_path / "out", "--format",
                      "parquet", "-hb"], tmp_path)
    assert result.code == 0, result.err
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["question_extractor_extractions.parquet"]
    table = pq.read_table(out / "question_extractor_extractions.parquet")
    assert table.column_names[:8] == META
    assert all(table.schema.field(name).type == pa.string() for name in META)
    assert table.schema.field("data.yes").type == pa.int64()
    assert table.schema.field("data.no").type == pa.int64()
    assert table.num_rows == 14
    rows = table.to_pylist()
    assert (rows[0]["classification_id"], rows[0]["task"], rows[0]["data.yes"], rows[0]["data.no"]) == \
        ("543695319", "T0", 1, None)
    assert (rows[2]["classification_id"], rows[2]["data.yes"], rows[2]["data.no"]) == ("543695340", None, 1)
    votes = {(r["classification_id"], r["task"]): (r["data.yes"] or 0) + (r["data.no"] or 0) for r in rows}
    assert [v for (_, task), v in votes.items() if task == "T0"] == [1] * 7
    # T1 is only asked after T0 "Yes"; a skipped task still gives a row with no answer, as in the peer
    skipped = sorted(cid for (cid, task), v in votes.items() if task == "T1" and v == 0)
    no_to_t0 = sorted(r["classification_id"] for r in rows if r["task"] == "T0" and r["data.no"] == 1)
    assert skipped == no_to_t0
    assert skipped
    assert leftovers(tmp_path) == []


def test_lists_are_json_text_and_user_ids_are_not_floats(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", "extractor_config: {dropdown_extractor: [{task: T1}]}\n"
                        "workflow_id: 1931\nworkflow_version: '1.17'\n")
    result = run_cli(["extract", DATA / "nfn_expanded.csv", config, "-d", tmp_path, "--format", "parquet",
                      "-hb"], tmp_path)
    assert result.code == 0, result.err
    table = pq.read_table(tmp_path / "dropdown_extractor_extractions.parquet")
    assert table.schema.field("data.value").type == pa.string()
    values = [json.loads(v) for v in table.column("data.value").to_pylist()]
    assert values == [
        [{"840": 1}, {"fl": 1}, {"9a25cac0968fa": 1}],
        [{"840": 1}, {"fl": 1}, {"3266c0c620199": 1}],
        [{"840": 1}, {"fl": 1}, {"9a25cac0968fa": 1}],
    ]
    # the CSV writes 3958.0 to match pandas; a typed table has no reason to
    assert table.column("user_id").to_pylist()[2] == "3958"


@pytest.fixture
def slider_extracts(run_cli: RunCli, tmp_path: Path) -> Path:
    export = write_export(tmp_path / "c.csv", [
        classification_row(1, [{"task": "T0", "value": 0.5}], subject_id=10, user_name="a"),
        classification_row(2, [{"task": "T0", "value": 2}], subject_id=10, user_name="b"),
        classification_row(3, [{"task": "T0", "value": 1.25}], subject_id=11, user_name="a"),
    ])
    config = write_yaml(tmp_path / "e.yaml", "extractor_config: {slider_extractor: [{task: T0}]}\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    assert run_cli(["extract", export, config, "-d", tmp_path, "-hb"], tmp_path).code == 0
    return tmp_path / "slider_extractor_extractions.csv"


def test_numbers_as_float_columns(run_cli: RunCli, tmp_path: Path, slider_extracts: Path) -> None:
    config = write_yaml(tmp_path / "e.yaml", "extractor_config: {slider_extractor: [{task: T0}]}\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    export = tmp_path / "c.csv"
    result = run_cli(["extract", export, config, "-d", tmp_path / "pq", "--format", "parquet", "-hb"], tmp_path)
    assert result.code == 0, result.err
    table = pq.read_table(tmp_path / "pq" / "slider_extractor_extractions.parquet")
    # ints and floats in one column: float64, as pandas would type it
    assert table.schema.field("data.slider_value").type == pa.float64()
    assert table.column("data.slider_value").to_pylist() == [0.5, 2.0, 1.25]


def test_reductions_as_parquet(run_cli: RunCli, tmp_path: Path, slider_extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    slider_reducer: {}\n")
    result = run_cli(["reduce", slider_extracts, config, "-d", tmp_path / "pq", "--format", "parquet", "-hb"],
                     tmp_path)
    assert result.code == 0, result.err
    table = pq.read_table(tmp_path / "pq" / "slider_reducer_reductions.parquet")
    assert table.column_names[:4] == ["subject_id", "workflow_id", "task", "reducer"]
    assert table.schema.field("data.slider_mean").type == pa.float64()
    assert table.column("subject_id").to_pylist() == ["10", "11"]
    assert table.column("data.slider_mean").to_pylist() == [1.25, 1.25]
    assert table.column("data.slider_var").to_pylist() == [0.5625, 0.0]


def test_question_reductions_as_parquet_have_integer_counts(run_cli: RunCli, tmp_path: Path) -> None:
    export = write_export(tmp_path / "c.csv", [
        classification_row(1, [{"task": "T0", "value": "Yes"}], subject_id=10, user_name="a"),
        classification_row(2, [{"task": "T0", "value": "Yes"}], subject_id=10, user_name="b"),
        classification_row(3, [{"task": "T0", "value": "No"}], subject_id=11, user_name="a"),
    ])
    config = write_yaml(tmp_path / "e.yaml", "extractor_config: {question_extractor: [{task: T0}]}\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    assert run_cli(["extract", export, config, "-d", tmp_path, "-hb"], tmp_path).code == 0
    reducer = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {track_user_ids: true}\n")
    result = run_cli(["reduce", tmp_path / "question_extractor_extractions.csv", reducer, "-d", tmp_path / "pq",
                      "--format", "parquet", "-hb"], tmp_path)
    assert result.code == 0, result.err
    table = pq.read_table(tmp_path / "pq" / "question_reducer_reductions.parquet")
    assert table.schema.field("data.yes").type == pa.int64()
    assert table.schema.field("data.no").type == pa.int64()
    rows = table.to_pylist()
    assert [(r["subject_id"], r["data.yes"], r["data.no"]) for r in rows] == [("10", 2, None), ("11", None, 1)]
    assert json.loads(rows[0]["data.user_ids_yes"]) == [11, 11]
