"""Reading extract and reduction CSVs back: which cells pandas' read_csv takes for missing
(`NA_VALUES`), and what it makes of a whole column of text (`ColumnKind`: int, float, bool or
text), learned batch by batch with Arrow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

NA_VALUES = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                       "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_TRUE_TEXT = frozenset({"True", "TRUE", "true"})
_FALSE_TEXT = frozenset({"False", "FALSE", "false"})


_NA_ARRAY = pa.array(sorted(NA_VALUES), pa.string())
_BOOL_TEXT = pa.array(sorted(_TRUE_TEXT | _FALSE_TEXT), pa.string())


@dataclass
class ColumnKind:
    """What pandas' read_csv would make of a text column, learned batch by batch.

    int: every present cell a whole number and no gaps; float: all numbers (or ints with
    gaps); bool: all True/False; else text. Merged over partitions, so every part of a big
    file is typed as the whole file would be.
    """

    present: bool = False
    gaps: bool = False
    ints: bool = True
    floats: bool = True
    bools: bool = True

    def update(self, column: pa.Array | pa.ChunkedArray) -> ColumnKind:
        missing = pc.is_in(column, value_set=_NA_ARRAY)
        present = pc.filter(column, pc.invert(missing))
        self.gaps |= len(present) < len(column)
        if len(present) == 0:
            return self
        self.present = True
        if self.ints:
            self.ints = _casts(present, pa.int64())
        if self.floats:
            self.floats = self.ints or _casts(present, pa.float64())
        if self.bools:
            self.bools = bool(pc.all(pc.is_in(present, value_set=_BOOL_TEXT)).as_py())
        return self

    def merge(self, other: ColumnKind) -> None:
        self.present |= other.present
        self.gaps |= other.gaps
        self.ints &= other.ints
        self.floats &= other.floats
        self.bools &= other.bools

    def apply(self, cells: list[str]) -> list[Any]:
        """Typed values (NaN where missing)."""
        nan = math.nan
        if self.present and self.ints:
            if self.gaps:
                return [nan if c in NA_VALUES else float(int(c)) for c in cells]
            return [int(c) for c in cells]
        if self.present and self.floats:
            return [nan if c in NA_VALUES else float(c) for c in cells]
        if self.present and self.bools:
            return [nan if c in NA_VALUES else c in _TRUE_TEXT for c in cells]
        return [nan if c in NA_VALUES else c for c in cells]


def _casts(column: pa.Array | pa.ChunkedArray, to: pa.DataType) -> bool:
    try:
        pc.cast(column, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def type_column(cells: list[str]) -> list[Any]:
    """Typed values for one CSV column, as pandas' read_csv infers them (NaN for missing)."""
    return ColumnKind().update(pa.array(cells, pa.string())).apply(cells)


