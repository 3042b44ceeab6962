"""Reduce: an answer cell that is no vote (`abc`, `-5`, `0`, `inf`) is never counted. Its
extract row goes to the rejects file, named; the subject is reduced from its other extracts,
alike on every path (the whole file in columns, subject buckets, the general per-subject path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import RunCli, read_rows, write_yaml

from zooagg.configure.config import load_reducer_config
from zooagg.engine.reduce import run_reduce

HEADER = "classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,data.yes,data.no\n"
EXTRACTS = HEADER + "".join(
    f"{cid},u{cid},{cid},1,T0,2024-01-0{cid} 10:00:00 UTC,{subject},question_extractor,{yes},{no}\n"
    for cid, subject, yes, no in [
        (1, 100, "1.0", ""), (2, 100, "abc", ""), (3, 100, "-5", ""), (4, 101, "", "1.0"),
        (5, 101, "0", "1.0"), (6, 101, "2", ""), (7, 102, "1.0", ""), (8, 102, "True", ""), (9, 102, "nan", "1"),
        (10, 103, "inf", ""),
    ])

EXPECTED = [("100", "1", ""), ("101", "1", "1.0"), ("102", "2", "1.0")]
REJECTED = [("2", "data.yes", "T0", "abc"), ("3", "data.yes", "T0", "-5"), ("5", "data.yes", "T0", "0"),
            ("10", "data.yes", "T0", "inf")]


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    path = tmp_path / "question_extractor_extractions.csv"
    path.write_text(EXTRACTS, encoding="utf-8")
    return path


def test_cells_that_are_no_vote_are_rejects_and_the_rest_is_counted(run_cli: RunCli, tmp_path: Path,
                                                                     extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb", "-F", "all"], tmp_path)
    assert result.code == 0, result.err
    assert "4 rejected" in result.out
    rows = read_rows(tmp_path / "out" / "question_reducer_reductions.csv")
    assert [(r["subject_id"], r["data.yes"], r["data.no"]) for r in rows] == EXPECTED
    rejects = read_rows(tmp_path / "out" / "question_reducer_reductions_rejects.csv")
    assert [(r["row"], r["column"], r["task"], r["value"]) for r in rejects] == REJECTED
    assert rejects[0]["reason"] == ("data.yes holds 'abc', which is no vote (an answer cell holds 1 when the "
                                    "answer was given and is empty when not; fix the extract file or extract again)")


@pytest.mark.parametrize(("reducer", "options"), [
    ("question_reducer", {}),  # the whole file in columns
    ("question_reducer", {"bucket_bytes": 64}),  # subject buckets in columns
    ("question_reducer", {"columnar": False}),  # the general path
    ("question_reducer", {"columnar": False, "bucket_bytes": 64}),
    ("shortcut_reducer", {"columnar": False}),
])
def test_every_path_rejects_the_same_rows_and_counts_the_same_votes(tmp_path: Path, extracts: Path, reducer: str,
                                                                    options: dict[str, object]) -> None:
    config = load_reducer_config(write_yaml(tmp_path / "r.yaml", f"reducer_config:\n    {reducer}: {{}}\n"))
    summary = run_reduce(extracts, config, tmp_path, filter_how="all", **options)  # type: ignore[arg-type]
    assert summary.rejected == 4
    assert summary.output is not None
    assert [(r["subject_id"], r["data.yes"], r["data.no"]) for r in read_rows(summary.output)] == EXPECTED
    assert summary.rejects_file is not None
    assert [(r["row"], r["column"], r["task"], r["value"]) for r in read_rows(summary.rejects_file)] == REJECTED


def test_the_consensus_reducer_counts_no_bad_cell_either(run_cli: RunCli, tmp_path: Path, extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_consensus_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb", "-F", "all"], tmp_path)
    assert result.code == 0, result.err
    rows = read_rows(tmp_path / "out" / "question_consensus_reducer_reductions.csv")
    assert [(r["subject_id"], r["data.most_likely"], r["data.num_votes"], r["data.agreement"]) for r in rows] == [
        ("100", "yes", "1", "1.0"), ("101", "no", "1", "0.5"), ("102", "yes", "2", "0.6666666666666666")]


def test_every_row_rejected_leaves_a_header_and_the_rejects(run_cli: RunCli, tmp_path: Path) -> None:
    extracts = tmp_path / "e.csv"
    extracts.write_text(HEADER + "1,a,1,1,T0,2024-01-01 10:00:00 UTC,100,question_extractor,abc,\n",
                        encoding="utf-8")
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "question_reducer_reductions.csv").read_text() == "subject_id,workflow_id,task,reducer\n"
    assert len(read_rows(tmp_path / "out" / "question_reducer_reductions_rejects.csv")) == 1


def test_strict_makes_a_cell_that_is_no_vote_fatal(run_cli: RunCli, tmp_path: Path, extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "--strict"], tmp_path)
    assert result.code == 2
    assert result.err_lines == [
        f"Error: file {extracts}, row 2, column data.yes, task T0, value 'abc': data.yes holds 'abc', which is no "
        "vote (an answer cell holds 1 when the answer was given and is empty when not; fix the extract file or "
        "extract again; --strict makes bad rows fatal)"]
