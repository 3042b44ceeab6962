"""The classification reader against broken and hostile files: a cell of any size the peer
takes, a row with a field too many or too few set aside as a reject (the rest extracted), a
repeated column name and a config that is not UTF-8 as one clear error line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import EXPORT_HEADER, Result, RunCli, classification_row, read_rows, write_yaml

from zooagg.exports.csvio import BadRow, iter_batches

CONFIG = """extractor_config:
    question_extractor: [{task: T0}]
workflow_id: 1
workflow_version: '1.1'
"""


def row_cells(cid: int, value: str = "Yes", subject: int = 1000, workflow: int = 1, **extra: str) -> list[str]:
    row = classification_row(cid, [{"task": "T0", "value": value}], subject_id=subject, workflow_id=workflow)
    row.update(extra)
    return [row[name] for name in EXPORT_HEADER]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    return write_table(path, list(EXPORT_HEADER), rows)


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def extract(run_cli: RunCli, tmp_path: Path, export: Path, *extra: str) -> Result:
    config = write_yaml(tmp_path / "extractor.yaml", CONFIG)
    return run_cli(["extract", export, config, "-d", tmp_path / "out", "-hb", *extra], tmp_path)


def ids(path: Path) -> list[str]:
    return [r["classification_id"] for r in read_rows(path)]


def test_a_cell_of_six_megabytes_is_read_as_the_peer_reads_it(run_cli: RunCli, tmp_path: Path) -> None:
    big = json.dumps({"1001": {"notes": "x" * 6_000_000}})
    export = write_rows(tmp_path / "big.csv", [row_cells(1), row_cells(2, "No", 1001, subject_data=big),
                                               row_cells(3, "No", 1002)])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert "3 rows read, 3 matched workflow 1 v1.1, extracts: 3 question_extractor, 0 rejected" in result.out
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert [(r["classification_id"], r["subject_id"], r["data.yes"], r["data.no"]) for r in rows] == [
        ("1", "1000", "1.0", ""), ("2", "1001", "", "1.0"), ("3", "1002", "", "1.0")]


def test_big_cells_and_bad_rows_anywhere_in_a_long_file_lose_and_repeat_no_row(tmp_path: Path) -> None:
    """Cells bigger than the block, after bad rows and between them: every good row once, in
    order, every bad row reported once, with small blocks so the reader starts again often."""
    rows, good, bad = [], [], []
    for cid in range(1, 401):
        if cid % 97 == 0:
            rows.append([*row_cells(cid), "extra"])
            bad.append(str(cid))
        elif cid % 61 == 0:
            rows.append(row_cells(cid)[:-2])
            bad.append(str(cid))
        else:
            notes = "y" * (300_000 if cid % 45 == 0 else 10)
            rows.append(row_cells(cid, subject_data=json.dumps({"1000": {"notes": notes}})))
            good.append(str(cid))
    export = write_rows(tmp_path / "long.csv", rows)
    found: list[BadRow] = []
    seen = []
    for batch in iter_batches(export, block_size=1 << 16, on_bad_row=found.append):
        seen += [raw.decode() for raw in batch.column(0).to_pylist()]
    assert seen == good
    assert sorted(row.cell(list(EXPORT_HEADER), "classification_id") for row in found) == sorted(bad)


def test_a_row_with_a_field_too_many_or_too_few_is_a_reject_and_the_rest_is_extracted(
        run_cli: RunCli, tmp_path: Path) -> None:
    export = write_rows(tmp_path / "ragged.csv", [
        row_cells(1), [*row_cells(2, "No", 1001), "extra"], row_cells(3, "No", 1002)[:-1], row_cells(4, "Yes", 1003),
        [*row_cells(5, "No", 1004, workflow=2), "extra"],  # another workflow's: counted as such
    ])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert "5 rows read, 4 matched workflow 1 v1.1, extracts: 2 question_extractor, 2 rejected" in result.out
    assert ids(tmp_path / "out" / "question_extractor_extractions.csv") == ["1", "4"]
    rejects = read_rows(tmp_path / "out" / "extractions_rejects.csv")
    assert [(r["file"], r["row"], r["column"]) for r in rejects] == [
        (str(export), "2", ""), (str(export), "3", "subject_ids")]
    assert rejects[0]["reason"] == (
        "too many fields: 15 where the header has 14 (a cell may hold an unquoted comma or line break, "
        "or the row was cut short; fix the row or export again)")
    assert rejects[1]["reason"].startswith("too few fields: 13 where the header has 14 (")
    assert rejects[0]["value"].startswith("2,alice,11,abc,1,Test,1.1,")


def test_a_bad_row_with_a_cell_over_128_kilobytes_is_a_reject_too(run_cli: RunCli, tmp_path: Path) -> None:
    """Found by tests/test_fuzz_offline.py: the row's classification_id was read with the csv
    module, whose field limit (128 kB) then ended the run with a traceback."""
    export = write_rows(tmp_path / "ragged.csv", [row_cells(1), [*row_cells(2, metadata="m" * 200_000), "extra"]])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert [(r["row"], r["reason"][:40]) for r in read_rows(tmp_path / "out" / "extractions_rejects.csv")] == [
        ("2", "too many fields: 15 where the header has")]


def test_a_bad_row_with_bytes_that_are_not_utf8_is_a_reject_too(run_cli: RunCli, tmp_path: Path) -> None:
    """pyarrow cannot hand such a row over: the file is read again as UTF-8 (the same text:
    a latin-1/cp1252 byte reads as it reads anywhere else)."""
    text = write_rows(tmp_path / "utf8.csv", [row_cells(1), [*row_cells(2), "extra"], row_cells(3, user_name="al-ce")])
    export = tmp_path / "latin1.csv"
    export.write_bytes(text.read_bytes().replace(b"extra", b"caf\xe9").replace(b"al-ce", b"al\xefce"))
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert [(r["classification_id"], r["user_name"]) for r in rows] == [("1", "alice"), ("3", "al\xefce")]
    rejects = read_rows(tmp_path / "out" / "extractions_rejects.csv")
    assert [(r["row"], r["reason"][:40]) for r in rejects] == [("2", "too many fields: 15 where the header has")]


def test_strict_makes_a_row_with_a_wrong_number_of_fields_fatal(run_cli: RunCli, tmp_path: Path) -> None:
    export = write_rows(tmp_path / "ragged.csv", [row_cells(1), [*row_cells(2), "extra"]])
    result = extract(run_cli, tmp_path, export, "--strict")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"Error: file {export}, row 2, value ")
    assert "too many fields: 15 where the header has 14" in result.err_lines[0]


@pytest.mark.parametrize("name", ["annotations", "classification_id", "subject_ids"])
def test_a_column_named_twice_that_zooagg_reads_is_one_error_line(run_cli: RunCli, tmp_path: Path, name: str) -> None:
    header = [*EXPORT_HEADER, name]
    export = write_table(tmp_path / "twice.csv", header, [[*row_cells(1), "2"]])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 2
    place = ", ".join(str(i + 1) for i, n in enumerate(header) if n == name)
    assert result.err_lines == [f"Error: file {export}, column {name}: the header names column {name} 2 times "
                                f"(columns {place}) (remove or rename all but one of them)"]


def test_a_column_named_twice_that_zooagg_does_not_read_changes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    export = write_table(tmp_path / "twice.csv", [*EXPORT_HEADER, "user_ip"], [[*row_cells(1), "1.2.3.4"]])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert ids(tmp_path / "out" / "question_extractor_extractions.csv") == ["1"]


@pytest.mark.parametrize("command", ["extract", "reduce"])
def test_a_config_that_is_not_utf8_is_one_error_line(run_cli: RunCli, tmp_path: Path, command: str) -> None:
    export = write_rows(tmp_path / "ok.csv", [row_cells(1)])
    config = tmp_path / "latin1.yaml"
    config.write_bytes(CONFIG.replace("T0}]", "T0, name: caf\xe9}]").encode("latin-1"))
    result = run_cli([command, export, config, "-d", tmp_path / "out"], tmp_path)
    assert result.code == 2
    assert result.err_lines == [f"Error: file {config}: not UTF-8 text (byte 0xe9 at position 63) "
                                "(save the config as UTF-8)"]


# ---- rows that parse but cannot be a classification: rejected, named -----------------------

def test_rows_without_what_every_classification_has_are_rejects_never_an_empty_subject(
        run_cli: RunCli, tmp_path: Path) -> None:
    export = write_rows(tmp_path / "bad.csv", [
        row_cells(1),
        row_cells(2, annotations=json.dumps([{"task": "T0", "value": "Yes"}, {"value": "No"}])),
        row_cells(3, subject_ids=""),
        row_cells(4, classification_id=""),
        row_cells(5, created_at="not a date"),
        row_cells(6, subject_data='{"1000": '),
        row_cells(7, subject_ids="NA"),
        row_cells(8, annotations=json.dumps([{"task": None, "value": "No"}])),
        row_cells(9, "No"),
    ])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert "9 rows read, 9 matched workflow 1 v1.1, extracts: 2 question_extractor, 7 rejected" in result.out
    rows = read_rows(tmp_path / "out" / "question_extractor_extractions.csv")
    assert [(r["classification_id"], r["subject_id"]) for r in rows] == [("1", "1000"), ("9", "1000")]
    rejects = read_rows(tmp_path / "out" / "extractions_rejects.csv")
    assert [(r["row"], r["column"], r["value"], r["reason"]) for r in rejects] == [
        ("2", "annotations", "{'value': 'No'}", 'an annotation has no task key (or one that is not text) '
         '(each annotation names its task, as {"task": "T0", "value": ...}; check the export)'),
        ("3", "subject_ids", "", "the subject_ids cell is empty (the classification cannot be given to a subject; "
         "check the export)"),
        ("", "classification_id", "", "the classification_id cell is empty (every classification has its id; "
         "check the export)"),
        ("5", "created_at", "not a date", "created_at is not a date and time (write it as the export does, "
         "2024-01-01 10:00:00 UTC (ISO 8601 reads too: 2024-01-01T10:00:00Z))"),
        ("6", "subject_data", '{"1000": ', "invalid JSON (unexpected end of data) (the cell is damaged; "
         "re-export or fix the row)"),
        ("7", "subject_ids", "", "the subject_ids cell is empty (the classification cannot be given to a subject; "
         "check the export)"),
        ("8", "annotations", "{'task': None, 'value': 'No'}", 'an annotation has no task key (or one that is not '
         'text) (each annotation names its task, as {"task": "T0", "value": ...}; check the export)'),
    ]


@pytest.mark.parametrize("created_at", ["2024-01-01 10:00:00 UTC", "2019-05-22T06:28:13.667Z",
                                        "2024-01-01T10:00:00+02:00", "2015-09-10 10:01:58.123 UTC", "2024-01-01"])
def test_created_at_in_the_export_form_or_iso_8601_reads(run_cli: RunCli, tmp_path: Path, created_at: str) -> None:
    export = write_rows(tmp_path / "ok.csv", [row_cells(1, created_at=created_at)])
    result = extract(run_cli, tmp_path, export)
    assert result.code == 0, result.err
    assert [r["created_at"] for r in read_rows(tmp_path / "out" / "question_extractor_extractions.csv")] == [
        created_at]


def test_a_subject_export_row_with_a_field_too_many_is_one_error_naming_it(tmp_path: Path) -> None:
    from zooagg.errors import InputError
    from zooagg.exports.subjects import read_subjects

    export = tmp_path / "subjects.csv"
    export.write_text("subject_id,metadata,locations\n1,{},{}\n2,{},{},x\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        list(read_subjects(export))
    assert str(raised.value) == (f"file {export}, row 2: too many fields: 4 where the header has 3 "
                                 "(fix the row, or write or export the file again)")
