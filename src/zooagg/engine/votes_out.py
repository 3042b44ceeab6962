"""The columnar vote reductions of every part, merged into the peer's order and written.

Rows go subject by subject (sorted), tasks in the order they first appear in the file, and
within a subject and task in the reducer's order. The data columns come in first-seen order
(or -O's), each laid out the way tables.SpooledTable lays out what it learns from rows:
counts as `3` in a column without gaps and `3.0` otherwise. CSV is built from whole columns
with pyarrow and written in one go; Parquet goes through SpooledTable, row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.atomic import atomic_open, commit
from ..tables.cells import csv_cell
from ..tables.layout import REDUCTION_COLUMNS
from ..tables.spool import SpooledTable
from .partition import int_array
from .votes import NotColumnar, NumberColumn, VotePart, distinct

#: rows laid out at a time (memory stays small however many subjects there are)
CHUNK_ROWS = 65536
#: per byte: one of those that make the csv module quote a cell
_QUOTE_BYTES = np.zeros(256, dtype=bool)
_QUOTE_BYTES[list(b',"\r\n')] = True


@dataclass
class Merged:
    """Every part's rows concatenated, and the order to write them in."""

    order: np.ndarray  # positions in the concatenated rows, in output order
    subjects: pa.Array  # subject_id as written, per concatenated row
    tasks: pa.Array  # task, per concatenated row
    workflow: str  # workflow_id as written in the first row of the file (in the peer's order)
    numbers: dict[str, NumberColumn]
    texts: dict[str, pa.Array]  # per concatenated row (null where absent)
    reals: dict[str, np.ndarray]  # float64 per concatenated row (NaN: an empty cell)
    constants: dict[str, str]
    names: list[str]  # data columns in first-seen order

    @property
    def rows(self) -> int:
        return len(self.order)


def _task_ranks(parts: list[VotePart], tasks: list[str]) -> np.ndarray:
    first_seen: dict[str, tuple[Any, ...]] = {}
    for part in parts:
        for task, key in part.first_seen.items():
            if task not in first_seen or key < first_seen[task]:
                first_seen[task] = key
    ranked = sorted(first_seen, key=first_seen.__getitem__)
    rank = {task: i for i, task in enumerate(ranked)}
    return np.array([rank.get(task, len(ranked)) for task in tasks], dtype=np.int64)


def _subject_ranks(parts: list[VotePart]) -> np.ndarray:
    keys = [key for part in parts for key in part.keys]
    if keys and isinstance(keys[0], float):
        values: Any = np.array(keys, dtype=np.float64)
        if len(distinct(values)) < len(values):
            raise NotColumnar("two subject_ids with the same number in different parts")
        order = np.argsort(values, kind="stable")
    else:
        order = pc.sort_indices(pa.array(keys, pa.string())).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def merge(parts: list[VotePart], tasks: list[str]) -> Merged:
    parts = [p for p in parts if p.rows or p.subjects]
    task_rank = _task_ranks(parts, tasks)
    subject_rank = _subject_ranks(parts)
    offsets = np.cumsum([0, *(len(p.subjects) for p in parts)])
    row_offsets = np.cumsum([0, *(p.rows for p in parts)])
    subject_rows = np.concatenate([p.row_subject + offsets[i] for i, p in enumerate(parts)] or [np.zeros(0, int)])
    task_rows = np.concatenate([p.row_task for p in parts] or [np.zeros(0, int)])
    seq = np.concatenate([p.row_seq for p in parts] or [np.zeros(0, int)])
    order = np.lexsort((seq, task_rank[task_rows], subject_rank[subject_rows]))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    first_rows = [p.first_row for p in parts if p.first_row is not None]
    workflow = min(first_rows)[3] if first_rows else ""
    merged = Merged(order, pa.array([s for p in parts for s in p.subjects], pa.string()).take(int_array(subject_rows)),
                    pa.array(tasks, pa.string()).take(int_array(task_rows)), workflow, {}, {}, {}, {}, [])
    firsts: dict[str, tuple[int, int]] = {}
    for i, part in enumerate(parts):
        for name, candidates in part.firsts.items():
            best = min((int(position[row_offsets[i] + row]), rank) for row, rank in candidates)
            firsts[name] = min(firsts.get(name, best), best)
    merged.names = sorted(firsts, key=firsts.__getitem__)
    for name in merged.names:
        if any(name in p.numbers for p in parts):
            merged.numbers[name] = _concat_numbers(name, parts)
        elif any(name in p.reals for p in parts):
            merged.reals[name] = np.concatenate([p.reals.get(name, np.full(p.rows, np.nan)) for p in parts])
        elif any(name in p.texts for p in parts):
            merged.texts[name] = pa.concat_arrays([p.texts.get(name, pa.nulls(p.rows, pa.string()))
                                                   for p in parts])
        else:
            values = {p.constants[name] for p in parts if name in p.constants}
            if len(values) != 1 or not all(name in p.constants for p in parts):
                raise NotColumnar(f"{name} differs between parts")
            merged.constants[name] = values.pop()
    return merged


def _concat_numbers(name: str, parts: list[VotePart]) -> NumberColumn:
    present, values, floats = [], [], False
    for part in parts:
        column = part.numbers.get(name)
        if column is None:
            present.append(np.zeros(part.rows, dtype=bool))
            values.append(np.zeros(part.rows, dtype=np.int64))
        else:
            present.append(column.present)
            values.append(column.values)
            floats |= column.floats
    return NumberColumn(np.concatenate(present), np.concatenate(values), floats)


# ---- CSV ---------------------------------------------------------------------------------------

def _text(value: str) -> pa.Scalar:
    """A typed string scalar (an untyped Python str makes pyarrow import dateutil and pandas)."""
    return pa.scalar(value, pa.string())


def _quoted(values: pa.Array) -> pa.Array:
    values = pc.fill_null(values, _text(""))
    # one look-up per byte of the text, no regex per cell (the four bytes are ASCII, so they
    # never occur inside a multi-byte UTF-8 character)
    if not _QUOTE_BYTES[np.frombuffer(_text_bytes(values), dtype=np.uint8)].any():
        return values
    return pa.array([csv_cell(v) for v in values.to_pylist()], pa.string())


#: counts up to this are written by looking their text up, not by formatting each
_LABELS = 1 << 16


def _number_cells(column: NumberColumn, rows: np.ndarray, whole: bool) -> pa.Array:
    """`3` or `3.0` (the repr of a whole float), null where absent."""
    chosen = column.values[rows]
    values = int_array(chosen, column.present[rows])
    low, high = (int(chosen.min()), int(chosen.max())) if len(chosen) else (0, 0)
    if low >= 0 and high < _LABELS:
        suffix = "" if whole else ".0"
        return pa.array([f"{i}{suffix}" for i in range(high + 1)], pa.string()).take(values)
    text = pc.cast(values, pa.string())
    return text if whole else pc.binary_join_element_wise(text, _text(".0"), _text(""))


def _real_cells(values: np.ndarray) -> pa.Array:
    """Floats as the general path writes them: repr, empty for NaN."""
    return pa.array(["" if v != v else repr(v) for v in values.tolist()], pa.string())


def write_csv(merged: Merged, path: Path, reducer: str, names: list[str]) -> None:
    whole = {name: not column.floats and bool(column.present.all()) for name, column in merged.numbers.items()}
    handle, tmp = atomic_open(path, "wb")
    with handle:
        handle.write((",".join(csv_cell(n) for n in [*REDUCTION_COLUMNS, *names]) + "\n").encode())
        for start in range(0, merged.rows, CHUNK_ROWS):
            rows = merged.order[start:start + CHUNK_ROWS]
            picked = int_array(rows)
            cells: list[Any] = [_quoted(merged.subjects.take(picked)), _text(csv_cell(merged.workflow)),
                                _quoted(merged.tasks.take(picked)), _text(csv_cell(reducer))]
            for name in names:
                if name in merged.numbers:
                    cells.append(_number_cells(merged.numbers[name], rows, whole[name]))
                elif name in merged.reals:
                    cells.append(_real_cells(merged.reals[name][rows]))
                elif name in merged.texts:
                    cells.append(_quoted(merged.texts[name].take(picked)))
                else:
                    cells.append(_text(csv_cell(merged.constants[name])))
            row_text = pc.binary_join_element_wise(*cells, _text(","), null_handling="replace", null_replacement="")
            lines = pc.binary_join_element_wise(row_text, _text(""), _text("\n"))
            handle.write(_text_bytes(lines))
    commit(tmp, path)


def _text_bytes(array: pa.Array) -> bytes:
    """The concatenated text of a string array, straight from its buffers."""
    if isinstance(array, pa.ChunkedArray):
        return b"".join(_text_bytes(chunk) for chunk in array.chunks)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:array.offset + len(array) + 1]
    if len(array) == 0:
        return b""
    return array.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


# ---- Parquet (and any other format SpooledTable writes) --------------------------------------

def records(merged: Merged, reducer: str, names: list[str]) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """(meta, data) per row, keys in first-seen order, as the general path spools them."""
    subjects = merged.subjects.to_pylist()
    tasks = merged.tasks.to_pylist()
    texts = {name: values.to_pylist() for name, values in merged.texts.items()}
    reals = {name: values.tolist() for name, values in merged.reals.items()}
    numbers = {name: (column.present.tolist(), column.values.tolist(), column.floats)
               for name, column in merged.numbers.items()}
    for row in merged.order.tolist():
        data: dict[str, Any] = {}
        for name in names:
            key = name[len("data."):]
            if name in numbers:
                present, values, floats = numbers[name]
                if present[row]:
                    data[key] = float(values[row]) if floats else values[row]
            elif name in reals:
                data[key] = reals[name][row]
            elif name in texts:
                if texts[name][row] is not None:
                    data[key] = texts[name][row]
            else:
                data[key] = merged.constants[name]
        yield [subjects[row], merged.workflow, tasks[row], reducer], data


def write_spooled(merged: Merged, path: Path, reducer: str, fmt: str, order: bool, front: Sequence[str]) -> Path:
    table = SpooledTable(path, REDUCTION_COLUMNS)
    try:
        for meta, data in records(merged, reducer, merged.names):
            table.add(meta, data)
    except BaseException:
        table.discard()
        raise
    return table.finish(fmt, order, front)
