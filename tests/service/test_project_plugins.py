"""The project plugins that only run live in the peer, on export rows: zooagg's offline
`extract` and its live route both give every classification the answer the peer's route gives.

tests/data/peer/live_golden/<case>/ holds a classification export, the case (extractor,
workflow, version, parameters) and `expected.json`: for every row, the classification as
Caesar posts it and the peer's answer, recorded by scripts/record_peer_live_golden.py (the
peer's own `extract` cannot run these extractors: it passes them no subject and no created_at).
"""

from __future__ import annotations

import csv
import json
import math
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from zooagg.cli import main

CASES = sorted(p.parent for p in (Path(__file__).parents[1] / "data" / "peer" / "live_golden").glob("*/case.json"))


def _load(case: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return json.loads((case / "case.json").read_text()), json.loads((case / "expected.json").read_text())["rows"]


def _same(cell: str, want: Any) -> bool:
    if isinstance(want, float):
        return math.isclose(float(cell), want, rel_tol=1e-12)
    return cell == str(want)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_offline_extract_gives_the_peers_live_answers(case: Path, tmp_path: Path) -> None:
    spec, rows = _load(case)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"extractor_config": {spec["extractor"]: [spec["params"]]},
                                      "workflow_id": spec["workflow_id"], "workflow_version": spec["workflow_version"]}))
    assert main(["extract", str(case / "classifications.csv"), str(config), "-d", str(tmp_path), "-hb"]) == 0
    with (tmp_path / f"{spec['extractor']}_extractions.csv").open(newline="") as handle:
        written = {r["classification_id"]: r for r in csv.DictReader(handle)}
    assert len(written) == len(rows) > 0
    for row in rows:
        got = {k.removeprefix("data."): v for k, v in written[row["classification_id"]].items()
               if k.startswith("data.") and k != "data.aggregation_version" and v != ""}
        assert got.keys() == row["answer"].keys(), row["classification_id"]
        assert all(_same(got[k], v) for k, v in row["answer"].items()), (row["classification_id"], got)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_live_route_gives_the_peers_answers(case: Path, zooagg_serve: str) -> None:
    spec, rows = _load(case)
    query = urllib.parse.urlencode(spec["params"])
    with httpx.Client(timeout=60) as client:
        for row in rows:
            answer = client.post(f"{zooagg_serve}/extractors/{spec['extractor']}?{query}", json=row["body"])
            assert answer.status_code == 200, answer.text
            got = {k: v for k, v in answer.json().items() if k != "aggregation_version"}
            assert got == row["answer"], row["classification_id"]
