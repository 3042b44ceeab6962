"""Frames back to the CSV files the engine reads, so the API runs the CLI's code on them.

A classification or workflow export given as a frame is written as it is (its cells are the
export's text or the numbers pandas read from it; the export readers take both). An extract
table given as a frame, typically one `read_table` returned, is written in the peer's
encodings: lists and mappings as Python reprs, NaN and NA empty, and a column that held
`1.0` in its file (the peer's counts with gaps) as `1.0` again, so reducing the frame gives
the same bytes as reducing the file.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

#: where a frame remembers the columns whose whole numbers were written `1.0` in its file
FLOAT_COLUMNS_KEY = "zooagg.float_columns"


def write_export(frame: Any, path: Path) -> Path:
    """A classification, workflow or subject export held in a frame, as a CSV file."""
    if isinstance(frame, pa.Table | pa.RecordBatch):
        import pyarrow.csv as pacsv

        pacsv.write_csv(frame, path)
    else:
        frame.to_csv(path, index=False)
    return path


def write_extracts(frame: Any, path: Path) -> Path:
    """An extract table held in a frame, as the peer's CSV."""
    names, columns, floated = _columns(frame)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        cells = [[_text(v, name in floated) for v in column] for name, column in zip(names, columns, strict=True)]
        writer.writerows(zip(*cells, strict=True))
    return path


def _columns(frame: Any) -> tuple[list[str], list[list[Any]], set[str]]:
    if isinstance(frame, pa.RecordBatch):
        frame = pa.Table.from_batches([frame])
    if isinstance(frame, pa.Table):
        metadata = frame.schema.metadata or {}
        floated = metadata.get(FLOAT_COLUMNS_KEY.encode(), b"").decode().split("\n")
        return frame.column_names, [frame.column(n).to_pylist() for n in frame.column_names], set(floated)
    names = [str(n) for n in frame.columns]
    return names, [frame[n].tolist() for n in frame.columns], set(frame.attrs.get(FLOAT_COLUMNS_KEY, ()))


def _text(value: Any, floated: bool) -> str:
    if value is None or _is_na(value):
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return f"{value}.0" if floated else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        moment = value.strftime("%Y-%m-%d %H:%M:%S")
        return f"{moment}.{value.microsecond:06d} UTC" if value.microsecond else f"{moment} UTC"
    return repr(_plain(value))


def _is_na(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays inside a cell as Python values, so the repr is the peer's."""
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    return value
