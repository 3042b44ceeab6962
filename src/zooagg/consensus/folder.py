"""The consensus table of a run folder: read its reductions, task labels and extracts, write
`consensus_workflow_<id>.csv` (or `.parquet`) beside them."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import yaml

from ..errors import InputError, RowError, Where
from ..exports.csvio import decode
from ..manifest import Outputs, recorded_outputs
from ..tables.cells import parse_cell
from .build import ConsensusTable, Counts, consensus_table
from .votes import Labels
from .weighted import add_weighted

#: text cells a parser must leave alone (a transcription "[illegible]" is not a list)
TEXT_KEYS = frozenset({"data.consensus_text", "data.choice", "data.most_likely"})
#: metadata keys that are Panoptes bookkeeping, not the team's own
SKIPPED_METADATA = frozenset({"retired"})


def reduction_files(folder: Path) -> list[Path]:
    return sorted(p for p in (*folder.glob("*_reductions*.csv"), *folder.glob("*_reductions*.parquet"))
                  if "_rejects" not in p.name)


def extract_files(folder: Path) -> list[Path]:
    return sorted((*folder.glob("*_extractions.csv"), *folder.glob("*_extractions.parquet")))


def _table_rows(path: Path, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        yield from pq.read_table(path, columns=columns).to_pylist()
        return
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row if columns is None else {c: row.get(c) for c in columns}


def read_reductions(folder: Path, names: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every reduction row of a folder (of the files named, when `names` is given), `data.*`
    cells parsed back to numbers, lists and maps."""
    for path in reduction_files(folder):
        if names is not None and path.name not in names:
            continue
        for row in _table_rows(path):
            yield {k: (parse_cell(v) if k.startswith("data.") and k not in TEXT_KEYS else v)
                   for k, v in row.items() if k is not None}


def read_labels(folder: Path) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for path in sorted(folder.glob("Task_labels_workflow_*.yaml")):
        with path.open(encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
        if isinstance(loaded, dict):
            labels.update(loaded)
    return labels


def classifications_per_subject(folder: Path) -> Counts:
    """The classifications of every extract file of the folder, per subject and per task."""
    counts = Counts()
    for path in extract_files(folder):
        for row in _table_rows(path):
            counts.add(str(row["subject_id"]), str(row["task"]), str(row["classification_id"]), row.get("user_name"),
                       (v for k, v in row.items() if k and k.startswith("data.") and k != "data.aggregation_version"))
    return counts


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


#: what a rejects row of unreadable subject metadata says to do
METADATA_HINT = "fix the cell or download the export again; the subject has no metadata from this row"


def metadata_from_subjects(path: Path, wanted: set[str]) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    """Each subject's metadata as a subject export gives it (first row seen), and the rows of
    `wanted` subjects whose metadata cell could not be read (damaged JSON, not an object):
    rejects naming the subject, never skipped without a word."""
    from ..exports.subjects import UNREADABLE, read_subjects

    found: dict[str, dict[str, Any]] = {}
    unreadable: list[RowError] = []
    for subject in read_subjects(path):
        sid = str(subject.get("subject_id", ""))
        if sid not in wanted or sid in found:
            continue
        metadata = subject.get("metadata")
        bad = subject.get(UNREADABLE, {}).get("metadata")
        if bad is None and isinstance(metadata, dict):
            found[sid] = {k: _cell(v) for k, v in metadata.items()}
            continue
        reason, text = bad or ("metadata is not an object", orjson.dumps(metadata).decode())
        unreadable.append(_unreadable(path, sid, f"subject {sid}: {reason}", text, column="metadata"))
    return found, unreadable


def metadata_from_classifications(path: Path, wanted: set[str]) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    """Each subject's metadata as the classification export's `subject_data` gives it (first
    seen), and the cells of rows of `wanted` subjects it could not be read from (damaged JSON,
    not an object, the subject's entry not an object): rejects, never skipped without a word."""
    from ..exports.csvio import header_of, iter_batches

    header = header_of(path)
    if "subject_data" not in header:
        return {}, []
    columns = ["subject_data", *(c for c in ("classification_id", "subject_ids") if c in header)]
    found: dict[str, dict[str, Any]] = {}
    unreadable: list[RowError] = []
    for batch in iter_batches(path, columns=columns):
        for index, raw in enumerate(batch.column(0).to_pylist()):
            data, error = _subject_data(raw)
            if error is None and not isinstance(data, dict):
                error = "subject_data is not an object of subjects"
            if error is not None:
                row = _row(batch, columns, index)  # (read only where needed)
                if row.get("subject_ids", "").strip() in wanted or "subject_ids" not in row:
                    unreadable.append(_unreadable(path, row.get("classification_id"), error, decode(raw)[0]))
                continue
            for sid, entry in data.items():
                if sid in wanted and not isinstance(entry, dict):
                    row = _row(batch, columns, index)
                    unreadable.append(_unreadable(path, row.get("classification_id"),
                                                  f"the subject_data entry of subject {sid} is not an object of "
                                                  "metadata", orjson.dumps(entry).decode()))
                elif sid in wanted and sid not in found:
                    found[sid] = {k: _cell(v) for k, v in entry.items() if k not in SKIPPED_METADATA}
    return found, unreadable


def _row(batch: Any, columns: list[str], index: int) -> dict[str, str]:
    """The row's classification_id and subject_ids (the columns after subject_data)."""
    return {name: decode(batch.column(i)[index].as_py())[0] for i, name in enumerate(columns) if i}


def _subject_data(raw: bytes) -> tuple[Any, str | None]:
    """The cell's JSON (an empty cell: none), or why it cannot be read; bytes that are not
    UTF-8 read as the classification reader reads them (`csvio.decode`)."""
    if raw in (b"", b"NA"):
        return {}, None
    try:
        return orjson.loads(raw), None
    except orjson.JSONDecodeError:
        try:
            return orjson.loads(decode(raw)[0]), None
        except orjson.JSONDecodeError as exc:
            return None, f"invalid JSON ({exc.msg})"


def _unreadable(path: Path, row: str | None, message: str, value: str, column: str = "subject_data") -> RowError:
    """A rejects row of subject metadata that could not be read: `row` the classification_id
    (a subject export's: the subject_id), `column` the cell's."""
    return RowError(message, hint=METADATA_HINT, where=Where(file=str(path), row=row or None, column=column,
                                                             value=value[:60]))


def folder_table(folder: Path, subjects: Path | None = None, classifications: Path | None = None,
                 outputs: Outputs | None = None) -> ConsensusTable:
    """The consensus table of one run folder; metadata from a subject export, else from the
    classification export's subject_data, else none. `outputs` names the files to read
    (default: those zooagg-run.json lists for the folder, else every one)."""
    outputs = outputs or recorded_outputs(folder)
    rows = list(read_reductions(folder, outputs.reductions))
    wanted = {str(row.get("subject_id", "")) for row in rows}
    metadata: Mapping[str, Mapping[str, Any]] = {}
    unreadable: list[RowError] = []
    if subjects is not None and subjects.exists():
        metadata, unreadable = metadata_from_subjects(subjects, wanted)
    elif classifications is not None and classifications.exists():
        metadata, unreadable = metadata_from_classifications(classifications, wanted)
    labels = read_labels(folder)
    counts = classifications_per_subject(folder)
    table = consensus_table(rows, labels, counts.per_subject(), metadata, counts.per_task())
    table.unreadable = unreadable
    return add_weighted(table, folder, Labels(labels), outputs.weighted)


def unreadable_note(table: ConsensusTable, where: Path | None = None) -> str | None:
    """What a run, `zooagg consensus` and the Python API say of the subject_data cells the
    table's metadata could not be read from (None when there are none)."""
    if not table.unreadable:
        return None
    count = len(table.unreadable)
    first = table.unreadable[0]
    see = f"see {where}" if where is not None else f"the first: {first}"
    cells = ("metadata cell(s) of the subject export" if first.where.column == "metadata"
             else "subject_data cell(s) of the classification export")
    return f"{count} {cells} could not be read for the consensus table's subject metadata; {see}"


def table_name(folder: Path, workflow_id: str) -> str:
    """`consensus_workflow_<id>`, with `_V<version>` for a version-range folder (as reports are named)."""
    name = f"consensus_workflow_{workflow_id or folder.name}"
    return f"{name}_{folder.name}" if folder.name.startswith("V") else name


def write_table(table: ConsensusTable, path: Path, fmt: str = "csv") -> Path:
    """Write atomically as CSV (spreadsheet-ready: empty for no value) or typed Parquet."""
    from ..tables.atomic import atomic_open, commit

    if fmt == "parquet":
        import pyarrow.parquet as pq

        handle, tmp = atomic_open(path, "wb")
        with handle:
            pq.write_table(arrow_table(table), handle)
    else:
        handle, tmp = atomic_open(path)
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(table.columns)
            writer.writerows([["" if v is None else v for v in record] for record in table.records()])
    commit(tmp, path)
    return path


def arrow_table(table: ConsensusTable) -> Any:
    """Column types from the values: bool, int, float or text (a mixed column becomes text)."""
    import pyarrow as pa

    arrays = []
    for index, _ in enumerate(table.columns):
        values = [record[index] for record in table.records()]
        arrays.append(pa.array(_typed(values)))
    return pa.table(arrays, names=table.columns)


def _typed(values: list[Any]) -> list[Any]:
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return values
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return values
        return [None if v is None else float(v) for v in values]
    return [None if v is None else str(v) for v in values]


class Written(NamedTuple):
    """A run folder's consensus table: its file, the table, and the rejects file of the subject
    metadata that could not be read (None when all could)."""

    path: Path
    table: ConsensusTable
    rejects: Path | None


def write_folder(folder: Path, fmt: str = "csv", subjects: Path | None = None,
                 classifications: Path | None = None, outputs: Outputs | None = None) -> Written | None:
    """Write the consensus table of one run folder (and `subject_data_rejects_workflow_<id>.csv`
    when a subject_data cell could not be read; an earlier one is removed); None when it has
    no reductions."""
    from ..engine.rejects import Rejects

    if not reduction_files(folder):
        return None
    table = folder_table(folder, subjects, classifications, outputs)
    workflow_id = table.rows[0]["workflow_id"] if table.rows else ""
    name = table_name(folder, workflow_id)
    path = folder / f"{name}.{'parquet' if fmt == 'parquet' else 'csv'}"
    rejects = Rejects(folder / f"subject_data_rejects_{name.removeprefix('consensus_')}.csv")
    for error in table.unreadable:
        rejects.add(error)
    return Written(write_table(table, path, fmt), table, rejects.finish())


def require_folder(root: Path) -> None:
    if not root.is_dir():
        raise InputError("not a folder", hint="give the folder `zooagg run -d` wrote", where=Where(file=str(root)))
