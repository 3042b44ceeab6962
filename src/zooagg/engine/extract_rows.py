"""Extract rows as CSV text, made in the workers and typed once per row shape.

A table's layout depends on the whole file (columns in first-seen order, and whether a count
column is written `1` or `1.0`), so `tables.SpooledTable` keeps every value and formats it
at the end. Here each row is formatted as it is made, in the worker: every cell is CSV text
already, except that a whole number may still need its `.0` (a large one, or a value of an
unusual type, keeps both of its possible texts). The row's column names and value types (its
*shape*) are counted instead of learned value by value; the column types follow from the
shapes, exactly as `ColumnStats.learn` would learn them. Laying out is then one
`str.format` per row, with a template per shape that puts each cell in its column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import call
from pathlib import Path
from typing import Any

from ..tables.atomic import atomic_open
from ..tables.cells import (
    _BOOL,
    _FLOAT,
    _INT,
    _NULL,
    _OTHER,
    _STR,
    NEEDS_QUOTES,
    Column,
    _float_text,
    _object_text,
    _tag,
    csv_cell,
    flatten,
)
from ..tables.layout import ColumnStats, csv_writer
from ..tables.spool import SpooledTable, encode_rows

#: whole numbers up to this size are written as float by appending ".0" (repr(float(n)) == f"{n}.0")
_EXACT = 2**53
_NoneType = type(None)
#: fields before the data cells: shapes, shape index, then `row_head`: head, user_id, ".0" or "",
#: closing quote, workflow_id, created_at and subject_id
DATA_AT = 8


class _Irregular(Exception):
    """A value its row shape's fast formatter cannot take (NaN, a huge int): the slow path."""


class _TextCells(dict[str, str]):
    """`esc` of the strings met so far (answers, choices, the version stamp): a hit is one C call."""

    def __missing__(self, text: str) -> str:
        cell = csv_cell(text)
        if len(self) < 4096:
            self[text] = cell
        return cell


class _IntCells(dict[int, str]):
    """Whole numbers as text; one beyond 2**53 takes the slow path (its float text differs)."""

    def __missing__(self, value: int) -> str:
        if not -_EXACT <= value <= _EXACT:
            raise _Irregular
        cell = str(value)
        if len(self) < 4096:
            self[value] = cell
        return cell


def _float_cell(value: float) -> str:
    if value == value:  # NaN != NaN
        return repr(value)
    raise _Irregular


def _empty(value: Any) -> str:
    return ""


def _object_cell(value: Any) -> str:
    text = str(value)
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:  # most lists: one `in` each, no regex call
        return '"' + text + '"'
    return text


def _unusual(value: Any) -> str:
    raise _Irregular


#: fast cell formatters by exact type (any other type goes through `_slow_cells`)
_CELLS: dict[Any, Callable[[Any], str]] = {
    str: _TextCells().__getitem__, int: _IntCells().__getitem__, bool: str, float: _float_cell,
    _NoneType: _empty, list: _object_cell, dict: _object_cell, tuple: _object_cell,
}
#: the type tag (as `ColumnStats.learn` gives it) of each kind of cell
_KIND_TAGS: dict[Any, int] = {
    str: _STR, int: _INT, bool: _BOOL, float: _FLOAT, _NoneType: _NULL, list: _OTHER, dict: _OTHER,
    tuple: _OTHER, "nan": _NULL, "big": _INT,
}
#: kinds that keep two texts: as written in an int or text column, and in a float column
_DUAL = "big"


def _kind_tag(kind: Any) -> int:
    return kind[1] if type(kind) is tuple else _KIND_TAGS[kind]


def _is_dual(kind: Any) -> bool:
    return kind == _DUAL or type(kind) is tuple


def _slow_cells(values: Sequence[Any]) -> tuple[tuple[Any, ...], list[Any]]:
    """Kinds and texts of a row with unusual values: NaN (an empty cell, typed as a gap),
    ints beyond 2**53 and values of other types (both texts, the right one picked later)."""
    kinds: list[Any] = []
    texts: list[Any] = []
    for value in values:
        kind = type(value)
        if kind is float and value != value:
            kinds.append("nan")
            texts.append("")
        elif kind is int and not -_EXACT <= value <= _EXACT:
            kinds.append(_DUAL)
            texts += [str(value), _float_variant(value)]
        elif kind in _CELLS:
            kinds.append(kind)
            texts.append(_CELLS[kind](value))
        else:
            tag = _tag(value)
            kinds.append(("other", tag))
            text = csv_cell(_object_text(value))
            texts += [text, _float_variant(value) if tag in (_INT, _FLOAT) else text]
    return tuple(kinds), texts


class _Unwritable:
    """The float text of a number float() cannot take: laying it out in a float column fails
    with float()'s own error, as `SpooledTable` fails; its int text is written as usual."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __format__(self, spec: str) -> str:
        raise self.error


def _float_variant(value: Any) -> Any:
    try:
        return csv_cell(_float_text(value))
    except (OverflowError, ValueError, TypeError) as exc:
        return _Unwritable(exc)


def flat_items(data: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]]:
    """`tables.flatten` without the "data." prefix, as (names, values)."""
    flat = flatten(data, "")
    return tuple(flat), list(flat.values())


@dataclass(slots=True)
class Shape:
    """The column names and value kinds of some rows of a batch, and how many rows had them."""

    names: tuple[str, ...]
    kinds: tuple[Any, ...]
    index: int
    lead: str  # the task and extractor cells (`lead_of`)
    count: int = 0


@dataclass
class CsvRows:
    """One batch of one extract table, made in a worker: text rows and their shapes."""

    shapes: list[Shape] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: shape and fast cell formatters by (names, kinds); the formatters stay in the worker
    _by_key: dict[tuple[Any, ...], tuple[Shape, tuple[Callable[[Any], str], ...]]] = field(default_factory=dict)

    def add(self, head: tuple[str, ...], lead: str, data: dict[str, Any]) -> None:
        """One row: `head` from `row_head` (shared by the rows of a classification), `lead` from
        `lead_of` (the step's task and extractor), `data` the extract (nested dicts flattened)."""
        names: tuple[str, ...] = tuple(data)
        values: Any = data.values()
        types = tuple(map(type, values))
        if dict in types:
            names, values = flat_items(data)
            types = tuple(map(type, values))
        shape, cells = self._by_key.get((lead, names, types)) or self._shape(lead, names, types)
        try:
            row = (self.shapes, shape.index, *head, *map(call, cells, values))
        except _Irregular:
            kinds, texts = _slow_cells(list(values))
            shape = (self._by_key.get((lead, names, kinds)) or self._shape(lead, names, kinds))[0]
            row = (self.shapes, shape.index, *head, *texts)
        shape.count += 1
        self.rows.append(row)

    def _shape(self, lead: str, names: tuple[str, ...],
               kinds: tuple[Any, ...]) -> tuple[Shape, tuple[Callable[[Any], str], ...]]:
        shape = Shape(names, kinds, len(self.shapes), lead)
        self.shapes.append(shape)
        entry = self._by_key[(lead, names, kinds)] = (shape, tuple(_CELLS.get(kind, _unusual) for kind in kinds))
        return entry

    def stats(self) -> ColumnStats:
        """The columns and types of these rows, as `ColumnStats.learn` row by row would give."""
        stats = ColumnStats()
        columns = stats.columns
        for shape in self.shapes:
            if not shape.count:  # made for a row that then took the slow path
                continue
            for name, kind in zip(shape.names, shape.kinds, strict=True):
                column = columns.get("data." + name)
                if column is None:
                    column = columns["data." + name] = Column("data." + name)
                column.tags |= _kind_tag(kind)
                column.present += shape.count
            stats.rows += shape.count
        return stats

    def encode(self) -> bytes:
        return encode_rows(self.rows)


def user_id_cells(user_id: str) -> tuple[str, str, str]:
    """user_id as (text, ".0" when ids are written as floats, closing quote when quoted)."""
    if not user_id:
        return "", "", ""
    if NEEDS_QUOTES(user_id) is None:
        return user_id, ".0", ""
    return '"' + user_id.replace('"', '""'), '.0"', '"'


def row_head(classification_id: str, user_name: str, user_id: str, workflow_id: str, created_at: str,
             subject_id: str) -> tuple[str, ...]:
    """A classification's cells but task and extractor: classification_id and user_name (one
    field), the three user_id parts, workflow_id, created_at and subject_id (one field)."""
    if NEEDS_QUOTES(f"{classification_id}{user_name}{user_id}{workflow_id}{created_at}{subject_id}") is None:
        if user_id:  # the usual case: no cell needs quoting, one search for all of them
            return (f"{classification_id},{user_name},", user_id, ".0", "", workflow_id, f"{created_at},{subject_id}")
        return (f"{classification_id},{user_name},", "", "", "", workflow_id, f"{created_at},{subject_id}")
    return (f"{csv_cell(classification_id)},{csv_cell(user_name)},", *user_id_cells(user_id), csv_cell(workflow_id),
            f"{csv_cell(created_at)},{csv_cell(subject_id)}")


def with_subject(head: tuple[str, ...], created_at: str, subject_id: str) -> tuple[str, ...]:
    """`head` with another subject_id (`recursive_subject_ids`)."""
    return (*head[:5], f"{csv_cell(created_at)},{csv_cell(subject_id)}")


def lead_of(task: str, extractor: str) -> str:
    """The row template's fields from workflow_id to the extractor: task and extractor as text."""
    def literal(cell: str) -> str:
        return csv_cell(cell).replace("{", "{{").replace("}", "}}")

    return f",{{6}},{literal(task)},{{7}},{literal(extractor)}"


class CsvTable(SpooledTable):
    """An extract table spooled as `CsvRows` batches (see the module docstring); CSV only."""

    float_user_ids: bool = False

    def _finish_csv(self, names: list[str]) -> tuple[Path, Path]:
        position = {name[len("data."):]: i for i, name in enumerate(names)}
        formats = [self.columns[n].formatter(self.rows) for n in names]
        user_id = "{3}{4}" if self.float_user_ids else "{3}{5}"
        handle, tmp = atomic_open(self.path)
        with handle:
            csv_writer(handle).writerow([*self.meta_columns, *names])
            shapes: list[Shape] | None = None
            templates: list[str] = []
            lines: list[str] = []
            records: Iterator[Any] = self.records()  # rows of `CsvRows`: (shapes, shape index, texts...)
            for row in records:
                if row[0] is not shapes:
                    shapes = row[0]
                    templates = [template(s, position, formats, user_id) for s in row[0]]
                lines.append(templates[row[1]].format(*row))
                if len(lines) >= 4096:
                    handle.write("".join(lines))
                    lines = []
            handle.write("".join(lines))
        return tmp, self.path


def template(shape: Shape, position: dict[str, int], formats: list[Any], user_id: str) -> str:
    """The `str.format` template of one shape's rows, given the file's columns and formatters."""
    cells = [""] * len(formats)
    index = DATA_AT
    for name, kind in zip(shape.names, shape.kinds, strict=True):
        column = position[name]
        as_float = formats[column] is _float_text
        if _is_dual(kind):
            cells[column] = f"{{{index + as_float}}}"
            index += 2
        else:
            cells[column] = f"{{{index}}}.0" if kind is int and as_float else f"{{{index}}}"
            index += 1
    return "{2}" + user_id + shape.lead + "".join("," + cell for cell in cells) + "\n"
