"""A drawing mark an extractor cannot use, posted live (SQLite and PostgreSQL): the
classification is stored, its good mark extracted and reduced, and the answer reports the
dropped mark with the offline rejects file's reason (docs/fem.md); the project keeps it, counts
it and lists it in dropped_marks.csv, and finds it again when it extracts anew."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import read_rows

from .conftest import PASSWORD, Server, serve
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
    check_kept(server, token, project, reason)


def dropped_rows(client: Any, project: int) -> list[tuple[str, ...]]:
    got = client.get(f"/api/projects/{project}/dropped_marks.csv")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    header, *rows = [tuple(row) for row in csv.reader(io.StringIO(got.text))]
    assert header == ("classification_id", "task", "extractor", "reason")
    return rows


def check_kept(server: Server, token: str, project: int, reason: str) -> None:
    """The dropped mark is kept with the classification: the project counts it (once, though it
    was posted twice) and lists it; extracting again with new parameters finds it again."""
    with server.client(token) as client:
        summary = client.get(f"/api/projects/{project}").json()
        assert summary["counts"]["marks_dropped"] == 1
        assert summary["dropped_marks"] == f"/api/projects/{project}/dropped_marks.csv"
        assert dropped_rows(client, project) == [("700002", "T2", "shape_extractor_rectangle", reason)]
        (entry,) = [e for e in client.get(f"/api/projects/{project}/parameters").json()
                    if e["extractor"] == "shape_extractor_rectangle"]
        changed = client.patch(f"/api/projects/{project}/parameters/{entry['id']}",
                               json={"extractor_params": {**entry["extractor_params"], "use_v1_keys": True}})
        assert changed.status_code == 200, changed.text
        assert changed.json()["recomputed"]["marks_dropped"] == 1
        assert client.get(f"/api/projects/{project}").json()["counts"]["marks_dropped"] == 1
        (again,) = dropped_rows(client, project)
        assert again[:3] == ("700002", "T2", "shape_extractor_rectangle")
        assert "has no x, y, width: mark dropped" in again[3]
    check_page(server, project)


def check_page(server: Server, project: int) -> None:
    """The project's web page counts the dropped mark and links its CSV, which the page's
    session downloads."""
    with httpx.Client(base_url=server.url, timeout=60) as web:
        login = web.get("/web/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        assert web.post("/web/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf}).status_code == 303
        page = web.get(f"/web/projects/{project}")
        csv_file = web.get(f"/web/projects/{project}/dropped_marks.csv")
    assert re.search(r'<dd id="marks-dropped">1\s*\(<a id="dropped-download" '
                     rf'href="/web/projects/{project}/dropped_marks.csv" download>which, and why</a>\)</dd>', page.text)
    assert csv_file.status_code == 200
    assert [row[0] for row in csv.reader(io.StringIO(csv_file.text))] == ["classification_id", "700002"]


def test_dropped_mark_reported_live_sqlite(server: Server, tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    run(server, tmp_path, run_cli)


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[Server]:
    for database in throwaway_database():
        yield from serve(tmp_path / "data", database)


def test_dropped_mark_reported_live_postgres(pg_server: Server, tmp_path: Path,
                                            run_cli: Callable[..., Any]) -> None:
    run(pg_server, tmp_path, run_cli)
