"""Property tests over the offline readers and the vote and clustering inputs, bounded for
`make test` (ZOOAGG_FUZZ_EXAMPLES examples each, 30 by default; `make fuzz` runs many more).
No deadline: how long an example takes is never a failure. A finding becomes a regression
test beside these (tests/test_reader_robust.py, test_vote_cells.py, test_dense_dbscan.py)."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.cluster import DBSCAN

from zooagg.clustering.wrappers import run_dbscan
from zooagg.engine.vote_cells import bad_votes
from zooagg.exports.csvio import BadRow, iter_batches
from zooagg.tables.kinds import NA_VALUES

EXAMPLES = int(os.environ.get("ZOOAGG_FUZZ_EXAMPLES", "30"))
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                               HealthCheck.data_too_large])

# ---- the CSV reader: every good row once and in order, every bad row reported once ---------

CELL = st.text(alphabet=st.sampled_from('ab,"\n\r 1é\\;'), max_size=12)
HEADER = ["id", "a", "b", "c"]


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(file text, the ids of good rows in order, the ids of bad rows): rows with the header's
    four fields, or one more or fewer; some cells bigger than the reader's block."""
    rows: list[list[str]] = []
    good: list[str] = []
    bad: list[str] = []
    for number in range(draw(st.integers(1, 40))):
        width = draw(st.sampled_from([4, 4, 4, 3, 5]))
        cells = [f"r{number}"] + [draw(CELL) for _ in range(width - 1)]
        if draw(st.integers(0, 9)) == 0:
            cells[-1] = "x" * draw(st.integers(70_000, 200_000))  # over the 64 kB block
        rows.append(cells)
        (good if width == 4 else bad).append(f"r{number}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # (a cell with \r is quoted only then)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue(), good, bad


@BOUNDED
@given(csv_files())
def test_the_reader_hands_on_every_good_row_once_and_reports_every_bad_one(case: tuple[str, list[str], list[str]]
                                                                            ) -> None:
    text, good, bad = case
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_text(text, encoding="utf-8", newline="")
        found: list[BadRow] = []
        seen = []
        for batch in iter_batches(path, block_size=1 << 16, on_bad_row=found.append):
            seen += [raw.decode() for raw in batch.column(0).to_pylist()]
    assert seen == good
    assert sorted(row.cell(HEADER, "id") for row in found) == sorted(bad)


# ---- vote cells: a vote is a positive finite number or True, missing is no vote ------------

def is_vote_or_missing(cell: str) -> bool:
    if cell in NA_VALUES or cell in ("True", "TRUE", "true"):
        return True
    stripped = cell.lstrip("+-")
    if not stripped or not all(c.isdigit() or c in ".eE+-" for c in stripped) or stripped[0] not in "0123456789.":
        return False
    try:
        value = float(cell)
    except ValueError:
        return False
    return math.isfinite(value) and value > 0


VOTE_CELL = st.one_of(st.sampled_from(["1", "1.0", "2", "0", "-5", "abc", "True", "False", "nan", "NA", "",
                                       "inf", "1e3", "1e999", ".5", "5.", "+1", "0.0", " 1", "1 "]),
                      st.text(alphabet=st.sampled_from("0123456789.-+eE aT"), max_size=6))


@BOUNDED
@given(st.lists(VOTE_CELL, min_size=1, max_size=30))
def test_a_cell_counts_as_a_vote_only_when_it_is_a_positive_number(cells: list[str]) -> None:
    batch = pa.table({"classification_id": [str(i) for i in range(len(cells))], "task": ["T0"] * len(cells),
                      "data.yes": cells})
    keep, rejects = bad_votes(batch, "f.csv")
    expected_bad = [str(i) for i, cell in enumerate(cells) if not is_vote_or_missing(cell)]
    assert [error.where.row for error in rejects] == expected_bad
    if keep is None:
        assert expected_bad == []
    else:
        assert keep.to_pylist() == [is_vote_or_missing(cell) for cell in cells]


# ---- clustering parameters: the dense DBSCAN gives scikit-learn's labels ------------------

@BOUNDED
@given(st.integers(1, 120), st.floats(0.01, 20.0), st.integers(1, 8), st.integers(0, 2**32 - 1),
       st.sampled_from([0, 1, 2]))
def test_dbscan_labels_equal_scikit_learns_for_any_eps_and_min_samples(size: int, eps: float, min_samples: int,
                                                                       seed: int, decimals: int) -> None:
    rng = np.random.default_rng(seed)
    points = np.round(rng.uniform(0, 30, size=(size, 2)), decimals)  # rounded: distances at eps happen
    labels = run_dbscan(points, eps=eps, min_samples=min_samples)
    if size < min_samples:
        assert labels.tolist() == [-1] * size
    else:
        assert labels.tolist() == DBSCAN(eps=eps, min_samples=min_samples).fit(points).labels_.tolist()
