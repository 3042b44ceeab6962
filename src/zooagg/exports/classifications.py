"""The classification export, streamed in batches and parsed row by row.

Handles the exports as they are found in the wild: CRLF, latin-1 bytes (decoded, the rows
named in a warning), R write-backs (every field quoted, `NA` for missing, an unnamed leading
column), extra trailing columns, `user_id` written as `3958.0`, and the "expanded" files that
carry `extended_user_id` instead of `user_name`/`user_id`. Drawing marks of both front ends
are normalised here, once (see `marks.normalise_annotation`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, RowError, Where
from .combos import unpack_combo_annotations
from .csvio import BadRow, decode, header_of, iter_batches, require_columns
from .marks import normalise_annotations
from .versions import VersionRange, parse_version

REQUIRED = ("classification_id", "workflow_id", "created_at", "annotations", "subject_ids")
USER_COLUMNS = ("user_name", "user_id")
TEXT_COLUMNS = (
    "classification_id",
    "user_name",
    "user_id",
    "workflow_id",
    "workflow_name",
    "workflow_version",
    "created_at",
    "subject_ids",
    "gold_standard",
    "expert",
)
JSON_COLUMNS = ("metadata", "annotations", "subject_data")
MISSING = {"", "NA"}


@dataclass(slots=True)
class Classification:
    """One classification, parsed. `user_id` is "" for anonymous volunteers."""

    classification_id: str
    user_name: str
    user_id: str
    workflow_id: str
    workflow_version: str
    created_at: str
    subject_ids: str
    annotations: list[dict[str, Any]]
    metadata: dict[str, Any]
    gold_standard: bool = False
    subject_data_raw: bytes = b""
    _subject_data: Any = None

    @property
    def subject_data(self) -> dict[str, Any]:
        if self._subject_data is None:
            try:
                self._subject_data = orjson.loads(self.subject_data_raw) if self.subject_data_raw else {}
            except orjson.JSONDecodeError:
                self._subject_data = {}
        return self._subject_data


@dataclass
class ReadStats:
    rows_read: int = 0
    rows_kept: int = 0
    other_workflow: int = 0
    other_version: int = 0
    latin1_rows: list[str] = field(default_factory=list)
    #: rows with more or fewer fields than the header (of this workflow, or of none that can be told)
    bad_rows: list[RowError] = field(default_factory=list)
    workflow_ids: set[str] = field(default_factory=set)
    #: pandas (and so the peer) writes user_id as float when any is missing or has a ".0"
    user_id_is_float: bool = False


def _check_header(path: Path, header: list[str]) -> None:
    columns = set(header)
    if {"subject_id", "locations"} <= columns and "annotations" not in columns:
        raise InputError(
            "this is a subject export, not a classification export",
            hint="pass the classification export, the file named …-classifications.csv",
            where=Where(file=str(path)),
        )
    if {"tasks", "version"} <= columns and "annotations" not in columns:
        raise InputError(
            "this is a workflow export, not a classification export",
            hint="pass the classification export, the file named …-classifications.csv",
            where=Where(file=str(path)),
        )
    _check_unique(path, header)
    missing = [c for c in REQUIRED if c not in columns]
    if not (set(USER_COLUMNS) <= columns or "extended_user_id" in columns):
        missing += [c for c in USER_COLUMNS if c not in columns]
    require_columns(path, missing, "a classification export needs " + ", ".join(REQUIRED + USER_COLUMNS))


def _check_unique(path: Path, header: list[str]) -> None:
    """A column zooagg reads must be named once: two would leave which one is meant to chance."""
    read = {*TEXT_COLUMNS, *JSON_COLUMNS, "extended_user_id"}
    for name in header:
        if name in read and header.count(name) > 1:
            places = [str(i + 1) for i, n in enumerate(header) if n == name]
            raise InputError(f"the header names column {name} {len(places)} times (columns {', '.join(places)})",
                             hint="remove or rename all but one of them",
                             where=Where(file=str(path), column=name))


def _normal_user_id(text: str) -> tuple[str, bool]:
    """`3958.0` -> `3958`; missing -> ``. The flag says pandas would read the column as float."""
    if text in MISSING:
        return "", True
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2], True
    return text, False


class ClassificationReader:
    """Streams a classification export; keeps the rows of one workflow and version range."""

    def __init__(
        self,
        path: str | Path,
        workflow_id: int | str | None = None,
        versions: VersionRange | None = None,
        block_size: int = 1 << 21,
    ) -> None:
        self.path = Path(path)
        self.workflow_id = None if workflow_id is None else str(workflow_id)
        self.versions = versions or VersionRange()
        self.block_size = block_size
        self.stats = ReadStats()
        self.header = header_of(self.path)
        _check_header(self.path, self.header)

    def columns(self, subject_data: bool = True) -> list[str]:
        """The columns a parse needs (subject_data is large: leave it out when unused)."""
        wanted = (*TEXT_COLUMNS, "metadata", "annotations", "extended_user_id") + (("subject_data",) if subject_data else ())
        return [c for c in wanted if c in self.header]

    def arrow_batches(self, subject_data: bool = True) -> Iterator[pa.RecordBatch]:
        """Record batches (raw bytes) of the rows of the workflow and versions, needed columns only."""
        names = self.columns(subject_data)
        for batch in iter_batches(self.path, self.block_size, self._read_columns(names), self._bad_row):
            self.stats.rows_read += batch.num_rows
            if not self.stats.user_id_is_float:
                self._scan_user_ids(batch)
            if self.workflow_id is not None:
                wf = batch.column(batch.schema.get_field_index("workflow_id"))
                if len(self.stats.workflow_ids) < 50:
                    self.stats.workflow_ids.update(v.decode("latin-1") for v in pc.unique(wf).to_pylist())
                kept = batch.filter(pc.equal(wf, pa.scalar(self.workflow_id.encode(), pa.binary())))
                self.stats.other_workflow += batch.num_rows - kept.num_rows
                batch = kept
            if "workflow_version" in self.header and (self.versions.min or self.versions.max):
                column = batch.column(batch.schema.get_field_index("workflow_version"))
                allowed = [v for v in pc.unique(column).to_pylist() if self._version_ok(v)]
                kept = batch.filter(pc.is_in(column, value_set=pa.array(allowed, pa.binary())))
                self.stats.other_version += batch.num_rows - kept.num_rows
                batch = kept
            self.stats.rows_kept += batch.num_rows
            if batch.num_rows:
                yield batch.select(names)

    def _bad_row(self, row: BadRow) -> None:
        """A row with a wrong number of fields: rejected, unless it is plainly another
        workflow's (counted so, as its well-formed rows are)."""
        self.stats.rows_read += 1
        workflow = row.cell(self.header, "workflow_id")
        if self.workflow_id is not None and workflow.isdigit() and workflow != self.workflow_id:
            self.stats.other_workflow += 1
            return
        self.stats.rows_kept += 1
        self.stats.bad_rows.append(row.error(str(self.path), self.header))

    def _read_columns(self, names: list[str]) -> list[str] | None:
        """The columns worth converting: `names` and those the filters and checks read (all
        of them when the header repeats a name no check reads)."""
        if len(set(self.header)) < len(self.header):
            return None
        wanted = {*names, "workflow_id", "workflow_version", "user_id", "extended_user_id"}
        return [name for name in self.header if name in wanted]

    def batches(self, subject_data: bool = True) -> Iterator[list[dict[str, bytes]]]:
        """Raw records (column -> bytes) of the matching rows, one list per CSV block."""
        for batch in self.arrow_batches(subject_data):
            yield records_of(batch)

    def _scan_user_ids(self, batch: pa.RecordBatch) -> None:
        """pandas reads user_id as float when any is missing or written with a decimal point."""
        name = "user_id" if "user_id" in self.header else "extended_user_id"
        if name not in self.header or batch.num_rows == 0:
            return
        text = batch.column(batch.schema.get_field_index(name)).cast(pa.string(), safe=False)
        whole_numbers = pc.all(pc.match_substring_regex(text, r"^[0-9]+$")).as_py()
        if not whole_numbers:
            self.stats.user_id_is_float = True

    def _version_ok(self, raw: bytes) -> bool:
        try:
            return parse_version(raw.decode("latin-1")) in self.versions
        except ValueError:
            return True  # kept; parse_record rejects it with a clear reason

    def __iter__(self) -> Iterator[Classification | RowError]:
        for records in self.batches():
            for record in records:
                yield parse_record(record, str(self.path), self.stats)


def records_of(batch: pa.RecordBatch) -> list[dict[str, bytes]]:
    """Rows of a raw-bytes record batch as dicts."""
    names = batch.schema.names
    columns = [batch.column(i).to_pylist() for i in range(len(names))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def parse_record(record: dict[str, bytes], file: str, stats: ReadStats | None = None) -> Classification | RowError:
    """Parse one raw record; a bad row comes back as a RowError (never raised)."""
    text: dict[str, str] = {}
    latin1 = False
    for name in TEXT_COLUMNS:
        raw = record.get(name)
        if raw is None:
            text[name] = ""
            continue
        value, fell_back = decode(raw)
        latin1 |= fell_back
        text[name] = "" if value == "NA" else value
    if "extended_user_id" in record and "user_name" not in record:
        text["user_name"], text["user_id"] = _extended_user(record["extended_user_id"])
    text["user_id"], _ = _normal_user_id(text["user_id"])
    raws = (record.get("annotations", b""), record.get("metadata", b""), record.get("subject_data", b""))
    return _classification([text[name] for name in TEXT_COLUMNS], latin1, raws, file, stats)


def _extended_user(raw: bytes) -> tuple[str, str]:
    """user_name and user_id from an expanded export's extended_user_id."""
    extended, _ = decode(raw)
    return extended, extended if extended.replace(".", "", 1).isdigit() else ""


def parse_batch(batch: pa.RecordBatch, file: str, stats: ReadStats | None = None,
                keep_subject_data: bool = True) -> list[Classification | RowError]:
    """`parse_record` of every row of a raw-bytes record batch, the text columns decoded whole.
    Every subject_data cell is checked; without `keep_subject_data` (no extractor reads it) the
    parsed value is not kept, and `Classification.subject_data` parses the cell if asked."""
    names = batch.schema.names
    rows = batch.num_rows
    latin1 = [False] * rows
    text: list[list[str]] = []
    for name in TEXT_COLUMNS:
        if name not in names:
            text.append([""] * rows)
            continue
        text.append(_decoded(batch.column(names.index(name)), latin1))
    if "extended_user_id" in names and "user_name" not in names:
        users = [_extended_user(raw) for raw in batch.column(names.index("extended_user_id")).to_pylist()]
        text[1], text[2] = [u[0] for u in users], [u[1] for u in users]
    text[2] = [_normal_user_id(u)[0] if u else "" for u in text[2]]
    empty = [b""] * rows
    raws = [batch.column(names.index(n)).to_pylist() if n in names else empty for n in JSON_COLUMNS]
    subject = _parse_json if keep_subject_data else _check_json
    rows_text = zip(*text, strict=True)
    return [_classification(fields, flag, (annotations, metadata, subject_data), file, stats, subject)
            for fields, flag, metadata, annotations, subject_data in zip(rows_text, latin1, *raws, strict=True)]


def _parse_json(raw: bytes) -> tuple[Any, str | None]:
    """(the parsed cell, or None for an empty one; orjson's reason when it is no JSON)."""
    if raw in (b"", b"NA"):
        return None, None
    try:
        return orjson.loads(raw), None
    except orjson.JSONDecodeError as exc:
        return None, exc.msg


def _check_json(raw: bytes) -> tuple[Any, str | None]:
    """`_parse_json`'s reason only: the value is left for whoever asks for it."""
    return None, _parse_json(raw)[1]


def _decoded(column: pa.Array, latin1: list[bool]) -> list[str]:
    """A raw text column as `decode` makes each cell ("NA" as ""), marking the rows that fell back."""
    try:
        cells = column.cast(pa.string()).to_pylist()
    except (pa.ArrowInvalid, UnicodeDecodeError):  # not all UTF-8: cell by cell
        cells = []
        for row, raw in enumerate(column.to_pylist()):
            value, fell_back = decode(raw)
            if fell_back:
                latin1[row] = True
            cells.append(value)
    return ["" if cell == "NA" else cell for cell in cells]


def _classification(text: Sequence[str], latin1: bool, raws: tuple[bytes, bytes, bytes], file: str,
                    stats: ReadStats | None,
                    subject: Callable[[bytes], tuple[Any, str | None]] = _parse_json) -> Classification | RowError:
    """A Classification from decoded text (TEXT_COLUMNS order, user columns final) and raw JSON
    cells; `subject` reads the subject_data cell (`_parse_json`, or `_check_json`)."""
    cid, user_name, user_id, workflow_id, _, version, created_at, subject_ids, gold_standard, _ = text
    if latin1 and stats is not None:
        stats.latin1_rows.append(cid)
    missing = _missing_cell(cid, subject_ids, created_at, file)
    if missing is not None:
        return missing
    parsed: list[Any] = []
    for name, raw in (("annotations", raws[0]), ("metadata", raws[1])):
        if raw in (b"", b"NA"):
            if name == "annotations":
                return RowError("the annotations cell is empty", hint="the row cannot be classified; check the export",
                                where=Where(file=file, row=cid, column=name))
            parsed.append({})
            continue
        try:
            parsed.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            try:
                parsed.append(orjson.loads(decode(raw)[0]))
            except orjson.JSONDecodeError as exc:
                return RowError(f"invalid JSON ({exc.msg})", hint="the cell is damaged; re-export or fix the row",
                                where=Where(file=file, row=cid, column=name, value=raw[:60].decode("latin-1")))
    annotations, metadata = parsed
    if not isinstance(annotations, list) or not all(map(isinstance, annotations, repeat(dict))):
        return RowError("annotations must be a JSON list of objects", hint="check the export",
                        where=Where(file=file, row=cid, column="annotations", value=str(annotations)[:60]))
    for annotation in annotations:
        if not isinstance(annotation.get("task"), str):
            return RowError("an annotation has no task key (or one that is not text)",
                            hint="each annotation names its task, as {\"task\": \"T0\", \"value\": ...}; "
                                 "check the export",
                            where=Where(file=file, row=cid, column="annotations", value=str(annotation)[:60]))
    subject_data, reason = subject(raws[2])
    if reason is not None:
        return RowError(f"invalid JSON ({reason})", hint="the cell is damaged; re-export or fix the row",
                        where=Where(file=file, row=cid, column="subject_data", value=raws[2][:60].decode("latin-1")))
    if version and not _is_version(version):
        return RowError("workflow_version is not a version like 12.34", hint="check the export",
                        where=Where(file=file, row=cid, column="workflow_version", value=version))
    return Classification(cid, user_name, user_id, workflow_id, version, created_at, subject_ids,
                          normalise_annotations(unpack_combo_annotations(annotations)),
                          metadata if isinstance(metadata, dict) else {},
                          gold_standard.lower() == "true", raws[2], subject_data)


def _missing_cell(cid: str, subject_ids: str, created_at: str, file: str) -> RowError | None:
    """The row's error when a cell every classification has is empty or no date and time."""
    if not cid.strip():
        return RowError("the classification_id cell is empty", hint="every classification has its id; check the export",
                        where=Where(file=file, column="classification_id"))
    if not subject_ids.strip():
        return RowError("the subject_ids cell is empty", hint="the classification cannot be given to a subject; "
                        "check the export", where=Where(file=file, row=cid, column="subject_ids"))
    if not _is_time(created_at):
        return RowError("created_at is not a date and time", hint="write it as the export does, 2024-01-01 10:00:00 UTC "
                        "(ISO 8601 reads too: 2024-01-01T10:00:00Z)",
                        where=Where(file=file, row=cid, column="created_at", value=created_at))
    return None


def _is_time(text: str) -> bool:
    """An export's `2024-01-01 10:00:00 UTC`, or an ISO 8601 date (and time)."""
    try:
        datetime.fromisoformat(text.removesuffix(" UTC"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def _is_version(text: str) -> bool:
    try:
        parse_version(text)
    except ValueError:
        return False
    return True
