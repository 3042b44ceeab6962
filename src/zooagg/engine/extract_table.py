"""An extract file held as columns, ordered and grouped the way the peer reduces it.

The peer sorts the extracts by (subject_id, created_at), drops exact duplicate rows, and
reduces every subject x task pair (tasks in order of first appearance). Here that is done
with pyarrow compute over whole columns; the per-row Python work is left to the reducers that
need dicts, and the vote reducers skip it altogether (`vote_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.cells import is_missing, parse_cell, unflatten
from ..tables.kinds import NA_VALUES, ColumnKind
from .partition import ROW

_NA = pa.array(sorted(NA_VALUES), pa.string())


@dataclass
class Group:
    subject: str  # subject_id as written
    task: str
    rows: np.ndarray  # row numbers in reduction order (created_at), after the repeat filter
    dropped: int = 0  # repeat classifications removed by the filter


class ExtractTable:
    """One partition of an extract file (or all of it), typed with the whole file's kinds."""

    def __init__(self, table: pa.Table, kinds: dict[str, ColumnKind], numeric_subjects: bool) -> None:
        self.table = table
        self.header = [n for n in table.column_names if n != ROW]
        self.data_names = [n for n in self.header if n.startswith("data.")]
        self.kinds = kinds
        self.numeric_subjects = numeric_subjects
        self._typed: dict[str, list[Any]] = {}

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def text(self, name: str) -> list[str]:
        """A column as written (computed once: reducers ask for it per group)."""
        key = f"text:{name}"
        if key not in self._typed:
            self._typed[key] = self.table.column(name).to_pylist()
        return self._typed[key]

    def typed(self, name: str) -> list[Any]:
        """A column typed as pandas would read the whole file (NaN where missing)."""
        if name not in self._typed:
            kind = self.kinds.get(name) or ColumnKind().update(self.table.column(name))
            self._typed[name] = kind.apply(self.text(name))
        return self._typed[name]

    def subject_keys(self) -> list[Any]:
        """Sort keys of the subjects: numbers when every subject_id in the file is one."""
        if self.numeric_subjects:
            return [float(s) for s in self.typed("subject_id")]
        return [str(s) for s in self.typed("subject_id")]

    # ---- order and groups ---------------------------------------------------------------

    def _unique_rows(self) -> np.ndarray:
        """Row positions without exact duplicates (first of each kept).

        Exact duplicates share classification_id, task and subject_id, so only rows whose
        triple repeats (survey choices, mostly) are compared whole.
        """
        keys = [n for n in ("classification_id", "task", "subject_id") if n in self.header]
        positions = pa.array(np.arange(self.num_rows))
        table = self.table.select(keys).append_column("__pos", positions)
        counts = table.group_by(keys, use_threads=False).aggregate([("__pos", "count")])
        if len(keys) == 3 and pc.max(counts.column("__pos_count")).as_py() == 1:
            return np.arange(self.num_rows)
        repeated = counts.filter(pc.greater(counts.column("__pos_count"), 1)).select(keys)
        suspects = np.sort(table.join(repeated, keys, join_type="inner").column("__pos").to_numpy())
        picked = self.table.select(self.header).take(pa.array(suspects))
        columns = [column.to_pylist() for column in picked.columns]
        seen: set[tuple[str, ...]] = set()
        drop: list[int] = []
        for pos, row in zip(suspects.tolist(), zip(*columns, strict=True), strict=True):
            if row in seen:
                drop.append(pos)
            seen.add(row)
        return np.setdiff1d(np.arange(self.num_rows), np.array(drop, dtype=np.int64))

    def _order(self) -> np.ndarray:
        """Unique rows in (subject_id, created_at, file row) order, as the peer's stable sort."""
        rows = self._unique_rows()
        if self.numeric_subjects:
            subject = pa.array([float(s) for s in self.typed("subject_id")], pa.float64())
        else:
            subject = self.table.column("subject_id")
        file_rows = self.table.column(ROW) if ROW in self.table.column_names else pa.array(np.arange(self.num_rows))
        keyed = pa.table({"s": subject, "c": self.table.column("created_at"), "r": file_rows})
        keyed = keyed.take(pa.array(rows))
        order = pc.sort_indices(keyed, sort_keys=[("s", "ascending"), ("c", "ascending"), ("r", "ascending")])
        return rows[order.to_numpy()]

    def groups(self, how: str, tasks: list[str]) -> tuple[list[Group], dict[str, tuple[Any, ...]]]:
        """Every subject here x every task of the file, rows filtered; and where each task
        first appears in (subject, created_at, file row) order."""
        keys = self.subject_keys()
        created = self.text("created_at")
        file_rows = self.table.column(ROW).to_pylist() if ROW in self.table.column_names else \
            list(range(self.num_rows))
        order = self._order().tolist()
        subject_text = self.text("subject_id")
        tasks_col = self.text("task")
        users = self.text("user_name")
        classification_ids = self.text("classification_id") if "classification_id" in self.header else \
            [str(r) for r in range(self.num_rows)]
        by_pair: dict[tuple[str, str], list[int]] = {}
        subjects: dict[str, None] = {}
        first_seen: dict[str, tuple[Any, ...]] = {}
        for row in order:
            subject, task = subject_text[row], tasks_col[row]
            subjects.setdefault(subject, None)
            if task not in first_seen:
                first_seen[task] = (keys[row], created[row], file_rows[row])
            by_pair.setdefault((subject, task), []).append(row)
        out = []
        empty = np.zeros(0, dtype=np.int64)
        for subject in subjects:
            for task in tasks:
                rows = by_pair.get((subject, task))
                if rows is None:
                    out.append(Group(subject, task, empty))
                    continue
                kept = filter_repeats(rows, users, classification_ids, how)
                out.append(Group(subject, task, np.array(kept, dtype=np.int64), len(rows) - len(kept)))
        return out, first_seen

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


def filter_repeats(rows: list[int], users: list[str], classifications: list[str], how: str) -> list[int]:
    """One classification per volunteer (by user_name): the first or last by created_at, or all.

    A classification can have several extract rows (one per survey choice): all of the chosen
    classification's rows are kept.
    """
    if how == "all":
        return rows
    chosen: dict[str, str] = {}
    for row in rows:
        user = users[row]
        if not user:
            continue
        if how == "first":
            chosen.setdefault(user, classifications[row])
        else:
            chosen[user] = classifications[row]
    return [r for r in rows if not users[r] or chosen[users[r]] == classifications[r]]
