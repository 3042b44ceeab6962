"""Golden tests: zooagg run end to end through the CLI on real exports, compared with the
files panoptes_aggregation 5.3.1 wrote for the same inputs (tests/golden/<case>/expected).

Every step runs through zooagg, reduce steps on zooagg's own extracts (with `-F all`, the
peer's actual behaviour). The only cells not compared are the documented differences below.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from zooagg.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/case.yaml"))

#: columns whose values differ on purpose (docs/differences.md), per reducer
DOCUMENTED = {
    "survey_reducer": {"data.total_vote_count"},  # classifications, not choices
}
ALWAYS_IGNORED = {"data.aggregation_version"}  # zooagg stamps its own version


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def differences(expected: Path, actual: Path, ignored: set[str]) -> list[str]:
    header, rows = read_csv(expected)
    our_header, our_rows = read_csv(actual)
    problems = []
    if header != our_header:
        problems.append(f"header differs:\n  peer:   {header}\n  zooagg: {our_header}")
        return problems
    if len(rows) != len(our_rows):
        problems.append(f"{len(rows)} rows expected, {len(our_rows)} written")
    skip = {i for i, name in enumerate(header) if name in ignored}
    for number, (theirs, ours) in enumerate(zip(rows, our_rows, strict=False), 2):
        for i, (a, b) in enumerate(zip(theirs, ours, strict=True)):
            if i not in skip and a != b:
                problems.append(f"line {number}, {header[i]}: peer {a!r}, zooagg {b!r}")
    return problems


def run_case(case: Path, out: Path) -> list[tuple[Path, Path, set[str]]]:
    """Run the case's steps with zooagg into `out`; the (expected, actual, ignored) file pairs."""
    spec = yaml.safe_load((case / "case.yaml").read_text())
    pairs = []
    for step in spec["steps"]:
        args = [str(a) for a in step["args"]]
        if step["cmd"] == "config":
            argv = ["config", str(case / args[0]), *args[1:], "-d", str(out)]
        elif step["cmd"] == "extract":
            argv = ["extract", str(case / args[0]), str(case / args[1]), *args[2:], "-d", str(out), "-hb"]
        else:
            argv = ["reduce", str(out / args[0]), str(case / args[1]), *args[2:], "-d", str(out), "-hb",
                    "-F", "all"]
        assert main(argv) == 0, f"zooagg {' '.join(argv)} failed"
    for expected in sorted((case / "expected").iterdir()):
        if expected.suffix not in (".csv", ".yaml"):
            continue
        reducer = next((name for name in DOCUMENTED if expected.name.startswith(name)), None)
        pairs.append((expected, out / expected.name, ALWAYS_IGNORED | DOCUMENTED.get(reducer or "", set())))
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
            problems += [f"{expected.name}: {p}" for p in differences(expected, actual, ignored)[:5]]
    assert not problems, "\n".join(problems)


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 8
