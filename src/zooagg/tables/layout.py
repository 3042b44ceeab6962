"""How a table is laid out as the peer's files: the fixed columns of extracts and reductions,
the data columns in first-seen order (or `-O` alphabetical) with the types seen (`ColumnStats`),
rows ending in "\\n", and the whole table written as CSV or typed Parquet from its spool."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from .atomic import atomic_open
from .cells import (
    _ABSENT,
    _BOOL,
    _FLOAT,
    _INT,
    _NULL,
    _STR,
    _TYPE_TAGS,
    Column,
    _object_text,
    _tag,
    flatten,
)

if TYPE_CHECKING:
    from .spool import SpooledTable

EXTRACT_COLUMNS = ("classification_id", "user_name", "user_id", "workflow_id", "task", "created_at",
                   "subject_id", "extractor")
REDUCTION_COLUMNS = ("subject_id", "workflow_id", "task", "reducer")
#: reduction columns that `-O` (alphabetical order) still puts first, as the peer does
REDUCTION_FRONT = ("choice", "total_vote_count", "choice_count")


class _LineFeed:
    """Rows end in "\n" as the peer's, yet a field holding a lone "\r" is still quoted.

    The csv module only quotes characters of its line terminator, so it writes with "\r\n"
    (quoting both) and this turns each row's ending into "\n". (The peer leaves such a "\r"
    bare, and its file then splits the row when read back.)
    """

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle

    def write(self, line: str) -> int:
        return self.handle.write(line[:-2] + "\n")


def csv_writer(handle: IO[str]) -> Any:
    return csv.writer(_LineFeed(handle), lineterminator="\r\n")


class ColumnStats:
    """Columns in first-seen order with the types seen; mergeable across worker batches."""

    def __init__(self) -> None:
        self.columns: dict[str, Column] = {}
        self.rows = 0

    def learn(self, meta: Sequence[Any], data: dict[str, Any]) -> tuple[Sequence[Any], dict[str, Any]]:
        """A row ready to spool (meta, flattened data), learning its columns on the way."""
        flat = flatten(data)
        columns = self.columns
        tags = _TYPE_TAGS
        for name, value in flat.items():
            column = columns.get(name)
            if column is None:
                column = columns[name] = Column(name)
            kind = type(value)
            if kind is float:
                column.tags |= _FLOAT if value == value else _NULL  # NaN != NaN
            else:
                column.tags |= tags.get(kind) or _tag(value)
            column.present += 1
        self.rows += 1
        return meta, flat

    def merge(self, other: ColumnStats) -> None:
        for name, theirs in other.columns.items():
            mine = self.columns.get(name)
            if mine is None:
                mine = self.columns[name] = Column(name)
            mine.tags |= theirs.tags
            mine.present += theirs.present
        self.rows += other.rows


def column_order(names: list[str], order: bool, front: Sequence[str] = ()) -> list[str]:
    """Data columns in first-seen order, or with -O alphabetical with the `front` keys first."""
    names = list(names)
    if order:
        names.sort()
        for key in reversed(front):
            if f"data.{key}" in names:
                names.remove(f"data.{key}")
                names.insert(0, f"data.{key}")
    return names


def write_csv(table: SpooledTable, names: list[str]) -> tuple[Path, Path]:
    """The table as the peer's CSV, in a temp file beside its path: (temp file, final path)."""
    formatters = [table.columns[n].formatter(table.rows) for n in names]
    cells = list(zip(names, formatters, strict=True))
    # meta cells are text already; only those given a formatter (user_id) need one
    meta_formats = [(i, table.meta_format[m]) for i, m in enumerate(table.meta_columns) if m in table.meta_format]
    handle, tmp = atomic_open(table.path)
    with handle:
        writer = csv_writer(handle)
        writer.writerow([*table.meta_columns, *names])
        for meta, flat in table.records():
            row = ["" if v is None else v if type(v) is str else _object_text(v) for v in meta]
            for i, formatter in meta_formats:
                row[i] = formatter(meta[i])
            get = flat.get
            row += [formatter(value) if (value := get(n, _ABSENT)) is not _ABSENT else ""
                    for n, formatter in cells]
            writer.writerow(row)
    return tmp, table.path

def write_parquet(table: SpooledTable, names: list[str]) -> tuple[Path, Path]:
    """The table as typed Parquet (lists and mappings as JSON text), in a temp file: (temp file, final path)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = table.path.with_suffix(".parquet")
    handle, tmp = atomic_open(path, "wb")
    handle.close()
    fields = [pa.field(m, pa.string()) for m in table.meta_columns]
    for name in names:
        kinds = table.columns[name].tags & ~_NULL
        if kinds == _INT:
            fields.append(pa.field(name, pa.int64()))
        elif kinds and not kinds & ~(_INT | _FLOAT):
            fields.append(pa.field(name, pa.float64()))
        elif kinds == _BOOL:
            fields.append(pa.field(name, pa.bool_()))
        elif kinds == _STR:
            fields.append(pa.field(name, pa.string()))
        else:  # lists, mappings and mixed columns: JSON text
            fields.append(pa.field(name, pa.string()))
    schema = pa.schema(fields)
    json_columns = {f.name for f in fields[len(table.meta_columns):]
                    if f.type == pa.string() and table.columns[f.name].tags & ~(_STR | _NULL)}
    with pq.ParquetWriter(tmp, schema) as writer:
        batch: list[dict[str, Any]] = []
        for meta, flat in table.records():
            record = {m: (None if v is None else str(v)) for m, v in zip(table.meta_columns, meta, strict=True)}
            for name in names:
                value = flat.get(name)
                if name in json_columns and value is not None:
                    value = orjson.dumps(value).decode()
                record[name] = value
            batch.append(record)
            if len(batch) >= 10000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or table.rows == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return tmp, path


