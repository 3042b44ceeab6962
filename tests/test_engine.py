"""The engines give the same output, bit for bit, however the work is split: one process or
several, one reduction part or many, the local engine or a Dask cluster."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from zooagg.cli import main
from zooagg.configure.config import load_extractor_config, load_reducer_config
from zooagg.engine.extract import run_extract
from zooagg.engine.reduce import run_reduce

KENYA = Path(__file__).parent / "golden" / "kenya-2030"
EXTRACTOR_CONFIG = KENYA / "Extractor_config_workflow_2030_V307.77.yaml"
SURVEY_REDUCER = KENYA / "Reducer_config_workflow_2030_V307.77_survey_extractor.yaml"
QUESTION_REDUCER = KENYA / "Reducer_config_workflow_2030_V307.77_question_extractor.yaml"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extracts")
    assert main(["extract", str(KENYA / "classifications.csv"), str(EXTRACTOR_CONFIG), "-d", str(out), "-hb",
                 "-c", "1"]) == 0
    return out


def test_extract_with_two_workers_is_identical(extracts: Path, tmp_path: Path) -> None:
    summary = run_extract(KENYA / "classifications.csv", load_extractor_config(EXTRACTOR_CONFIG), tmp_path,
                          cpu_count=2)
    assert summary.rows_matched > 0
    for path in summary.outputs:
        assert path.read_bytes() == (extracts / path.name).read_bytes()


@pytest.mark.parametrize("reducer", [SURVEY_REDUCER, QUESTION_REDUCER], ids=["survey", "question"])
@pytest.mark.parametrize("how", ["first", "all"])
def test_reduction_in_many_parts_is_identical(extracts: Path, tmp_path: Path, reducer: Path, how: str) -> None:
    config = load_reducer_config(reducer)
    name = "survey_extractor" if reducer == SURVEY_REDUCER else "question_extractor"
    source = extracts / f"{name}_extractions.csv"
    whole = run_reduce(source, config, tmp_path, "whole", filter_how=how)
    parts = run_reduce(source, config, tmp_path, "parts", filter_how=how, bucket_bytes=2000, cpu_count=2)
    assert whole.buckets == 1
    assert parts.buckets > 3
    assert whole.rows_written == parts.rows_written > 0
    assert whole.output is not None
    assert parts.output is not None
    assert whole.output.read_bytes() == parts.output.read_bytes()


def test_first_keeps_every_choice_of_the_chosen_classification(tmp_path: Path) -> None:
    """A survey classification naming two species is one classification: -F first keeps both."""
    header = ["classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
              "extractor", "data.choice", "data.aggregation_version"]
    rows = [
        ["1", "ann", "7", "5", "T0", "2024-01-01 10:00:00 UTC", "100", "survey_extractor", "zebra", "v"],
        ["1", "ann", "7", "5", "T0", "2024-01-01 10:00:00 UTC", "100", "survey_extractor", "lion", "v"],
        ["2", "ann", "7", "5", "T0", "2024-01-02 10:00:00 UTC", "100", "survey_extractor", "hyena", "v"],
        ["3", "bob", "8", "5", "T0", "2024-01-01 11:00:00 UTC", "100", "survey_extractor", "zebra", "v"],
    ]
    source = tmp_path / "survey_extractor_extractions.csv"
    with source.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    config = tmp_path / "reducer.yaml"
    config.write_text("reducer_config:\n    survey_reducer: {}\n")
    results = {}
    for how in ("first", "last", "all"):
        assert main(["reduce", str(source), str(config), "-d", str(tmp_path), "-o", how, "-F", how, "-hb"]) == 0
        with (tmp_path / f"survey_reducer_{how}.csv").open() as handle:
            results[how] = {r["data.choice"]: (r["data.total_vote_count"], r["data.choice_count"])
                            for r in csv.DictReader(handle)}
    # first: ann's classification 1 (zebra + lion) and bob's: 2 classifications
    assert results["first"] == {"zebra": ("2", "2"), "lion": ("2", "1")}
    # last: ann's classification 2 (hyena) and bob's
    assert results["last"] == {"hyena": ("2", "1"), "zebra": ("2", "1")}
    # all: three classifications
    assert results["all"] == {"zebra": ("3", "2"), "lion": ("3", "1"), "hyena": ("3", "1")}


def test_dask_engine_is_identical(extracts: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="the Dask engine needs the dask extra")
    local = tmp_path / "local"
    dask = tmp_path / "dask"
    for out in (local, dask):
        out.mkdir()
    source = extracts / "survey_extractor_extractions.csv"
    assert main(["reduce", str(source), str(SURVEY_REDUCER), "-d", str(local), "-hb"]) == 0
    assert main(["extract", str(KENYA / "classifications.csv"), str(EXTRACTOR_CONFIG), "-d", str(dask), "-hb",
                 "--engine", "dask", "-c", "2"]) == 0
    shutil.copy(dask / "survey_extractor_extractions.csv", tmp_path / "from_dask.csv")
    assert (dask / "survey_extractor_extractions.csv").read_bytes() == source.read_bytes()
    assert main(["reduce", str(source), str(SURVEY_REDUCER), "-d", str(dask), "-hb", "--engine", "dask",
                 "-c", "2"]) == 0
    assert (dask / "survey_reducer_reductions.csv").read_bytes() == \
        (local / "survey_reducer_reductions.csv").read_bytes()
