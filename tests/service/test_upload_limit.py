"""Settings.max_upload on a real server (SQLite and PostgreSQL): a request body over it gets a
413 naming its size, the limit and how to raise it, whether the body says its length
(Content-Length: refused before it is read) or is streamed (chunked: refused once the bytes
counted pass the limit); nothing of it is stored, and smaller uploads are still taken."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, Server, serve
from .exports import WORKFLOW_ID, classification_rows, write_classification_export
from .helpers import make_project
from .test_hostile import count_stored
from .test_postgres import throwaway_database

LIMIT = 32_000


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("data")
    if request.param == "sqlite":
        yield from serve(data, max_upload=LIMIT)
    else:
        for database in throwaway_database():
            yield from serve(data, database, max_upload=LIMIT)


@pytest.fixture(scope="module")
def member(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A member's token and their project (its workflow export is under the limit)."""
    token = server.member(f"ada{secrets.token_hex(3)}")
    with server.client(token) as client:
        return token, make_project(client, tmp_path_factory.mktemp("project"))


def export(tmp_path: Path, rows: int, first_id: int) -> bytes:
    made = [{**row, "classification_id": str(first_id + i)} for i, row in enumerate(classification_rows(rows, seed=61))]
    return write_classification_export(tmp_path / "cls.csv", made).read_bytes()


def multipart(content: bytes, boundary: str = "zooaggtestboundary") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cls.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    """The body streamed: httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


def assert_too_large(response: httpx.Response, size: int | None) -> str:
    assert response.status_code == 413, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers
    if "json" in response.headers["content-type"]:
        body = response.json()
        text = body["error"] + " (" + body["hint"] + ")"
    else:
        text = response.text
    assert "32,000 bytes" in text  # the limit
    if size is not None:
        assert f"{size:,} bytes" in text  # how big it was
    assert "--max-upload" in text  # how to raise it
    assert "ZOOAGG_MAX_UPLOAD" in text
    return text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(server: Server, member: tuple[str, int],
                                                                tmp_path: Path) -> None:
    token, project = member
    content = export(tmp_path, 300, 940000)
    assert len(content) > LIMIT
    before = count_stored(server, project)
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications/upload",
                               files={"file": ("cls.csv", content)})
        size = int(response.request.headers["content-length"])
        text = assert_too_large(response, size)
        assert text.startswith(f"the request body is {size:,} bytes")
        assert "\n" not in text
        small = client.post(f"/api/projects/{project}/classifications/upload",
                            files={"file": ("cls.csv", export(tmp_path, 5, 941000))})
    assert count_stored(server, project) == before + 5
    assert small.status_code == 200, small.text
    assert small.json()["stored"] == 5


def test_a_streamed_upload_is_refused_once_it_passes_the_limit(server: Server, member: tuple[str, int],
                                                               tmp_path: Path) -> None:
    token, project = member
    body, content_type = multipart(export(tmp_path, 300, 940000))
    before = count_stored(server, project)
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications/upload", content=chunks(body),
                               headers={"content-type": content_type})
        assert "content-length" not in response.request.headers
        text = assert_too_large(response, None)
        assert text.startswith("the request body is over 32,000 bytes")
        small_body, _ = multipart(export(tmp_path, 3, 942000))
        small = client.post(f"/api/projects/{project}/classifications/upload", content=chunks(small_body),
                            headers={"content-type": content_type})
    assert small.status_code == 200, small.text
    assert count_stored(server, project) == before + 3


def test_a_workflow_upload_over_the_limit_is_refused(server: Server, member: tuple[str, int]) -> None:
    token, project = member
    content = b"workflow_id,display_name,version,minor_version,tasks,strings\n" + b"1,x,1,1,{},{}\n" * 5000
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/workflow/upload", files={"file": ("wf.csv", content)},
                               data={"workflow_id": "1"})
        assert_too_large(response, int(response.request.headers["content-length"]))
        assert client.get(f"/api/projects/{project}").json()["workflow"]["workflow_id"] == WORKFLOW_ID


@pytest.mark.parametrize("streamed", [False, True])
def test_a_post_of_classifications_over_the_limit_is_refused(server: Server, member: tuple[str, int],
                                                             streamed: bool) -> None:
    """The hot route (service/fastpath.py reads the body itself) counts too."""
    token, project = member
    rows = [{**row, "classification_id": str(930000 + i)} for i, row in enumerate(classification_rows(100, seed=62))]
    body = json.dumps(rows).encode()
    before = count_stored(server, project)
    with server.client(token) as client:
        response = client.post(f"/api/projects/{project}/classifications", content=chunks(body) if streamed else body,
                               headers={"content-type": "application/json"})
    assert_too_large(response, None if streamed else len(body))
    assert count_stored(server, project) == before


@pytest.mark.parametrize("streamed", [False, True])
def test_a_caesar_route_over_the_limit_is_refused_as_its_schema_says(server: Server, streamed: bool) -> None:
    extracts = [{"data": {"yes": 1}, "user_id": i} for i in range(2000)]
    body = json.dumps(extracts).encode()
    with server.client() as client:
        response = client.post("/reducers/question_reducer", content=chunks(body) if streamed else body,
                               headers={"content-type": "application/json"})
        small = client.post("/reducers/question_reducer", json=extracts[:3])
        schema = client.get("/openapi.json").json()
    assert_too_large(response, None if streamed else len(body))
    assert small.json()["yes"] == 3
    assert "413" in schema["paths"]["/reducers/question_reducer"]["post"]["responses"]


def signed_in(server: Server, tmp_path: Path) -> tuple[httpx.Client, str, int]:
    """A member signed in on the web pages: the client, the form's CSRF value, their project."""
    name = f"web{secrets.token_hex(3)}"
    with server.client(server.member(name)) as api:
        project = make_project(api, tmp_path)
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    login = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    assert client.post("/web/login", data={"name": name, "password": PASSWORD, "csrf": csrf}).status_code == 303
    page = client.get(f"/web/projects/{project}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client, csrf, project


@pytest.mark.parametrize("streamed", [False, True])
def test_the_web_upload_form_over_the_limit_answers_a_page(server: Server, tmp_path: Path, streamed: bool) -> None:
    client, csrf, project = signed_in(server, tmp_path)
    files = {"file": ("cls.csv", export(tmp_path, 300, 940000))}
    try:
        if streamed:
            request = client.build_request("POST", f"/web/projects/{project}/classifications", files=files,
                                           data={"csrf": csrf})
            response = client.post(f"/web/projects/{project}/classifications", content=chunks(request.read()),
                                   headers={"content-type": request.headers["content-type"]})
        else:
            response = client.post(f"/web/projects/{project}/classifications", files=files, data={"csrf": csrf})
        small = client.post(f"/web/projects/{project}/classifications", files={"file": ("cls.csv", export(tmp_path, 4, 943000))},
                            data={"csrf": csrf})
    finally:
        client.close()
    assert "text/html" in response.headers["content-type"]
    text = assert_too_large(response, None if streamed else int(response.request.headers["content-length"]))
    assert '<p class="error">the request body is' in text
    assert small.status_code == 200, small.text
    assert count_stored(server, project) == 4


def test_the_limit_is_a_serve_option() -> None:
    from click.testing import CliRunner

    from zooagg.service.cli import serve as serve_command

    help_text = CliRunner().invoke(serve_command, ["--help"]).output
    assert "--max-upload" in help_text
    assert "ZOOAGG_MAX_UPLOAD" in help_text
