"""`zooagg download` against a local stand-in of the Panoptes API (127.0.0.1 only).

The stand-in answers what panoptes-client asks, in the API's documented shapes:
`GET /api/projects/<id>` and `/api/workflows/<id>` ({"projects": [...]}), `GET` and `POST`
`/api/<projects|workflows>/<id>/<kind>_export` ({"media": [{"src", "metadata": {"state"}, ...}]}),
`POST /oauth/token` (client credentials), errors as {"errors": [{"message": ...}]}; and it
serves the media links itself, with HTTP Range support.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest import DATA, RunCli, leftovers

pytest.importorskip("panoptes_client")

TOKEN = "test-token"
FILES = {
    "classifications": (DATA / "slsn_cls_export.csv").read_bytes(),
    "workflows": (DATA / "slsn_wf_export.csv").read_bytes(),
    "subjects": (DATA / "kitteh_subjects.csv").read_bytes(),
}


@dataclass
class Panoptes:
    """What the stand-in knows and how it behaves."""

    projects: set[str] = field(default_factory=lambda: {"1"})
    workflows: set[str] = field(default_factory=lambda: {"10"})
    require_auth: bool = False
    pending_polls: int = 0  # describe calls answered "pending" after a POST
    stuck: bool = False  # always pending
    cut_after: int | None = None  # first media GET dies after this many bytes
    states: dict[str, str] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    port: int = 0

    def media(self, owner: str, kind: str) -> dict[str, Any]:
        key = f"{owner}/{kind}"
        state = self.states.get(key, "ready")
        if self.stuck:
            state = "pending"
        elif state == "pending":
            self.polls[key] = self.polls.get(key, 0) + 1
            if self.polls[key] > self.pending_polls:
                state = self.states[key] = "ready"
        return {"media": [{
            "id": "77", "href": f"/{key}_export", "media_type": f"project_{kind}_export",
            "content_type": "text/csv", "external_link": False,
            "src": f"http://127.0.0.1:{self.port}/media/{kind}.csv?sig=abc",
            "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-02T00:00:00.000Z",
            "metadata": {"state": state, "recipients": [1]},
            "links": {"linked": {"href": f"/{owner}", "id": owner.split("/")[1], "type": owner.split("/")[0]}},
        }], "links": {}, "meta": {}}


def handler_for(state: Panoptes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def reply(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/csv")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def authorised(self) -> bool:
            return not state.require_auth or self.headers.get("Authorization") == f"Bearer {TOKEN}"

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            state.log.append(f"POST {path}")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if path == "/oauth/token":
                if "client_secret=s3cret" in body:
                    self.reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 7200})
                else:
                    self.reply(401, {"error": "invalid_client"})
                return
            match = re.fullmatch(r"/api/(projects|workflows)/(\d+)/(\w+)_export", path)
            if not match:
                self.reply(404, {"errors": [{"message": "Not found"}]})
                return
            if not self.authorised():
                self.reply(401, {"errors": [{"message": "You must be logged in to access this resource."}]})
                return
            owner = f"{match.group(1)}/{match.group(2)}"
            state.states[f"{owner}/{match.group(3)}"] = "pending"
            state.polls[f"{owner}/{match.group(3)}"] = 0
            media = state.media(owner, match.group(3))
            media["media"][0]["metadata"]["state"] = "pending"
            self.reply(201, media)

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            state.log.append(f"GET {path}")
            if path.startswith("/media/"):
                self.media(path.removeprefix("/media/").removesuffix(".csv"))
                return
            match = re.fullmatch(r"/api/(projects|workflows)/(\d+)(?:/(\w+)_export)?", path)
            if not match:
                self.reply(404, {"errors": [{"message": "Not found"}]})
                return
            slug, ident, kind = match.groups()
            known = state.projects if slug == "projects" else state.workflows
            if ident not in known:
                self.reply(404, {"errors": [{"message": f"Could not find {slug[:-1]} with id='{ident}'"}]})
                return
            if kind is None:
                self.reply(200, {slug: [{"id": ident, "display_name": "Test", "links": {}}],
                                 "links": {}, "meta": {slug: {"page": 1, "page_count": 1, "count": 1}}})
                return
            if not self.authorised():
                self.reply(401, {"errors": [{"message": "You must be logged in to access this resource."}]})
                return
            self.reply(200, state.media(f"{slug}/{ident}", kind))

        def media(self, kind: str) -> None:
            data = FILES[kind]
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if match:
                start = int(match.group(1))
            body = data[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if state.cut_after is not None and kind == "classifications":
                self.wfile.write(body[: state.cut_after])
                self.wfile.flush()
                state.cut_after = None
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def panoptes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Panoptes]:
    state = Panoptes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("PANOPTES_USERNAME", "PANOPTES_PASSWORD", "PANOPTES_CLIENT_ID", "PANOPTES_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PANOPTES_ENDPOINT", f"http://127.0.0.1:{state.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield state
    server.shutdown()
    server.server_close()


def error_line(result: Any) -> str:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    assert len(result.err_lines) == 1, result.err
    return result.err_lines[0]


def test_ready_exports_are_downloaded(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    result = run_cli(["download", "1", "-d", tmp_path / "exports", "-hb"], tmp_path)
    assert result.code == 0, result.err
    folder = tmp_path / "exports"
    assert (folder / "project-1-classifications.csv").read_bytes() == FILES["classifications"]
    assert (folder / "project-1-workflows.csv").read_bytes() == FILES["workflows"]
    assert (folder / "project-1-subjects.csv").read_bytes() == FILES["subjects"]
    assert leftovers(folder) == []
    assert not list(folder.glob(".*"))
    assert "POST /api/projects/1/classifications_export" not in panoptes.log


def test_workflow_export_and_generate_then_wait(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    panoptes.pending_polls = 2
    result = run_cli(["download", "1", "--workflow", "10", "--generate", "--poll", "0.01", "-d", tmp_path, "-hb"],
                     tmp_path)
    assert result.code == 0, result.err
    assert "POST /api/workflows/10/classifications_export" in panoptes.log
    assert "POST /api/projects/1/workflows_export" in panoptes.log
    assert "waiting for the classifications export of workflow 10: pending" in result.out
    assert (tmp_path / "workflow-10-classifications.csv").read_bytes() == FILES["classifications"]
    assert (tmp_path / "project-1-subjects.csv").exists()


def test_not_logged_in_is_a_one_line_error(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    panoptes.require_auth = True
    line = error_line(run_cli(["download", "1", "-d", tmp_path, "-hb"], tmp_path))
    assert line == ("Error: Zooniverse refused the classifications export of project 1: You must be logged "
                    "in to access this resource. (set PANOPTES_USERNAME and PANOPTES_PASSWORD (or "
                    "PANOPTES_CLIENT_ID and PANOPTES_CLIENT_SECRET) for an account that is a collaborator "
                    "on the project)")
    assert not list(tmp_path.glob("*.csv"))


def test_credentials_come_from_the_environment(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    panoptes.require_auth = True
    monkeypatch.setenv("PANOPTES_CLIENT_ID", "zooagg-test")
    monkeypatch.setenv("PANOPTES_CLIENT_SECRET", "s3cret")
    result = run_cli(["download", "1", "-d", tmp_path, "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "POST /oauth/token" in panoptes.log
    assert (tmp_path / "project-1-classifications.csv").exists()


def test_unknown_project_is_a_one_line_error(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    line = error_line(run_cli(["download", "999", "-d", tmp_path], tmp_path))
    assert line == "Error: Zooniverse has no project 999: Could not find project with id='999' (check the id)"


def test_export_stuck_pending_times_out(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    panoptes.stuck = True
    line = error_line(run_cli(["download", "1", "--wait", "--timeout", "0.2", "--poll", "0.05", "-d", tmp_path],
                              tmp_path))
    assert line == ("Error: the classifications export of project 1 is still 'pending' after 0.2 s (run again "
                    "later with --wait (without --generate), or a longer --timeout)")
    assert not list(tmp_path.glob("*.csv"))


def test_pending_without_wait_says_to_wait(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    panoptes.stuck = True
    line = error_line(run_cli(["download", "1", "-d", tmp_path], tmp_path))
    assert line == ("Error: the classifications export of project 1 is not ready (state 'pending') "
                    "(pass --wait to wait for it)")


def test_interrupted_download_resumes(run_cli: RunCli, tmp_path: Path, panoptes: Panoptes) -> None:
    panoptes.cut_after = 1000
    first = error_line(run_cli(["download", "1", "-d", tmp_path, "-hb"], tmp_path))
    assert "project-1-classifications.csv" in first
    assert "run the same command again to resume" in first
    assert not (tmp_path / "project-1-classifications.csv").exists()
    part = tmp_path / ".project-1-classifications.csv.part"
    assert part.stat().st_size == 1000
    second = run_cli(["download", "1", "-d", tmp_path, "-hb"], tmp_path)
    assert second.code == 0, second.err
    assert (tmp_path / "project-1-classifications.csv").read_bytes() == FILES["classifications"]
    assert not part.exists()
    media_gets = [line for line in panoptes.log if line == "GET /media/classifications.csv"]
    assert len(media_gets) == 2


def test_without_panoptes_client(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "panoptes_client", None)
    line = error_line(run_cli(["download", "1"], tmp_path))
    assert line == "Error: zooagg download needs panoptes-client (pip install 'zooagg[panoptes]')"
