"""Live projects over HTTP: ingest, idempotency, rejects, parameters, and the same reductions
as the offline tool."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server
from .exports import (
    WORKFLOW_ID,
    classification_rows,
    write_classification_export,
    write_workflow_export,
)
from .helpers import make_project, post

FILES = ("question_reducer_reductions.csv", "point_reducer_dbscan_reductions.csv",
         "shape_reducer_dbscan_reductions.csv", "survey_reducer_reductions.csv")
EXTRACTOR_OF = {"question_reducer_reductions.csv": "question_extractor",
                "point_reducer_dbscan_reductions.csv": "point_extractor_by_frame",
                "shape_reducer_dbscan_reductions.csv": "shape_extractor_rectangle",
                "survey_reducer_reductions.csv": "survey_extractor"}


def offline(run_cli: Callable[..., Any], folder: Path, rows: list[dict[str, str]], filter_how: str) -> Path:
    folder.mkdir()
    write_workflow_export(folder / "workflows.csv")
    write_classification_export(folder / "classifications.csv", rows)
    result = run_cli(["run", folder / "workflows.csv", folder / "classifications.csv", WORKFLOW_ID,
                      "-d", folder / "out", "-F", filter_how, "-hb"])
    assert result.code == 0, result.err
    return folder / "out" / f"workflow_{WORKFLOW_ID}"


@pytest.mark.parametrize("filter_how", ["first", "all"])
def test_live_one_at_a_time_shuffled_equals_offline(server: Server, tmp_path: Path, run_cli: Callable[..., Any],
                                                     filter_how: str) -> None:
    rows = classification_rows(150)
    out = offline(run_cli, tmp_path / "offline", rows, filter_how)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    token = server.member("ada")
    with server.client(token) as client:
        project = make_project(client, tmp_path, filter_how=filter_how)
        for row in shuffled:
            response = post(client, project, row)
            assert response.status_code == 201, response.text
        for name in FILES:
            response = client.get(f"/api/projects/{project}/reductions/{EXTRACTOR_OF[name]}.csv")
            assert response.status_code == 200, response.text
            assert response.text == (out / name).read_text(encoding="utf-8"), name


def test_upload_export_equals_offline(server: Server, tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    rows = classification_rows(90, seed=11)
    out = offline(run_cli, tmp_path / "offline", rows, "first")
    export = write_classification_export(tmp_path / "classifications.csv", rows)
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        with export.open("rb") as handle:
            response = client.post(f"/api/projects/{project}/classifications/upload",
                                   files={"file": ("classifications.csv", handle)})
        assert response.status_code == 200, response.text
        assert response.json()["stored"] == 90
        with export.open("rb") as handle:  # the same export again: all acknowledged, nothing new
            again = client.post(f"/api/projects/{project}/classifications/upload",
                                files={"file": ("classifications.csv", handle)}).json()
        assert again["stored"] == 0
        assert again["duplicates"] == 90
        for name in FILES:
            got = client.get(f"/api/projects/{project}/reductions/{EXTRACTOR_OF[name]}.csv").text
            assert got == (out / name).read_text(encoding="utf-8"), name


def test_repeat_delivery_is_acknowledged_and_ignored(server: Server, tmp_path: Path) -> None:
    row = classification_rows(1)[0]
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, row).status_code == 201
        before = client.get(f"/api/projects/{project}").json()["counts"]
        again = post(client, project, row)
        assert again.status_code == 200
        assert again.json()["duplicates"] == 1
        assert client.get(f"/api/projects/{project}").json()["counts"] == before


def test_json_columns_as_json_or_as_strings(server: Server, tmp_path: Path) -> None:
    row = classification_rows(2)[1]
    as_json = {**row, "classification_id": "77", "annotations": json.loads(row["annotations"]),
               "metadata": json.loads(row["metadata"]), "subject_data": json.loads(row["subject_data"]),
               "user_name": "someone_else", "user_id": 4321, "workflow_id": WORKFLOW_ID}
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, [row, as_json]).json() == {"stored": 2, "duplicates": 0, "duplicate_ids": [],
                                                                "marks_dropped": 0, "dropped_marks": []}
        subject = client.get(f"/api/projects/{project}/subjects/{row['subject_ids']}").json()
        votes = next(r for r in subject["reductions"] if r["task"] == "T0")["rows"][0]
        assert sum(v for k, v in votes.items() if k != "aggregation_version") == 2


@pytest.mark.parametrize(("change", "column", "words"), [
    ({"annotations": "[{\"task\": \"T0\""}, "annotations", "invalid JSON"),
    ({"annotations": {"task": "T0"}}, "annotations", "annotations must be a JSON list"),
    ({"subject_ids": ""}, "subject_ids", "subject_ids column is missing"),
    ({"workflow_id": "999"}, "workflow_id", "workflow_id 999 is not this project's workflow 4242"),
    ({"workflow_version": "1.0"}, "workflow_version", "outside this project's versions"),
    ({"annotations": [{"task": "T2", "value": [{"tool": 0, "x": "left"}]}]}, "annotations", "point_extractor"),
])
def test_malformed_classification_is_a_422_and_nothing_is_stored(server: Server, tmp_path: Path,
                                                                  change: dict[str, Any], column: str,
                                                                  words: str) -> None:
    good, bad = classification_rows(2)
    bad = {**bad, **change}
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        response = post(client, project, [good, bad])
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["parameter"] == column
        assert words in body["error"], body
        assert body["rejected"][0]["index"] == 1
        assert client.get(f"/api/projects/{project}").json()["counts"]["classifications"] == 0


def test_writes_need_a_token_of_a_member(server: Server, tmp_path: Path) -> None:
    row = classification_rows(1)[0]
    with server.client(server.member("ada")) as ada, server.client(server.member("bob")) as bob, \
            server.client() as nobody, server.client("zooagg_1_forged") as forged:
        project = make_project(ada, tmp_path)
        assert post(nobody, project, row).status_code == 401
        assert post(forged, project, row).status_code == 401
        assert nobody.post("/api/projects", json={"title": "x"}).status_code == 401
        assert post(bob, project, row).status_code == 403
        assert bob.get(f"/api/projects/{project}/reductions/question_extractor.csv").status_code == 403
        assert bob.get("/api/projects").json() == []
        assert ada.post(f"/api/projects/{project}/members", json={"name": "bob"}).status_code == 201
        assert post(bob, project, row).status_code == 201


def test_parameters_are_validated_and_changes_recompute(server: Server, tmp_path: Path) -> None:
    rows = classification_rows(40)
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        post(client, project, rows)
        entries = client.get(f"/api/projects/{project}/parameters").json()
        t1 = next(e for e in entries if e["task"] == "T1")
        bad = client.patch(f"/api/projects/{project}/parameters/{t1['id']}",
                           json={"reducer_params": {"pairs": "maybe", "pair": True}})
        assert bad.status_code == 422
        errors = bad.json()["errors"]
        assert "must be bool" in errors["reducer_params.pairs"]
        assert "did you mean 'pairs'?" in errors["reducer_params.pair"]
        subject = rows[0]["subject_ids"]
        before = client.get(f"/api/projects/{project}/subjects/{subject}").json()
        good = client.patch(f"/api/projects/{project}/parameters/{t1['id']}", json={"reducer_params": {"pairs": "true"}})
        assert good.status_code == 200, good.text
        after = client.get(f"/api/projects/{project}/subjects/{subject}").json()
        keys = {k for r in after["reductions"] if r["task"] == "T1" for k in r["rows"][0]}
        assert any("+" in k for k in keys) or before != after
        t2 = next(e for e in entries if e["extractor"] == "point_extractor_by_frame")
        eps = client.patch(f"/api/projects/{project}/parameters/{t2['id']}", json={"reducer_params": {"eps": "abc"}})
        assert eps.status_code == 422
        assert "reducer_params.eps" in eps.json()["errors"]
        filtered = client.patch(f"/api/projects/{project}", json={"filter": "sometimes"})
        assert filtered.status_code == 422
        assert "filter" in filtered.json()["errors"]


def test_post_before_workflow_is_a_409(server: Server) -> None:
    with server.client(server.member("ada")) as client:
        project = client.post("/api/projects", json={"title": "empty"}).json()["id"]
        assert post(client, project, classification_rows(1)[0]).status_code == 409
