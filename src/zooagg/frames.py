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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from .errors import InputError, Where
from .literal import parse_text_cell
from .tables import NA_VALUES, ColumnKind

#: columns that hold ids: whole numbers become integers whatever the file wrote
ID_COLUMNS = frozenset({"classification_id", "user_id", "subject_id", "workflow_id"})
#: components whose numeric data.* columns are vote counts
_VOTE_COMPONENT = re.compile(r"^(question|shortcut|survey|dropdown)_(extractor|reducer)")
_COUNT_NAME = re.compile(r"(^|[._])(\w*count|num_votes|number_views)$")
_WHOLE_LIMIT = 2.0 ** 53  # beyond this a float no longer holds every whole number


@dataclass
class Columns:
    """Named columns of Python values; `kinds` says what each holds (int, float, bool,
    datetime, text, or object for lists, mappings and mixed values)."""

    values: dict[str, list[Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(next(iter(self.values.values()), []))

    def add(self, name: str, values: list[Any], kind: str | None = None) -> None:
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
        values, kind = typed_values(column_name, table.column(column_name), counts)
        out.add(column_name, values, kind)
    return out


def _is_vote_table(column: pa.ChunkedArray) -> bool:
    names = {str(v) for v in column.unique().to_pylist() if v}
    return bool(names) and all(_VOTE_COMPONENT.match(n) for n in names)


def typed_values(name: str, column: pa.ChunkedArray, counts: bool) -> tuple[list[Any], str]:
    """One column's values and kind; `counts` turns whole-number floats into integers."""
    kind_of_arrow = column.type
    if pa.types.is_string(kind_of_arrow) or pa.types.is_large_string(kind_of_arrow):
        values, kind = _from_text(name, column)
    else:
        values, kind = column.to_pylist(), kind_of(column.to_pylist())
    if kind == "float" and counts:
        return _whole_numbers(values)
    return values, kind


def _from_text(name: str, column: pa.ChunkedArray) -> tuple[list[Any], str]:
    cells = ["" if c is None else c for c in column.to_pylist()]
    learned = ColumnKind().update(pa.array(cells, pa.string()))
    if learned.present and learned.ints:
        return [None if c in NA_VALUES else int(c) for c in cells], "int"
    if learned.present and learned.floats:
        return [float("nan") if c in NA_VALUES else float(c) for c in cells], "float"
    if learned.present and learned.bools:
        return [None if c in NA_VALUES else c.lower() == "true" for c in cells], "bool"
    if name == "created_at":
        times = _times(cells)
        if times is not None:
            return times, "datetime"
    values = [None if c in NA_VALUES else parse_text_cell(c) if name.startswith("data.") else c for c in cells]
    return values, kind_of(values)


def _whole_numbers(values: list[Any]) -> tuple[list[Any], str]:
    ints: list[Any] = []
    for value in values:
        if value is None or value != value:  # None or NaN: a gap
            ints.append(None)
        elif float(value).is_integer() and abs(value) < _WHOLE_LIMIT:
            ints.append(int(value))
        else:
            return values, "float"
    return ints, "int"


def _times(cells: list[str]) -> list[datetime | None] | None:
    """`2016-06-15 00:51:21 UTC` (or ISO 8601) cells as UTC times; None if any is neither."""
    out: list[datetime | None] = []
    for cell in cells:
        if cell in NA_VALUES:
            out.append(None)
            continue
        try:
            moment = datetime.fromisoformat(cell.removesuffix(" UTC"))
        except ValueError:
            return None
        out.append(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC))
    return out


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
