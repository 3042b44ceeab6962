"""Reduce: a row of the extract file with a field too many or too few is a reject, as it is in
a classification export given to extract (exports/csvio.BadRow, the same reason), and the rest
of the file is reduced, on every path; --strict makes it fatal."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import RunCli, read_rows, write_yaml

from zooagg.configure.config import load_reducer_config
from zooagg.engine.reduce import run_reduce

HEADER = "classification_id,user_name,user_id,workflow_id,task,created_at,subject_id,extractor,data.yes,data.no\n"
GOOD = [(1, 100, "1.0", ""), (2, 100, "1.0", ""), (4, 101, "", "1.0"), (6, 101, "1.0", ""), (7, 102, "", "1.0")]


def line(cid: int, subject: int, yes: str, no: str) -> str:
    return f"{cid},u{cid},{cid},1,T0,2024-01-0{cid} 10:00:00 UTC,{subject},question_extractor,{yes},{no}\n"


EXTRACTS = HEADER + "".join([
    line(*GOOD[0]), line(*GOOD[1]),
    line(3, 100, "", "1.0").replace("\n", ",extra\n"),  # a field too many
    line(*GOOD[2]),
    "5,u5,5,1,T0,2024-01-05 10:00:00 UTC,101\n",  # cut short
    line(*GOOD[3]), line(*GOOD[4]),
])
EXPECTED = [("100", "2.0", ""), ("101", "1.0", "1.0"), ("102", "", "1.0")]
REJECTED = [("3", "", "3,u3,3,1,T0,2024-01-03 10:00:00 UTC,100,question_extractor,,"),
            ("5", "extractor", "5,u5,5,1,T0,2024-01-05 10:00:00 UTC,101")]
REASONS = ["too many fields: 11 where the header has 10 (a cell may hold an unquoted comma or line break, or the "
           "row was cut short; fix the row, or run zooagg extract again)",
           "too few fields: 7 where the header has 10 (a cell may hold an unquoted comma or line break, or the "
           "row was cut short; fix the row, or run zooagg extract again)"]


@pytest.fixture
def extracts(tmp_path: Path) -> Path:
    path = tmp_path / "question_extractor_extractions.csv"
    path.write_text(EXTRACTS, encoding="utf-8")
    return path


def test_a_ragged_row_is_a_reject_and_the_rest_is_reduced(run_cli: RunCli, tmp_path: Path, extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb", "-F", "all"], tmp_path)
    assert result.code == 0, result.err
    assert "5 extracts, 3 subjects, 3 rows, 2 rejected" in result.out
    assert "2 extract row(s) or subject/task reduction(s) rejected; see " in result.err
    rows = read_rows(tmp_path / "out" / "question_reducer_reductions.csv")
    assert [(r["subject_id"], r["data.yes"], r["data.no"]) for r in rows] == EXPECTED
    rejects = read_rows(tmp_path / "out" / "question_reducer_reductions_rejects.csv")
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rejects] == [
        (str(extracts), *reject) for reject in REJECTED]
    assert [r["reason"] for r in rejects] == REASONS


@pytest.mark.parametrize(("reducer", "options"), [
    ("question_reducer", {}),  # the whole file in columns
    ("question_reducer", {"bucket_bytes": 64}),  # subject buckets in columns
    ("question_reducer", {"columnar": False}),  # the general path
    ("question_reducer", {"columnar": False, "bucket_bytes": 64}),
    ("question_consensus_reducer", {}),
])
def test_every_path_rejects_the_ragged_rows(tmp_path: Path, extracts: Path, reducer: str,
                                            options: dict[str, object]) -> None:
    config = load_reducer_config(write_yaml(tmp_path / "r.yaml", f"reducer_config:\n    {reducer}: {{}}\n"))
    summary = run_reduce(extracts, config, tmp_path, filter_how="all", **options)  # type: ignore[arg-type]
    assert summary.rejected == 2
    assert summary.extracts_read == 5
    assert summary.output is not None
    assert [r["subject_id"] for r in read_rows(summary.output)] == ["100", "101", "102"]
    assert summary.rejects_file is not None
    assert [(r["row"], r["column"], r["value"]) for r in read_rows(summary.rejects_file)] == REJECTED


def test_a_file_of_ragged_rows_only_leaves_a_header_and_the_rejects(run_cli: RunCli, tmp_path: Path) -> None:
    extracts = tmp_path / "e.csv"
    extracts.write_text(HEADER + line(1, 100, "1.0", "").replace("\n", ",x\n"), encoding="utf-8")
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "question_reducer_reductions.csv").read_text() == "subject_id,workflow_id,task,reducer\n"
    assert [r["row"] for r in read_rows(tmp_path / "out" / "question_reducer_reductions_rejects.csv")] == ["1"]


def test_strict_makes_a_ragged_row_fatal(run_cli: RunCli, tmp_path: Path, extracts: Path) -> None:
    config = write_yaml(tmp_path / "r.yaml", "reducer_config:\n    question_reducer: {}\n")
    result = run_cli(["reduce", extracts, config, "-d", tmp_path / "out", "--strict"], tmp_path)
    assert result.code == 2
    assert result.err_lines == [
        f"Error: file {extracts}, row 3, value '{REJECTED[0][2]}': {REASONS[0][:-1]}; --strict makes bad rows fatal)"]
