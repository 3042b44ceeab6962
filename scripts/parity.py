"""Parity check: run the peer (panoptes_aggregation 5.3.1) and zooagg on every golden case and
compare their output files row by row.

    python scripts/parity.py [CASE ...]

For each tests/golden/<case>/case.yaml, both tools run the case's steps in fresh temporary
folders (`-d <tmp>`, `-hb` on extract/reduce; zooagg's reduce also gets `-F all` because the
peer's `-F` is a no-op that always counts every classification; the peer's extract reads the
case's `peer_input` file when one is set). Then every file either tool wrote is compared: CSV
row by row (two rows are identical when every cell is equal as a string, except the value of
`data.aggregation_version`), YAML line by line.

Environment: PEER (default /tmp/peer/bin/panoptes_aggregation), ZOOAGG (default `zooagg` on
PATH; may hold several words, e.g. "python -m zooagg"), PARITY_TIMEOUT (seconds per step, 900).
The table is printed and written to bench/parity.md. Always exits 0; the last line printed is
`parity: N/M files identical` (M = files the peer wrote).

Stdlib + PyYAML only.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
REPORT = ROOT / "bench" / "parity.md"
sys.path.insert(0, str(ROOT / "tests"))

from golden_compare import IGNORED_COLUMNS, count_identical_rows, documented_columns  # noqa: E402

PEER = os.environ.get("PEER", "/tmp/peer/bin/panoptes_aggregation")
ZOOAGG = os.environ.get("ZOOAGG", "zooagg")
TIMEOUT = float(os.environ.get("PARITY_TIMEOUT", "900"))


def short_error(stderr: str, returncode: int | None) -> str:
    """First line of stderr; for a Python traceback, its last line (the exception)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return f"exit code {returncode}"
    line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    return line.replace("|", "\\|")[:200]


def step_argv(tool: str, step: dict, case: Path, out: Path, peer_input: str | None) -> list[str]:
    """The command line of one case step for `tool` ("peer" or "zooagg")."""
    cmd = str(step["cmd"])
    args = [str(a) for a in step.get("args", [])]
    if cmd == "reduce" and args:
        args[0] = str(out / args[0])
    elif cmd == "extract" and args and tool == "peer" and peer_input:
        args[0] = peer_input
    # file arguments are relative to the case folder
    resolved = []
    for i, arg in enumerate(args):
        if not (cmd == "reduce" and i == 0) and not arg.startswith("-") and (case / arg).is_file():
            arg = str(case / arg)
        resolved.append(arg)
    base = [PEER] if tool == "peer" else shlex.split(ZOOAGG)
    argv = [*base, cmd, *resolved, "-d", str(out)]
    if cmd in ("extract", "reduce"):
        argv.append("-hb")
    if tool == "zooagg" and cmd == "reduce":
        argv += ["-F", "all"]
    return argv


def run_steps(tool: str, spec: dict, case: Path, out: Path) -> list[tuple[int, str, str]]:
    """Run every step; the failures as (step number, command, short message)."""
    failures = []
    for number, step in enumerate(spec.get("steps", []), start=1):
        argv = step_argv(tool, step, case, out, spec.get("peer_input"))
        try:
            proc = subprocess.run(
                argv,
                cwd=out,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            failures.append((number, str(step["cmd"]), f"cannot run: {exc}"))
            continue
        except subprocess.TimeoutExpired:
            failures.append((number, str(step["cmd"]), f"timed out after {TIMEOUT:.0f} s"))
            continue
        if proc.returncode != 0:
            failures.append((number, str(step["cmd"]), short_error(proc.stderr, proc.returncode)))
    return failures


def output_files(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".yaml", ".yml")}


def compare_text(expected: Path, actual: Path) -> tuple[int, int, int]:
    lines_e = expected.read_text(encoding="utf-8").splitlines()
    lines_a = actual.read_text(encoding="utf-8").splitlines()
    return len(lines_e), len(lines_a), sum(a == b for a, b in zip(lines_e, lines_a, strict=False))


def compare(expected: Path, actual: Path) -> tuple[str, str, str, bool]:
    """(rows peer, rows zooagg, identical rows cell, identical file?)"""
    try:
        if expected.suffix == ".csv":
            n_e, n_a, same = count_identical_rows(expected, actual)
            header_e = expected.open(encoding="utf-8").readline()
            header_a = actual.open(encoding="utf-8").readline()
            header_ok = header_e.rstrip("\r\n") == header_a.rstrip("\r\n")
        else:
            n_e, n_a, same = compare_text(expected, actual)
            header_ok = True
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return "?", "?", f"unreadable: {exc}", False
    identical = header_ok and n_e == n_a and same == n_e
    cell = f"{same}/{n_e}" + ("" if header_ok else " (header differs)")
    documented = documented_columns(expected.name)
    if not identical and header_ok and documented and expected.suffix == ".csv":
        _, _, same_apart = count_identical_rows(expected, actual, IGNORED_COLUMNS | documented)
        cell += f"; {same_apart}/{n_e} apart from documented {', '.join(sorted(documented))}"
        identical = n_e == n_a and same_apart == n_e
    return str(n_e), str(n_a), cell, identical


def run_case(case: Path) -> tuple[list[list[str]], int, int]:
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8")) or {}
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix=f"parity-{case.name}-") as tmp:
        peer_out = Path(tmp) / "peer"
        zoo_out = Path(tmp) / "zooagg"
        peer_out.mkdir()
        zoo_out.mkdir()
        t0 = time.perf_counter()
        peer_failures = run_steps("peer", spec, case, peer_out)
        t1 = time.perf_counter()
        zoo_failures = run_steps("zooagg", spec, case, zoo_out)
        t2 = time.perf_counter()
        print(f"  {case.name}: peer {t1 - t0:.1f} s, zooagg {t2 - t1:.1f} s", file=sys.stderr)
        for number, cmd, message in peer_failures:
            rows.append([case.name, f"step {number} ({cmd})", "-", "-", f"peer failed: {message}"])
        for number, cmd, message in zoo_failures:
            rows.append(
                [case.name, f"step {number} ({cmd})", "-", "-", f"zooagg failed: {message}"]
            )
        peer_files = output_files(peer_out)
        zoo_files = output_files(zoo_out)
        identical = 0
        for name, path in peer_files.items():
            if name not in zoo_files:
                rows.append([case.name, name, rows_in(path), "-", "missing in zooagg"])
                continue
            n_e, n_a, cell, same = compare(path, zoo_files[name])
            identical += same
            rows.append([case.name, name, n_e, n_a, cell])
        for name, path in zoo_files.items():
            if name not in peer_files:
                rows.append([case.name, name, "-", rows_in(path), "extra (peer wrote none)"])
    return rows, identical, len(peer_files)


def rows_in(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        return str(count - 1 if path.suffix == ".csv" else count)
    except (OSError, UnicodeDecodeError):
        return "?"


def main(argv: list[str]) -> int:
    wanted = set(argv)
    cases = sorted(p.parent for p in GOLDEN.glob("*/case.yaml"))
    if wanted:
        cases = [c for c in cases if c.name in wanted]
    header = ["case", "file", "rows (peer)", "rows (zooagg)", "identical rows"]
    table: list[list[str]] = []
    identical = total = 0
    for case in cases:
        try:
            rows, same, count = run_case(case)
        except Exception as exc:  # noqa: BLE001 - the report must always be written
            rows, same, count = [[case.name, "-", "-", "-", f"parity error: {exc}"]], 0, 0
        table += rows
        identical += same
        total += count
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    lines = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt(r) for r in table]
    summary = f"parity: {identical}/{total} files identical"
    print("\n".join(lines))
    print(summary)
    try:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(
            "# Parity with panoptes_aggregation 5.3.1\n\n"
            "Generated by `scripts/parity.py` (`make parity`): both tools run each golden case "
            "(tests/golden/*/case.yaml); rows are identical when every cell is equal as a string, "
            "ignoring the value of `data.aggregation_version`. A file counts as identical when it "
            "differs only in a column listed in docs/differences.md (named in the row).\n\n"
            + "\n".join(lines)
            + f"\n\n{summary}\n",
            encoding="utf-8",
        )
    except OSError as exc:
        print(f"could not write {REPORT}: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
