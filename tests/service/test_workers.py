"""`zooagg serve --workers 2` on SQLite: two processes, each with its own group writer, share
one database file; every post is stored once and the reductions equal a recomputation."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from sqlalchemy import func, select

from zooagg.service.models import StoredClassification
from zooagg.service.rebuild import stale_reductions
from zooagg.service.store import Store, database_url

from .conftest import add_member, free_port, spawn
from .exports import classification_rows
from .helpers import make_project, project_plan


def test_two_worker_processes_share_one_sqlite_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token = add_member(data)
    port = free_port()
    process = spawn(["--data-dir", str(data), "--workers", "2"], port)
    url = f"http://127.0.0.1:{port}"
    rows = classification_rows(240, seed=9)
    statuses: list[int] = []
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            project = make_project(client, tmp_path)

        def send(part: list[dict[str, str]]) -> None:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
                for row in part:  # each row twice: the second delivery is a duplicate
                    statuses.append(client.post(f"/api/projects/{project}/classifications", json=row).status_code)
                    statuses.append(client.post(f"/api/projects/{project}/classifications", json=row).status_code)

        senders = [threading.Thread(target=send, args=(rows[i::6],)) for i in range(6)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == len(rows)

    store = Store(database_url(None, data))
    try:
        with store.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(StoredClassification))
            assert stored == len(rows)
            plan = project_plan(session, project)
            assert stale_reductions(session, plan) == []
            session.rollback()
    finally:
        store.dispose()
