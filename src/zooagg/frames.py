"""Extract and reduction tables as typed columns: the reader behind `zooagg.read_table`.

A file (CSV or Parquet, zooagg's or the peer's) becomes named columns of real values: ids
and counts as integers (the peer writes a count as `1.0` when its column has gaps), lists and
mappings parsed from their repr (`zooagg.literal`, never `eval`), `created_at` as a UTC time.
`frames_out` turns the columns into a pandas DataFrame, or an Arrow table without pandas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputError, Where
from .literal import parse_text_cell
from .tables.kinds import NA_VALUES, ColumnKind

#: columns that hold ids: whole numbers become integers whatever the file wrote
ID_COLUMNS = frozenset({"classification_id", "user_id", "subject_id", "workflow_id"})
#: components whose numeric data.* columns are vote counts
_VOTE_COMPONENT = re.compile(r"^(question|shortcut|survey|dropdown)_(extractor|reducer)")
_COUNT_NAME = re.compile(r"(^|[._])(\w*count|num_votes|number_views)$")
_WHOLE_LIMIT = 2.0 ** 53  # beyond this a float no longer holds every whole number
_NA = pa.array(sorted(NA_VALUES), pa.string())
_TRUE = pa.array(["True", "TRUE", "true"], pa.string())
#: a cell that may hold a repr to parse: a list, mapping, tuple or numpy scalar
_LITERAL_START = r"^\s*[\[{(]|^(np|numpy)\."
#: a column's values: an Arrow array for plain columns, a Python list for parsed cells
Values = Any


@dataclass
class Columns:
    """Named columns of Python values; `kinds` says what each holds (int, float, bool,
    datetime, text, or object for lists, mappings and mixed values)."""

    values: dict[str, Values] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    #: int columns whose file wrote them as floats (`1.0`): written back the same way
    floated: set[str] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return len(next(iter(self.values.values()), []))

    def as_list(self, name: str) -> list[Any]:
        """A column as Python values (None where missing)."""
        values = self.values[name]
        return values.to_pylist() if isinstance(values, pa.Array) else values

    def add(self, name: str, values: Values, kind: str | None = None) -> None:
        self.values[name] = values
        self.kinds[name] = kind or kind_of(values)


# ---- reading --------------------------------------------------------------------------------

def load_arrow(source: Any) -> tuple[pa.Table, str]:
    """A path (CSV or Parquet), a pandas DataFrame or an Arrow table as an Arrow table, and a
    name for it in error messages. CSV cells are read as text, exactly as written."""
    if isinstance(source, pa.Table):
        return source, "the Arrow table"
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source]), "the Arrow batch"
    if type(source).__name__ == "DataFrame" and hasattr(source, "to_dict"):
        return pa.Table.from_pandas(source, preserve_index=False), "the DataFrame"
    path = Path(source)
    if not path.is_file():
        hint = "give an extract or reduction file" if path.is_dir() else "check the path"
        raise InputError("file not found" if not path.exists() else "is a folder, not a file",
                         hint=hint, where=Where(file=str(path)))
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        import pyarrow.parquet as pq

        return pq.read_table(path), str(path)
    return _read_csv_text(path), str(path)


def _read_csv_text(path: Path) -> pa.Table:
    import pyarrow.csv as pacsv

    from .exports.csvio import header_of

    header = header_of(path)
    try:
        return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                              convert_options=pacsv.ConvertOptions(
                                  column_types={name: pa.string() for name in header},
                                  strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        raise InputError(f"cannot read as CSV: {str(exc).splitlines()[0]}",
                         hint="give an extract or reduction file written by zooagg or the peer",
                         where=Where(file=str(path))) from exc


def typed_columns(table: pa.Table, name: str) -> Columns:
    """Every column of an extract or reduction table with its real values."""
    names = table.column_names
    if "extractor" not in names and "reducer" not in names:
        raise InputError("neither extracts (no `extractor` column) nor reductions (no `reducer` column)",
                         hint="give a file written by `zooagg extract` / `zooagg reduce` or the peer",
                         where=Where(file=name))
    component = "extractor" if "extractor" in names else "reducer"
    votes = _is_vote_table(table.column(component))
    out = Columns()
    for column_name in names:
        counts = column_name in ID_COLUMNS or bool(_COUNT_NAME.search(column_name)) or (
            votes and column_name.startswith("data.") and column_name != "data.aggregation_version")
        column = table.column(column_name)
        values, kind, floated = typed_values(column_name, column, counts)
        out.add(column_name, values, kind)
        if floated:
            out.floated.add(column_name)
    return out


def rows_columns(names: list[str], rows: list[dict[str, Any]]) -> Columns:
    """Rows of Python values (e.g. the consensus table's) as typed columns; ids given as text
    become integers (other text, such as subject metadata, stays as it is: `"007"` is a name)."""
    out = Columns()
    for name in names:
        values = [row.get(name) for row in rows]
        if name in ID_COLUMNS and kind_of(values) == "text" and any(v is not None for v in values):
            typed, kind, _ = typed_values(name, pa.array(values, pa.string()), counts=True)
            out.add(name, typed, kind)
        else:
            out.add(name, values)
    return out


def _is_vote_table(column: pa.ChunkedArray) -> bool:
    names = {str(v) for v in column.unique().to_pylist() if v}
    return bool(names) and all(_VOTE_COMPONENT.match(n) for n in names)


def typed_values(name: str, column: pa.ChunkedArray | pa.Array, counts: bool) -> tuple[Values, str, bool]:
    """One column's values, its kind, and whether it is integers the file wrote as floats
    (`counts` turns whole-number floats into integers). Plain columns stay Arrow arrays
    (fast); parsed cells are Python lists."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    if pa.types.is_string(array.type):
        values, kind = _from_text(name, array)
    elif pa.types.is_integer(array.type):
        values, kind = array.cast(pa.int64()), "int"
    elif pa.types.is_floating(array.type):
        values, kind = array.cast(pa.float64()), "float"
    elif pa.types.is_boolean(array.type):
        values, kind = array, "bool"
    else:
        values = array.to_pylist()
        kind = kind_of(values)
    if kind == "float" and counts and isinstance(values, pa.Array):
        values, kind = _whole_numbers(values)
        return values, kind, kind == "int"
    return values, kind, False


def _from_text(name: str, text: pa.Array) -> tuple[Values, str]:
    text = pc.fill_null(text, "")
    learned = ColumnKind().update(text)
    nulled = pc.if_else(pc.is_in(text, value_set=_NA), pa.scalar(None, pa.string()), text)
    if learned.present and learned.ints:
        return pc.cast(nulled, pa.int64()), "int"
    if learned.present and learned.floats:
        return pc.cast(nulled, pa.float64()), "float"
    if learned.present and learned.bools:
        # is_in says False for a missing cell: keep it missing
        return pc.if_else(pc.is_null(nulled), pa.scalar(None, pa.bool_()), pc.is_in(nulled, value_set=_TRUE)), "bool"
    if name == "created_at" and learned.present:
        times = _times(nulled)
        if times is not None:
            return times, "datetime"
    if name.startswith("data.") and pc.any(pc.match_substring_regex(nulled, _LITERAL_START)).as_py():
        values = [None if c is None else parse_text_cell(c) for c in nulled.to_pylist()]
        return values, kind_of(values)
    return nulled, "text"


def _whole_numbers(values: pa.Array) -> tuple[Values, str]:
    present = pc.drop_null(values)
    if len(present) and not pc.all(pc.and_(pc.equal(pc.floor(present), present),
                                           pc.less(pc.abs(present), _WHOLE_LIMIT))).as_py():
        return values, "float"
    return pc.cast(values, pa.int64()), "int"


def _times(text: pa.Array) -> pa.Array | None:
    """`2016-06-15 00:51:21 UTC` (the exports' form) cells as UTC times; None if any is not."""
    plain = pc.replace_substring_regex(text, " UTC$", "")
    try:
        return pc.strptime(plain, format="%Y-%m-%d %H:%M:%S", unit="us").cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def kind_of(values: Iterable[Any]) -> str:
    """int, float, bool, datetime, text or object: what every present value is."""
    seen: set[type] = set()
    for value in values:
        if value is not None:
            seen.add(type(value))
    if not seen or seen <= {str}:
        return "text"
    if seen == {bool}:
        return "bool"
    if seen == {int}:
        return "int"
    if seen <= {int, float}:
        return "float"
    if seen == {datetime}:
        return "datetime"
    return "object"
