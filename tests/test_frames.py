"""read_table: extract and reduction files as frames with real values (values checked against
the peer's own files in tests/golden, worked out by reading the CSV text by hand)."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pytest

import zooagg
from zooagg import frames_out
from zooagg.literal import parse_literal, parse_text_cell

GOLDEN = Path(__file__).parent / "golden"
SLSN = GOLDEN / "slsn-batch-fixture" / "expected"
BOXES = GOLDEN / "dd-example-4870-rectangles" / "expected"


# ---- the literal parser ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("[1.5, 2]", [1.5, 2]),
    ("[1, -inf, inf]", [1, -math.inf, math.inf]),
    ("{'a': [None, True, False], 'b': 'x'}", {"a": [None, True, False], "b": "x"}),
    ("[np.float64(2.5), np.int64(-3), np.str_('T0'), np.True_, numpy.bool_(False)]",
     [2.5, -3, "T0", True, False]),
    ("(1, 2)", (1, 2)),
    ('{"json": null, "ok": true}', {"json": None, "ok": True}),
    ("[[{'text': \"it's\"}]]", [[{"text": "it's"}]]),
])
def test_literals(text: str, expected: object) -> None:
    assert parse_literal(text) == expected


def test_nan_stays_a_float_nan() -> None:
    value = parse_literal("[np.float64(nan), nan, 1365766]")
    assert math.isnan(value[0])
    assert math.isnan(value[1])
    assert value[2] == 1365766


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "[1, x]", "1 + 2", "np.load('f')", "lambda: 1", "[len([])]",
    "np.float64(1, 2)", "os.nan",
])
def test_nothing_but_literals(text: str) -> None:
    with pytest.raises(ValueError, match="not a literal"):
        parse_literal(text)
    assert parse_text_cell(text) == text  # a cell that is not a literal stays text


# ---- wide ---------------------------------------------------------------------------------

def test_vote_counts_are_integers_and_ids_parsed() -> None:
    # the peer wrote `1.0` for these counts (the columns have gaps) and `[nan]` for the id of
    # an anonymous volunteer
    frame = zooagg.read_table(SLSN / "question_reducer_reductions_user_ids.csv")
    first = frame.iloc[0]
    assert (first["subject_id"], first["task"], first["data.no"]) == (96588105, "T0", 1)
    assert str(frame["data.no"].dtype) == "Int64"
    assert frame["data.yes"].isna().iloc[0]
    assert len(first["data.user_ids_no"]) == 1
    assert math.isnan(first["data.user_ids_no"][0])
    assert first["data.aggregation_version"] == "5.3.1"


def test_extract_columns_typed() -> None:
    frame = zooagg.read_table(SLSN / "question_extractor_extractions.csv")
    assert str(frame["classification_id"].dtype) == "Int64"
    assert str(frame["created_at"].dtype).startswith("datetime64")
    assert str(frame["created_at"].dt.tz) == "UTC"


def test_numpy_reprs_and_nested_details() -> None:
    frame = zooagg.read_table(BOXES / "shape_reducer_dbscan_reductions.csv")
    details = frame.loc[0, "data.frame0.T0_tool1_clusters_details"]
    user_ids = details[0][0]["user_ids"]  # written `[np.float64(nan), 1365766, 1456360]`
    assert math.isnan(user_ids[0])
    assert user_ids[1:] == [1365766, 1456360]
    assert details[0][0]["consensus_text"] == "30.05"
    assert frame.loc[0, "data.frame0.T0_tool1_clusters_x"] == [669.1861165364584, 699.5328979492188]


# ---- long ---------------------------------------------------------------------------------

def test_clusters_one_row_each_with_one_column_per_property() -> None:
    wide = zooagg.read_table(BOXES / "shape_reducer_dbscan_reductions.csv")
    long = zooagg.read_table(BOXES / "shape_reducer_dbscan_reductions.csv", layout="clusters")
    first = long[(long.subject_id == 12650258) & (long.task == "T0") & (long.tool == 1)]
    assert first["cluster"].tolist() == [0, 1]
    assert first["x"].tolist() == [669.1861165364584, 699.5328979492188]
    assert first["count"].tolist() == [3, 3]
    assert {"x", "y", "width", "height", "count", "details"} <= set(long.columns)
    counts = wide.filter(like="_clusters_count").map(lambda v: len(v) if isinstance(v, list) else 0)
    assert len(long) == int(counts.to_numpy().sum())  # every cluster of every cell, once


def test_marks_of_an_extract() -> None:
    # first row of the file: 3 rectangles of tool 0 and 3 of tool 1 in frame 0 of task T0
    long = zooagg.read_table(BOXES / "shape_extractor_rectangle_extractions.csv", layout="marks")
    first = long[long.classification_id == 70478435]
    assert first[first.task == "T0"][["tool", "mark"]].values.tolist() == \
        [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
    row = first.iloc[0]
    assert (row["x"], row["y"], row["width"], row["height"]) == \
        (115.4075927734375, 221.14501953125, 155.5301513671875, 43.20281982421875)
    assert row["details"] == [{"text": "40.", "gold_standard": False}]


def test_marks_of_a_reduction_carry_cluster_labels() -> None:
    long = zooagg.read_table(BOXES / "shape_reducer_dbscan_reductions.csv", layout="marks")
    first = long[(long.subject_id == 12650258) & (long.task == "T0") & (long.tool == 1)]
    assert first["x"].iloc[0] == 664.703857421875
    assert first["cluster_labels"].tolist()[:3] == [0, 1, 0]


# ---- sources and outputs --------------------------------------------------------------------

def test_arrow_table_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frames_out, "pandas_available", lambda: False)
    table = zooagg.read_table(SLSN / "question_reducer_reductions_user_ids.csv")
    assert isinstance(table, pa.Table)
    assert table.schema.field("data.no").type == pa.int64()
    assert table.column("data.no").to_pylist()[:2] == [1, None]
    assert table.column("subject_id")[0].as_py() == 96588105
    mixed = zooagg.read_table(BOXES / "shape_reducer_dbscan_reductions.csv")
    assert isinstance(mixed, pa.Table)
    assert mixed.num_rows == 8


def test_text_frame_as_source() -> None:
    import pandas as pd

    text = pd.read_csv(SLSN / "question_reducer_reductions_user_ids.csv", dtype=str, keep_default_na=False)
    assert zooagg.read_table(text).equals(zooagg.read_table(SLSN / "question_reducer_reductions_user_ids.csv"))


def test_parquet_equals_csv(tmp_path: Path) -> None:
    from zooagg.cli import main

    for fmt in ("csv", "parquet"):
        assert main(["extract", str(GOLDEN / "slsn-batch-fixture" / "classifications.csv"),
                     str(GOLDEN / "slsn-batch-fixture" / "Extractor_config_workflow_10_V16.55.yaml"),
                     "-d", str(tmp_path), "-hb", "--format", fmt]) == 0
    from_csv = zooagg.read_table(tmp_path / "question_extractor_extractions.csv")
    from_parquet = zooagg.read_table(tmp_path / "question_extractor_extractions.parquet")
    assert from_parquet.equals(from_csv)


# ---- errors -------------------------------------------------------------------------------

def test_not_an_extract_file() -> None:
    with pytest.raises(zooagg.InputError) as caught:
        zooagg.read_table(GOLDEN / "slsn-batch-fixture" / "classifications.csv")
    assert str(caught.value) == (f"file {GOLDEN / 'slsn-batch-fixture' / 'classifications.csv'}: neither extracts "
                                 "(no `extractor` column) nor reductions (no `reducer` column) (give a file "
                                 "written by `zooagg extract` / `zooagg reduce` or the peer)")


def test_long_layout_of_a_vote_file() -> None:
    path = SLSN / "question_reducer_reductions.csv"
    with pytest.raises(zooagg.InputError, match="layout 'clusters' is for drawing-task files"):
        zooagg.read_table(path, layout="clusters")
    with pytest.raises(zooagg.InputError, match="did you mean 'clusters'"):
        zooagg.read_table(path, layout="cluster")  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(zooagg.InputError, match="file not found"):
        zooagg.read_table(tmp_path / "nope.csv")


# ---- any repr comes back as its value (both the JSON shortcut and the parser) ---------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | \
    st.floats(allow_nan=False, allow_infinity=True)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6) | st.integers(), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_a_repr_parses_back_to_its_value(value: object) -> None:
    assert parse_literal(repr(value)) == value


def test_a_missing_bool_stays_missing() -> None:
    # line_text extracts: data.frame0.gold_standard is empty on some rows, False on others
    frame = zooagg.read_table(GOLDEN / "many-tools-cats-lines" / "expected" / "line_text_extractor_extractions.csv")
    column = frame["data.frame0.gold_standard"]
    assert str(column.dtype) == "boolean"
    assert column.isna().any()
    assert not column.dropna().any()
