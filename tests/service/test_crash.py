"""A server killed with SIGKILL in the middle of ingest loses nothing it acknowledged, and its
stored reductions equal a recomputation from its stored extracts (a real kill -9)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import httpx
from sqlalchemy import select

from zooagg.service.models import Reduction, StoredClassification
from zooagg.service.rebuild import stale_reductions
from zooagg.service.store import Store, database_url

from .conftest import add_member, free_port, spawn
from .exports import classification_rows
from .helpers import make_project, project_plan


def test_sigkill_during_ingest_keeps_every_acknowledged_classification(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = add_member(data)
    port = free_port()
    process = spawn(["--data-dir", str(data)], port)
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

    restarted = spawn(["--data-dir", str(data)], port)  # the server starts again on the same store
    restarted.kill()
    restarted.wait()
    store = Store(database_url(None, data))
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
