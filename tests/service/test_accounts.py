"""Members, tokens, revocation, password change, rate-limited sign-in, `zooagg member add`."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from zooagg.service.app import create_app
from zooagg.service.state import Settings

from .conftest import PASSWORD, Server, serve


def test_token_from_name_and_password(server: Server) -> None:
    server.member("ada")
    with server.client() as client:
        response = client.post("/api/tokens", json={"name": "ada", "password": PASSWORD, "label": "laptop"})
        assert response.status_code == 201
        token = response.json()["token"]
        assert token.startswith("zooagg_")
        me = client.get("/api/members/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["name"] == "ada"
        assert client.post("/api/tokens", json={"name": "ada", "password": "wrong password"}).status_code == 401


def test_revoked_token_fails_at_once(server: Server) -> None:
    token = server.member("ada")
    with server.client(token) as client:
        assert client.post("/api/projects", json={"title": "one"}).status_code == 201
        mine = client.get("/api/tokens").json()
        assert [t["current"] for t in mine] == [True]
        assert client.delete(f"/api/tokens/{mine[0]['id']}").status_code == 204
        response = client.post("/api/projects", json={"title": "two"})
        assert response.status_code == 401
        assert "revoked" in response.json()["error"]


def test_password_change(server: Server) -> None:
    token = server.member("ada")
    with server.client(token) as client:
        wrong = client.put("/api/members/me/password", json={"old_password": "nope nope", "new_password": "x" * 12})
        assert wrong.status_code == 403
        ok = client.put("/api/members/me/password", json={"old_password": PASSWORD, "new_password": "new password!"})
        assert ok.status_code == 204
        assert client.post("/api/tokens", json={"name": "ada", "password": PASSWORD}).status_code == 401
        assert client.post("/api/tokens", json={"name": "ada", "password": "new password!"}).status_code == 201
        short = client.put("/api/members/me/password", json={"old_password": "new password!", "new_password": "x"})
        assert short.status_code == 422


def test_sign_in_is_rate_limited(tmp_path: Path) -> None:
    for running in serve(tmp_path, login_limit=3, login_window=60.0):
        running.member("ada")
        with running.client() as client:
            codes = [client.post("/api/tokens", json={"name": "ada", "password": f"guess {i}"}).status_code
                     for i in range(4)]
            assert codes == [401, 401, 401, 429]
            # even the right password waits now
            assert client.post("/api/tokens", json={"name": "ada", "password": PASSWORD}).status_code == 429


def test_only_admins_add_members(server: Server) -> None:
    admin, plain = server.member("root", admin=True), server.member("ada")
    with server.client(admin) as client:
        assert client.post("/api/members", json={"name": "bob", "password": PASSWORD}).status_code == 201
        assert client.post("/api/members", json={"name": "bob", "password": PASSWORD}).status_code == 422
    with server.client(plain) as client:
        assert client.post("/api/members", json={"name": "eve", "password": PASSWORD}).status_code == 403


def test_member_add_command(tmp_path: Path, run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    result = run_cli(["member", "add", "ada", "--data-dir", tmp_path, "--password-stdin"])
    assert result.code == 0, result.err
    token = result.out.strip()
    assert token.startswith("zooagg_")
    assert "created an admin 'ada'" in result.err
    app = create_app(Settings(f"sqlite:///{tmp_path / 'zooagg.sqlite3'}", tmp_path))
    state = app.state.zooagg
    with state.store.read() as session:
        assert state.tokens.caller(session, token).is_admin
    state.store.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    again = run_cli(["member", "add", "bob", "--data-dir", tmp_path, "--password-stdin"])
    assert again.code == 2
    assert "at least 8 characters" in again.err
