"""Volunteer weighting of a live project: `GET /api/projects/{id}/weighting/{method}` is
`zooagg weight` over the same classifications, and SWAP's decisions update with each new
classification, their history in classification order equal to the offline run's."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from zooagg import registry
from zooagg.cli import main
from zooagg.service.schemas import WeightingAnswer
from zooagg.service.weighting import swap_decisions
from zooagg.weighting.answers import gold_classifications, read_extracts, split_gold

from .conftest import Server
from .exports import WORKFLOW_ID, classification_rows
from .helpers import make_project, post
from .test_web_consensus import live_project

SWAP = {"detection": "0.9", "rejection": "0.2", "prior": "0.5", "initial_skill": "0.6", "positive": "yes"}


def _rows() -> list[dict[str, str]]:
    rows = classification_rows(90, seed=3)
    for row in rows[::9]:  # an expert's answer on some subjects: the truth
        row["expert"] = "expert"
    return rows


def _offline(tmp_path: Path, export: Path) -> Path:
    out = tmp_path / "offline"
    assert main(["run", str(tmp_path / "workflows.csv"), str(export), str(WORKFLOW_ID), "-d", str(out), "-hb"]) == 0
    params = '{"swap": {' + ", ".join(f'"{k}": {v if k != "positive" else chr(34) + v + chr(34)}'
                                      for k, v in SWAP.items()) + "}}"
    assert main(["weight", str(out), "-m", "swap", "-k", params, "-t", "T0"]) == 0
    return next(out.rglob("workflow_*"))


def test_live_swap_is_the_offline_swap(server: Server, tmp_path: Path) -> None:
    token, project, export = live_project(server, tmp_path, _rows(), "grace")
    with server.client(token) as client:
        live = client.get(f"/api/projects/{project}/weighting/swap", params={**SWAP, "task": "T0"})
    assert live.status_code == 200, live.text
    WeightingAnswer.model_validate_json(live.content, strict=True)  # what /openapi.json says it answers
    body = live.json()
    folder = _offline(tmp_path, export)
    with (folder / "weighted_subjects_swap.csv").open(encoding="utf-8") as handle:
        offline = {row["subject_id"]: row for row in csv.DictReader(handle)}
    assert {row["subject_id"] for row in body["subjects"]} == set(offline)
    for row in body["subjects"]:
        assert row["label"] == offline[row["subject_id"]]["label"]
        assert row["probability"] == float(offline[row["subject_id"]]["probability"])
        assert row["label_text"] == offline[row["subject_id"]]["label_text"] == {"yes": "Yes", "no": "No"}[row["label"]]
    found, _ = read_extracts(sorted(folder.glob("*_extractions.csv")), {"T0"})
    split_gold(found, gold_classifications(export))
    entry = found["T0"].finish()
    expected = swap_decisions(entry, {k: (v if k == "positive" else float(v)) for k, v in SWAP.items()})
    assert [{k: v for k, v in d.items() if k != "task"} for d in body["decisions"]] == expected
    assert body["tasks"]["T0"]["truth_subjects"] > 0


def test_each_classification_updates_the_decision(server: Server, tmp_path: Path) -> None:
    token = server.member("hedy")
    rows = _rows()
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, rows[:60]).status_code == 201
        before = client.get(f"/api/projects/{project}/weighting/swap", params=SWAP).json()
        new = dict(rows[60], subject_ids=before["decisions"][-1]["subject_id"])
        new["subject_data"] = json.dumps({new["subject_ids"]: {}})
        assert post(client, project, [new]).status_code == 201
        after = client.get(f"/api/projects/{project}/weighting/swap", params=SWAP).json()
        unknown = client.get(f"/api/projects/{project}/weighting/dawid_skeen")
        bad = client.get(f"/api/projects/{project}/weighting/swap", params={"detection": "high"})
    assert after["decisions"][:-1] == before["decisions"]
    step = after["decisions"][-1]
    assert (step["subject_id"], step["classification_id"]) == (new["subject_ids"], new["classification_id"])
    assert step["decision"] in ("keep", "retire")
    assert unknown.status_code == 404
    assert "did you mean 'dawid_skene'" in unknown.json()["hint"]
    assert bad.status_code == 422
    assert "detection" in bad.json()["error"]


def test_every_method_answers_as_documented(server: Server, tmp_path: Path) -> None:
    """Each weighting method's live answer is what /openapi.json says the route answers."""
    token, project, _ = live_project(server, tmp_path, _rows(), "ida")
    with server.client(token) as client:
        for method in registry.components("weighting"):
            live = client.get(f"/api/projects/{project}/weighting/{method}",
                              params=SWAP if method == "swap" else None)
            assert live.status_code == 200, (method, live.text)
            answer = WeightingAnswer.model_validate_json(live.content, strict=True)
            assert answer.method == method
            assert answer.subjects
            assert answer.volunteers
            assert (answer.decisions is not None) == (method == "swap")
