"""The vote reducers' columnar path (engine/votes.py; question, survey, slider) writes what the general path writes, byte
for byte, on random extract files: repeats, exact duplicates, anonymous volunteers, ties in
created_at, numeric and text subject ids, quoting, -F, -O, no_version, parts and workers."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from zooagg.configure.config import load_reducer_config
from zooagg.engine.reduce import run_reduce

META = ["classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id", "extractor"]


def _subject_ids(rng: random.Random) -> list[str]:
    style = rng.choice(["int", "text", "float", "mixed"])
    count = rng.randint(1, 12)
    if style == "int":
        return [str(rng.randint(1, 10**rng.randint(1, 12))) for _ in range(count)]
    if style == "float":
        return [f"{rng.randint(1, 999)}.{rng.randint(0, 9)}" for _ in range(count)]
    if style == "text":
        return [rng.choice(["s", "sub,", 'q"', "Ä", ""]) + str(rng.randint(0, 99)) for _ in range(count)]
    return [str(rng.randint(1, 50)) for _ in range(count - 1)] + ["x7"]


def _meta_rows(rng: random.Random, count: int) -> list[list[str]]:
    subjects = _subject_ids(rng)
    users = ["", "", "ann", "bob", "cy", "dee", "not-logged-in-1"][:rng.randint(1, 7)]
    tasks = ["T0", "T1", "T3,x"][:rng.randint(1, 3)]
    times = [f"2024-01-0{d} 10:0{m}:00 UTC" for d in range(1, 4) for m in range(rng.randint(1, 5))]
    rows = []
    for i in range(count):
        cid = str(100 + rng.randint(0, count)) if rng.random() < 0.5 else str(100 + i)
        user = rng.choice(users)
        rows.append([cid, user, "" if not user else str(len(user)), rng.choice(["7", "7", "8"]), rng.choice(tasks),
                     rng.choice(times), rng.choice(subjects)])
    return rows


def _cell(rng: random.Random, numbers: list[str], dense: bool) -> str:
    return rng.choice(numbers) if dense or rng.random() < 0.45 else rng.choice(["", "", "NA", ""])


def question_file(rng: random.Random, path: Path) -> None:
    keys = rng.sample(["yes", "no", "can-t-tell", "red", "nested.a", "nested.b", "maybe"], rng.randint(1, 6))
    data = [f"data.{k}" for k in keys]
    data.insert(rng.randint(0, len(data)), "data.aggregation_version")
    numbers = rng.choice([["1.0"], ["1"], ["1.0", "2.0"], ["1", "0"]])
    dense = rng.random() < 0.2
    rows = []
    for meta in _meta_rows(rng, rng.randint(1, 120)):
        cells = ["zooagg-0.1.0" if n == "data.aggregation_version" else _cell(rng, numbers, dense) for n in data]
        rows.append([*meta, "question_extractor", *cells])
    _write(path, [*META, *data], rows, rng)


def survey_file(rng: random.Random, path: Path) -> None:
    answers = rng.sample(["answers_hwmn.1", "answers_hwmn.2", "answers_hwmn.610", "answers_whtbhvrsds.tng",
                          "answers_whtbhvrsds.mvng", "answers_x.y"], rng.randint(0, 6))
    data = ["data.choice", "data.aggregation_version", *(f"data.{a}" for a in answers)]
    if rng.random() < 0.3:
        rng.shuffle(data)
    choices = rng.sample(["zbr", "ln", "hpp", "wld,bst", 'say "hi"', "nthnghr", "1x"], rng.randint(1, 7))
    numbers = rng.choice([["1.0"], ["1"], ["1.0", "2.0"], ["1", "3"]])
    dense = rng.random() < 0.2
    rows = []
    for meta in _meta_rows(rng, rng.randint(1, 120)):
        for _ in range(rng.choice([1, 1, 2, 3])):
            cells = []
            for name in data:
                if name == "data.choice":
                    cells.append(rng.choice(choices))
                elif name == "data.aggregation_version":
                    cells.append("zooagg-0.1.0")
                else:
                    cells.append(_cell(rng, numbers, dense))
            rows.append([*meta, "survey_extractor", *cells])
    _write(path, [*META, *data], rows, rng)


def slider_file(rng: random.Random, path: Path) -> None:
    style = rng.choice(["ints", "floats", "mixed", "wide"])
    data = ["data.slider_value", "data.aggregation_version"]
    if rng.random() < 0.3:
        data.reverse()
    rows = []
    for meta in _meta_rows(rng, rng.randint(1, 150)):
        if style == "ints":
            value = str(rng.randint(-5, 20))
        elif style == "floats":
            value = repr(rng.choice([0.1, 0.2, 0.7, 1.5, 2.25, 1e-7, 3.0]) * rng.randint(-3, 9))
        elif style == "wide":
            value = repr(rng.uniform(-1, 1) * 10.0 ** rng.randint(-8, 12))
        else:
            value = rng.choice(["1", "2.5", "0", "0.1", "10", "7.75", "1e3"])
        rows.append([*meta, "slider_extractor", *(value if n == "data.slider_value" else "zooagg-0.1.0"
                                                  for n in data)])
    _write(path, [*META, *data], rows, rng)


def _write(path: Path, header: list[str], rows: list[list[str]], rng: random.Random) -> None:
    for _ in range(rng.randint(0, 3)):  # exact duplicates, anywhere
        if rows:
            rows.insert(rng.randint(0, len(rows)), list(rng.choice(rows)))
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def _config(tmp_path: Path, reducer: str, params: str = "{}") -> Path:
    path = tmp_path / f"{reducer}.yaml"
    path.write_text(f"reducer_config:\n    {reducer}: {params}\n")
    return path


def _both(source: Path, config: Path, out: Path, columnar: bool = True, **options: Any) -> tuple[Path, Path]:
    reducer = load_reducer_config(config)
    fast = run_reduce(source, reducer, out, "fast", **options)
    assert fast.columnar == columnar
    general = run_reduce(source, reducer, out, "general", columnar=False, **options)
    assert fast.rows_written == general.rows_written
    assert (fast.subjects, fast.repeats_dropped, fast.extracts_read) == \
        (general.subjects, general.repeats_dropped, general.extracts_read)
    assert fast.output is not None
    assert general.output is not None
    return fast.output, general.output


FILES = {"question": question_file, "survey": survey_file, "slider": slider_file}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("form", ["question", "survey", "slider"])
def test_columnar_path_writes_what_the_general_path_writes(tmp_path: Path, seed: int, form: str) -> None:
    rng = random.Random(seed)
    source = tmp_path / "extracts.csv"
    FILES[form](rng, source)
    reducer = {"question": rng.choice(["question_reducer", "shortcut_reducer"]), "survey": "survey_reducer",
               "slider": "slider_reducer"}[form]
    params = rng.choice(["{}", "{}", "{no_version: true}"])
    options: dict[str, Any] = {"filter_how": rng.choice(["first", "last", "all"]), "order": rng.random() < 0.3}
    if rng.random() < 0.4:
        options.update(bucket_bytes=rng.choice([300, 1000, 3000]), cpu_count=rng.choice([1, 2]))
    fast, general = _both(source, _config(tmp_path, reducer, params), tmp_path, **options)
    assert fast.read_bytes() == general.read_bytes()


@pytest.mark.parametrize("seed", range(9))
def test_columnar_parquet_is_the_general_paths(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    source = tmp_path / "extracts.csv"
    form = ["question", "survey", "slider"][seed % 3]
    FILES[form](rng, source)
    config = _config(tmp_path, f"{form}_reducer")
    fast, general = _both(source, config, tmp_path, fmt="parquet", filter_how="first")
    assert fast.suffix == general.suffix == ".parquet"
    assert _rows(fast) == _rows(general)  # Table.equals calls NaN (a slider with no values) unequal to itself
    assert pq.read_table(fast).schema == pq.read_table(general).schema


def _rows(path: Path) -> list[dict[str, object]]:
    return [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
            for row in pq.read_table(path).to_pylist()]


@pytest.mark.parametrize("cells", [["zbr", "1.5"], ["1", "1.0"], ["True", "1.0"], ["zbr", "many"], ["[1]", "1.0"],
                                   ["", "1.0"], ["zbr", "inf"]],
                         ids=["fraction", "numeric-choice", "bool-choice", "text-answer", "list-choice", "no-choice",
                              "infinite"])
def test_survey_shapes_the_columnar_path_leaves_to_the_general_one(tmp_path: Path, cells: list[str]) -> None:
    source = tmp_path / "extracts.csv"
    header = [*META, "data.choice", "data.answers_q.a"]
    rows = [["1", "ann", "1", "7", "T0", "2024-01-01", "5", "survey_extractor", *cells],
            ["2", "bob", "2", "7", "T0", "2024-01-02", "5", "survey_extractor", *cells],
            ["3", "cy", "3", "7", "T0", "2024-01-03", "6", "survey_extractor", cells[0], "1.0"]]
    _write(source, header, rows, random.Random(0))
    fast, general = _both(source, _config(tmp_path, "survey_reducer"), tmp_path, columnar=False)
    assert fast.read_bytes() == general.read_bytes()


@pytest.mark.parametrize("cells", [["1.0", ""], ["1.0", "NA"], ["2", "x"], ["1", "True"], ["1.0", "inf"],
                                   ["0.0", "-0.0"]],
                         ids=["empty", "na", "text", "bool", "infinite", "negative-zero"])
def test_slider_shapes_the_columnar_path_leaves_to_the_general_one(tmp_path: Path, cells: list[str]) -> None:
    source = tmp_path / "extracts.csv"
    header = [*META, "data.slider_value"]
    rows = [["1", "ann", "1", "7", "T0", "2024-01-01", "5", "slider_extractor", cells[0]],
            ["2", "bob", "2", "7", "T0", "2024-01-02", "5", "slider_extractor", cells[1]],
            ["3", "cy", "3", "7", "T0", "2024-01-03", "6", "slider_extractor", cells[0]]]
    _write(source, header, rows, random.Random(0))
    fast, general = _both(source, _config(tmp_path, "slider_reducer"), tmp_path, columnar=False)
    assert fast.read_bytes() == general.read_bytes()


def test_slider_groups_of_every_size_match_numpy_to_the_bit(tmp_path: Path) -> None:
    """Groups of 1 to 300 values: the row-wise reductions match np.mean/median/var of each group."""
    rng = random.Random(7)
    header = [*META, "data.slider_value"]
    rows: list[list[str]] = []
    for subject in range(1, 301):
        for i in range(subject):
            value = repr(rng.uniform(-1, 1) * 10.0 ** rng.randint(-6, 9))
            rows.append([str(len(rows)), f"u{i}", str(i), "7", "T0", f"2024-01-01 {i:05d}", str(subject),
                         "slider_extractor", value])
    source = tmp_path / "extracts.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    fast, general = _both(source, _config(tmp_path, "slider_reducer"), tmp_path)
    assert fast.read_bytes() == general.read_bytes()
