"""Extract and reduction tables: peer-compatible CSV and typed Parquet, written atomically.

Rows stream into a spool file while the columns and their types are learned; the table is then
laid out in one pass. That keeps memory flat and still gives what the peer's pandas writes:
columns in first-seen order, counts as `1.0` in a column with gaps, lists as Python reprs,
`user_id` as `3958.0` when the export has anonymous rows.

By what each part does:

- `cells`: one cell: flattening `data.*`, its type and text, CSV quoting, reading a cell back;
- `kinds`: what pandas' read_csv makes of a whole column read back (`ColumnKind`, `NA_VALUES`);
- `atomic`: files written to a temp file and renamed into place (`atomic_open`, `commit`);
- `spool`: `SpooledTable`, rows spooled and laid out at the end, `finish_tables`;
- `layout`: the peer's fixed columns, column order and types, the CSV and Parquet writers.

Import from the part. The names are also found here, imported on first use (so `zooagg.tables`
costs nothing until one is used), for code written against the single module this was.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .atomic import abandon, atomic_open, commit, discard_partials
    from .cells import csv_cell, flatten, is_missing, parse_cell, unflatten
    from .kinds import NA_VALUES, ColumnKind, type_column
    from .layout import (
        EXTRACT_COLUMNS,
        REDUCTION_COLUMNS,
        REDUCTION_FRONT,
        ColumnStats,
        column_order,
        csv_writer,
    )
    from .spool import SpooledTable, encode_rows, finish_tables, paused_gc

_HOMES = {
    "abandon": "atomic", "atomic_open": "atomic", "commit": "atomic", "discard_partials": "atomic",
    "csv_cell": "cells", "flatten": "cells", "is_missing": "cells", "parse_cell": "cells", "unflatten": "cells",
    "NA_VALUES": "kinds", "ColumnKind": "kinds", "type_column": "kinds",
    "EXTRACT_COLUMNS": "layout", "REDUCTION_COLUMNS": "layout", "REDUCTION_FRONT": "layout",
    "ColumnStats": "layout", "column_order": "layout", "csv_writer": "layout",
    "SpooledTable": "spool", "encode_rows": "spool", "finish_tables": "spool", "paused_gc": "spool",
}

__all__ = [
    "EXTRACT_COLUMNS",
    "NA_VALUES",
    "REDUCTION_COLUMNS",
    "REDUCTION_FRONT",
    "ColumnKind",
    "ColumnStats",
    "SpooledTable",
    "abandon",
    "atomic_open",
    "column_order",
    "commit",
    "csv_cell",
    "csv_writer",
    "discard_partials",
    "encode_rows",
    "finish_tables",
    "flatten",
    "is_missing",
    "parse_cell",
    "paused_gc",
    "type_column",
    "unflatten",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'zooagg.tables' has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
