"""The web pages fuzzed (hypothesis), on SQLite and on PostgreSQL: every route under /web (the
OpenAPI document leaves them out, so test_fuzz.py's schemathesis run cannot reach them), GET
pages and POST forms, signed in or not or with a forged session, with the right CSRF value, none
or a wrong one, hostile path parameters (huge and negative integers, NUL, other digits than
0-9, unicode) and hostile form fields and files. No answer is a 500, and every answer carries
the security headers. Bounded for `make test` (ZOOAGG_FUZZ_EXAMPLES generated requests per
route, 6 by default, besides the sweep of every hostile id over every route); `make fuzz`
runs it longer. A finding becomes a regression test in test_hostile.py."""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from zooagg.service import auth
from zooagg.service.models import Member

from .conftest import PASSWORD, Server, serve
from .exports import classification_rows, write_classification_export, write_workflow_export
from .helpers import make_project, post
from .test_postgres import throwaway_database

EXAMPLES = int(os.environ.get("ZOOAGG_FUZZ_EXAMPLES", "6"))
SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}

#: every route of service/web.py: (method, path), {p} a project id, {e} an extractor name
ROUTES = [
    ("GET", "/web"), ("GET", "/web/"), ("GET", "/web/login"), ("POST", "/web/login"), ("POST", "/web/logout"),
    ("GET", "/web/projects"), ("POST", "/web/projects"), ("GET", "/web/projects/{p}"),
    ("POST", "/web/projects/{p}/workflow"), ("POST", "/web/projects/{p}/classifications"),
    ("GET", "/web/projects/{p}/reductions/{e}.csv"), ("GET", "/web/projects/{p}/consensus.csv"),
    ("GET", "/web/projects/{p}/report"), ("GET", "/web/projects/{p}/parameters"),
    ("POST", "/web/projects/{p}/parameters"), ("GET", "/web/projects/{p}/swap"), ("POST", "/web/projects/{p}/swap"),
    ("GET", "/web/projects/{p}/swap/decisions.csv"), ("GET", "/web/projects/{p}/dropped_marks.csv"),
]
#: path ids no project has, and some no integer parse takes ("REAL": the fuzzed project's)
HOSTILE_IDS = ["REAL", "0", "-1", "2147483648", "9223372036854775808", "9" * 40, "1\x00", "\x00", "²", "\u0661",
               "1.0", "1e3", " 1", "+1", "ü", "../1", "%00", "x" * 300]
HOSTILE_TEXT = ["", "\x00", "a\x00b", "²", "\u0661", "9" * 40, "-1", "nan", "true", "{", "[1,", "ü" * 50, "x" * 2000,
                "<script>alert(1)</script>", "' OR 1=1 --"]
#: what a cookie can carry (the client cannot send control characters or `;` in one)
COOKIE_TEXT = st.text(alphabet=string.ascii_letters + string.digits + "_-.~!*'()", max_size=60)
FORGED = ["zooagg_1_x", f"zooagg_{'9' * 30}_x", "zooagg_2147483648_x", "zooagg_-1_x", "zooagg__", "zooagg_1_"]


@dataclass
class Site:
    server: Server
    member: str
    project: int
    extractor: str
    #: the member's web session for every request but a sign-out (each making a token costs an argon2 hash)
    token: str = ""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server (sign-in failures not limited, so the fuzzer's reach the password check), a
    member and their project with the test workflow and some classifications."""
    data = tmp_path_factory.mktemp("web-fuzz")
    servers = serve(data, login_limit=10**9) if request.param == "sqlite" else (
        server for database in throwaway_database() for server in serve(data, database, login_limit=10**9))
    for server in servers:
        name = f"web{secrets.token_hex(3)}"
        with server.client(server.member(name)) as client:
            project = make_project(client, tmp_path_factory.mktemp("web-fuzz-project"))
            assert post(client, project, classification_rows(12)).status_code == 201
            extractor = client.get(f"/api/projects/{project}").json()["downloads"][0]["extractor"]
        site = Site(server, name, project, extractor)
        site.token = session_of(site)
        yield site


def session_of(site: Site) -> str:
    """A new web session of the member."""
    with site.server.state.store.write() as session:
        member = session.scalars(select(Member).where(Member.name == site.member)).one()
        return auth.issue_token(session, member, "web session")


def exports(tmp_path: Path) -> list[bytes]:
    """Files worth uploading besides random bytes: sound exports, and one cut in the middle."""
    workflow = write_workflow_export(tmp_path / "workflows.csv").read_bytes()
    classifications = write_classification_export(tmp_path / "cls.csv", classification_rows(3, seed=71)).read_bytes()
    return [workflow, classifications, classifications[: len(classifications) // 2], b"", b"\xff\xfe\x00"]


@dataclass
class Case:
    """One request: its path parameters, session, CSRF value, form fields and file."""

    project: str
    extractor: str
    session: str  # "valid", "none" or a forged cookie value
    csrf: str  # "valid", "none" or a value sent as it is
    fields: dict[str, str]
    file: bytes | None


def cases(site: Site, files: list[bytes]) -> st.SearchStrategy[Case]:
    text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
    ids = st.one_of(st.sampled_from(HOSTILE_IDS), st.integers().map(str), st.text(max_size=20))
    keys = st.one_of(st.sampled_from(["title", "description", "filter", "name", "password", "workflow_id", "version",
                                      "min_version", "max_version", "e1.eps", "r1.eps", "r1.min_samples", "reducer1",
                                      "present.r1.allow_single", "e²", "r²", "reducer²", "reducer\u0661", "e1", ".",
                                      "s1.on", "s1.detection", "s1.rejection", "s1.prior", "s1.positive", "s²",
                                      f"r{'9' * 30}.eps", "reducer-1"]), st.text(max_size=20))
    return st.builds(
        Case, project=ids.map(lambda i: str(site.project) if i == "REAL" else i),
        extractor=st.one_of(st.just(site.extractor), st.sampled_from(HOSTILE_TEXT), st.text(max_size=30)),
        session=st.one_of(st.sampled_from(["valid", "valid", "none", *FORGED]), COOKIE_TEXT),
        csrf=st.one_of(st.sampled_from(["valid", "valid", "none"]), text),
        fields=st.dictionaries(keys, text, max_size=6),
        file=st.one_of(st.none(), st.sampled_from(files), st.binary(max_size=300)))


def send(site: Site, method: str, route: str, case: Case) -> httpx.Response:
    token = case.session
    if case.session == "valid":  # a sign-out takes its session away: it signs out a session of its own
        token = session_of(site) if route == "/web/logout" else site.token
    path = route.replace("{p}", quote(case.project, safe="")).replace("{e}", quote(case.extractor, safe=""))
    cookies = {} if case.session == "none" else {"zooagg_session": token}
    fields = dict(case.fields)
    if case.csrf != "none":
        fields["csrf"] = auth.csrf_for(token) if case.csrf == "valid" else case.csrf
        cookies["zooagg_login_csrf"] = quote(fields["csrf"], safe="")  # the sign-in form's double submit
    headers = {"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    with httpx.Client(base_url=site.server.url, timeout=120, follow_redirects=False) as client:
        if method == "GET":
            return client.get(path, headers=headers)
        files = {"file": ("upload.csv", case.file)} if case.file is not None else None
        return client.post(path, data=fields, files=files, headers=headers)


def check(response: httpx.Response, method: str, route: str, case: Case) -> None:
    where = f"{method} {response.request.url} with {case}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, f"{where}: no {name}"
    assert "content-security-policy" in response.headers, where


def test_the_routes_fuzzed_are_every_web_route() -> None:
    """Every route of every router of zooagg.service under /web (web.py, web_swap.py, ...)."""
    import importlib
    import pkgutil

    from fastapi import APIRouter

    import zooagg.service

    served = set()
    for module in pkgutil.iter_modules(zooagg.service.__path__):
        router = getattr(importlib.import_module(f"zooagg.service.{module.name}"), "router", None)
        if isinstance(router, APIRouter) and router.prefix.startswith("/web"):
            served |= {(method, getattr(route, "path", "")) for route in router.routes
                       for method in getattr(route, "methods", ())}
    listed = {(m, p.replace("{p}", "{project_id}").replace("{e}", "{extractor}")) for m, p in ROUTES}
    assert served == listed


def another_name(text: str, project: int) -> bool:
    """`text` is another way of writing the project's id, as the path parameter reads it ("1.0", "+1")."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return bool(TypeAdapter(int).validate_python(text) == project)
    except ValidationError:
        return False


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_web_route_with_every_hostile_id(site: Site, method: str, route: str) -> None:
    """Signed in with a valid form: each hostile project id (and extractor name), once (an id
    that is the project's written another way is the project's request again: left out)."""
    for hostile in HOSTILE_IDS if "{p}" in route else ["REAL"]:
        if another_name(hostile, site.project):
            continue
        project = str(site.project) if hostile == "REAL" else hostile
        case = Case(project, site.extractor if hostile == "REAL" else hostile, "valid", "valid", {}, None)
        check(send(site, method, route, case), method, route, case)


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_web_route_fuzzed(site: Site, method: str, route: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = exports(tmp_path_factory.mktemp("web-fuzz-files"))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases(site, files))
    def call(case: Case) -> None:
        check(send(site, method, route, case), method, route, case)

    call()


def test_sign_in_with_the_real_password_still_works(site: Site) -> None:
    """After the fuzzing above (its sign-in failures are not limited here): the form signs in."""
    with httpx.Client(base_url=site.server.url, follow_redirects=False) as client:
        value = client.get("/web/login").cookies["zooagg_login_csrf"]
        response = client.post("/web/login", data={"name": site.member, "password": PASSWORD, "csrf": value})
    assert response.status_code == 303
    assert response.headers["location"] == "/web/projects"
