"""Streaming CSV reading with pyarrow: every column as raw bytes, decoded per cell.

Reading bytes (not strings) lets one bad latin-1 byte affect only its own row, and lets the
JSON columns go straight to orjson without an intermediate `str`. A cell bigger than the
reader's block makes it start again with bigger blocks where it was (the peer, through
pandas, takes a cell of any size); a row with more or fewer fields than the header is handed
to the caller as a `BadRow` and the rest of the file is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError, RowError, Where

#: a record holds every column as bytes (or b"" when absent)
Record = dict[str, bytes]


#: blocks grow by this factor when a cell does not fit one, up to MAX_BLOCK
GROWTH = 4
MAX_BLOCK = (1 << 31) - 1


@dataclass(frozen=True)
class BadRow:
    """A row with more or fewer fields than the header: its text and its field counts."""

    text: str
    expected: int
    actual: int

    def cell(self, header: list[str], name: str) -> str:
        """The row's cell under `name`, read where the header puts it (the fields before the
        fault are in place; "" when the row is too short to have it)."""
        if csv.field_size_limit() < len(self.text):  # the csv module's limit (128 kB) is no cell limit here
            csv.field_size_limit(len(self.text))
        fields = next(csv.reader(io.StringIO(self.text)), [])
        index = header.index(name) if name in header else len(fields)
        return fields[index] if index < len(fields) else ""

    def error(self, file: str, header: list[str], remedy: str = "fix the row or export again") -> RowError:
        """The rejects row: which row (its classification_id, or its first cell), how many
        fields; `remedy` says what to do (the export's or the extract file's way)."""
        key = "classification_id" if "classification_id" in header else header[0]
        how = "too few" if self.actual < self.expected else "too many"
        column = header[self.actual] if self.actual < self.expected else None  # the first one missing
        return RowError(f"{how} fields: {self.actual} where the header has {self.expected}",
                        hint=f"a cell may hold an unquoted comma or line break, or the row was cut short; {remedy}",
                        where=Where(file=file, row=self.cell(header, key) or None, column=column,
                                    value=self.text[:60]))


def header_of(path: Path) -> list[str]:
    """The header row of a CSV file, decoded; raises InputError for a missing or empty file."""
    if not path.exists():
        raise InputError("file not found", hint="check the path", where=Where(file=str(path)))
    if path.is_dir():
        raise InputError("is a folder, not a CSV file", hint="give the export file", where=Where(file=str(path)))
    if os.path.getsize(path) == 0:
        raise InputError("the file is empty", hint="download the export again", where=Where(file=str(path)))
    block, transcoded = 1 << 16, False
    while True:
        try:
            reader = _open(path, None, block, lambda _row: None, transcoded=transcoded)
        except _StraddlingError:
            block = _grown(path, block)
            continue
        except _NotUtf8BadRowError:
            transcoded = True
            continue
        return list(reader.schema.names)


class _StraddlingError(Exception):
    """A cell bigger than the reader's block: read again with bigger blocks."""


class _NotUtf8BadRowError(Exception):
    """A bad row pyarrow could not hand over (its text is not UTF-8): read again as UTF-8."""


def _grown(path: Path, block: int) -> int:
    if block >= MAX_BLOCK:
        raise InputError("a cell is bigger than 2 GB", hint="is this a Zooniverse CSV export?",
                         where=Where(file=str(path)))
    return min(block * GROWTH, MAX_BLOCK)


def _straddles(exc: Exception) -> bool:
    return "straddl" in str(exc)


def _open(path: Path, names: list[str] | None, block_size: int, on_bad_row: Callable[[BadRow], bool | None],
          include: list[str] | None = None, skip: int = 0, kind: pa.DataType | None = None,
          transcoded: bool = False) -> pacsv.CSVStreamingReader:
    """The streaming reader; `on_bad_row` returning False stops it (pyarrow raises then)."""
    def handler(row: Any) -> str:
        return "error" if on_bad_row(BadRow(row.text, row.expected_columns, row.actual_columns)) is False else "skip"

    read_options = pacsv.ReadOptions(block_size=block_size, use_threads=True, skip_rows_after_names=skip)
    parse_options = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=handler)
    column_types = None
    if names is not None:
        column_types = {name: kind or pa.binary() for name in names}
    convert_options = pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=False,
                                           include_columns=include)
    try:
        source: Any = io.BufferedReader(_Transcoded(path), 1 << 20) if transcoded else path
        return pacsv.open_csv(
            source, read_options=read_options, parse_options=parse_options, convert_options=convert_options
        )
    except (pa.ArrowInvalid, OSError) as exc:
        if _straddles(exc):
            raise _StraddlingError from exc
        if _unhandled_bad_row(exc) and not transcoded:
            raise _NotUtf8BadRowError from exc
        raise _unreadable(path, exc, "cannot read as CSV", "is this a Zooniverse CSV export?") from exc


def _unhandled_bad_row(exc: Exception) -> bool:
    """A row of the wrong length pyarrow could not hand to the handler (its text is not UTF-8)."""
    first = (str(exc).splitlines() or [""])[0]
    return "Expected" in first and "columns, got" in first


def _legacy(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: bytes that are not UTF-8 read as cp1252 (latin-1 where it has none)."""
    assert isinstance(error, UnicodeDecodeError)
    raw = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in raw), error.end


codecs.register_error("zooagg-legacy", _legacy)


class _Transcoded(io.RawIOBase):
    """The file as UTF-8 throughout: bytes that are not UTF-8 become the text `decode` makes of
    them (cp1252), so pyarrow can hand every bad row over. The same text, cell for cell."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed with this stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="zooagg-legacy")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            raw = self._file.read(1 << 20)
            self._pending = self._decoder.decode(raw, final=not raw).encode("utf-8")
            if not raw:
                break
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._file.close()
        super().close()


def _unreadable(path: Path, exc: Exception, what: str, hint: str) -> InputError:
    first = str(exc).splitlines()[0]
    if _unhandled_bad_row(exc):  # a bad row the handler could not be given
        hint = ("a row has a wrong number of fields and bytes that are not UTF-8, which the reader cannot "
                "set aside; fix the row or export again")
    return InputError(f"{what}: {first}", hint=hint, where=Where(file=str(path)))


#: `iter_batches(on_bad_row=FATAL)`: a bad row ends the read with an InputError naming it
FATAL: Callable[[BadRow], bool] = lambda _row: False  # noqa: E731 - a sentinel


def iter_batches(path: Path, block_size: int = 1 << 22, columns: list[str] | None = None,
                 on_bad_row: Callable[[BadRow], bool | None] | None = None, kind: pa.DataType | None = None,
                 ) -> Iterator[pa.RecordBatch]:
    """Record batches of raw-bytes columns (`kind`: another type), streamed (memory bounded by
    block_size, or by the largest cell when that is bigger); with `columns`, only those (names
    of the header, each once), in that order. A row with more or fewer fields than the header
    goes to `on_bad_row` and the rest is read (FATAL: the read ends with an error naming it);
    without one, it is skipped (for passes over a file whose bad rows the extract step reports)."""
    names = header_of(path)
    done = 0  # rows (good or bad) handed on: skipped when the file is read again with bigger blocks
    refused: list[BadRow] = []

    def bad(row: BadRow) -> bool | None:
        nonlocal done
        if on_bad_row is not None and on_bad_row(row) is False:
            refused.append(row)
            return False
        done += 1
        return None

    transcoded = False
    while True:
        try:
            reader = _open(path, names, block_size, bad, columns, skip=done, kind=kind, transcoded=transcoded)
            while True:
                batch = reader.read_next_batch()
                done += batch.num_rows
                yield batch
        except StopIteration:
            return
        except _NotUtf8BadRowError:
            transcoded = True
            continue
        except (_StraddlingError, pa.ArrowInvalid, InputError) as exc:
            if refused:
                error = refused[0].error(str(path), names)
                raise InputError(error.message, hint="fix the row, or write or export the file again",
                                 where=Where(file=str(path), row=error.where.row)) from exc
            if isinstance(exc, InputError):
                raise
            if _unhandled_bad_row(exc) and not transcoded:
                transcoded = True  # pyarrow could not hand over a bad row with non-UTF-8 bytes: again, as UTF-8
                continue
            if not (isinstance(exc, _StraddlingError) or _straddles(exc)):
                raise _unreadable(path, exc, "malformed CSV", "the file may be truncated or not a CSV export; "
                                  "download it again") from exc
            block_size = _grown(path, block_size)


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
