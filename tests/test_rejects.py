"""Bad rows are counted and written to a rejects file; --strict stops; outputs are atomic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Result,
    RunCli,
    classification_row,
    leftovers,
    read_rows,
    write_export,
    write_yaml,
)

from zooagg.engine.rejects import Rejects
from zooagg.errors import RowError, Where
from zooagg.tables import spool as tables

CONFIG = """extractor_config:
    question_extractor: [{task: T0}]
    survey_extractor: [{task: T1}]
workflow_id: 1
workflow_version: '1.1'
"""


@pytest.fixture
def bad_export(tmp_path: Path) -> Path:
    """Four classifications: 102 has a truncated annotations cell, 103 a survey value that is no list."""
    return write_export(tmp_path / "classifications.csv", [
        classification_row(101, [{"task": "T0", "value": "Yes"},
                                 {"task": "T1", "value": [{"choice": "LION", "answers": {"HOWMANY": "2"},
                                                           "filters": {}}]}], subject_id=500),
        classification_row(102, '[{"task":"T0","value":"Yes"', subject_id=501),
        classification_row(103, [{"task": "T0", "value": "No"}, {"task": "T1", "value": "LION"}], subject_id=502),
        classification_row(104, [{"task": "T0", "value": "Yes"},
                                 {"task": "T1", "value": [{"choice": "ZEBRA", "answers": {}, "filters": {}}]}],
                           subject_id=503),
    ])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "extractor.yaml", CONFIG)


def test_bad_rows_are_rejected_and_the_rest_extracted(run_cli: RunCli, tmp_path: Path, bad_export: Path,
                                                      config: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(["extract", bad_export, config, "-d", out, "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "extract: 4 rows read, 4 matched workflow 1 v1.1, extracts: 3 question_extractor, " \
           "2 survey_extractor, 2 rejected" in result.out
    assert f"warning: 2 bad row(s) written to {out / 'extractions_rejects.csv'}" in result.err

    questions = read_rows(out / "question_extractor_extractions.csv")
    assert [(r["classification_id"], r["subject_id"], r["data.yes"], r["data.no"]) for r in questions] == [
        ("101", "500", "1.0", ""), ("103", "502", "", "1.0"), ("104", "503", "1.0", ""),
    ]
    surveys = read_rows(out / "survey_extractor_extractions.csv")
    assert [(r["classification_id"], r["data.choice"], r["data.answers_howmany.2"]) for r in surveys] == [
        ("101", "lion", "1.0"), ("104", "zebra", ""),
    ]

    rejects = read_rows(out / "extractions_rejects.csv")
    assert list(rejects[0]) == ["file", "row", "column", "task", "value", "reason"]
    assert [(r["row"], r["column"], r["task"]) for r in rejects] == [
        ("102", "annotations", ""), ("103", "annotations", "T1"),
    ]
    assert rejects[0]["reason"].startswith("invalid JSON")
    assert rejects[0]["value"] == '[{"task":"T0","value":"Yes"'
    assert rejects[1]["reason"] == "survey_extractor: a survey value must be a list of choices"
    assert rejects[1]["value"] == "LION"
    assert all(r["file"] == str(bad_export) for r in rejects)
    assert leftovers(tmp_path) == []


def test_strict_fails_on_the_first_bad_row_and_writes_nothing(run_cli: RunCli, tmp_path: Path, bad_export: Path,
                                                              config: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(["extract", bad_export, config, "-d", out, "-hb", "--strict"], tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert line.startswith("Error: ")
    assert "row 102" in line
    assert "column annotations" in line
    assert "invalid JSON" in line
    assert "--strict makes bad rows fatal" in line
    assert sorted(p.name for p in out.iterdir()) == []
    assert leftovers(tmp_path) == []


def test_failed_strict_run_leaves_earlier_outputs_intact(run_cli: RunCli, tmp_path: Path, bad_export: Path,
                                                         config: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(["extract", bad_export, config, "-d", out, "-hb"], tmp_path).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["extractions_rejects.csv", "question_extractor_extractions.csv",
                              "survey_extractor_extractions.csv"]
    assert run_cli(["extract", bad_export, config, "-d", out, "-hb", "--strict"], tmp_path).code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_clean_run_removes_a_stale_rejects_file(run_cli: RunCli, tmp_path: Path, config: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "extractions_rejects.csv").write_text("file,row\nold,1\n", encoding="utf-8")
    good = write_export(tmp_path / "good.csv", [classification_row(1, [{"task": "T0", "value": "Yes"}])])
    result = run_cli(["extract", good, config, "-d", out, "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "0 rejected" in result.out
    assert not (out / "extractions_rejects.csv").exists()


def test_reduce_rejects_a_subject_it_cannot_reduce(run_cli: RunCli, tmp_path: Path) -> None:
    extracts = tmp_path / "slider_extractor_extractions.csv"
    extracts.write_text(
        "classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,data.slider_value\n"
        "1,a,1,5,T0,2024-01-01,100,slider_extractor,0.5\n"
        "2,b,2,5,T0,2024-01-01,100,slider_extractor,1.5\n"
        "3,a,1,5,T0,2024-01-01,200,slider_extractor,lots\n", encoding="utf-8")
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    slider_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "2 subjects, 1 rows" in result.out
    assert "1 rejected" in result.out
    rows = read_rows(tmp_path / "out" / "slider_reducer_reductions.csv")
    assert [(r["subject_id"], r["data.slider_mean"], r["data.slider_median"]) for r in rows] == [
        ("100", "1.0", "1.0"),
    ]
    (reject,) = read_rows(tmp_path / "out" / "slider_reducer_reductions_rejects.csv")
    assert (reject["row"], reject["task"], reject["value"]) == ("200", "T0", "lots")
    assert "slider_value is not a number" in reject["reason"]

    strict = run_cli(["reduce", extracts, config, "-d", tmp_path / "strict", "-hb", "--strict"], tmp_path)
    assert strict.code == 2
    assert len(strict.err_lines) == 1
    assert "row 200" in strict.err_lines[0]
    assert "slider_value is not a number" in strict.err_lines[0]
    assert list((tmp_path / "strict").iterdir()) == []


@pytest.fixture
def interrupted_extract(run_cli: RunCli, tmp_path: Path, bad_export: Path, config: Path,
                        monkeypatch: pytest.MonkeyPatch) -> tuple[Result, Path]:
    """An extract stopped by Ctrl-C after one row of the layout was written: (result, out folder)."""
    real_records = tables.SpooledTable.records

    def interrupted(self: tables.SpooledTable) -> Iterator[Any]:  # one row written, then Ctrl-C
        for index, record in enumerate(real_records(self)):
            if index == 1:
                raise KeyboardInterrupt
            yield record

    monkeypatch.setattr(tables.SpooledTable, "records", interrupted)
    out = tmp_path / "out"
    return run_cli(["extract", bad_export, config, "-d", out, "-hb"], tmp_path), out


def test_interrupted_write_leaves_no_part_file(interrupted_extract: tuple[Result, Path], tmp_path: Path) -> None:
    result, out = interrupted_extract
    assert result.code == 130
    assert "no partial output was left behind" in result.err
    assert not (out / "question_extractor_extractions.csv").exists()
    assert leftovers(tmp_path) == []


def test_interrupted_write_never_leaves_a_partial_output(interrupted_extract: tuple[Result, Path]) -> None:
    result, out = interrupted_extract
    assert result.code == 130
    assert [p.name for p in out.iterdir() if not p.name.endswith(".part")] == []


def test_the_rejects_file_writes_zero_and_false_and_leaves_only_missing_cells_empty(tmp_path: Path) -> None:
    rejects = Rejects(tmp_path / "r.csv")
    rejects.add(RowError("a count of zero", "give a positive count", Where("f.csv", "0", "data.yes", "T0", 0)))
    rejects.add(RowError("not an answer", "", Where("f.csv", "7", "data.no", "T1", False)))
    rejects.add(RowError("empty text", "", Where("f.csv", "8", "data.text", "T2", "")))
    rejects.add(RowError("no value", "", Where(file="f.csv", row="9")))
    assert rejects.finish() == tmp_path / "r.csv"
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines() == [
        "file,row,column,task,value,reason",
        "f.csv,0,data.yes,T0,0,a count of zero (give a positive count)",
        "f.csv,7,data.no,T1,False,not an answer",
        "f.csv,8,data.text,T2,,empty text",
        "f.csv,9,,,,no value",
    ]


def test_a_rejected_row_says_what_to_do(run_cli: RunCli, tmp_path: Path, bad_export: Path, config: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(["extract", bad_export, config, "-d", out, "-hb"], tmp_path).code == 0
    reasons = [r["reason"] for r in read_rows(out / "extractions_rejects.csv")]
    assert reasons[0] == "invalid JSON (unexpected end of data) (the cell is damaged; re-export or fix the row)"
