"""A real zooagg server on 127.0.0.1 (a random free port) for each test that asks for one."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from zooagg.service.app import create_app
from zooagg.service.auth import create_member, issue_token
from zooagg.service.state import AppState, Settings
from zooagg.service.store import database_url

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    state: AppState
    data_dir: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def member(self, name: str, admin: bool = False) -> str:
        """Create a member; returns an API token for them."""
        with self.state.store.write() as session:
            return issue_token(session, create_member(session, name, PASSWORD, admin))


@dataclass
class Running:
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(settings: Settings) -> tuple[Running, AppState, str]:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return Running(server, thread), app.state.zooagg, f"http://127.0.0.1:{port}"


def serve(data_dir: Path, database: str | None = None, **settings: object) -> Iterator[Server]:
    running, state, url = start(Settings(database_url(database, data_dir), data_dir, **settings))  # type: ignore[arg-type]
    try:
        yield Server(url, state, data_dir)
    finally:
        running.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from serve(tmp_path / "data")


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a module's read-only tests (the Caesar endpoints keep no state)."""
    yield from serve(tmp_path_factory.mktemp("data"))


def spawn(args: list[str], port: int, scheme: str = "http", verify: object = True,
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`zooagg serve ...` in its own process group, returned once it answers.

    The start-up allowance is generous (a loaded CI machine can take a minute); on failure the
    whole group goes (with --workers, the worker processes hold stderr open, and reading it
    while they live would block forever)."""
    process = subprocess.Popen([sys.executable, "-m", "zooagg", "serve", "--port", str(port), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"{scheme}://127.0.0.1:{port}/-/version", verify=verify, timeout=2)  # type: ignore[arg-type]
            return process
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                try:
                    _, err = process.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    err = b"(its output could not be read)"
                raise RuntimeError(f"zooagg serve did not start: {err.decode()[-2000:]}") from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def zooagg_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`zooagg serve` in a process of its own, for a module's calls to the stateless routes; its URL."""
    port = free_port()
    process = spawn(["--data-dir", str(tmp_path_factory.mktemp("data"))], port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def add_member(data_dir: Path, name: str = "ada", database: str | None = None) -> str:
    """`zooagg member add` in a subprocess; returns the token it prints."""
    where = ["--database", database] if database else ["--data-dir", str(data_dir)]
    done = subprocess.run([sys.executable, "-m", "zooagg", "member", "add", name, *where, "--password-stdin"],
                          input=PASSWORD + "\n", capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"zooagg member add failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout.strip()
