"""The vote reducers (question, shortcut, survey) as group-bys over whole columns.

DESIGN.md: vote-type reducers are vectorised group-bys over all subjects at once. Here one
part of an extract file (all of it when it fits in memory) is deduplicated, ordered by
(subject, created_at, file row) and filtered (-F) here, counted by engine/vote_forms.py with
numpy, with no Python loop per subject or row. The result, a `VotePart`, is what the reducer
functions of tasks/question.py and tasks/survey.py would give for every subject and task of
the part, cell for cell; engine/votes_out.py merges the parts and writes them.

Data this path does not cover (survey answers that are not whole numbers, choices that are
numbers or lists, nested keys, ...) raises `NotColumnar`, and the general path (reduce.py)
reduces the file instead, so the output never depends on which path ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables import NA_VALUES, ColumnKind
from .partition import ROW, int_array

NA = pa.array(sorted(NA_VALUES), pa.string())
VERSION = "data.aggregation_version"


class NotColumnar(Exception):
    """The data has a shape the columnar form does not cover: reduce it the general way."""


def vote_form(component: Any, params: dict[str, Any]) -> str | None:
    """"presence" (question, shortcut), "survey", or None: the form the reducer registered
    (`@reducer(vote_form=...)`), when its parameters allow it."""
    if component.vote_form is None or not component.columnar_ok(params):
        return None
    if set(params) - {"no_version", "pairs", "track_user_ids"}:
        return None
    return str(component.vote_form)


@dataclass
class NumberColumn:
    """An output column of counts: whole numbers, written as `3` or `3.0` (`floats`)."""

    present: np.ndarray  # bool per output row
    values: np.ndarray  # int64 per output row (0 where absent)
    floats: bool = False


@dataclass
class VotePart:
    """The reductions of one part of an extract file, in (subject, task, seq) order."""

    subjects: list[str]  # subject_id as written, in sort order
    keys: list[Any]  # their sort keys (float when every subject_id of the file is a number)
    row_subject: np.ndarray  # per output row: index into subjects
    row_task: np.ndarray  # per output row: index into the file's task list
    row_seq: np.ndarray  # per output row: order within its subject and task
    numbers: dict[str, NumberColumn] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)  # per output row (survey choices)
    constants: dict[str, str] = field(default_factory=dict)  # the same text in every row
    #: per column: the (output row, place in that row's dict) where it may first appear
    firsts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    first_seen: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # task -> (key, created, row)
    first_row: tuple[Any, ...] | None = None  # (key, created, row, workflow_id as written)
    extracts: int = 0
    dropped: int = 0

    @property
    def rows(self) -> int:
        return len(self.row_subject)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique without optional outputs imports numpy.ma)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes (int64) and the dictionary (first-seen order) of a text column."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):  # every chunk shares the one dictionary
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
        codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
        return codes.astype(np.int64), encoded.chunk(0).dictionary
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def _rank_of(values: pa.Array | np.ndarray) -> np.ndarray:
    """Each value's place in sorted order (values distinct)."""
    order = np.argsort(values, kind="stable") if isinstance(values, np.ndarray) else \
        pc.sort_indices(values).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def not_missing(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.invert(pc.is_in(values, value_set=NA)))


class Part:
    """The working state of one part: columns as written, their codes, and the rows' order."""

    def __init__(self, table: pa.Table, kinds: dict[str, ColumnKind], numeric_subjects: bool | None) -> None:
        self.columns = {name: table.column(name) for name in table.column_names}
        self.header = [n for n in table.column_names if n != ROW]
        self.data_names = [n for n in self.header if n.startswith("data.")]
        self.kinds = dict(kinds)
        self._encoded: dict[str, tuple[np.ndarray, pa.Array]] = {}
        self.n = table.num_rows
        self.file_rows = np.asarray(self.columns[ROW]) if ROW in self.columns else np.arange(self.n)
        self.subject_codes, subject_dict = self.codes("subject_id")
        if numeric_subjects is None:
            kind = self.kind("subject_id")
            numeric_subjects = kind.present and kind.floats and not kind.gaps
        if numeric_subjects:
            keys: Any = np.asarray(pc.cast(subject_dict, pa.float64()))
            if len(distinct(keys)) < len(keys):  # "1" and "1.0": one key, two subjects
                raise NotColumnar("two subject_ids with the same number")
            rank = _rank_of(keys)
        else:
            keys = subject_dict
            rank = _rank_of(subject_dict)
        order = np.argsort(rank)
        self.subjects: list[str] = subject_dict.take(int_array(order)).to_pylist()
        self.keys: list[Any] = keys[order].tolist() if numeric_subjects else list(self.subjects)
        self.subject_rank = rank[self.subject_codes]
        if "classification_id" in self.columns:
            self.classification_codes = self.codes("classification_id")[0]
        else:  # each row its own classification, as the general path has it
            self.classification_codes = np.arange(self.n)

    def codes(self, name: str) -> tuple[np.ndarray, pa.Array]:
        if name not in self._encoded:
            self._encoded[name] = _codes(self.columns[name])
        return self._encoded[name]

    def kind(self, name: str) -> ColumnKind:
        """How pandas would type the column in the whole file: given, or learned here (when the
        part is the whole file) from its distinct values, which decide it alone."""
        if name not in self.kinds:
            self.kinds[name] = ColumnKind().update(self.codes(name)[1])
        return self.kinds[name]

    def unique_rows(self) -> np.ndarray:
        """Positions without exact duplicate rows (the first of each kept), as the peer drops them.

        Exact duplicates share classification_id, task, subject_id (and survey choice), so only
        rows whose such key repeats are compared whole.
        """
        names = [n for n in ("classification_id", "task", "subject_id", "data.choice") if n in self.columns]
        suspects = np.flatnonzero(_repeated([self.codes(n)[0] for n in names]))
        if len(suspects) == 0:
            return np.arange(self.n)
        matrix = np.column_stack([self.codes(n)[0][suspects] for n in self.header])
        _, firsts = np.unique(matrix, axis=0, return_index=True)
        drop = np.setdiff1d(suspects, suspects[firsts])
        return np.setdiff1d(np.arange(self.n), drop)

    def ordered(self) -> np.ndarray:
        """Unique rows in (subject, created_at, file row) order: the peer's stable sort."""
        rows = self.unique_rows()
        created_codes, created_dict = self.codes("created_at")
        created = _rank_of(created_dict)[created_codes]
        key = self.subject_rank[rows] * len(created_dict) + created[rows]
        if np.all(np.diff(self.file_rows[rows]) > 0):  # file order already: a stable sort keeps it for ties
            return rows[np.argsort(key, kind="stable")]
        return rows[np.lexsort((self.file_rows[rows], key))]


def _combined(columns: list[np.ndarray]) -> np.ndarray | None:
    """One int64 key per row from several code columns, or None when it would overflow."""
    bound, key = 1, np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for column in columns:
        size = int(column.max(initial=0)) + 1
        bound *= size
        if bound >= 2 ** 62:
            return None
        key = key * size + column
    return key


def _repeated(columns: list[np.ndarray]) -> np.ndarray:
    """Mask of the rows whose codes (across `columns`) occur more than once."""
    key = _combined(columns)
    if key is None:
        _, inverse, counts = np.unique(np.column_stack(columns), axis=0, return_inverse=True, return_counts=True)
        return counts[inverse.reshape(-1)] > 1
    ordered = np.sort(key)
    repeats = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeats) == 0:
        return np.zeros(len(key), dtype=bool)
    return np.isin(key, repeats)


def first_seen_of(part: Part, rows: np.ndarray, task_codes: np.ndarray, task_names: list[str]
                ) -> dict[str, tuple[Any, ...]]:
    _, firsts = np.unique(task_codes[rows], return_index=True)
    created = part.columns["created_at"]
    out = {}
    for position in firsts.tolist():
        row = int(rows[position])
        out[task_names[task_codes[row]]] = (part.keys[part.subject_rank[row]], created[row].as_py(),
                                            int(part.file_rows[row]))
    return out


def kept_by_filter(part: Part, rows: np.ndarray, group: np.ndarray, how: str) -> np.ndarray:
    """Mask over `rows` (in time order): one classification per volunteer and subject-task,
    the first or last (-F); rows without a user_name are always kept."""
    if how == "all":
        return np.ones(len(rows), dtype=bool)
    user_codes, user_dict = part.codes("user_name")
    users = user_codes[rows]
    anonymous = np.flatnonzero(pc.equal(user_dict, "").to_numpy(zero_copy_only=False))
    named = ~np.isin(users, anonymous)
    key = group * (len(user_dict) + 1) + users
    classifications = part.classification_codes[rows]
    step = 1 if how == "first" else -1
    _, firsts, inverse = np.unique(key[::step], return_index=True, return_inverse=True)
    chosen = classifications[::step][firsts][inverse.reshape(-1)][::step]
    return ~named | (classifications == chosen)
