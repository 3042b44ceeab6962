"""An extract file held as columns, ordered and grouped the way the peer reduces it.

The peer sorts the extracts by (subject_id, created_at), drops exact duplicate rows, and
reduces every subject x task pair (tasks in order of first appearance). Here that is done
with pyarrow compute over whole columns; the per-row Python work is left to the reducers that
need dicts, and the vote reducers skip it altogether (`vote_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError, Where
from ..exports.csvio import header_of
from ..tables import NA_VALUES, is_missing, parse_cell, type_column, unflatten

NEEDED = ("subject_id", "task", "created_at", "user_name", "workflow_id")
_NA = pa.array(sorted(NA_VALUES), pa.string())


@dataclass
class Group:
    subject: str  # subject_id as written
    task: str
    rows: np.ndarray  # row numbers in reduction order (created_at), after the repeat filter
    dropped: int = 0  # repeat classifications removed by the filter


class ExtractTable:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.table = _read(path)
        self.header = list(self.table.column_names)
        self.data_names = [n for n in self.header if n.startswith("data.")]
        self._typed: dict[str, list[Any]] = {}

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def text(self, name: str) -> list[str]:
        return self.table.column(name).to_pylist()

    def typed(self, name: str) -> list[Any]:
        """A column typed as pandas would read it (NaN where missing)."""
        if name not in self._typed:
            self._typed[name] = type_column(self.text(name))
        return self._typed[name]

    # ---- order and groups ---------------------------------------------------------------

    def _unique_rows(self) -> np.ndarray:
        """Row numbers without exact duplicates (first of each kept)."""
        index = pa.array(np.arange(self.num_rows))
        grouped = self.table.append_column("__row", index).group_by(self.header, use_threads=False)
        firsts = grouped.aggregate([("__row", "min")]).column("__row_min").to_numpy()
        return np.sort(firsts)

    def _sorted(self, rows: np.ndarray) -> np.ndarray:
        """`rows` in (subject_id, created_at) order, stable, subject ids numeric when they all are."""
        subjects = self.typed("subject_id")
        created = self.text("created_at")
        numeric = all(isinstance(s, int | float) and not is_missing(s) for s in subjects)
        if numeric:
            return np.array(sorted(rows.tolist(), key=lambda r: (subjects[r], created[r])), dtype=np.int64)
        return np.array(sorted(rows.tolist(), key=lambda r: (_text_key(subjects[r]), created[r])), dtype=np.int64)

    def groups(self, how: str) -> list[Group]:
        """Every subject x task in the peer's order, each with its rows after the repeat filter."""
        order = self._sorted(self._unique_rows())
        subject_text = self.text("subject_id")
        tasks_col = self.text("task")
        users = self.text("user_name")
        by_pair: dict[tuple[str, str], list[int]] = {}
        subjects: dict[str, None] = {}
        tasks: dict[str, None] = {}
        for row in order.tolist():
            subject, task = subject_text[row], tasks_col[row]
            subjects.setdefault(subject, None)
            tasks.setdefault(task, None)
            by_pair.setdefault((subject, task), []).append(row)
        out = []
        empty = np.zeros(0, dtype=np.int64)
        for subject in subjects:
            for task in tasks:
                rows = by_pair.get((subject, task))
                if rows is None:
                    out.append(Group(subject, task, empty))
                    continue
                kept = filter_repeats(rows, users, how)
                out.append(Group(subject, task, np.array(kept, dtype=np.int64), len(rows) - len(kept)))
        return out

    # ---- what reducers see --------------------------------------------------------------

    def data_columns(self) -> list[list[Any]]:
        """Every data.* column typed and parsed (None where missing); computed once."""
        if "__data" not in self._typed:
            columns = []
            for name in self.data_names:
                columns.append([None if is_missing(v) else parse_cell(v) for v in self.typed(name)])
            self._typed["__data"] = columns
        return self._typed["__data"]

    def records(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """The extract dicts of `rows` (aggregation_version removed), as the peer un-flattens them."""
        columns = self.data_columns()
        names = self.data_names
        out = []
        for row in rows.tolist():
            flat = {n: c[row] for n, c in zip(names, columns, strict=True) if c[row] is not None}
            data = unflatten(flat)
            data.pop("aggregation_version", None)
            out.append(data)
        return out

    def presence(self) -> tuple[list[str], np.ndarray]:
        """Top-level data keys (aggregation_version excluded) and a rows x keys presence matrix.

        A nested key (`data.a.b`) counts as its top-level key `a`, as un-flattening makes it.
        """
        keys: list[str] = []
        index: dict[str, int] = {}
        matrix_columns: list[np.ndarray] = []
        for name in self.data_names:
            key = name[len("data."):].split(".")[0]
            if key == "aggregation_version":
                continue
            column = self.table.column(name)
            present = pc.invert(pc.is_in(column, value_set=_NA)).to_numpy(zero_copy_only=False)
            if key in index:
                matrix_columns[index[key]] |= present
            else:
                index[key] = len(keys)
                keys.append(key)
                matrix_columns.append(present.copy())
        if not matrix_columns:
            return keys, np.zeros((self.num_rows, 0), dtype=bool)
        return keys, np.column_stack(matrix_columns)


def _text_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not is_missing(value):
        return (0, value)
    return (1, str(value))


def filter_repeats(rows: list[int], users: list[str], how: str) -> list[int]:
    """One classification per volunteer (by user_name): the first or last by created_at, or all."""
    if how == "all":
        return rows
    chosen: dict[str, int] = {}
    for row in rows:
        user = users[row]
        if not user:
            continue
        if how == "first":
            chosen.setdefault(user, row)
        else:
            chosen[user] = row
    wanted = set(chosen.values())
    return [r for r in rows if r in wanted or not users[r]]


def _read(path: Path) -> pa.Table:
    header = header_of(path)
    if "annotations" in header:
        raise InputError("this is a classification export, not an extract file",
                         hint="run `zooagg extract` first and reduce its output", where=Where(file=str(path)))
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}",
                         hint="reduce takes a file written by `extract`",
                         where=Where(file=str(path), column=missing[0]))
    options = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
    try:
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                               convert_options=options)
    except pa.ArrowInvalid as exc:
        raise InputError(f"malformed CSV: {str(exc).splitlines()[0]}", hint="write the extracts again",
                         where=Where(file=str(path))) from exc
    if table.num_rows == 0:
        raise InputError("the extract file has no rows", hint="check the extract step's summary",
                         where=Where(file=str(path)))
    return table
