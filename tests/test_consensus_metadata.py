"""The consensus table's subject metadata from a classification export's subject_data: a cell
that cannot be read (damaged JSON, not an object, the subject's entry not an object) is never
skipped without a word. Each one of a row whose subject is in the table is counted in the run's
and `zooagg consensus`'s output and written to subject_data_rejects_workflow_<id>.csv (file,
row, column, value, reason); the subjects keep what other rows give them."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

from conftest import EXPORT_HEADER, RunCli, classification_row, read_rows

REJECTS = Path("out") / "workflow_1" / "subject_data_rejects_workflow_1.csv"
TABLE = Path("out") / "workflow_1" / "consensus_workflow_1.csv"
WORKFLOW = "workflow_1"


def export(path: Path, subject_data: dict[int, str]) -> Path:
    """One classification of subjects 1000-1004 each, subject_data as given (else a good one)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EXPORT_HEADER), lineterminator="\n")
        writer.writeheader()
        for cid, subject in enumerate(range(1000, 1005), start=1):
            row = classification_row(cid, [{"task": "T0", "value": "Yes"}], subject_id=subject)
            good = json.dumps({str(subject): {"retired": None, "name": f"s{subject}"}})
            writer.writerow({**row, "subject_data": subject_data.get(subject, good)})
    return path


def run(run_cli: RunCli, tmp_path: Path, classifications: Path) -> str:
    result = run_cli(["run", classifications, "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    return result.out + result.err


def names(tmp_path: Path) -> dict[str, str]:
    return {row["subject_id"]: row.get("metadata.name", "") for row in read_rows(tmp_path / TABLE)}


def test_unreadable_subject_data_is_counted_and_written_down(run_cli: RunCli, tmp_path: Path) -> None:
    damaged = export(tmp_path / "cls.csv", {1001: '{"1001": "not an object"}', 1003: "[1, 2]"})
    said = run(run_cli, tmp_path, damaged)
    assert names(tmp_path) == {"1000": "s1000", "1001": "", "1002": "s1002", "1003": "", "1004": "s1004"}
    assert (f"2 subject_data cell(s) of the classification export could not be read for the consensus "
            f"table's subject metadata; see {REJECTS}") in said.replace(str(tmp_path) + "/", "")
    rejects = read_rows(tmp_path / REJECTS)
    assert [(r["file"], r["row"], r["column"], r["value"], r["reason"]) for r in rejects] == [
        (str(damaged), "2", "subject_data", '"not an object"',
         "the subject_data entry of subject 1001 is not an object of metadata (fix the cell or download the "
         "export again; the subject has no metadata from this row)"),
        (str(damaged), "4", "subject_data", "[1, 2]",
         "subject_data is not an object of subjects (fix the cell or download the export again; the subject "
         "has no metadata from this row)"),
    ]


def test_the_consensus_command_says_so_for_damaged_json(run_cli: RunCli, tmp_path: Path) -> None:
    run(run_cli, tmp_path, export(tmp_path / "cls.csv", {}))
    assert not (tmp_path / REJECTS).exists()
    damaged = export(tmp_path / "damaged.csv", {1000: '{"1000": {"name": "s1', 1002: "caf\xe9"})
    result = run_cli(["consensus", "out", "--classifications", damaged], tmp_path)
    assert result.code == 0, result.err
    assert names(tmp_path) == {"1000": "", "1001": "s1001", "1002": "", "1003": "s1003", "1004": "s1004"}
    assert "2 subject_data cell(s) of the classification export could not be read" in result.err
    rejects = read_rows(tmp_path / REJECTS)
    assert [(r["row"], r["value"], r["reason"][:30]) for r in rejects] == [
        ("1", '{"1000": {"name": "s1', "invalid JSON (unexpected end o"), ("3", "caf\xe9", "invalid JSON (unexpected chara")]
    # read again from a sound export: the note goes, as the damage has
    result = run_cli(["consensus", "out"], tmp_path)
    assert result.code == 0, result.err
    assert "could not be read" not in result.err
    assert not (tmp_path / REJECTS).exists()


def test_the_python_api_warns(run_cli: RunCli, tmp_path: Path) -> None:
    from zooagg import ZooaggWarning, consensus_table

    damaged = export(tmp_path / "cls.csv", {1004: "7"})
    run(run_cli, tmp_path, damaged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = consensus_table(tmp_path / "out")
    assert len(frame) == 5
    assert [str(w.message)[:60] for w in caught if issubclass(w.category, ZooaggWarning)] == [
        "1 subject_data cell(s) of the classification export could no"]


def subject_export(path: Path, metadata: dict[int, str]) -> Path:
    """A subject export of subjects 1000-1004, metadata as given (else a good one)."""
    columns = ["subject_id", "project_id", "workflow_id", "subject_set_id", "metadata", "locations",
               "classifications_count", "retired_at", "retirement_reason", "created_at", "updated_at"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for subject in range(1000, 1005):
            writer.writerow({"subject_id": subject, "project_id": 1, "workflow_id": 1, "subject_set_id": 1,
                             "metadata": metadata.get(subject, json.dumps({"title": f"t{subject}"})),
                             "locations": "{}", "classifications_count": 1, "created_at": "2024-01-01 00:00:00 UTC",
                             "updated_at": "2024-01-01 00:00:00 UTC"})
    return path


def test_unreadable_subject_export_metadata_is_counted_and_written_down(run_cli: RunCli, tmp_path: Path) -> None:
    classifications = export(tmp_path / "cls.csv", {})
    subjects = subject_export(tmp_path / "subjects.csv", {1001: '{"title": "t1', 1003: '["a", "b"]'})
    result = run_cli(["run", subjects, classifications, "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    titles = {row["subject_id"]: row.get("metadata.title", "") for row in read_rows(tmp_path / TABLE)}
    assert titles == {"1000": "t1000", "1001": "", "1002": "t1002", "1003": "", "1004": "t1004"}
    assert (f"2 metadata cell(s) of the subject export could not be read for the consensus table's subject "
            f"metadata; see {REJECTS}") in (result.out + result.err).replace(str(tmp_path) + "/", "")
    rejects = read_rows(tmp_path / REJECTS)
    assert [(r["file"], r["row"], r["column"], r["value"], r["reason"][:48]) for r in rejects] == [
        (str(subjects), "1001", "metadata", '{"title": "t1', "subject 1001: invalid JSON (unexpected end of da"),
        (str(subjects), "1003", "metadata", '["a","b"]', "subject 1003: metadata is not an object (fix the"),
    ]
