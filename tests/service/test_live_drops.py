"""A drawing mark an extractor cannot use, posted live (SQLite and PostgreSQL): the
classification is stored, its good mark extracted and reduced, and the answer reports the
dropped mark with the offline rejects file's reason (docs/fem.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import read_rows

from .conftest import Server, serve
from .exports import VERSION, WORKFLOW_ID, classification_rows, write_classification_export
from .helpers import make_project, post
from .test_live import offline
from .test_postgres import throwaway_database

SUBJECT = "9100"
FEM = json.dumps({"source": "api", "classifier_version": "2.0"})


def rectangle(**geometry: float) -> dict[str, Any]:
    """A FEM rectangle of the test workflow's T2 (tool 1, Body)."""
    return {"frame": 0, "toolIndex": 1, "toolType": "rectangle", "details": [], "tool_label": "Body", **geometry}


def fem_row(classification_id: int, user: int, marks: list[dict[str, Any]]) -> dict[str, str]:
    row = classification_rows(1)[0]
    row.update({"classification_id": str(classification_id), "user_name": f"volunteer_{user}",
                "user_id": str(1000 + user), "metadata": FEM, "subject_ids": SUBJECT,
                "subject_data": json.dumps({SUBJECT: {"retired": None}}), "workflow_id": str(WORKFLOW_ID),
                "workflow_version": VERSION,
                "annotations": json.dumps([{"task": "T0", "value": 0}, {"task": "T2", "value": marks}])})
    return row


# the incomplete mark (no width) of 700002 is dropped; its good mark and the others' are reduced:
# top-left corners (40, 55), (41, 56), (42, 51) as x_center - width/2, y_center - height/2
ROWS = [fem_row(700001, 1, [rectangle(x_center=50, y_center=60, width=20, height=10)]),
        fem_row(700002, 2, [rectangle(x_center=52, y_center=62, width=22, height=12),
                            rectangle(x_center=80, y_center=90, height=10)]),
        fem_row(700003, 3, [rectangle(x_center=54, y_center=58, width=24, height=14)])]


def offline_reason(run_cli: Callable[..., Any], tmp_path: Path) -> str:
    """The reason `zooagg run` writes to its rejects file for the same dropped mark."""
    out = offline(run_cli, tmp_path / "offline", ROWS, "first")
    (reject,) = read_rows(next(out.rglob("*_rejects.csv")))
    assert (reject["row"], reject["task"]) == ("700002", "T2")
    return reject["reason"]


def check_dropped(answer: dict[str, Any], stored: int, reason: str) -> None:
    assert answer["stored"] == stored
    assert answer["marks_dropped"] == 1
    (mark,) = answer["dropped_marks"]
    assert mark["classification_id"] == "700002"
    assert mark["task"] == "T2"
    assert mark["extractor"] == "shape_extractor_rectangle"
    assert mark["reason"] == reason
    assert mark["reason"].startswith("shape_extractor_rectangle: mark 1 (tool 1) of task T2 (a rectangle mark) "
                                     "has no x, y, width: mark dropped"), mark["reason"]


def check_reduced(server: Server, token: str, project: int) -> None:
    """The three good marks (700002's among them) are reduced; the dropped one is not there."""
    with server.client(token) as client:
        got = client.get(f"/api/projects/{project}/subjects/{SUBJECT}")
    assert got.status_code == 200, got.text
    (shapes,) = [r for r in got.json()["reductions"] if r["extractor"] == "shape_extractor_rectangle"]
    (row,) = shapes["rows"]
    frame = row["frame0"]
    assert frame["T2_toolIndex1_rectangle_x"] == [40.0, 41.0, 42.0]  # x_center - width/2, in id order
    assert frame["T2_toolIndex1_rectangle_y"] == [55.0, 56.0, 51.0]
    assert frame["T2_toolIndex1_rectangle_width"] == [20.0, 22.0, 24.0]


def run(server: Server, tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    reason = offline_reason(run_cli, tmp_path)
    token = server.member("ada")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        first = post(client, project, ROWS)
        assert first.status_code == 201, first.text
        check_dropped(first.json(), 3, reason)
        again = post(client, project, ROWS[1])  # a duplicate: stored and reported already
        assert again.status_code == 200, again.text
        assert again.json()["marks_dropped"] == 0
        assert again.json()["dropped_marks"] == []
        check_reduced(server, token, project)
        # the same rows uploaded as an export to a second project: the same report
        other = make_project(client, tmp_path, title="Upload")
        export = write_classification_export(tmp_path / "classifications.csv", ROWS)
        with export.open("rb") as handle:
            uploaded = client.post(f"/api/projects/{other}/classifications/upload",
                                   files={"file": ("classifications.csv", handle)})
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.json()["rejected"] == 0
        check_dropped(uploaded.json(), 3, reason)
    check_reduced(server, token, other)


def test_dropped_mark_reported_live_sqlite(server: Server, tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    run(server, tmp_path, run_cli)


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[Server]:
    for database in throwaway_database():
        yield from serve(tmp_path / "data", database)


def test_dropped_mark_reported_live_postgres(pg_server: Server, tmp_path: Path,
                                            run_cli: Callable[..., Any]) -> None:
    run(pg_server, tmp_path, run_cli)
