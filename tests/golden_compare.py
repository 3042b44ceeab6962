"""Compare a CSV written by zooagg with the one the peer (panoptes_aggregation 5.3.1) wrote.

Used by the golden tests and by scripts/parity.py. The rule: the header must be the same
list in the same order, and each row must equal the peer's row at the same position, cell by
cell as strings, except the column ``data.aggregation_version`` (zooagg stamps its own
version there). Stdlib only.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

#: numbers in two cells this close (relative) are the same result rounded by different hardware
RELATIVE = 1e-12
NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")

#: columns whose values are never compared
IGNORED_COLUMNS = frozenset({"data.aggregation_version"})

#: deliberate differences (docs/differences.md): output file prefix -> columns whose values differ
DOCUMENTED_COLUMNS = {
    # classifications, not choices: tests/test_golden.py checks zooagg's against a count of the
    # peer's extracts instead
    "survey_reducer": frozenset({"data.total_vote_count"}),
}

#: numpy's scalar repr, which leaks into the peer's cells (`np.float64(nan)` for an anonymous
#: volunteer's id in drawing-detail text reductions): compared as the number it wraps
NUMPY_SCALAR = re.compile(r"np\.(?:float|int)(?:16|32|64)\(([^()]*)\)")


def documented_columns(file_name: str) -> frozenset[str]:
    return next((cols for prefix, cols in DOCUMENTED_COLUMNS.items() if file_name.startswith(prefix)),
                frozenset())


def read_csv(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a CSV file (UTF-8; an empty file has no header)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return [], []
    return rows[0], rows[1:]


def cells_equal(expected: str | None, actual: str | None) -> bool:
    """Equal strings, or equal apart from floats within RELATIVE (same text around them)."""
    if expected == actual:
        return True
    if expected is None or actual is None:
        return False
    expected, actual = NUMPY_SCALAR.sub(r"\1", expected), NUMPY_SCALAR.sub(r"\1", actual)
    if expected == actual:
        return True
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    pairs = zip(NUMBER.findall(expected), NUMBER.findall(actual), strict=True)
    return all(math.isclose(float(e), float(a), rel_tol=RELATIVE, abs_tol=0.0) for e, a in pairs)


def row_cells(header: list[str], row: list[str], ignored: frozenset[str] = IGNORED_COLUMNS) -> dict[str, str]:
    """Cells of a row by column name, without the ignored columns (short rows padded)."""
    padded = row + [""] * (len(header) - len(row))
    pairs = zip(header, padded, strict=False)
    return {name: value for name, value in pairs if name not in ignored}


def rows_identical(
    header_a: list[str], row_a: list[str], header_b: list[str], row_b: list[str],
    ignored: frozenset[str] = IGNORED_COLUMNS,
) -> bool:
    """True when both rows have the same cells by column name (ignored columns left out)."""
    cells_a, cells_b = row_cells(header_a, row_a, ignored), row_cells(header_b, row_b, ignored)
    return cells_a.keys() == cells_b.keys() and all(cells_equal(cells_a[k], cells_b[k]) for k in cells_a)


def count_identical_rows(
    expected_path: str | Path, actual_path: str | Path, ignored: frozenset[str] = IGNORED_COLUMNS
) -> tuple[int, int, int]:
    """(rows in expected, rows in actual, rows identical at the same position)."""
    header_e, rows_e = read_csv(expected_path)
    header_a, rows_a = read_csv(actual_path)
    same = sum(
        rows_identical(header_e, e, header_a, a, ignored) for e, a in zip(rows_e, rows_a, strict=False)
    )
    return len(rows_e), len(rows_a), same


def compare_csv(expected_path: str | Path, actual_path: str | Path, limit: int = 50,
                ignored: frozenset[str] = IGNORED_COLUMNS) -> list[str]:
    """Human-readable differences between two CSV files; empty when they match.

    Checks the header (same columns, same order), the number of rows, then each row at the
    same position cell by cell by column name. The value of ``data.aggregation_version`` is
    ignored (its position in the header is still checked). At most ``limit`` cell differences
    are listed, followed by a count of the ones left out.
    """
    header_e, rows_e = read_csv(expected_path)
    header_a, rows_a = read_csv(actual_path)
    problems: list[str] = []

    if header_e != header_a:
        missing = [h for h in header_e if h not in header_a]
        extra = [h for h in header_a if h not in header_e]
        if missing:
            problems.append(f"header: columns missing: {missing}")
        if extra:
            problems.append(f"header: unexpected columns: {extra}")
        if not missing and not extra:
            problems.append(
                f"header: column order differs:\n  expected: {header_e}\n  actual:   {header_a}"
            )
    if len(rows_e) != len(rows_a):
        problems.append(f"rows: {len(rows_e)} expected, {len(rows_a)} found")

    cell_problems: list[str] = []
    for number, (row_e, row_a) in enumerate(zip(rows_e, rows_a, strict=False), start=2):
        cells_e = row_cells(header_e, row_e, ignored)
        cells_a = row_cells(header_a, row_a, ignored)
        if cells_e.keys() == cells_a.keys() and all(cells_equal(cells_e[k], cells_a[k]) for k in cells_e):
            continue
        for name in [*cells_e, *(n for n in cells_a if n not in cells_e)]:
            value_e = cells_e.get(name)
            value_a = cells_a.get(name)
            if not cells_equal(value_e, value_a):
                cell_problems.append(
                    f"line {number}, {name}: expected {value_e!r}, got {value_a!r}"
                )
    problems += cell_problems[:limit]
    if len(cell_problems) > limit:
        problems.append(f"... and {len(cell_problems) - limit} more cell differences")
    return problems
