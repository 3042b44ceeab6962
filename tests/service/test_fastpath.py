"""Posts of classifications served on the short path (service/fastpath.py): the token and
membership are checked in the transaction that stores the post, so a token revoked or a member
removed by another server process is refused at once; the answers are the full route's. On
SQLite and on PostgreSQL (where the writer's statements go through the driver, pipelined)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from zooagg.service.models import Member, Project, ProjectMember, StoredClassification, Token
from zooagg.service.rebuild import stale_reductions

from .conftest import Server, serve
from .exports import classification_rows
from .helpers import make_project, post, project_plan
from .test_postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        yield from serve(tmp_path / "data")
    else:
        for database in throwaway_database():
            yield from serve(tmp_path / "data", database)


def stored(server: Server, project: int) -> int:
    with server.state.store.read() as session:
        return session.scalar(select(func.count()).select_from(StoredClassification)
                              .where(StoredClassification.project_id == project)) or 0


def on_the_short_path(server: Server, token: str, project: int) -> bool:
    state = server.state
    return state.tokens.verified(token) is not None and state.plans.latest(project) is not None


def test_a_token_revoked_by_another_process_fails_at_once(server: Server, tmp_path: Path) -> None:
    first, second = classification_rows(2)
    token = server.member("ada")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, first).status_code == 201
        assert on_the_short_path(server, token, project)
        with server.state.store.write() as session:  # as another process would: this one is not told
            session.execute(update(Token).values(revoked_at=func.now()))
        response = post(client, project, second)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert stored(server, project) == 1


def test_a_member_removed_by_another_process_is_refused_at_once(server: Server, tmp_path: Path) -> None:
    first, second = classification_rows(2)
    bob = server.member("bob")
    with server.client(server.member("ada")) as ada, server.client(bob) as client:
        project = make_project(ada, tmp_path)
        assert ada.post(f"/api/projects/{project}/members", json={"name": "bob"}).status_code == 201
        assert post(client, project, first).status_code == 201
        assert on_the_short_path(server, bob, project)
        with server.state.store.write() as session:
            member = session.scalar(select(Member.id).where(Member.name == "bob"))
            session.execute(delete(ProjectMember).where(ProjectMember.member_id == member))
        response = post(client, project, second)
    assert response.status_code == 403
    assert "not a member" in response.json()["error"]
    assert stored(server, project) == 1


def test_the_short_path_answers_as_the_full_route(server: Server, tmp_path: Path) -> None:
    rows = classification_rows(14)
    token = server.member("ada")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        first = post(client, project, rows[0])
        assert on_the_short_path(server, token, project)
        again = post(client, project, rows[0])
        many = post(client, project, rows[1:])  # more than the short path takes: the full route
    none_dropped = {"marks_dropped": 0, "dropped_marks": []}
    assert (first.status_code, first.json()) == (201, {"stored": 1, "duplicates": 0, "duplicate_ids": [],
                                                       **none_dropped})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1,
                                                       "duplicate_ids": [rows[0]["classification_id"]], **none_dropped})
    assert (many.status_code, many.json()["stored"]) == (201, 13)
    for response in (first, again, many):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in response.headers["content-security-policy"]


def test_a_configuration_changed_by_another_process_is_used_at_once(server: Server, tmp_path: Path) -> None:
    rows = classification_rows(3)
    token = server.member("ada")
    with server.client(token) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, rows[0]).status_code == 201
        with server.state.store.write() as session:  # a new revision this process has no plan for
            session.execute(update(Project).where(Project.id == project).values(config_rev=Project.config_rev + 1))
        assert post(client, project, rows[1]).status_code == 201
        assert post(client, project, rows[2:]).status_code == 201
    with server.state.store.write() as session:
        plan = project_plan(session, project)
        latest = server.state.plans.latest(project)  # the short path's plan, made again
        assert latest is not None
        assert latest.config_rev == plan.config_rev
        assert stale_reductions(session, plan) == []
        session.rollback()
    assert stored(server, project) == 3


def test_a_post_the_writer_fails_is_answered_500_once_not_sent_again(
        server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = classification_rows(2)
    token = server.member("ada")
    writer = server.state.writer
    calls = []

    async def failing(batch: object) -> None:
        calls.append(batch)
        raise RuntimeError("disk full")

    with server.client(token) as client:
        project = make_project(client, tmp_path)
        assert post(client, project, first).status_code == 201
        assert on_the_short_path(server, token, project)
        monkeypatch.setattr(writer, "submit_async", failing)
        failed = post(client, project, second)
        monkeypatch.undo()
        assert len(calls) == 1  # the full route did not write it a second time
        assert (failed.status_code, failed.json()["error"]) == (500, "the post could not be stored; send it again")
        assert failed.headers["x-content-type-options"] == "nosniff"
        assert post(client, project, second).status_code == 201
    assert stored(server, project) == 2
