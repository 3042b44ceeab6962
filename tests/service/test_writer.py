"""The group writer's caches across transactions and processes: a transaction that does not
commit leaves nothing behind, and column orders another process learned reach this one; how
the writer gathers the posts of a transaction."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from zooagg.service.columns import Orders
from zooagg.service.ingest import Batch, prepare_all, record_of, store_batches
from zooagg.service.models import Reduction
from zooagg.service.writer import GroupWriter, _Job

from .conftest import Server
from .exports import classification_rows
from .helpers import make_project, post, project_plan


def answer(cid: int, subject: int, value: str) -> dict[str, str]:
    """A classification that only answers the first question (every one has the same extracts)."""
    return {**classification_rows(1)[0], "classification_id": str(cid), "subject_ids": str(subject),
            "subject_data": json.dumps({str(subject): {}}), "annotations": json.dumps([{"task": "T0", "value": value}])}


def question(server: Server, project: int, subject: int) -> Any:
    with server.state.store.read() as session:
        return session.scalar(select(Reduction.rows).where(
            Reduction.project_id == project, Reduction.subject_id == str(subject),
            Reduction.extractor == "question_extractor", Reduction.task == "T0"))


def test_a_transaction_rolled_back_leaves_no_reordered_extracts(server: Server, tmp_path: Path) -> None:
    state = server.state
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        for cid, subject, value in ((700000, 1, "Yes"), (700001, 2, "No")):  # both columns known
            assert post(client, project, answer(cid, subject, value)).status_code == 201
        with state.store.read() as session:
            plan = project_plan(session, project)
        prepared, _ = prepare_all(plan, [record_of(answer(700002, 3, "Yes"))])
        with pytest.raises(RuntimeError), state.store.write() as session:  # noqa: PT012
            store_batches(session, [Batch(plan, prepared)], state.writer.columns)
            raise RuntimeError("the commit fails")
        # SQLite gives the rolled-back extract ids out again: to this classification's extracts
        assert post(client, project, answer(700003, 4, "No")).status_code == 201
    fourth = question(server, project, 4)
    assert fourth == question(server, project, 2)
    assert "no" in fourth[0]


def test_columns_another_process_learned_reach_this_one(server: Server, tmp_path: Path) -> None:
    state = server.state
    with server.client(server.member("ada")) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, answer(700000, 1, "Yes")).status_code == 201
        with state.store.read() as session:
            plan = project_plan(session, project)
        other = GroupWriter(state.store)  # another server process: its own column cache
        try:
            other.submit(plan, prepare_all(plan, [record_of(answer(700001, 2, "No"))])[0]).result()
        finally:
            other.close()
        assert post(client, project, answer(700002, 3, "Yes")).status_code == 201
    with state.store.read() as session:
        stored = Orders(session, project).get("question_extractor").signature
        made = set(session.scalars(select(Reduction.signature).where(
            Reduction.project_id == project, Reduction.extractor == "question_extractor", Reduction.subject_id == "3")))
    assert made == {stored}  # made with the other process's columns: a download need not recompute it


def test_a_busy_writer_waits_a_moment_for_more_posts_and_an_idle_one_does_not(server: Server) -> None:
    """What each call gathers, never how long it took: a post arriving a moment after an idle
    writer looked is left for the next transaction; a busy writer (or one with posts being
    prepared) waits for it, up to `gather` seconds (long here, so a slow machine changes nothing)."""
    writer = GroupWriter(server.state.store, gather=30.0)
    plan: Any = None  # the jobs are gathered, not written
    jobs = [_Job(Batch(plan, [])) for _ in range(4)]
    for job in jobs[1:3]:
        writer._queue.put(job)
    assert writer._gather(jobs[0], busy=False) == (jobs[:3], False)  # those already queued: taken
    late = threading.Timer(0.05, writer._queue.put, [jobs[3]])
    late.start()
    assert writer._gather(jobs[0], busy=False) == ([jobs[0]], False)  # idle: not waited for
    late.join()
    assert writer._gather(jobs[0], busy=False) == ([jobs[0], jobs[3]], False)  # the next one takes it
    arrive_late(writer, jobs[1])  # busy: waited for, up to the stop that ends the wait
    assert writer._gather(jobs[0], busy=True) == ([jobs[0], jobs[1]], True)
    writer.arriving = 1  # a post still being prepared: waited for too
    arrive_late(writer, jobs[2])
    assert writer._gather(jobs[0], busy=False) == ([jobs[0], jobs[2]], True)


def arrive_late(writer: GroupWriter, job: _Job) -> None:
    """`job` and then the stop signal reach the writer's queue a moment from now."""
    def put() -> None:
        writer._queue.put(job)
        writer._queue.put(None)
    threading.Timer(0.05, put).start()
