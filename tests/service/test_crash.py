"""A server killed with SIGKILL in the middle of ingest loses nothing it acknowledged, and its
stored reductions equal a recomputation from its stored extracts (a real kill -9), on SQLite
and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from zooagg.service.models import Reduction, StoredClassification
from zooagg.service.rebuild import stale_reductions
from zooagg.service.store import Store, database_url

from .conftest import add_member, free_port, spawn
from .exports import classification_rows
from .helpers import make_project, project_plan
from .test_postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None: SQLite in the data folder; else a throwaway PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield None
    else:
        yield from throwaway_database()


def test_sigkill_during_ingest_keeps_every_acknowledged_classification(tmp_path: Path, database: str | None) -> None:
    data = tmp_path / "data"
    where = ["--database", database] if database else ["--data-dir", str(data)]
    token = add_member(data, database=database)
    port = free_port()
    process = spawn(where, port)
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    rows = classification_rows(3000, seed=5)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            project = make_project(client, tmp_path)

        def send() -> None:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
                for row in rows:
                    try:
                        response = client.post(f"/api/projects/{project}/classifications", json=row)
                    except httpx.HTTPError:
                        return  # the server is gone: this one was never acknowledged
                    if response.status_code in (200, 201):
                        acknowledged.append(row["classification_id"])

        sender = threading.Thread(target=send)
        sender.start()
        while len(acknowledged) < 150 and sender.is_alive():
            threading.Event().wait(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        sender.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert 150 <= len(acknowledged) < len(rows)

    restarted = spawn(where, port)  # the server starts again on the same store
    restarted.kill()
    restarted.wait()
    store = Store(database_url(database, data))
    try:
        with store.sessions() as session:
            stored = set(session.scalars(select(StoredClassification.classification_id)))
            assert set(acknowledged) <= stored
            plan = project_plan(session, project)
            assert stale_reductions(session, plan) == []
            session.rollback()
        with store.sessions() as session:  # and the check does see a wrong reduction
            first = session.scalars(select(Reduction).where(Reduction.project_id == project)).first()
            assert first is not None
            first.rows = [{"tampered": 1}]
            session.flush()
            assert stale_reductions(session, plan) == [(first.extractor, first.task, first.subject_id)]
            session.rollback()
    finally:
        store.dispose()
