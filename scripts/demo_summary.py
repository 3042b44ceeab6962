"""The end of `make demo`: where the results are, the consensus table's first rows, the report."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROWS = 8
WIDTH = 24


def show_table(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        print(f"{path} is empty")
        return
    header, body = rows[0], rows[1:]
    print(f"{path} ({len(body)} subjects, {len(header)} columns); the first {min(ROWS, len(body))} rows:")
    shown = [header, *body[:ROWS]]
    widths = [min(WIDTH, max(len(row[i]) if i < len(row) else 0 for row in shown))
              for i in range(len(header))]
    for row in shown:
        cells = [(row[i] if i < len(row) else "")[:WIDTH].ljust(widths[i]) for i in range(len(header))]
        print("  " + "  ".join(cells).rstrip())


def main(folder: str) -> int:
    out = Path(folder).resolve()
    print(f"\nDemo results are in {out}")
    tables = sorted(out.rglob("consensus_workflow_*.csv"))
    if not tables:
        print("no consensus table was written; the reductions are:")
        for path in sorted(out.rglob("*_reductions.csv")):
            print(f"  {path}")
    for path in tables:
        show_table(path)
    for report in sorted(out.rglob("*.html")):
        print(f"Report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "demo-output"))
