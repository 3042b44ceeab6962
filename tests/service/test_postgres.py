"""The store on PostgreSQL (127.0.0.1:5432, a throwaway database per run): the same live
results as offline, idempotency under concurrent delivery, and two server processes sharing it."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from zooagg.service.models import Reduction
from zooagg.service.pipeline import Pipeline
from zooagg.service.rebuild import stale_reductions
from zooagg.service.store import Store, database_url, lock_subjects

from .conftest import Server, add_member, free_port, serve, spawn
from .exports import classification_rows
from .helpers import make_project, post, project_plan
from .test_live import EXTRACTOR_OF, FILES, offline

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    yield from throwaway_database()


def throwaway_database() -> Iterator[str]:
    """The URL of a new database, dropped afterwards (the test skipped without PostgreSQL)."""
    psycopg = pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({str(exc).strip()[:120]})")
    name = f"zooagg_test_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_server(tmp_path: Path, pg_database: str) -> Iterator[Server]:
    yield from serve(tmp_path / "data", pg_database)


def test_postgres_live_equals_offline(pg_server: Server, tmp_path: Path, run_cli: Callable[..., Any]) -> None:
    rows = classification_rows(80, seed=21)
    out = offline(run_cli, tmp_path / "offline", rows, "first")
    with pg_server.client(pg_server.member(f"ada{secrets.token_hex(3)}")) as client:
        project = make_project(client, tmp_path)
        for row in reversed(rows):
            assert post(client, project, row).status_code == 201
        with pg_server.state.store.write() as session:  # stored as a recomputation makes them
            assert stale_reductions(session, project_plan(session, project)) == []
            session.rollback()
        for name in FILES:
            got = client.get(f"/api/projects/{project}/reductions/{EXTRACTOR_OF[name]}.csv").text
            assert got == (out / name).read_text(encoding="utf-8"), name


def test_postgres_concurrent_delivery_of_one_subject(pg_server: Server, tmp_path: Path,
                                                      run_cli: Callable[..., Any]) -> None:
    rows = [{**row, "subject_ids": "777", "subject_data": '{"777": {}}'} for row in classification_rows(60, seed=4)]
    out = offline(run_cli, tmp_path / "offline", rows, "all")
    token = pg_server.member(f"bob{secrets.token_hex(3)}")
    with pg_server.client(token) as client:
        project = make_project(client, tmp_path, filter_how="all")

    def deliver(part: list[dict[str, str]]) -> None:
        with pg_server.client(token) as client:
            for row in part:
                assert post(client, project, row).status_code in (200, 201)

    # every row delivered twice, from eight threads at once
    threads = [threading.Thread(target=deliver, args=(rows[i::4],)) for i in range(4)] * 1 + \
              [threading.Thread(target=deliver, args=(rows[i::4][::-1],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with pg_server.client(token) as client:
        assert client.get(f"/api/projects/{project}").json()["counts"]["classifications"] == 60
        got = client.get(f"/api/projects/{project}/reductions/question_extractor.csv").text
    assert got == (out / "question_reducer_reductions.csv").read_text(encoding="utf-8")


def test_two_server_processes_share_one_database(pg_database: str, tmp_path: Path) -> None:
    token = add_member(tmp_path, f"carol{secrets.token_hex(3)}", database=pg_database)
    ports = [free_port(), free_port()]
    processes = [spawn(["--database", pg_database], port) for port in ports]
    try:
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", headers={"Authorization": f"Bearer {token}"},
                                timeout=30) for p in ports]
        project = make_project(clients[0], tmp_path)
        rows = classification_rows(41, seed=9)
        for index, row in enumerate(rows[:40]):
            assert post(clients[index % 2], project, row).status_code == 201
        counts = [c.get(f"/api/projects/{project}").json()["counts"]["classifications"] for c in clients]
        assert counts == [40, 40]
        tokens = clients[1].get("/api/tokens").json()
        assert clients[0].delete(f"/api/tokens/{tokens[0]['id']}").status_code == 204
        assert clients[1].get("/api/projects").status_code == 401  # revoked in the other process too
        assert post(clients[1], project, rows[40]).status_code == 401  # its posts too (fastpath.py)
        for client in clients:
            client.close()
    finally:
        for process in processes:
            process.kill()
            process.wait()


def test_postgres_download_recompute_waits_for_an_ingest_of_its_subject(pg_server: Server, tmp_path: Path) -> None:
    """A download recomputing a subject holds the subject's lock, as ingest does: else the
    download's older reduction could land after the ingest's and lose its classification."""
    rows = classification_rows(12, seed=3)
    token = pg_server.member(f"dan{secrets.token_hex(3)}")
    with pg_server.client(token) as client:
        project = make_project(client, tmp_path)
        for row in rows:
            assert post(client, project, row).status_code == 201
    store = pg_server.state.store
    with store.engine.begin() as connection:  # reductions made under another column order
        connection.execute(update(Reduction).where(Reduction.project_id == project).values(signature="older"))
    done = threading.Event()

    def download() -> None:
        with pg_server.client(token) as client:
            assert client.get(f"/api/projects/{project}/reductions/question_extractor.csv").status_code == 200
        done.set()

    with store.engine.begin() as ingest:  # an ingest holding the lock of the first subject
        lock_subjects(ingest, project, [rows[0]["subject_ids"]])
        thread = threading.Thread(target=download)
        thread.start()
        assert not done.wait(1.0)
    assert done.wait(30)
    thread.join()


def test_the_writers_pipeline_keeps_order_commits_once_and_raises_sqlalchemy_errors(pg_database: str) -> None:
    store = Store(database_url(pg_database, Path(".")))
    try:
        with store.write() as session:
            pipeline = Pipeline.of(session.connection())
            assert pipeline is not None
            pipeline.add("CREATE TABLE pipeline_probe (x integer)", {})
            pipeline.add("INSERT INTO pipeline_probe VALUES (%(x)s)", {"x": 1})
            assert pipeline.query("SELECT x FROM pipeline_probe", {}) == [(1,)]
            pipeline.add("INSERT INTO pipeline_probe VALUES (%(x)s)", {"x": 2})
            pipeline.commit()  # the waiting insert, then COMMIT; the session's own commit sends nothing
        with store.read() as session:
            assert session.scalars(text("SELECT x FROM pipeline_probe ORDER BY x")).all() == [1, 2]
        with pytest.raises(OperationalError, match="deadlock"), store.write() as session:  # noqa: PT012 - what a request retries
            pipeline = Pipeline.of(session.connection())
            assert pipeline is not None
            pipeline.add("INSERT INTO pipeline_probe VALUES (%(x)s)", {"x": 3})
            pipeline.query("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$", {})
        with store.write() as session:
            assert session.scalars(text("SELECT x FROM pipeline_probe ORDER BY x")).all() == [1, 2]
            session.execute(text("DROP TABLE pipeline_probe"))
    finally:
        store.dispose()
