"""Run panoptes_aggregation 5.3.1's own component test cases against a live `zooagg serve`.

    python scripts/peer_cases.py [--record] [--server URL] [-k TEXT]

Starts `zooagg serve` (this Python's zooagg) on 127.0.0.1 (a free port, a throw-away data folder) unless `--server`
names one, sends every recorded case (tests/data/peer/peer_cases.json) to its route over
HTTP, judges each answer as the peer's own test method would (tests/peer_cases.py), and
writes the counts, every failure and every case that cannot apply over HTTP with its reason
to bench/peer-cases.md. `--record` first records the cases afresh from the peer's installed
package (PEER_PYTHON, default .peer-venv/bin/python). `-k` runs only cases whose id contains
TEXT (the report is then printed, not written). `make peer-cases` does `--record`.

Cases where zooagg answers differently on purpose are in `DIFFERENT` (tests/peer_cases.py),
each with its reason, and in docs/differences.md; they count as documented differences, not
failures. Exit status 0 when every applicable case passes or differs as documented, else 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from peer_cases import DIFFERENT, check, load_cases  # noqa: E402
from service.conftest import free_port, spawn  # noqa: E402

REPORT = ROOT / "bench" / "peer-cases.md"


def _record() -> None:
    python = os.environ.get("PEER_PYTHON", str(ROOT / ".peer-venv" / "bin" / "python"))
    # a fixed hash seed: the peer walks some tools in set order, so its answers' row order follows it
    subprocess.run([python, str(ROOT / "scripts" / "record_peer_cases.py")], check=True,
                   env={**os.environ, "PYTHONHASHSEED": "0"})


def run(url: str, only: str | None) -> list[tuple[dict, str, str]]:
    """(case, outcome, detail) for every case: outcome passed, failed, differs or n/a."""
    results = []
    with httpx.Client() as client:
        for case in load_cases():
            if only and only not in case["id"]:
                continue
            if case["status"] == "n/a":
                results.append((case, "n/a", case["reason"]))
                continue
            passed, detail = check(client, url, case)
            if case["id"] in DIFFERENT and passed:
                results.append((case, "differs", DIFFERENT[case["id"]][0]))
            else:
                results.append((case, "passed" if passed else "failed", detail))
    return results


def report(results: list[tuple[dict, str, str]]) -> str:
    counts = Counter(outcome for _, outcome, _ in results)
    applicable = counts["passed"] + counts["failed"] + counts["differs"]
    lines = [
        "# The peer's own test cases through `zooagg serve`",
        "",
        "Made by `make peer-cases` (scripts/peer_cases.py): every test method of panoptes_aggregation",
        "5.3.1's extractor, reducer and running reducer tests, each component call sent over HTTP to",
        "a live `zooagg serve` and judged as the peer's own test judges it (tests/peer_cases.py), or",
        "more strictly where its test is lax: its list reductions (checked by keys only) are held to",
        "the peer's own answer value by value, in any order, `polygon_reducer_contours`' outlines as",
        "shapes (within one grid cell where the peer rasterised); a case whose expected value the peer",
        "itself no longer gives (older scikit-learn) is held to the peer's answer.",
        "",
        "| outcome | test methods |",
        "|---|---|",
        f"| passed | {counts['passed']} |",
        f"| failed | {counts['failed']} |",
        f"| differs as documented (docs/differences.md) | {counts['differs']} |",
        f"| not applicable over HTTP | {counts['n/a']} |",
        f"| **applicable** | **{applicable}** |",
        "",
    ]
    if counts["failed"]:
        lines += ["## Failed", "", "| case | what came back |", "|---|---|"]
        lines += [f"| `{case['id']}` | {_cell(detail)} |" for case, outcome, detail in results if outcome == "failed"]
        lines.append("")
    if counts["differs"]:
        lines += ["## Documented differences", "", "| case | why |", "|---|---|"]
        lines += [f"| `{case['id']}` | {_cell(detail)} |" for case, outcome, detail in results if outcome == "differs"]
        lines.append("")
    reasons = Counter(detail for _, outcome, detail in results if outcome == "n/a")
    lines += ["## Not applicable over HTTP", "", "| why | test methods |", "|---|---|"]
    lines += [f"| {_cell(reason)} | {n} |" for reason, n in reasons.most_common()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:400]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="record the cases from the installed peer first")
    parser.add_argument("--server", help="a running zooagg serve (default: start one)")
    parser.add_argument("-k", dest="only", help="only cases whose id contains this")
    args = parser.parse_args()
    if args.record:
        _record()
    with tempfile.TemporaryDirectory() as data_dir:
        process, url = None, args.server
        if url is None:
            port = free_port()
            process, url = spawn(["--data-dir", data_dir], port), f"http://127.0.0.1:{port}"
        try:
            results = run(url, args.only)
        finally:
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    text = report(results)
    if args.only:
        print(text)
    else:
        REPORT.write_text(text)
    counts = Counter(outcome for _, outcome, _ in results)
    print(f"peer cases: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['differs']} documented differences, {counts['n/a']} not applicable")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
