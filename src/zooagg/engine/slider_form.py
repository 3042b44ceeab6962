"""slider_reducer's columnar form: mean, median and variance per subject and task.

The reducer calls np.mean, np.median and np.var on each group's values (in time order), and
the CSV shows their reprs, so the figures must match to the bit. numpy's row-wise reductions
of a C-ordered matrix sum each row exactly as a 1-d reduction of that row does (pairwise, from
the row's first value), so the groups are taken size by size: one matrix per group size, one
numpy call per statistic, no Python loop per group.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .votes import (
    VERSION,
    NotColumnar,
    Part,
    VotePart,
    distinct,
    every_group,
    first_places,
    stable_order,
)

#: slider_reducer's keys, in the order its dicts have them
SLIDER = ("data.slider_mean", "data.slider_median", "data.slider_var")
VALUE = "data.slider_value"


def slider_values(part: Part) -> np.ndarray:
    """Each row's value as the reducer reads it (`float(value)`); NotColumnar unless every row has
    a finite number other than -0.0 (whose place in a sort, beside 0.0, numpy leaves open)."""
    if [n for n in part.data_names if n != VERSION] != [VALUE]:
        raise NotColumnar("slider extracts other than one data.slider_value column")
    kind = part.kind(VALUE)
    if not kind.present or kind.gaps or not kind.floats:
        raise NotColumnar("slider values missing or not numbers")
    try:
        numbers = pc.cast(part.columns[VALUE], pa.int64() if kind.ints else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotColumnar("slider values that are not numbers") from exc
    values = np.asarray(numbers).astype(np.float64)
    if not np.all(np.isfinite(values)) or np.any((values == 0) & np.signbit(values)):
        raise NotColumnar("slider values that are not finite, or -0.0")
    return values


def _statistics(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.mean, np.median and np.var of each row of `block` (rows of one size), bit for bit."""
    size = block.shape[1]
    mean = np.add.reduce(block, axis=1) / size
    deviations = block - mean[:, None]
    variance = np.add.reduce(deviations * deviations, axis=1) / size
    middle = np.sort(block, axis=1)[:, (size - 1) // 2:size // 2 + 1]  # one value, or the two middle ones
    median = np.add.reduce(middle, axis=1) / middle.shape[1]
    return mean, median, variance


def slider_votes(part: Part, out: VotePart, rows: np.ndarray, group: np.ndarray, ntasks: int,
                 versioned: bool) -> None:
    values = slider_values(part)
    nout = every_group(out, len(part.subjects), ntasks)
    order = stable_order(group)  # each group's values together, in time order
    ordered = values[rows[order]]
    counts = np.bincount(group, minlength=nout)
    starts = np.cumsum(counts) - counts
    stats = [np.full(nout, np.nan) for _ in SLIDER]  # no extracts: NaN, as the reducer gives
    for size in distinct(counts[counts > 0]).tolist():
        which = np.flatnonzero(counts == size)
        block = ordered[starts[which, None] + np.arange(size)]
        for column, figures in zip(stats, _statistics(block), strict=True):
            column[which] = figures
    out.reals.update(zip(SLIDER, stats, strict=True))
    names = [*SLIDER, *([VERSION] if versioned else [])]

    def row_order(row: int) -> list[str]:
        return names

    first_places(out, row_order)
