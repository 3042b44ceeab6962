"""Record the peer's answers for the live-only project extractors on export rows.

    .peer-venv/bin/python scripts/record_peer_live_golden.py

panoptes_aggregation 5.3.1 cannot run `nfn_extractor` or `i2a_extractor` from its `extract`
command (it gives extractors no `subject` and no `created_at`; every row fails), only behind
its Caesar route. So for each folder of tests/data/peer/live_golden/ (a classification
export `classifications.csv` and `case.json`: the extractor, workflow, version, parameters),
every row of the workflow and version becomes the classification Caesar would post for it
(annotations grouped by task, metadata, created_at, the subject with its metadata from the
export's `subject_data`), the peer's extractor is called on it with the case's parameters,
and the body and the answer (or the peer's error) are written to `expected.json`.
tests/service/test_project_plugins.py holds zooagg's `extract` and its live route to them.

Runs under the peer's Python; stdlib otherwise.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "peer" / "live_golden"


def caesar_body(row: dict[str, str]) -> dict[str, Any]:
    from panoptes_aggregation.extractors.utilities import annotation_by_task

    subject_data = json.loads(row["subject_data"] or "{}")
    subject_id = row["subject_ids"]
    return {
        "id": int(row["classification_id"]),
        "created_at": row["created_at"],
        "metadata": json.loads(row["metadata"] or "{}"),
        "annotations": annotation_by_task({"annotations": json.loads(row["annotations"])})["annotations"],
        "subject": {"id": subject_id, "metadata": subject_data.get(subject_id, {})},
    }


def record(folder: Path) -> int:
    from panoptes_aggregation import extractors

    case = json.loads((folder / "case.json").read_text())
    function = extractors.extractors[case["extractor"]]
    rows = []
    with (folder / "classifications.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["workflow_id"] != str(case["workflow_id"]) or row["workflow_version"] != case["workflow_version"]:
                continue
            body = caesar_body(row)
            try:
                answer = {k: v for k, v in function(json.loads(json.dumps(body)), **case["params"]).items()
                          if k != "aggregation_version"}
                rows.append({"classification_id": row["classification_id"], "body": body, "answer": answer})
            except Exception as exc:  # noqa: BLE001 - the peer's failure is a fact to record
                rows.append({"classification_id": row["classification_id"], "body": body,
                             "error": f"{type(exc).__name__}: {exc}"})
    lines = ",\n".join(json.dumps(r, sort_keys=True) for r in rows)
    (folder / "expected.json").write_text(f'{{"extractor": "{case["extractor"]}", "rows": [\n{lines}\n]}}\n')
    return len(rows)


def main() -> None:
    for folder in sorted(p.parent for p in CASES.glob("*/case.json")):
        print(f"{folder.name}: {record(folder)} classifications")


if __name__ == "__main__":
    main()
