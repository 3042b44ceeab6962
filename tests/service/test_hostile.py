"""Hostile and broken input on a real server, on SQLite and on PostgreSQL: every answer is a
4xx naming the problem (never a 500, never "send it again" for what can never be stored), one
bad row of an upload is a reject while the others are stored, and security headers go out on
every answer."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from zooagg.service.models import StoredClassification

from .conftest import PASSWORD, Server, serve
from .exports import HEADER, classification_rows
from .helpers import make_project, post
from .test_postgres import throwaway_database

HUGE = "9" * 25  # over 64 bits
OVER_SQLITE = str(2**63)  # over SQLite's 63 bits
OVER_POSTGRES = str(2**31)  # over PostgreSQL's integer


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("data")
    if request.param == "sqlite":
        yield from serve(data)
    else:
        for database in throwaway_database():
            yield from serve(data, database)


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    return server.member(f"ada{secrets.token_hex(3)}")


@pytest.fixture(scope="module")
def project(server: Server, token: str, tmp_path_factory: pytest.TempPathFactory) -> int:
    with server.client(token) as client:
        return make_project(client, tmp_path_factory.mktemp("project"))


def stored_ids(server: Server, project: int) -> set[str]:
    with server.state.store.read() as session:
        return set(session.scalars(select(StoredClassification.classification_id)
                                   .where(StoredClassification.project_id == project)))


def count_stored(server: Server, project: int) -> int:
    with server.state.store.read() as session:
        return session.scalar(select(func.count()).select_from(StoredClassification)
                              .where(StoredClassification.project_id == project)) or 0


def refused(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The answer is one of `statuses` (any 4xx when none given), JSON with a reason, with headers."""
    assert response.status_code in (statuses or range(400, 500)), (response.status_code, response.text)
    assert response.headers["x-content-type-options"] == "nosniff"
    body: dict[str, Any] = response.json()
    assert body["error"]
    assert "send it again" not in body["error"]
    return body


# ---- NUL characters: a permanent 4xx, never "send it again" --------------------------------

def test_nul_in_a_project_title_is_refused(server: Server, token: str) -> None:
    with server.client(token) as client:
        body = refused(client.post("/api/projects", json={"title": "bad\u0000title"}), 422)
    assert "NUL" in body["error"]


def test_nul_in_a_sign_in_name_is_refused(server: Server) -> None:
    with server.client() as client:
        refused(client.post("/api/tokens", json={"name": "ada\u0000", "password": PASSWORD}), 401, 422)


def test_nul_in_a_new_member_name_is_refused(server: Server) -> None:
    admin = server.member(f"root{secrets.token_hex(3)}", admin=True)
    with server.client(admin) as client:
        refused(client.post("/api/members", json={"name": "x\u0000y", "password": PASSWORD}), 422)


@pytest.mark.parametrize("column", ["annotations", "user_name", "subject_data"])
def test_nul_in_a_posted_classification_is_a_permanent_refusal(server: Server, token: str, project: int,
                                                               column: str) -> None:
    row = classification_rows(1, seed=31)[0]
    row["classification_id"] = str(800000 + len(column))
    row[column] = row[column].replace("{", '{"x": "a\\u0000b", ', 1) if column != "user_name" else "ann\u0000ie"
    with server.client(token) as client:
        for _ in range(2):  # the short path once the token and plan are known, the full route before
            body = refused(post(client, project, row), 422)
            assert "NUL" in body["error"]
            assert body["rejected"][0]["column"] == column
    assert row["classification_id"] not in stored_ids(server, project)


def test_an_upload_with_a_nul_row_keeps_the_other_rows(server: Server, token: str, project: int) -> None:
    rows = classification_rows(8, seed=32)
    for i, row in enumerate(rows):
        row["classification_id"] = str(810000 + i)
    rows[3]["annotations"] = rows[3]["annotations"].replace("[", '[{"task": "T9", "value": "a\u0000"}, ', 1)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(HEADER), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications/upload",
                               files={"file": ("cls.csv", text.getvalue().encode())})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["stored"] == 7
    assert result["rejected"] == 1
    assert result["rejects"][0]["classification_id"] == "810003"
    assert "NUL" in result["rejects"][0]["error"]
    assert stored_ids(server, project) >= {f"81000{i}" for i in range(8) if i != 3}


# ---- numbers too big for the store -------------------------------------------------------

@pytest.mark.parametrize("number", [HUGE, OVER_SQLITE, OVER_POSTGRES])
@pytest.mark.parametrize("path", ["/api/projects/{n}", "/api/projects/{n}/parameters",
                                  "/api/projects/{p}/parameters/{n}", "/api/tokens/{n}",
                                  "/web/projects/{n}", "/api/projects/{n}/consensus.csv"])
def test_big_numbers_in_paths_are_not_found(server: Server, token: str, project: int, path: str,
                                            number: str) -> None:
    url = path.format(n=number, p=project)
    method = "DELETE" if url.startswith("/api/tokens") else "PATCH" if "/parameters/" in url else "GET"
    with server.client(token) as client:
        client.cookies.set("zooagg_session", token)
        response = client.request(method, url, json={} if method == "PATCH" else None)
    assert response.status_code in (404, 422), (response.status_code, response.text)
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("number", [HUGE, OVER_SQLITE, OVER_POSTGRES])
def test_big_numbers_in_a_token_are_refused(server: Server, project: int, number: str) -> None:
    with server.client(f"zooagg_{number}_secret") as client:
        refused(client.get("/api/projects"), 401)
        refused(post(client, project, classification_rows(1)[0]), 401)


def test_big_numbers_in_a_posted_classification_path(server: Server, token: str) -> None:
    with server.client(token) as client:
        response = post(client, int("9" * 12), classification_rows(1)[0])
    assert response.status_code in (404, 422), response.text


# ---- bodies the validation renderer could not write ------------------------------------

@pytest.mark.parametrize(("path", "auth"), [("/api/tokens", False), ("/api/projects", True),
                                            ("/api/members", True), ("/api/projects/{p}/members", True),
                                            ("/api/members/me/password", True)])
@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_bodies_that_are_not_json_are_refused(server: Server, token: str, project: int, path: str, auth: bool,
                                              content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    method = "PUT" if path.endswith("password") else "POST"
    with server.client(token if auth else None) as client:
        client.headers.pop("content-type", None)
        response = client.request(method, path.format(p=project), content=b'{"title": "x"}\xff', headers=headers)
    body = refused(response, 415, 422)
    assert "JSON" in body["error"]


@pytest.mark.parametrize(("path", "auth", "body"), [
    ("/api/tokens", False, {"name": 10**30, "password": PASSWORD}),
    ("/api/tokens", False, {"name": "ada", "password": "x", "label": 2**70}),
    ("/api/projects", True, {"title": 10**30}),
    ("/api/members", True, {"name": "x", "password": 10**40}),
    ("/api/projects/{p}/members", True, {"name": -(10**30)}),
])
def test_huge_integers_in_json_bodies_are_refused(server: Server, token: str, project: int, path: str,
                                                  auth: bool, body: dict[str, Any]) -> None:
    import json

    with server.client(token if auth else None) as client:
        response = client.post(path.format(p=project), content=json.dumps(body),
                               headers={"content-type": "application/json"})
    refused(response, 422)


# ---- web forms --------------------------------------------------------------------------

def web_session(server: Server) -> tuple[httpx.Client, str]:
    name = f"web{secrets.token_hex(3)}"
    server.member(name)
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    login = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    assert client.post("/web/login", data={"name": name, "password": PASSWORD, "csrf": csrf}).status_code == 303
    page = client.get("/web/projects")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client, csrf


@pytest.mark.parametrize(("form", "field"), [({"title": ""}, "title"), ({"title": "x" * 301}, "title"),
                                             ({"title": "ok", "filter": "sometimes"}, "filter"),
                                             ({"title": "nul\u0000"}, "title")])
def test_new_project_form_errors_are_shown_on_the_form(server: Server, form: dict[str, str], field: str) -> None:
    client, csrf = web_session(server)
    try:
        response = client.post("/web/projects", data={**form, "csrf": csrf})
    finally:
        client.close()
    assert response.status_code == 422, response.text
    assert "text/html" in response.headers["content-type"]
    assert f'id="error-{field}"' in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


# ---- uploads ------------------------------------------------------------------------------

def test_an_upload_with_a_duplicated_header_is_refused_with_the_reason(server: Server, token: str,
                                                                        project: int) -> None:
    rows = classification_rows(2, seed=33)
    header = [*HEADER, "user_name"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([*(row[h] for h in HEADER), "again"])
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications/upload",
                               files={"file": ("cls.csv", text.getvalue().encode())})
    body = refused(response, 422)
    assert "user_name" in body["error"]


def test_an_upload_with_a_malformed_row_keeps_the_other_rows(server: Server, token: str, project: int) -> None:
    rows = classification_rows(8, seed=35)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    for i, row in enumerate(rows):
        cells = [str(820000 + i) if h == "classification_id" else row[h] for h in HEADER]
        writer.writerow([*cells, "one too many"] if i == 5 else cells)
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications/upload",
                               files={"file": ("cls.csv", text.getvalue().encode())})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["stored"] == 7
    assert result["rejected"] == 1
    assert result["rejects"][0]["classification_id"] == "820005"
    assert "too many fields" in result["rejects"][0]["error"]


def test_security_headers_on_a_server_error(tmp_path: Path) -> None:
    """A 500 (a route that fails unexpectedly, added to a real app for the test) still carries them."""
    import threading
    import time

    import uvicorn

    from zooagg.service.app import create_app
    from zooagg.service.state import Settings
    from zooagg.service.store import database_url

    from .conftest import free_port

    app = create_app(Settings(database_url(None, tmp_path), tmp_path))

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/-/broken", broken)
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        while not running.started:
            time.sleep(0.02)
        response = httpx.get(f"http://127.0.0.1:{port}/-/broken")
    finally:
        running.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers
    assert "a bug" not in response.text


# ---- parameters that cannot be meant (registry.Param: the same check as a config file's) ----

@pytest.mark.parametrize("eps", [-5, 0, "nan", True, "inf"])
def test_live_parameters_refuse_eps_that_cannot_be_meant(server: Server, token: str, project: int,
                                                         eps: object) -> None:
    with server.client(token) as client:
        entries = client.get(f"/api/projects/{project}/parameters").json()
        entry = next(e for e in entries if "dbscan" in e["reducer"])
        body = refused(client.patch(f"/api/projects/{project}/parameters/{entry['id']}",
                                    json={"reducer_params": {"eps": eps}}), 422)
        assert "reducer_params.eps" in body["errors"]
        after = next(e for e in client.get(f"/api/projects/{project}/parameters").json() if e["id"] == entry["id"])
    assert after["reducer_params"] == entry["reducer_params"]


@pytest.mark.parametrize("query", ["eps=-5", "eps=0", "eps=nan", "eps=true", "min_samples=-1", "min_samples=0"])
def test_caesar_routes_refuse_parameters_that_cannot_be_meant(server: Server, query: str) -> None:
    extracts = [{"data": {"frame0": {"T0_tool0_x": [1.0, 2.0], "T0_tool0_y": [1.0, 2.0]}}, "user_id": 1}]
    with server.client() as client:
        body = refused(client.post(f"/reducers/point_reducer_dbscan?{query}", json=extracts), 422)
    assert body["parameter"] == query.split("=")[0]


# ---- one identity for a classification id ------------------------------------------------

def test_one_classification_id_in_three_forms_is_stored_once(server: Server, token: str, project: int) -> None:
    first = classification_rows(1, seed=34)[0]
    forms = ["7000001", "7000001.0", "07000001"]
    with server.client(token) as client:
        answers = [post(client, project, {**first, "classification_id": form}) for form in forms]
        upload = io.StringIO()
        writer = csv.DictWriter(upload, fieldnames=list(HEADER), lineterminator="\n")
        writer.writeheader()
        writer.writerow({**first, "classification_id": "007000001.00"})
        uploaded = client.post(f"/api/projects/{project}/classifications/upload",
                               files={"file": ("cls.csv", upload.getvalue().encode())}).json()
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert [a.json()["duplicates"] for a in answers] == [0, 1, 1]
    assert uploaded["duplicates"] == 1
    assert "7000001" in stored_ids(server, project)
    assert not {"7000001.0", "07000001", "007000001.00"} & stored_ids(server, project)


def test_caesar_route_with_a_huge_count_is_refused(server: Server) -> None:
    """A schemathesis finding: a 500 where the answer carried an integer over 64 bits."""
    with server.client() as client:
        body = refused(client.post("/reducers/poly_line_text_reducer?process_by_line=true&dot_freq=word&"
                                   "min_word_count=17279095770112276348097066434560", json=[]), 422)
    assert body["parameter"] == "min_word_count"


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/projects"), ("PATCH", "/api/projects/{p}"),
                                              ("POST", "/api/tokens")])
def test_a_body_that_cannot_be_parsed_is_a_400_in_the_error_shape(server: Server, token: str, project: int,
                                                                   method: str, path: str) -> None:
    """A schemathesis finding: Starlette's own 400 ({"detail": ...}) was not in the documented shape."""
    with server.client(token) as client:
        response = client.request(method, path.format(p=project), content=b"\x01YN\xffN\x1c",
                                  headers={"content-type": "application/json"})
    body = refused(response, 400, 422)
    assert body["detail"]


def test_web_sign_in_with_a_nul_in_the_name_is_a_wrong_name(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=60) as client:
        login = client.get("/web/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        response = client.post("/web/login", data={"name": "ada\u0000", "password": PASSWORD, "csrf": csrf})
    assert response.status_code == 401, response.text
    assert "wrong name or password" in response.text
