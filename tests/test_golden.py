"""Golden tests: zooagg run end to end through the CLI on real exports, compared with the
files panoptes_aggregation 5.3.1 wrote for the same inputs (tests/golden/<case>/expected).

Every step runs through zooagg, reduce steps on zooagg's own extracts (with `-F all`, the
peer's actual behaviour). The only cells not compared with the peer's are the version stamp
(every expected file is checked to carry the peer's, 5.3.1) and the survey total_vote_count
(golden_compare.DOCUMENTED_COLUMNS, docs/differences.md), which is compared with a count of the
peer's extracts instead; numpy's `np.float64(nan)` in the peer's cells compares as `nan`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from golden_compare import IGNORED_COLUMNS, compare_csv, documented_columns, read_csv

from zooagg.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/case.yaml"))


def run_case(case: Path, out: Path, engine: tuple[str, ...] = ()) -> list[tuple[Path, Path, frozenset[str]]]:
    """Run the case's steps with zooagg into `out` (extract and reduce with the `engine` flags);
    the (expected, actual, ignored) file pairs."""
    spec = yaml.safe_load((case / "case.yaml").read_text())
    pairs = []
    for step in spec["steps"]:
        args = [str(a) for a in step["args"]]
        if step["cmd"] == "config":
            argv = ["config", str(case / args[0]), *args[1:], "-d", str(out)]
        elif step["cmd"] == "extract":
            argv = ["extract", str(case / args[0]), str(case / args[1]), *args[2:], "-d", str(out), "-hb", *engine]
        else:
            argv = ["reduce", str(out / args[0]), str(case / args[1]), *args[2:], "-d", str(out), "-hb",
                    "-F", "all", *engine]
        assert main(argv) == 0, f"zooagg {' '.join(argv)} failed"
    for expected in sorted((case / "expected").iterdir()):
        if expected.suffix not in (".csv", ".yaml"):
            continue
        pairs.append((expected, out / expected.name, IGNORED_COLUMNS | documented_columns(expected.name)))
    return pairs


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case(case: Path, tmp_path: Path) -> None:
    problems = []
    for expected, actual, ignored in run_case(case, tmp_path):
        if not actual.exists():
            problems.append(f"{expected.name}: not written by zooagg")
        elif expected.suffix == ".yaml":
            if yaml.safe_load(expected.read_text()) != yaml.safe_load(actual.read_text()):
                problems.append(f"{expected.name}: YAML differs")
        else:
            problems += [f"{expected.name}: {p}" for p in compare_csv(expected, actual, 5, ignored)]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A dask.distributed.LocalCluster with 2 worker processes, shared by the module's cases."""
    distributed = pytest.importorskip("dask.distributed", reason="the Dask engine needs the dask extra")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_dask_engine_writes_the_local_engines_bytes(case: Path, dask_scheduler: str, tmp_path: Path) -> None:
    """Every file of the case, extracts and reductions, from `--engine dask --scheduler ...`
    on a two-worker cluster equals the local engine's byte for byte."""
    local, dask = tmp_path / "local", tmp_path / "dask"
    run_case(case, local, ("-c", "2"))
    run_case(case, dask, ("--engine", "dask", "--scheduler", dask_scheduler))
    written = sorted(p.name for p in local.iterdir())
    assert written == sorted(p.name for p in dask.iterdir())
    assert any(name.endswith(".csv") for name in written)
    for name in written:
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name


EXPECTED_CSVS = sorted(p for case in CASES for p in (case / "expected").glob("*.csv"))


@pytest.mark.parametrize("expected", EXPECTED_CSVS, ids=[f"{p.parent.parent.name}/{p.name}" for p in EXPECTED_CSVS])
def test_every_expected_file_carries_the_peers_stamp(expected: Path) -> None:
    """Written by panoptes_aggregation 5.3.1: every row's data.aggregation_version says so."""
    header, rows = read_csv(expected)
    assert "data.aggregation_version" in header
    column = header.index("data.aggregation_version")
    assert rows
    assert {row[column] for row in rows} == {"5.3.1"}


SURVEY_CASES = [case for case in CASES if (case / "expected" / "survey_reducer_reductions.csv").exists()]


def classifications_with_a_choice(extracts: Path) -> dict[tuple[str, str], int]:
    """(subject_id, task) -> how many classifications named at least one choice, counted from
    the peer's survey extracts (every classification counts: the golden reduce runs -F all)."""
    header, rows = read_csv(extracts)
    subject, task, cid, choice = (header.index(n) for n in ("subject_id", "task", "classification_id",
                                                              "data.choice"))
    seen: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        if row[choice]:
            seen.setdefault((row[subject].removesuffix(".0"), row[task]), set()).add(row[cid])
    return {key: len(ids) for key, ids in seen.items()}


@pytest.mark.parametrize("case", SURVEY_CASES, ids=[c.name for c in SURVEY_CASES])
def test_survey_total_vote_count_is_the_classifications_that_named_a_choice(case: Path, tmp_path: Path) -> None:
    """The one survey column zooagg deliberately writes differently (docs/differences.md),
    compared with a count made here from the peer's extracts."""
    run_case(case, tmp_path)
    counts = classifications_with_a_choice(case / "expected" / "survey_extractor_extractions.csv")
    header, rows = read_csv(tmp_path / "survey_reducer_reductions.csv")
    subject, task, total = (header.index(n) for n in ("subject_id", "task", "data.total_vote_count"))
    assert rows
    for row in rows:
        if row[total]:
            assert int(float(row[total])) == counts[(row[subject], row[task])], row[:4]


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 8


def test_cells_differing_in_the_last_bit_of_a_float_compare_equal_and_nothing_else_does() -> None:
    from golden_compare import cells_equal

    assert cells_equal("[-33.94358701975181, 2.5]", "[-33.94358701975182, 2.5]")
    assert not cells_equal("[-33.9435870197, 2.5]", "[-33.9435870198, 2.5]")  # 3e-12 relative: a real change
    assert not cells_equal("1.0", "1")  # the written form of a number is part of the contract
    assert not cells_equal("[1.5, 2.5]", "[1.5]")
    assert not cells_equal("{'a': 1.5}", "{'b': 1.5}")
    assert not cells_equal("", None)
