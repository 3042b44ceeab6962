"""Partition an extract file by subject, so reduction memory does not grow with the file.

Phase 1 streams the CSV once: every row goes to one of K bucket files (Arrow IPC) by a hash
of its subject_id, and the things that must be known of the whole file are learned on the way
(how pandas would type each column, the set of tasks). Phase 2 reduces each bucket on its own,
in any process or on any Dask worker; phase 3 merges the buckets' rows back in the peer's
order (subjects sorted, tasks in order of first appearance).
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from ..errors import InputError, RowError, Where
from ..exports.csvio import GROWTH, MAX_BLOCK, BadRow, header_of, iter_batches, require_columns
from ..tables.kinds import ColumnKind
from .vote_cells import Check

NEEDED = ("subject_id", "task", "created_at", "user_name", "workflow_id")
#: what to do about a row of the extract file with a field too many or too few
RAGGED = "fix the row, or run zooagg extract again"
ROW = "__row"  # the row's number in the file: ties in the sort keep file order, as pandas does


@dataclass
class Partitions:
    header: list[str]
    files: list[Path]
    kinds: dict[str, ColumnKind]
    tasks: list[str]  # every task in the file (order decided after reduction)
    rows: int = 0
    bucket_rows: list[int] = field(default_factory=list)
    #: rows set aside, not in any bucket: a field too many or too few (`csvio.BadRow`, as in an
    #: export given to extract) or refused by the check (`vote_cells`)
    rejects: list[RowError] = field(default_factory=list)

    @property
    def numeric_subjects(self) -> bool:
        kind = self.kinds["subject_id"]
        return kind.present and kind.floats and not kind.gaps


def check_header(path: Path) -> list[str]:
    header = header_of(path)
    if "annotations" in header:
        raise InputError("this is a classification export, not an extract file",
                         hint="run `zooagg extract` first and reduce its output", where=Where(file=str(path)))
    require_columns(path, [c for c in NEEDED if c not in header], "reduce takes a file written by `extract`")
    return header


#: per byte position, a weight for the subject hash (sums stay exact in float64)
_WEIGHTS = ((np.arange(64) * 2654435761) % (1 << 20) + 1).astype(np.float64)


def _buckets_of(subjects: pa.Array, count: int) -> np.ndarray:
    """Each row's bucket: a hash of its subject_id's bytes (the same text, the same bucket),
    computed over the whole column at once."""
    if count == 1:
        return np.zeros(len(subjects), dtype=np.int64)
    if isinstance(subjects, pa.ChunkedArray):
        subjects = subjects.combine_chunks()
    buffers = subjects.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[subjects.offset:subjects.offset + len(subjects) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    start, lengths = int(offsets[0]), np.diff(offsets)
    rows = np.repeat(np.arange(len(subjects)), lengths)
    place = np.arange(int(offsets[-1]) - start) - np.repeat(offsets[:-1] - start, lengths)
    weighted = (data[start:int(offsets[-1])] + 1.0) * _WEIGHTS[place % len(_WEIGHTS)]
    hashes = np.bincount(rows, weights=weighted, minlength=len(subjects)) + lengths
    return hashes.astype(np.int64) % count


def int_array(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """An Arrow int64 array over a numpy one, null where not `present` (pa.array(ndarray)
    would import numpy.ma, a measurable part of a short run's start-up)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    validity = None if present is None else pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(pa.int64(), len(values), [validity, pa.py_buffer(values)])


def bool_array(values: np.ndarray) -> pa.Array:
    """An Arrow boolean array over a numpy one (without importing numpy.ma, as int_array)."""
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def _malformed(path: Path, exc: pa.ArrowInvalid) -> InputError:
    return InputError(f"malformed CSV: {str(exc).splitlines()[0]}", hint="write the extracts again",
                      where=Where(file=str(path)))


def _no_rows(path: Path) -> InputError:
    return InputError("the extract file has no rows", hint="check the extract step's summary",
                      where=Where(file=str(path)))


def _convert_options(header: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)


def _streamed(path: Path, header: list[str], block_size: int, rejects: list[RowError]) -> Iterator[pa.RecordBatch]:
    """The file's batches, every cell as written; a row with a field too many or too few goes
    to `rejects` (as extract's reader sets it aside) and the rest is read."""
    def ragged(row: BadRow) -> None:
        rejects.append(row.error(str(path), header, RAGGED))

    return iter_batches(path, block_size, on_bad_row=ragged, kind=pa.string())


def _ragged(exc: pa.ArrowInvalid) -> bool:
    return "columns, got" in (str(exc).splitlines() or [""])[0]


def read_whole(path: Path, check: Check | None, rejects: list[RowError]) -> tuple[pa.Table, list[str]]:
    """An extract file small enough to hold whole, every cell as written: (table, its tasks in
    order of first appearance); rows with a field too many or too few, and rows `check`
    refuses, go to `rejects` instead."""
    header = check_header(path)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as whole:
        quoted = whole.find(b'"') >= 0  # no quotes, no newlines inside values: parsing is ~20% faster told so
    block = 1 << 20  # pyarrow's default: 4 MiB blocks parsed 30-60% slower here (both cores)
    while True:
        try:
            table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(block_size=block),
                                   parse_options=pacsv.ParseOptions(newlines_in_values=quoted),
                                   convert_options=_convert_options(header))
            break
        except pa.ArrowInvalid as exc:
            if _ragged(exc):  # read again as extract reads an export: the bad rows set aside, in file order
                schema = pa.schema([pa.field(name, pa.string()) for name in header])
                table = pa.Table.from_batches(list(_streamed(path, header, block, rejects)), schema)
                break
            if "straddl" not in str(exc) or block >= MAX_BLOCK:
                raise _malformed(path, exc) from exc
            block = min(block * GROWTH, MAX_BLOCK)  # a cell bigger than the block: bigger blocks
    if check is not None:
        keep, refused = check(table)
        if keep is not None:
            table = table.filter(keep)
            rejects += refused
    if table.num_rows == 0 and not rejects:
        raise _no_rows(path)
    return table, pc.unique(table.column("task")).to_pylist()


def partition(path: Path, workdir: Path, count: int, block_size: int = 1 << 20, check: Check | None = None
              ) -> Partitions:
    """Split the extract CSV into `count` bucket files by subject (phase 1); rows `check`
    refuses go to the result's rejects instead."""
    header = check_header(path)
    result = Partitions(header, [], {}, [], bucket_rows=[0] * count)
    batches = _streamed(path, header, block_size, result.rejects)
    schema = pa.schema([*(pa.field(n, pa.string()) for n in header), pa.field(ROW, pa.int64())])
    files = [workdir / f"bucket-{i:04d}.arrow" for i in range(count)]
    writers = [ipc.new_file(str(f), schema) for f in files]
    kinds = {n: ColumnKind() for n in header if n.startswith("data.") or n in ("subject_id", "user_id")}
    tasks: dict[str, None] = {}
    result.files, result.kinds = files, kinds
    try:
        for batch in batches:
            if check is not None:
                keep, refused = check(batch)
                if keep is not None:
                    batch = batch.filter(keep)
                    result.rejects += refused
            rows = int_array(np.arange(result.rows, result.rows + batch.num_rows, dtype=np.int64))
            batch = pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)
            result.rows += batch.num_rows
            for name, kind in kinds.items():
                kind.update(batch.column(header.index(name)))
            for task in pc.unique(batch.column(header.index("task"))).to_pylist():
                tasks.setdefault(task, None)
            labels = _buckets_of(batch.column(header.index("subject_id")), count)
            order = np.argsort(labels, kind="stable")  # each bucket's rows together, in file order
            bounds = np.searchsorted(labels[order], np.arange(count + 1)).tolist()
            grouped = batch.take(int_array(order)) if count > 1 else batch
            for index, writer in enumerate(writers):
                if bounds[index + 1] > bounds[index]:
                    writer.write_batch(grouped.slice(bounds[index], bounds[index + 1] - bounds[index]))
                    result.bucket_rows[index] += bounds[index + 1] - bounds[index]
    finally:
        for writer in writers:
            writer.close()
    if result.rows == 0 and not result.rejects:
        raise _no_rows(path)
    result.tasks = list(tasks)
    return result


def read_bucket(file: Path) -> pa.Table:
    with ipc.open_file(str(file)) as reader:
        return reader.read_all()
