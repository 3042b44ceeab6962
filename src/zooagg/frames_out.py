"""Typed columns out as a pandas DataFrame (or an Arrow table), wide or long.

Wide is the file's own layout. The long layouts are for drawing tasks, where the peer packs
one list per property into a cell (`data.frame0.T0_tool1_clusters_x = [10.5, 80.2]`):
`marks` gives one row per mark and `clusters` one row per cluster, each with one column per
property (`x`, `y`, `width`, `count`, `details`, ...), plus `frame`, `tool` and the row's
index within its tool (`mark` / `cluster`).
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import orjson
import pyarrow as pa

from .errors import InputError, Where
from .frames import Columns
from .frames_in import FLOAT_COLUMNS_KEY

Layout = Literal["wide", "marks", "clusters"]
LAYOUTS: tuple[str, ...] = ("wide", "marks", "clusters")

_DRAWN = re.compile(r"^data\.frame(\d+)\.(.+?)_tool(?:Index)?(\d+)_(.+)$")
#: leading shape words the peer puts before a mark property (`rectangle_x`, `points_x`)
_SHAPE_WORDS = frozenset({"circle", "column", "ellipse", "fullWidthLine", "fullHeightLine", "line", "point",
                          "points", "rectangle", "rec", "rotateRectangle", "triangle", "fan",
                          "temporalRotateRectangle", "temporalPoint", "polygon", "bezier"})
_META = frozenset({"classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
         "extractor", "reducer"})


def pandas_available() -> bool:
    """Whether results are DataFrames (pandas installed) or Arrow tables."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def reshape(columns: Columns, layout: str, name: str) -> Columns:
    """The table in the layout asked for: as it is (wide), or one row per mark or cluster."""
    if layout == "wide":
        return columns
    if layout not in LAYOUTS:
        from .registry import did_you_mean

        raise InputError(f"unknown layout {layout!r}", hint=f"{did_you_mean(layout, list(LAYOUTS))} "
                         f"(one of {', '.join(LAYOUTS)})", where=Where(file=name, value=layout))
    groups = _drawn_groups(columns, clusters=layout == "clusters")
    if not groups:
        what = "cluster (`*_clusters_*`)" if layout == "clusters" else "mark (`data.frameN.T*_toolK_*`)"
        raise InputError(f"no {what} columns: layout {layout!r} is for drawing-task files",
                         hint="use layout='wide' for this file", where=Where(file=name))
    return _long(columns, groups, "cluster" if layout == "clusters" else "mark")


def _drawn_groups(columns: Columns, clusters: bool) -> dict[tuple[int, str, int], dict[str, str]]:
    """(frame, task, tool) -> {property: column name} for the mark or cluster columns."""
    groups: dict[tuple[int, str, int], dict[str, str]] = {}
    for name in columns.values:
        match = _DRAWN.match(name)
        if not match:
            continue
        frame, task, tool, rest = match.groups()
        if rest.startswith("clusters_") != clusters:
            continue
        prop = rest.removeprefix("clusters_") if clusters else _mark_property(rest)
        groups.setdefault((int(frame), task, int(tool)), {})[prop] = name
    return groups


def _mark_property(rest: str) -> str:
    word, _, prop = rest.partition("_")
    return prop if prop and word in _SHAPE_WORDS else rest


def _long(columns: Columns, groups: dict[tuple[int, str, int], dict[str, str]], item: str) -> Columns:
    meta = [n for n in columns.values if n in _META]  # in the file's order
    props = list(dict.fromkeys(p for group in groups.values() for p in group))
    cells = {name: columns.as_list(name) for group in groups.values() for name in group.values()}
    source: list[int] = []  # the wide row each long row comes from
    rows: dict[str, list[Any]] = {n: [] for n in ["frame", "tool", item, *props]}
    for index in range(columns.rows):
        for (frame, _task, tool), group in groups.items():
            lists = {p: cells[n][index] for p, n in group.items()}
            count = max((len(v) for v in lists.values() if isinstance(v, list | tuple)), default=0)
            for position in range(count):
                source.append(index)
                rows["frame"].append(frame)
                rows["tool"].append(tool)
                rows[item].append(position)
                for prop in props:
                    cell = lists.get(prop)
                    rows[prop].append(cell[position] if isinstance(cell, list | tuple)
                                      and position < len(cell) else None)
    out = Columns(floated=columns.floated & set(meta))
    take = pa.array(source, pa.int64())
    for name in meta:
        values = columns.values[name]
        out.add(name, values.take(take) if isinstance(values, pa.Array) else [values[i] for i in source],
                columns.kinds[name])
    for name, values in rows.items():
        out.add(name, values)
    return out


# ---- out ------------------------------------------------------------------------------------

def to_output(columns: Columns) -> Any:
    """A pandas DataFrame if pandas is installed, else an Arrow table."""
    return to_pandas(columns) if pandas_available() else to_arrow(columns)


def to_pandas(columns: Columns) -> Any:
    import numpy as np
    import pandas as pd

    # Arrow-held columns convert in one go; nullable integers and booleans keep their type
    arrow = {n: v for n, v in columns.values.items() if isinstance(v, pa.Array)}
    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    converted = pa.table(arrow).to_pandas(types_mapper=mapping.get) if arrow else pd.DataFrame()
    data: dict[str, Any] = {}
    for name, values in columns.values.items():
        kind = columns.kinds[name]
        if name in arrow:
            data[name] = converted[name].array
        elif kind == "int":
            data[name] = pd.array(values, dtype="Int64")
        elif kind == "float":
            data[name] = np.array([math.nan if v is None else v for v in values], dtype=float)
        elif kind == "bool":
            data[name] = pd.array(values, dtype="boolean")
        else:
            cells = np.empty(len(values), dtype=object)  # lists stay lists, not numpy rows
            cells[:] = values
            data[name] = cells
    frame = pd.DataFrame(data, columns=list(columns.values))
    frame.attrs[FLOAT_COLUMNS_KEY] = sorted(columns.floated)
    return frame


_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "text": pa.string(),
                "datetime": pa.timestamp("us", tz="UTC")}


def to_arrow(columns: Columns) -> pa.Table:
    arrays: dict[str, pa.Array] = {}
    for name, values in columns.values.items():
        kind = columns.kinds[name]
        if isinstance(values, pa.Array):
            arrays[name] = values
            continue
        if kind in _ARROW_TYPES:
            arrays[name] = pa.array(values, _ARROW_TYPES[kind])
            continue
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # lists of mixed types have no Arrow type: JSON text, as zooagg's Parquet files hold them
            arrays[name] = pa.array([None if v is None else orjson.dumps(v, default=str).decode()
                                     for v in values], pa.string())
    return pa.table(arrays).replace_schema_metadata({FLOAT_COLUMNS_KEY: "\n".join(sorted(columns.floated))})
