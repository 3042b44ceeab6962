"""What test_web_fuzz.py found in the web pages, each kept as a regression test (SQLite and
PostgreSQL): the answer is a 4xx page saying what is wrong, never a 500."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from zooagg.service import auth

from .conftest import Server
from .test_hostile import server, web_session  # noqa: F401 - the fixture


@pytest.fixture
def session(server: Server) -> Iterator[tuple[httpx.Client, str]]:  # noqa: F811 - the fixture's
    client, csrf = web_session(server)
    try:
        yield client, csrf
    finally:
        client.close()


@pytest.mark.parametrize("value", ["\x80", "ü", "é" * 40])
def test_a_sign_in_form_with_a_csrf_value_that_is_not_ascii_is_refused(server: Server, value: str) -> None:  # noqa: F811
    """secrets.compare_digest refuses str with characters outside ASCII (a TypeError: a 500
    before sign-in)."""
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        response = client.post("/web/login", data={"name": "x", "password": "y", "csrf": value},
                               headers={"cookie": "zooagg_login_csrf=abc"})
    assert response.status_code == 403, response.text
    assert "The form expired" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("value", ["\x80", "ü"])
def test_a_form_with_a_csrf_value_that_is_not_ascii_is_refused(session: tuple[httpx.Client, str], value: str) -> None:
    client, _ = session
    response = client.post("/web/projects", data={"title": "t", "csrf": value})
    assert response.status_code == 403, response.text
    assert "did not come from this site" in response.text


def test_a_session_cookie_that_is_not_ascii_is_no_session(server: Server) -> None:  # noqa: F811
    token = f"zooagg_1_{secrets.token_hex(4)}é"
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        response = client.post("/web/projects", data={"title": "t", "csrf": auth.csrf_for(token)},
                               headers={b"cookie": f"zooagg_session={token}".encode()})
    assert response.status_code in (303, 403), response.text
