"""Vote cells checked before they are counted: a question or shortcut extract's answer cell
holds 1 when the answer was given (the peer counts any cell that is there, whatever it holds).
A cell that is no positive number (`abc`, `-5`, `0`, `inf`) is no vote: its extract row goes
to the rejects file, named, and the subject is reduced from the others."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ReduceError, RowError, Where
from ..tables.kinds import NA_VALUES

#: reducers that count an extract's answer keys by presence
PRESENCE_REDUCERS = frozenset({"question_consensus_reducer"})
_NA = pa.array(sorted(NA_VALUES), pa.string())
_TRUE = pa.array(["True", "TRUE", "true"], pa.string())
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"

#: a checker: (batch or table of text columns) -> (the rows to keep, or None for all; their rejects)
Check = Callable[[Any], tuple[Any, list[RowError]]]


def counts_presence(component: Any) -> bool:
    return component.vote_form == "presence" or component.name in PRESENCE_REDUCERS


def vote_check(component: Any, source: str) -> Check | None:
    """The check for the reducer's input, when it counts answers by presence."""
    if not counts_presence(component):
        return None

    def check(batch: Any) -> tuple[Any, list[RowError]]:
        return bad_votes(batch, source)

    return check


def _answer_columns(names: list[str]) -> list[str]:
    return [name for name in names if name.startswith("data.") and name != "data.aggregation_version"
            and not name.startswith("data.pluck.")]


def _bad_cells(column: pa.Array) -> pa.Array:
    """Per cell: true where it is neither missing nor a vote (a positive finite number or True)."""
    if column.null_count:
        column = pc.fill_null(column, "")
    number = pc.match_substring_regex(column, _NUMBER)
    values = pc.cast(pc.if_else(number, column, "0"), pa.float64())
    vote = pc.and_(number, pc.and_(pc.greater(values, 0.0), pc.is_finite(values)))
    fine = pc.or_(pc.or_(pc.is_in(column, value_set=_NA), pc.is_in(column, value_set=_TRUE)), vote)
    return pc.invert(fine)


def _bad(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """Per cell, true where it is no vote (`_bad_cells`), or None when every cell is fine. A
    column holds few distinct texts (`1.0`, empty): they are checked once each, not per row."""
    distinct = pc.unique(column)
    wrong = distinct.filter(_bad_cells(distinct))
    if len(wrong) == 0:
        return None
    return pc.is_in(column, value_set=wrong)


def bad_votes(batch: Any, source: str) -> tuple[Any, list[RowError]]:
    """(the rows to keep or None when all are fine, a reject for each other row)."""
    names = list(batch.schema.names)
    answers = _answer_columns(names)
    if not answers:
        return None, []
    found = {name: _bad(batch.column(names.index(name))) for name in answers}
    bad = {name: mask for name, mask in found.items() if mask is not None}
    if not bad:
        return None, []
    masks = iter(bad.values())
    any_bad = next(masks)
    for mask in masks:
        any_bad = pc.or_(any_bad, mask)
    rows = pc.indices_nonzero(any_bad).to_pylist()
    text = {name: batch.column(names.index(name)) for name in ("classification_id", "task") if name in names}
    rejects: list[RowError] = []
    for row in rows:
        column = next(name for name in answers if name in bad and bad[name][row].as_py())
        value = batch.column(names.index(column))[row].as_py()
        cid = text["classification_id"][row].as_py() if "classification_id" in text else None
        task = text["task"][row].as_py() if "task" in text else None
        rejects.append(ReduceError(
            f"{column} holds {value!r}, which is no vote",
            hint="an answer cell holds 1 when the answer was given and is empty when not; fix the extract "
                 "file or extract again",
            where=Where(file=source, row=cid, column=column, task=task, value=value)))
    return pc.invert(any_bad), rejects
