"""Invariants, checked on generated data: votes sum to answers, row order does not matter,
and a table written then read gives back the same values."""

from __future__ import annotations

import math
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from conftest import RunCli, classification_row, read_header, read_rows, write_export, write_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zooagg.tables.cells import parse_cell
from zooagg.tables.kinds import NA_VALUES, type_column
from zooagg.tables.spool import SpooledTable
from zooagg.tasks.question import question_extractor, question_reducer

ANSWERS = ["Yes", "No", "Maybe", "Red", "Blue green", None, 3]

# ---- question_reducer: votes sum to answers ------------------------------------------------


@given(st.lists(st.sampled_from(ANSWERS), max_size=40))
def test_single_answer_votes_sum_to_voters(answers: list[Any]) -> None:
    extracts = [question_extractor([{"task": "T0", "value": a}]) for a in answers]
    votes = question_reducer(extracts, user_ids=list(range(len(extracts))))
    assert sum(votes.values()) == len(answers)
    assert all(v > 0 for v in votes.values())


@given(st.lists(st.lists(st.sampled_from(ANSWERS), max_size=5), max_size=30))
def test_multiple_answer_votes_sum_to_answers(answers: list[list[Any]]) -> None:
    extracts = [question_extractor([{"task": "T0", "value": a}]) for a in answers]
    votes = question_reducer(extracts, user_ids=[None] * len(extracts))
    # each classification votes once for each distinct answer it gave
    assert sum(votes.values()) == sum(len({str(x) for x in a}) for a in answers)


@given(st.lists(st.lists(st.sampled_from(ANSWERS[:5]), min_size=1, max_size=3, unique=True), max_size=30))
def test_pairs_votes_sum_to_voters_and_user_ids_track_votes(answers: list[list[Any]]) -> None:
    extracts = [question_extractor([{"task": "T0", "value": a}]) for a in answers]
    users = [f"u{i}" for i in range(len(extracts))]
    votes = question_reducer(extracts, user_ids=users, pairs=True, track_user_ids=True)
    counts = {k: v for k, v in votes.items() if not k.startswith("user_ids_")}
    assert sum(counts.values()) == len(answers)
    for key, count in counts.items():
        assert len(votes[f"user_ids_{key}"]) == count
    assert sorted(u for k, v in votes.items() if k.startswith("user_ids_") for u in v) == sorted(users)


# ---- reductions do not depend on row order ---------------------------------------------------

QUESTION_POOL = ["Yes", "No", "Maybe"]
COLOURS = ["Red", "Blue", "Green"]
SPECIES = ["LION", "ZEBRA", "WILDEBEEST"]


def _classifications() -> list[dict[str, str]]:
    rng = random.Random(20240301)
    rows = []
    for cid in range(1, 31):
        survey = [{"choice": s, "answers": {"HOWMANY": str(rng.randint(1, 3))}, "filters": {}}
                  for s in rng.sample(SPECIES, rng.randint(0, 2))]
        annotations = [
            {"task": "T0", "value": rng.choice(QUESTION_POOL)},
            {"task": "T1", "value": rng.sample(COLOURS, rng.randint(0, 3))},
            {"task": "T2", "value": survey},
        ]
        user = rng.randint(1, 6)
        rows.append(classification_row(
            cid, annotations, subject_id=rng.choice([70, 71, 72, 73, 8000]), user_name=f"user{user}",
            user_id="" if user == 6 else str(user),
            created_at=f"2024-02-{rng.randint(1, 9):02d} 1{rng.randint(0, 9)}:00:00 UTC"))
    return rows


@pytest.fixture(scope="module")
def order_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Extract files written by zooagg from 30 generated classifications (5 subjects, 6 users)."""
    from zooagg.cli import main

    folder = tmp_path_factory.mktemp("order")
    export = write_export(folder / "classifications.csv", _classifications())
    config = write_yaml(folder / "extractor.yaml", "extractor_config:\n"
                        "    question_extractor: [{task: T0}, {task: T1}]\n"
                        "    survey_extractor: [{task: T2}]\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    assert main(["extract", str(export), str(config), "-d", str(folder), "-hb"]) == 0
    write_yaml(folder / "question.yaml", "reducer_config:\n    question_reducer: {}\n")
    write_yaml(folder / "survey.yaml", "reducer_config:\n    survey_reducer: {}\n")
    return folder


def _reduction_content(path: Path) -> list[tuple[str, str, tuple[tuple[str, Any], ...]]]:
    """A reduction file as sorted (subject, task, filled data cells) rows: layout-independent."""
    out = []
    for row in read_rows(path):
        cells: list[tuple[str, Any]] = []
        for key, value in row.items():
            if key.startswith("data.") and value != "":
                try:
                    cells.append((key, float(value)))
                except ValueError:
                    cells.append((key, value))
        out.append((row["subject_id"], row["task"], tuple(sorted(cells))))
    return sorted(out)


def _shuffled_copy(source: Path, target: Path, permutation: list[int]) -> None:
    header, *rows = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text(header + "".join(rows[i] for i in permutation), encoding="utf-8")


@pytest.mark.parametrize(("extractor", "reducer"), [("question_extractor", "question"),
                                                    ("survey_extractor", "survey")])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_reduction_does_not_depend_on_row_order(run_cli: RunCli, order_case: Path, extractor: str, reducer: str,
                                                data: st.DataObject) -> None:
    # run_cli is function-scoped, but each call resets its captured output: safe across examples
    source = order_case / f"{extractor}_extractions.csv"
    n_rows = len(read_rows(source))
    assert n_rows >= 20
    permutation = data.draw(st.permutations(list(range(n_rows))))
    with tempfile.TemporaryDirectory(dir=order_case) as scratch:
        folder = Path(scratch)
        shuffled = folder / "shuffled.csv"
        _shuffled_copy(source, shuffled, permutation)
        for name, extracts in (("straight", source), ("shuffled", shuffled)):
            result = run_cli(["reduce", extracts, order_case / f"{reducer}.yaml", "-F", "all",
                              "-d", folder / name, "-hb"])
            assert result.code == 0, result.err
        reduced = f"{reducer}_reducer_reductions.csv"
        straight = _reduction_content(folder / "straight" / reduced)
        assert straight  # something was reduced
        assert _reduction_content(folder / "shuffled" / reduced) == straight


# ---- write-then-read gives back the same table ---------------------------------------------

def _plain_text(text: str) -> bool:
    """Text a reader cannot mistake for a number, a boolean, a missing value or a list."""
    if text in NA_VALUES or text.strip() in {"True", "TRUE", "true", "False", "FALSE", "false"}:
        return False
    if "[" in text or "{" in text:
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


SAFE_INT = st.integers(min_value=-(2**53), max_value=2**53)
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"), min_size=1,
               max_size=20).filter(_plain_text)
COLUMN_KINDS = {
    "int": SAFE_INT,
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "text": TEXT,
    "list": st.lists(st.one_of(SAFE_INT, st.floats(allow_nan=False, allow_infinity=False)), max_size=4),
}


@st.composite
def tables_(draw: st.DrawFn) -> tuple[list[str], list[dict[str, Any]]]:
    kinds = draw(st.lists(st.sampled_from(sorted(COLUMN_KINDS)), min_size=1, max_size=5))
    names = [f"c{i}_{kind}" for i, kind in enumerate(kinds)]
    n_rows = draw(st.integers(min_value=1, max_value=8))
    rows = []
    for _ in range(n_rows):
        row = {}
        for name, kind in zip(names, kinds, strict=True):
            # bool columns are only read back as bools when complete (pandas does the same)
            if kind == "bool" or draw(st.booleans()) or draw(st.booleans()):
                row[name] = draw(COLUMN_KINDS[kind])
        rows.append(row)
    return names, rows


def _same(written: Any, read: Any) -> bool:
    if isinstance(written, float) or isinstance(read, float):
        return isinstance(read, int | float) and not isinstance(read, bool) and float(written) == float(read)
    if isinstance(written, list):
        return isinstance(read, list) and len(read) == len(written) and all(
            _same(w, r) for w, r in zip(written, read, strict=True))
    return type(written) is type(read) and written == read


def _read_as_text(path: Path) -> pa.Table:
    """Read a written table back the way `reduce` does: every column as text."""
    header = read_header(path)
    return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                          convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                               strings_can_be_null=False))


@settings(max_examples=150, deadline=None)
@given(tables_())
def test_table_write_then_read_round_trips(table: tuple[list[str], list[dict[str, Any]]]) -> None:
    names, rows = table
    with tempfile.TemporaryDirectory() as scratch:
        spooled = SpooledTable(Path(scratch) / "t.csv", ("subject_id", "task"))
        for index, row in enumerate(rows):
            spooled.add([str(index), "T0"], row)
        path = spooled.finish()
        read = _read_as_text(path)
    assert read.num_rows == len(rows)
    assert read.column("subject_id").to_pylist() == [str(i) for i in range(len(rows))]
    for name in names:
        column = f"data.{name}"
        if not any(name in r for r in rows):
            assert column not in read.column_names  # a column nobody filled is not written
            continue
        values = [parse_cell(v) for v in type_column(read.column(column).to_pylist())]
        for row, value in zip(rows, values, strict=True):
            if name in row:
                assert _same(row[name], value), (name, row[name], value)
            else:
                assert isinstance(value, float)
                assert math.isnan(value)


def test_carriage_return_in_text_round_trips(tmp_path: Path) -> None:
    spooled = SpooledTable(tmp_path / "t.csv", ("subject_id",))
    spooled.add(["1"], {"text": "line one\rline two"})
    spooled.add(["2"], {"text": "plain"})
    read = _read_as_text(spooled.finish())
    assert read.column("data.text").to_pylist() == ["line one\rline two", "plain"]


def test_count_column_with_gaps_is_written_and_read_as_floats(tmp_path: Path) -> None:
    """The peer's convention, pinned down: a count column with gaps is written and read as floats."""
    spooled = SpooledTable(tmp_path / "t.csv", ("subject_id",))
    spooled.add(["1"], {"yes": 1})
    spooled.add(["2"], {"no": 2})
    path = spooled.finish()
    rows = read_rows(path)
    assert [(r["data.yes"], r["data.no"]) for r in rows] == [("1.0", ""), ("", "2.0")]
    assert Counter(type(v).__name__ for v in type_column([r["data.yes"] for r in rows])) == {"float": 2}
