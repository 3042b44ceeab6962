"""The consensus table of a run folder: read its reductions, task labels and extracts, write
`consensus_workflow_<id>.csv` (or `.parquet`) beside them."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, Where
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


def metadata_from_subjects(path: Path, wanted: set[str]) -> dict[str, dict[str, Any]]:
    from ..exports.subjects import read_subjects

    found: dict[str, dict[str, Any]] = {}
    for subject in read_subjects(path):
        sid = str(subject.get("subject_id", ""))
        if sid in wanted and sid not in found and isinstance(subject.get("metadata"), dict):
            found[sid] = {k: _cell(v) for k, v in subject["metadata"].items()}
    return found


def metadata_from_classifications(path: Path, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """Each subject's metadata as the classification export's `subject_data` gives it (first seen)."""
    import orjson

    from ..exports.csvio import header_of, iter_batches

    if "subject_data" not in header_of(path):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for batch in iter_batches(path, columns=["subject_data"]):
        for raw in batch.column(0).to_pylist():
            try:
                data = orjson.loads(raw) if raw else {}
            except orjson.JSONDecodeError:
                continue
            for sid, entry in (data.items() if isinstance(data, dict) else ()):
                if sid in wanted and sid not in found and isinstance(entry, dict):
                    found[sid] = {k: _cell(v) for k, v in entry.items() if k not in SKIPPED_METADATA}
    return found


def folder_table(folder: Path, subjects: Path | None = None, classifications: Path | None = None,
                 outputs: Outputs | None = None) -> ConsensusTable:
    """The consensus table of one run folder; metadata from a subject export, else from the
    classification export's subject_data, else none. `outputs` names the files to read
    (default: those zooagg-run.json lists for the folder, else every one)."""
    outputs = outputs or recorded_outputs(folder)
    rows = list(read_reductions(folder, outputs.reductions))
    wanted = {str(row.get("subject_id", "")) for row in rows}
    metadata: Mapping[str, Mapping[str, Any]] = {}
    if subjects is not None and subjects.exists():
        metadata = metadata_from_subjects(subjects, wanted)
    elif classifications is not None and classifications.exists():
        metadata = metadata_from_classifications(classifications, wanted)
    labels = read_labels(folder)
    counts = classifications_per_subject(folder)
    table = consensus_table(rows, labels, counts.per_subject(), metadata, counts.per_task())
    return add_weighted(table, folder, Labels(labels), outputs.weighted)


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


def write_folder(folder: Path, fmt: str = "csv", subjects: Path | None = None,
                 classifications: Path | None = None,
                 outputs: Outputs | None = None) -> tuple[Path, ConsensusTable] | None:
    """Write the consensus table of one run folder; None when it has no reductions."""
    if not reduction_files(folder):
        return None
    table = folder_table(folder, subjects, classifications, outputs)
    workflow_id = table.rows[0]["workflow_id"] if table.rows else ""
    path = folder / f"{table_name(folder, workflow_id)}.{'parquet' if fmt == 'parquet' else 'csv'}"
    return write_table(table, path, fmt), table


def require_folder(root: Path) -> None:
    if not root.is_dir():
        raise InputError("not a folder", hint="give the folder `zooagg run -d` wrote", where=Where(file=str(root)))
