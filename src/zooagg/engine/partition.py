"""Partition an extract file by subject, so reduction memory does not grow with the file.

Phase 1 streams the CSV once: every row goes to one of K bucket files (Arrow IPC) by a hash
of its subject_id, and the things that must be known of the whole file are learned on the way
(how pandas would type each column, the set of tasks). Phase 2 reduces each bucket on its own,
in any process or on any Dask worker; phase 3 merges the buckets' rows back in the peer's
order (subjects sorted, tasks in order of first appearance).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

from ..errors import InputError, Where
from ..exports.csvio import header_of, require_columns
from ..tables import ColumnKind

NEEDED = ("subject_id", "task", "created_at", "user_name", "workflow_id")
ROW = "__row"  # the row's number in the file: ties in the sort keep file order, as pandas does


@dataclass
class Partitions:
    header: list[str]
    files: list[Path]
    kinds: dict[str, ColumnKind]
    tasks: list[str]  # every task in the file (order decided after reduction)
    rows: int = 0
    bucket_rows: list[int] = field(default_factory=list)

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


def _buckets_of(subjects: pa.Array, count: int) -> pa.Array:
    if count == 1:
        return pa.array(np.zeros(len(subjects), dtype=np.int64))
    encoded = pc.dictionary_encode(subjects)
    labels = [zlib.crc32(s.encode()) % count for s in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(labels, pa.int64()), encoded.indices)


def partition(path: Path, workdir: Path, count: int, block_size: int = 1 << 20) -> Partitions:
    """Split the extract CSV into `count` bucket files by subject (phase 1)."""
    header = check_header(path)
    types = {n: pa.string() for n in header}
    options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    try:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=block_size),
                                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                                convert_options=options)
    except pa.ArrowInvalid as exc:
        raise InputError(f"malformed CSV: {str(exc).splitlines()[0]}", hint="write the extracts again",
                         where=Where(file=str(path))) from exc
    schema = pa.schema([*(pa.field(n, pa.string()) for n in header), pa.field(ROW, pa.int64())])
    files = [workdir / f"bucket-{i:04d}.arrow" for i in range(count)]
    writers = [ipc.new_file(str(f), schema) for f in files]
    kinds = {n: ColumnKind() for n in header if n.startswith("data.") or n in ("subject_id", "user_id")}
    tasks: dict[str, None] = {}
    result = Partitions(header, files, kinds, [], bucket_rows=[0] * count)
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise InputError(f"malformed CSV: {str(exc).splitlines()[0]}", hint="write the extracts again",
                                 where=Where(file=str(path))) from exc
            rows = pa.array(np.arange(result.rows, result.rows + batch.num_rows, dtype=np.int64))
            batch = pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)
            result.rows += batch.num_rows
            for name, kind in kinds.items():
                kind.update(batch.column(header.index(name)))
            for task in pc.unique(batch.column(header.index("task"))).to_pylist():
                tasks.setdefault(task, None)
            labels = _buckets_of(batch.column(header.index("subject_id")), count)
            for index, writer in enumerate(writers):
                part = batch.filter(pc.equal(labels, index)) if count > 1 else batch
                if part.num_rows:
                    writer.write_batch(part)
                    result.bucket_rows[index] += part.num_rows
    finally:
        for writer in writers:
            writer.close()
    if result.rows == 0:
        raise InputError("the extract file has no rows", hint="check the extract step's summary",
                         where=Where(file=str(path)))
    result.tasks = list(tasks)
    return result


def read_bucket(file: Path) -> pa.Table:
    with ipc.open_file(str(file)) as reader:
        return reader.read_all()
