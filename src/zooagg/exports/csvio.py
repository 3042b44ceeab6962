"""Streaming CSV reading with pyarrow: every column as raw bytes, decoded per cell.

Reading bytes (not strings) lets one bad latin-1 byte affect only its own row, and lets the
JSON columns go straight to orjson without an intermediate `str`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError, Where

#: a record holds every column as bytes (or b"" when absent)
Record = dict[str, bytes]


def header_of(path: Path) -> list[str]:
    """The header row of a CSV file, decoded; raises InputError for a missing or empty file."""
    if not path.exists():
        raise InputError("file not found", hint="check the path", where=Where(file=str(path)))
    if path.is_dir():
        raise InputError("is a folder, not a CSV file", hint="give the export file", where=Where(file=str(path)))
    if os.path.getsize(path) == 0:
        raise InputError("the file is empty", hint="download the export again", where=Where(file=str(path)))
    reader = _open(path, names=None, block_size=1 << 16)
    return list(reader.schema.names)


def _open(path: Path, names: list[str] | None, block_size: int,
          include: list[str] | None = None) -> pacsv.CSVStreamingReader:
    read_options = pacsv.ReadOptions(block_size=block_size, use_threads=True)
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    column_types = None
    if names is not None:
        column_types = {name: pa.binary() for name in names}
    convert_options = pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=False,
                                           include_columns=include)
    try:
        return pacsv.open_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(
            f"cannot read as CSV: {str(exc).splitlines()[0]}",
            hint="is this a Zooniverse CSV export?",
            where=Where(file=str(path)),
        ) from exc


def iter_batches(path: Path, block_size: int = 1 << 22, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Record batches of raw-bytes columns, streamed (memory bounded by block_size); with
    `columns`, only those (names of the header, each once), in that order."""
    names = header_of(path)
    reader = _open(path, names=names, block_size=block_size, include=columns)
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"malformed CSV: {str(exc).splitlines()[0]}",
                hint="the file may be truncated or not a CSV export; download it again",
                where=Where(file=str(path)),
            ) from exc
        yield batch


def require_columns(path: Path, missing: list[str], hint: str) -> None:
    """One error naming the columns a file lacks (the first as its column), if any."""
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", hint=hint,
                         where=Where(file=str(path), column=missing[0]))


def decode(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text, falling back to cp1252/latin-1; the flag says a fallback was needed."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), True
        except UnicodeDecodeError:
            return raw.decode("latin-1"), True
