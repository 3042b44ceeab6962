"""The vote reducers (question, shortcut, survey, slider) as group-bys over whole columns.

DESIGN.md: vote-type reducers are vectorised group-bys over all subjects at once. Here one
part of an extract file (all of it when it fits in memory) is deduplicated, ordered by
(subject, created_at, file row) and filtered (-F) here, counted by engine/vote_forms.py with
numpy, with no Python loop per subject or row. The result, a `VotePart`, is what the reducer
functions of tasks/question.py, survey.py and slider.py would give for every subject and task of
the part, cell for cell; engine/votes_out.py merges the parts and writes them.

Data this path does not cover (survey answers that are not whole numbers, choices that are
numbers or lists, nested keys, ...) raises `NotColumnar`, and the general path (reduce.py)
reduces the file instead, so the output never depends on which path ran.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.kinds import NA_VALUES, ColumnKind
from .partition import ROW, bool_array, int_array

NA = pa.array(sorted(NA_VALUES), pa.string())
VERSION = "data.aggregation_version"


class NotColumnar(Exception):
    """The data has a shape the columnar form does not cover: reduce it the general way."""


def vote_form(component: Any, params: dict[str, Any]) -> str | None:
    """"presence" (question, shortcut), "survey", "slider", or None: the form the reducer registered
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
    texts: dict[str, pa.Array] = field(default_factory=dict)  # strings per output row (survey choices)
    reals: dict[str, np.ndarray] = field(default_factory=dict)  # float64 per output row (NaN: empty cell)
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


def unique_firsts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(keys, return_index=True, return_inverse=True) for non-negative int64 keys, by one
    quicksort of `key * n + position`: those are distinct, so the unstable sort orders each key's
    positions as a stable one would (np.unique sorts with mergesort, several times slower)."""
    n = len(keys)
    if n == 0 or (int(keys.max()) + 1) * n >= 2 ** 62:
        unique, firsts, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return unique, firsts, inverse.reshape(-1)
    packed = np.sort(keys * n + np.arange(n))
    ordered = packed // n
    positions = packed - ordered * n
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    inverse = np.empty(n, dtype=np.int64)
    inverse[positions] = np.cumsum(starts) - 1
    return ordered[starts], positions[starts], inverse


def stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") for non-negative int64 keys (quicksort of distinct keys)."""
    n = len(keys)
    if n == 0 or (int(keys.max()) + 1) * n >= 2 ** 62:
        return np.argsort(keys, kind="stable")
    return np.sort(keys * n + np.arange(n)) % n


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


@dataclass
class Sparse:
    """A mostly empty text column: its non-empty cells' positions and dictionary codes."""

    positions: np.ndarray
    codes: np.ndarray
    dictionary: pa.Array
    empties: bool  # any empty cell


def sparse_codes(column: pa.ChunkedArray | pa.Array) -> Sparse:
    """Codes of the non-empty cells only: encoding a whole column that is mostly empty (a survey
    answer) costs several times more."""
    filled = np.asarray(pc.binary_length(column)) > 0
    positions = np.flatnonzero(filled)
    codes, dictionary = _codes(pc.filter(column, bool_array(filled)))
    return Sparse(positions, codes, dictionary, len(positions) < len(filled))


class Part:
    """The working state of one part: columns as written, their codes, and the rows' order."""

    def __init__(self, table: pa.Table, kinds: dict[str, ColumnKind], numeric_subjects: bool | None) -> None:
        self.columns = {name: table.column(name) for name in table.column_names}
        self.header = [n for n in table.column_names if n != ROW]
        self.data_names = [n for n in self.header if n.startswith("data.")]
        self.kinds = dict(kinds)
        self._encoded: dict[str, tuple[np.ndarray, pa.Array]] = {}
        self._sparse: dict[str, Sparse] = {}
        self.n = table.num_rows
        self.file_rows = np.asarray(self.columns[ROW]) if ROW in self.columns else np.arange(self.n)
        self._encode(["subject_id", "classification_id", "task", "created_at", "user_name", "data.choice"])
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

    def _encode(self, names: list[str]) -> None:
        """Encode the columns every part needs two at a time (pyarrow releases the GIL)."""
        todo = [n for n in names if n in self.columns and n not in self._encoded]
        with ThreadPoolExecutor(2) as pool:
            for name, codes in zip(todo, pool.map(lambda n: _codes(self.columns[n]), todo), strict=True):
                self._encoded[name] = codes

    def codes(self, name: str) -> tuple[np.ndarray, pa.Array]:
        if name not in self._encoded:
            self._encoded[name] = _codes(self.columns[name])
        return self._encoded[name]

    def kind(self, name: str) -> ColumnKind:
        """How pandas would type the column in the whole file: given, or learned here (when the
        part is the whole file) from its distinct values, which decide it alone."""
        if name not in self.kinds:
            if name in self._encoded:
                self.kinds[name] = ColumnKind().update(self._encoded[name][1])
            else:  # "" is missing: it makes gaps, like any other missing cell, and nothing else
                sparse = self.sparse(name)
                self.kinds[name] = ColumnKind(gaps=sparse.empties).update(sparse.dictionary)
        return self.kinds[name]

    def sparse(self, name: str) -> Sparse:
        if name not in self._sparse:
            self._sparse[name] = sparse_codes(self.columns[name])
        return self._sparse[name]

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
            return rows[stable_order(key)]
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


def first_seen_of(part: Part, rows: np.ndarray, row_tasks: np.ndarray, task_names: list[str]
                ) -> dict[str, tuple[Any, ...]]:
    """Per task: (subject key, created_at, file row) of its first row in `rows` (time order)."""
    if len(task_names) <= 32:  # a scan per task beats sorting every row by task
        present = np.flatnonzero(np.bincount(row_tasks, minlength=len(task_names)))
        firsts = [int(np.argmax(row_tasks == task)) for task in present.tolist()]
    else:
        firsts = unique_firsts(row_tasks)[1].tolist()
    created = part.columns["created_at"]
    out = {}
    for position in firsts:
        row = int(rows[position])
        out[task_names[row_tasks[position]]] = (part.keys[part.subject_rank[row]], created[row].as_py(),
                                                int(part.file_rows[row]))
    return out


def kept_by_filter(part: Part, rows: np.ndarray, group: np.ndarray, how: str) -> np.ndarray:
    """Mask over `rows` (in time order): one classification per volunteer and subject-task,
    the first or last (-F); rows without a user_name are always kept."""
    if how == "all":
        return np.ones(len(rows), dtype=bool)
    user_codes, user_dict = part.codes("user_name")
    users = user_codes[rows]
    # empty names by their length (comparing with a Python "" would import dateutil and pandas)
    named = (np.asarray(pc.binary_length(user_dict)) > 0)[users]
    key = group * (len(user_dict) + 1) + users
    classifications = part.classification_codes[rows]
    step = 1 if how == "first" else -1
    _, firsts, inverse = unique_firsts(key[::step])
    chosen = classifications[::step][firsts][inverse][::step]
    return ~named | (classifications == chosen)


def every_group(out: VotePart, nsubjects: int, ntasks: int) -> int:
    """One output row per subject and task (the general path reduces each, even with no extracts)."""
    out.row_subject = np.repeat(np.arange(nsubjects), ntasks)
    out.row_task = np.tile(np.arange(ntasks), nsubjects)
    out.row_seq = np.zeros(nsubjects * ntasks, dtype=np.int64)
    return nsubjects * ntasks


def first_places(out: VotePart, row_order: Any) -> None:
    """Where each column may first appear: every output row of the first subject that has it
    (which of them comes first is known only once the task order of the whole file is)."""
    columns = [*out.numbers, *out.texts, *out.reals, *out.constants]
    bounds = np.searchsorted(out.row_subject, np.arange(len(out.subjects) + 1))
    orders: dict[int, dict[str, int]] = {}
    for name in columns:
        present = out.numbers[name].present if name in out.numbers else None
        hits = np.flatnonzero(present) if present is not None else np.arange(min(out.rows, 1))
        if len(hits) == 0:
            continue
        subject = int(out.row_subject[hits[0]])
        candidates = [r for r in range(int(bounds[subject]), int(bounds[subject + 1]))
                      if present is None or present[r]]
        out.firsts[name] = []
        for row in candidates:
            if row not in orders:
                orders[row] = {n: i for i, n in enumerate(row_order(row))}
            out.firsts[name].append((row, orders[row][name]))
