"""The extraction fast paths give exactly what the general ones give: rows laid out from CSV
text made in the workers (`engine.extract_rows`) against `tables.SpooledTable`, the batch
parser against `parse_record`, and plain drawing marks against the general mark loop."""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zooagg.engine.extract import _float_id
from zooagg.engine.extract_rows import CsvRows, CsvTable, lead_of, row_head
from zooagg.exports.classifications import ReadStats, parse_batch, parse_record
from zooagg.tables.layout import EXTRACT_COLUMNS
from zooagg.tables.spool import SpooledTable
from zooagg.tasks.drawing import coordinates, extract_marks, plain_extract

TEXT = st.text(alphabet=st.sampled_from(['a', 'b', ',', '"', '\r', '\n', ' ', 'é', '.', '{']), max_size=6)
SCALARS = st.one_of(
    st.integers(min_value=-3, max_value=3), st.sampled_from([2**53, 2**53 + 1, -(2**60), 10**30]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(), TEXT,
    st.lists(st.one_of(st.floats(allow_nan=False), st.integers(), TEXT), max_size=3),
    st.tuples(st.integers()), st.builds(lambda k: Counter({k: 1}), TEXT),
)
KEYS = st.sampled_from(["a", "b", "c", "frame0", "x,y", 'q"'])
DATA = st.dictionaries(KEYS, st.one_of(SCALARS, st.dictionaries(KEYS, st.one_of(SCALARS, st.dictionaries(
    KEYS, SCALARS, max_size=2)), max_size=3)), max_size=4)
META = st.tuples(TEXT, TEXT, st.sampled_from(["", "12", "7,5", 'x"y']), TEXT, TEXT)


TASKS = [("T0", "x_extractor"), ("T{1}", "x_extractor"), ('T"2,', "y{0}_extractor")]


def _lay_out(rows: list[tuple[tuple[str, ...], dict[str, Any]]], batch: int, float_ids: bool,
             order: bool) -> tuple[bytes, bytes]:
    """(SpooledTable's file, CsvTable's file) of the same rows, the latter made `batch` rows at a time."""
    with tempfile.TemporaryDirectory() as scratch:
        general = SpooledTable(Path(scratch) / "general.csv", EXTRACT_COLUMNS)
        general.meta_format["user_id"] = _float_id if float_ids else str
        fast = CsvTable(Path(scratch) / "fast.csv", EXTRACT_COLUMNS)
        fast.float_user_ids = float_ids
        for start in range(0, len(rows), batch):
            part = CsvRows()
            for index, ((cid, name, user_id, created, subject), data) in enumerate(rows[start:start + batch]):
                task, extractor = TASKS[index % len(TASKS)]  # several leads in one table, some with { } , "
                general.add((cid, name, user_id, "12", task, created, subject, extractor), dict(data))
                part.add(row_head(cid, name, user_id, "12", created, subject), lead_of(task, extractor), data)
            fast.add_encoded(part.encode(), part.stats())
        return general.finish(order=order).read_bytes(), fast.finish(order=order).read_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(META, DATA), min_size=1, max_size=12), st.integers(1, 5), st.booleans(), st.booleans())
def test_text_rows_lay_out_as_spooled_values(rows: list[tuple[tuple[str, ...], dict[str, Any]]], batch: int,
                                             float_ids: bool, order: bool) -> None:
    general, fast = _lay_out(rows, batch, float_ids, order)
    assert fast == general


def test_count_columns_with_and_without_gaps() -> None:
    rows: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        (("1", "u", "3", "t", "9"), {"yes": 1, "big": 2**60, "n": math.nan, "all": 5}),
        (("2", "u", "", "t", "9"), {"no": 2, "all": 6}),
    ]
    general, fast = _lay_out(rows, 1, True, False)
    assert fast == general
    assert fast.decode().splitlines()[1] == "1,u,3.0,12,T0,t,9,x_extractor,1.0,1.152921504606847e+18,,5,"


# ---- the batch parser ------------------------------------------------------------------------

RECORDS = [
    {"classification_id": b"1", "user_name": b"a", "user_id": b"3958.0", "workflow_id": b"12",
     "workflow_version": b"1.2", "created_at": b"2024", "subject_ids": b"5",
     "annotations": b'[{"task": "T0", "value": "Yes"}]', "metadata": b"{}"},
    {"classification_id": b"2", "user_name": b"caf\xe9", "user_id": b"NA", "workflow_id": b"12",
     "workflow_version": b"1.2", "created_at": b"NA", "subject_ids": b"5",
     "annotations": b'[{"task": "T0", "value": "caf\xe9"}]', "metadata": b"NA"},
    {"classification_id": b"3", "user_name": b"b", "user_id": b"", "workflow_id": b"12",
     "workflow_version": b"x.y", "created_at": b"2024", "subject_ids": b"5",
     "annotations": b'[{"task": "T0", "value": "Yes"}]', "metadata": b"[1]"},
    {"classification_id": b"4", "user_name": b"b", "user_id": b"7", "workflow_id": b"12",
     "workflow_version": b"", "created_at": b"2024", "subject_ids": b"5",
     "annotations": b'{"task": "T0"}', "metadata": b"{"},
    {"classification_id": b"5", "user_name": b"b", "user_id": b"7", "workflow_id": b"12",
     "workflow_version": b"1.2", "created_at": b"2024", "subject_ids": b"5", "annotations": b"",
     "metadata": b"{}"},
    {"classification_id": b"6", "user_name": b"c", "user_id": b"8", "workflow_id": b"12",
     "workflow_version": b"1.2", "created_at": b"2024", "subject_ids": b"5", "metadata": b"{}",
     "annotations": b'[{"task": "T5", "value": [{"task": "T1", "value": [{"tool": 0, "x": 1, "y": 2}]}]}]'},
]


def _batch(records: list[dict[str, bytes]]) -> pa.RecordBatch:
    names = list(records[0])
    return pa.RecordBatch.from_pydict({n: pa.array([r[n] for r in records], pa.binary()) for n in names})


def test_batch_parser_gives_what_the_record_parser_gives() -> None:
    one, whole = ReadStats(), ReadStats()
    expected = [parse_record(r, "f.csv", one) for r in RECORDS]
    assert parse_batch(_batch(RECORDS), "f.csv", whole) == expected
    assert whole.latin1_rows == one.latin1_rows == ["2"]


def test_batch_parser_reads_expanded_exports() -> None:
    records = [{k: v for k, v in r.items() if k not in ("user_name", "user_id")} | {"extended_user_id": e}
               for r, e in zip(RECORDS, [b"3958", b"not-logged-in-x", b"12.0", b"NA", b"7", b"8"], strict=True)]
    assert parse_batch(_batch(records), "f.csv") == [parse_record(r, "f.csv") for r in records]


# ---- plain drawing marks ---------------------------------------------------------------------

NUMBER = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                   st.booleans(), st.just("3"), st.just(10**400))
MARK = st.fixed_dictionaries({"tool": st.one_of(st.integers(0, 3), st.just(1.0), st.none()),
                              "x": NUMBER, "y": NUMBER, "width": NUMBER, "height": NUMBER},
                             optional={"frame": st.one_of(st.integers(0, 2), st.just(1.0), st.just("0")),
                                       "toolIndex": st.integers(0, 1)})
ANNOTATION = st.fixed_dictionaries({"task": st.sampled_from(["T2", "T3"]),
                                    "value": st.one_of(st.lists(st.one_of(MARK, st.just(3)), max_size=4),
                                                       st.none(), st.just("x"))},
                                   optional={"taskType": st.sampled_from(["drawing", "single"])})


def _outcome(run: Any) -> Any:
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - a bad mark is an outcome too: the same error both ways
        return type(exc), str(exc)


def _general(annotations: list[dict[str, Any]], tools: list[int] | None, params: tuple[str, ...]) -> Any:
    fields = coordinates(params)  # the same fields without `params`: extract_marks takes its general loop
    return _outcome(lambda: extract_marks(annotations, None, tools, None, lambda mark, label: fields(mark, label)))


@settings(max_examples=400, deadline=None)
@given(st.lists(ANNOTATION, max_size=3), st.sampled_from([None, [0, 1], [2]]),
       st.sampled_from([("x", "y"), ("x", "y", "width", "height")]))
def test_plain_marks_extract_as_the_general_loop(annotations: list[dict[str, Any]], tools: list[int] | None,
                                                 params: tuple[str, ...]) -> None:
    before = repr(annotations)
    plain = _outcome(lambda: plain_extract(annotations, None, tools, params))
    assert repr(annotations) == before  # changes nothing it is given
    if plain is not None:
        assert plain == _general(annotations, tools, params)
    fast = _outcome(lambda: extract_marks(annotations, None, tools, None, coordinates(params)))
    assert fast == _general(annotations, tools, params)
