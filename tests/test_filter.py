"""`reduce -F first|last|all`: repeat classifications of a subject by one volunteer.

The peer documents this flag but ignores it (always all); zooagg applies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli, classification_row, read_rows, write_export, write_yaml

EXTRACTOR = "extractor_config: {question_extractor: [{task: T0}]}\nworkflow_id: 1\nworkflow_version: '1.1'\n"
REDUCER = "reducer_config:\n    question_reducer: {}\n"


@pytest.fixture
def extracts(run_cli: RunCli, tmp_path: Path) -> Path:
    """alice classified subject 900 twice: "Yes" on Jan 1, "No" on Jan 2 (the later row comes first)."""
    export = write_export(tmp_path / "classifications.csv", [
        classification_row(1, [{"task": "T0", "value": "No"}], subject_id=900, user_name="alice",
                           user_id="11", created_at="2024-01-02 10:00:00 UTC"),
        classification_row(2, [{"task": "T0", "value": "Yes"}], subject_id=900, user_name="alice",
                           user_id="11", created_at="2024-01-01 10:00:00 UTC"),
        classification_row(3, [{"task": "T0", "value": "Yes"}], subject_id=900, user_name="bob",
                           user_id="12", created_at="2024-01-01 12:00:00 UTC"),
        classification_row(4, [{"task": "T0", "value": "No"}], subject_id=901, user_name="carol",
                           user_id="13", created_at="2024-01-03 09:00:00 UTC"),
    ])
    config = write_yaml(tmp_path / "extractor.yaml", EXTRACTOR)
    result = run_cli(["extract", export, config, "-d", tmp_path, "-hb"], tmp_path)
    assert result.code == 0, result.err
    return tmp_path / "question_extractor_extractions.csv"


def reduce_votes(run_cli: RunCli, tmp_path: Path, extracts: Path, how: str | None) -> tuple[dict[str, Any], str]:
    config = write_yaml(tmp_path / "reducer.yaml", REDUCER)
    flags = [] if how is None else ["-F", how]
    out = tmp_path / f"out-{how}"
    result = run_cli(["reduce", extracts, config, "-d", out, "-hb", *flags], tmp_path)
    assert result.code == 0, result.err
    votes = {}
    for row in read_rows(out / "question_reducer_reductions.csv"):
        # counts are written as floats (1.0) in columns with gaps, as the peer's pandas does
        votes[row["subject_id"]] = {k[5:]: float(v) for k, v in row.items()
                                    if k.startswith("data.") and k != "data.aggregation_version" and v}
    return votes, result.out


@pytest.mark.parametrize(("how", "expected_900", "dropped"), [
    ("first", {"yes": 2}, 1),
    ("last", {"yes": 1, "no": 1}, 1),
    ("all", {"yes": 2, "no": 1}, 0),
    (None, {"yes": 2}, 1),  # default is first
])
def test_filter(run_cli: RunCli, tmp_path: Path, extracts: Path, how: str | None, expected_900: dict[str, Any],
                dropped: int) -> None:
    votes, out = reduce_votes(run_cli, tmp_path, extracts, how)
    assert votes == {"900": expected_900, "901": {"no": 1}}
    label = how or "first"
    if dropped:
        assert f"{dropped} repeat classification(s) dropped (-F {label})" in out
    else:
        assert "dropped" not in out
    assert "4 extracts, 2 subjects" in out


def test_filter_first_and_last_differ_only_on_the_repeat(run_cli: RunCli, tmp_path: Path, extracts: Path) -> None:
    first, _ = reduce_votes(run_cli, tmp_path, extracts, "first")
    last, _ = reduce_votes(run_cli, tmp_path, extracts, "last")
    assert first["901"] == last["901"]
    assert first["900"] != last["900"]
