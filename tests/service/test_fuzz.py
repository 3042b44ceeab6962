"""schemathesis over the server's own OpenAPI document, on SQLite and on PostgreSQL: every
route, with generated paths, queries and bodies, answers no 500 and nothing outside what the
document says (its statuses, content types and schemas). Bounded for `make test`
(ZOOAGG_FUZZ_EXAMPLES, 3 by default: about one request per example and route); `make fuzz`
runs it longer. Token revocation and password change are fuzzed as throwaway members of their
own (OWN_ACCOUNT), so the fuzzer's admin keeps its sign-in. A finding becomes a regression
test in test_hostile.py."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the fuzz tests need schemathesis (the dev extra)")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import PASSWORD, Server, serve  # noqa: E402
from .exports import classification_rows  # noqa: E402
from .helpers import make_project, post  # noqa: E402
from .test_postgres import throwaway_database  # noqa: E402

EXAMPLES = int(os.environ.get("ZOOAGG_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A server, and an admin's token for it (the fuzzer reaches past sign-in)."""
    data = tmp_path_factory.mktemp("fuzz")
    servers = serve(data) if request.param == "sqlite" else (
        server for database in throwaway_database() for server in serve(data, database))
    for server in servers:
        yield server, server.member(f"fuzz{secrets.token_hex(3)}", admin=True)


@pytest.fixture(scope="module")
def project(fuzzed: tuple[Server, str], tmp_path_factory: pytest.TempPathFactory) -> int:
    """A project with the test workflow and some classifications: the fuzzer's project routes
    reach past "no such project" on it."""
    server, token = fuzzed
    with server.client(token) as client:
        project = make_project(client, tmp_path_factory.mktemp("fuzz-project"))
        assert post(client, project, classification_rows(12)).status_code == 201
    return project


#: the routes that take a sign-in away (revoke a token, change a password): each of their
#: examples runs as a throwaway member of its own, never as the fuzzer's admin
OWN_ACCOUNT = ("/api/tokens/{token_id}", "/api/members/me/password")


def throwaway(server: Server) -> tuple[str, int]:
    """A new member's token, and the token's id."""
    token = server.member(f"own{secrets.token_hex(4)}")
    return token, int(token.split("_")[1])


def own_account(server: Server, case: Any, its_own: bool) -> str:
    """The token a case of an OWN_ACCOUNT route is sent with; `its_own`: the case revokes that
    very token, or changes the password with the right old one (the way past the refusals)."""
    token, token_id = throwaway(server)
    if its_own and "token_id" in (case.path_parameters or {}):
        case.path_parameters["token_id"] = token_id
    if its_own and isinstance(case.body, dict):
        case.body["old_password"] = PASSWORD
    return token


def test_every_route_answers_as_documented(fuzzed: tuple[Server, str], project: int) -> None:
    server, admin = fuzzed
    api = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    answered: set[tuple[str, int]] = set()  # (an OWN_ACCOUNT route, a status it answered)
    operations = 0
    for found in api.get_all_operations():
        operation = found.ok()
        operations += 1
        # data as documented and data that is not; on the real project too, past its 404; a
        # throwaway member's own token or password
        strategies = [(operation.as_strategy(mode), False) for mode in GenerationMode]
        if "{project_id}" in operation.path:
            strategies.append((operation.as_strategy(path_parameters={"project_id": project}), False))
        if operation.path in OWN_ACCOUNT:
            strategies.append((operation.as_strategy(GenerationMode.POSITIVE), True))
        for strategy, its_own in strategies:

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(drawn=st.tuples(strategy, st.just(its_own)))
            def call(drawn: tuple[Any, bool]) -> None:
                case, own = drawn
                token = own_account(server, case, own) if case.path in OWN_ACCOUNT else admin
                response = case.call_and_validate(base_url=server.url, headers={"Authorization": f"Bearer {token}"},
                                                  checks=CHECKS)
                if case.path in OWN_ACCOUNT:
                    answered.add((case.path, response.status_code))

            try:
                call()
            except Unsatisfiable:  # nothing in the request can be made invalid (no parameters)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every route is tried, failures listed
                failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)
    # the throwaway member's own token was revoked and its password changed, besides the refusals
    assert {(path, 204) for path in OWN_ACCOUNT} <= answered, answered
    with server.client(admin) as client:  # and the fuzzer's own sign-in is still there
        assert client.get("/api/members/me").status_code == 200
