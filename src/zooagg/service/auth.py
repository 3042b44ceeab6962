"""Accounts: argon2 password hashes, API tokens, web sessions, login rate limiting.

A token is `zooagg_<id>_<secret>`; the store keeps only an argon2 hash of the secret. Each
request still reads the token's row (revocation is immediate, in every server process): most
in their own query, posted classifications in the group writer's transaction that stores
them (`access_denied`, one query for all the transaction's requests). The argon2 check itself
is done once per process and token and then remembered by the token's SHA-256, because
argon2 is made to be slow and tokens are long random strings.
Web sign-in makes a token too (labelled "web session") and keeps it in an HttpOnly cookie;
signing out revokes it. Passwords and tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.orm import Session

from .errors import MAX_ID, AuthError
from .models import Member, Project, ProjectMember, Token

_T, _M, _P, _PM = Token.__table__.c, Member.__table__.c, Project.__table__.c, ProjectMember.__table__.c
#: a token and its member, in one query (read on every request: a revoked token fails at once)
TOKEN_AND_MEMBER = (select(_T.id, _T.secret_hash, _T.revoked_at, _M.id.label("member_id"), _M.name, _M.is_admin)
                    .join_from(Token.__table__, Member.__table__, _T.member_id == _M.id)
                    .where(_T.id == bindparam("token_id")))
#: a project's revision and whether the member belongs to it
PROJECT_ACCESS = (select(_P.config_rev, _PM.member_id)
                  .outerjoin_from(Project.__table__, ProjectMember.__table__,
                                  (_PM.project_id == _P.id) & (_PM.member_id == bindparam("member_id")))
                  .where(_P.id == bindparam("project_id")))


def _tokens_access(one: bool) -> Select[Any]:
    """Tokens, whether their member is an admin, and which of some projects the member belongs
    to; `one` token and project (the usual case) by equality: an IN list is rendered anew at
    each execution."""
    project = _PM.project_id == bindparam("project") if one else _PM.project_id.in_(
        bindparam("projects", expanding=True))
    token = _T.id == bindparam("token") if one else _T.id.in_(bindparam("tokens", expanding=True))
    return (select(_T.id, _T.revoked_at, _M.is_admin, _PM.project_id)
            .join_from(Token.__table__, Member.__table__, _T.member_id == _M.id)
            .outerjoin(ProjectMember.__table__, (_PM.member_id == _M.id) & project).where(token))


TOKEN_ACCESS, TOKENS_ACCESS = _tokens_access(True), _tokens_access(False)

HASHER = PasswordHasher()
PREFIX = "zooagg_"
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Caller:
    member_id: int
    name: str
    is_admin: bool
    token_id: int


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_member(session: Session, name: str, password: str, is_admin: bool = False) -> Member:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a member name needs 1 to 100 characters")
    if session.scalar(select(Member).where(Member.name == name)) is not None:
        raise ValueError(f"there is already a member named {name!r}")
    member = Member(name=name, password_hash=hash_password(password), is_admin=is_admin)
    session.add(member)
    session.flush()
    return member


def issue_token(session: Session, member: Member, label: str = "api") -> str:
    secret = secrets.token_urlsafe(32)
    token = Token(member_id=member.id, label=label[:100], secret_hash=HASHER.hash(secret))
    session.add(token)
    session.flush()
    return f"{PREFIX}{token.id}_{secret}"


class TokenChecker:
    """Verifies tokens against the store, remembering argon2 results per process."""

    def __init__(self) -> None:
        self._verified: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def caller(self, session: Session, token: str | None) -> Caller:
        if not token:
            raise AuthError(401, "sign in or send a token: Authorization: Bearer zooagg_...")
        token_id, secret = _split(token)
        row = session.connection().execute(TOKEN_AND_MEMBER, {"token_id": token_id}).first() \
            if token_id is not None else None
        if row is None or row.revoked_at is not None:
            raise AuthError(401, "this token is not valid (unknown or revoked)")
        digest = hashlib.sha256(token.encode()).digest()
        with self._lock:
            known = self._verified.get(row.id)
        if known is None or not hmac.compare_digest(known, digest):
            if not check_password(row.secret_hash, secret):
                raise AuthError(401, "this token is not valid (unknown or revoked)")
            with self._lock:
                self._verified[row.id] = digest
        return Caller(row.member_id, row.name, row.is_admin, row.id)

    def verified(self, token: str | None) -> int | None:
        """The id of a token whose secret this process has checked already, else None. Whether
        it is still valid (not revoked) is not known: see access_denied."""
        token_id, _ = _split(token) if token else (None, "")
        if token_id is None or token is None:
            return None
        with self._lock:
            known = self._verified.get(token_id)
        if known is None or not hmac.compare_digest(known, hashlib.sha256(token.encode()).digest()):
            return None
        return token_id

    def forget(self, token_id: int) -> None:
        with self._lock:
            self._verified.pop(token_id, None)


def _split(token: str) -> tuple[int | None, str]:
    if not token.startswith(PREFIX):
        return None, ""
    head, _, secret = token[len(PREFIX):].partition("_")
    if not (head.isdigit() and secret and int(head) <= MAX_ID):  # no larger id is stored
        return None, ""
    return int(head), secret


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, else None."""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def project_revision(session: Session, caller: Caller, project_id: int) -> int:
    """The project's configuration revision, once the caller may use it (404, 403 otherwise)."""
    row = session.connection().execute(PROJECT_ACCESS, {"project_id": project_id, "member_id": caller.member_id}
                                       ).first()
    if row is None:
        raise AuthError(404, f"no project {project_id}")
    if not caller.is_admin and row.member_id is None:
        raise AuthError(403, "you are not a member of this project")
    return int(row.config_rev)


#: PostgreSQL, through the driver (pipeline.py): TOKENS_ACCESS with arrays, one text for any number
PG_TOKENS_ACCESS = ("SELECT t.id, t.revoked_at, m.is_admin, pm.project_id FROM tokens AS t "
                    "JOIN members AS m ON t.member_id = m.id LEFT OUTER JOIN project_members AS pm "
                    "ON pm.member_id = m.id AND pm.project_id = ANY(CAST(%(token_projects)s AS integer[])) "
                    "WHERE t.id = ANY(CAST(%(tokens)s AS integer[]))")


def access_params(wanted: Iterable[tuple[int, int]]) -> dict[str, list[int]]:
    """The tokens and projects of these (token id, project id) pairs (TOKENS_ACCESS's parameters;
    PG_TOKENS_ACCESS calls the projects `token_projects`)."""
    return {"tokens": sorted({t for t, _ in wanted}), "projects": sorted({p for _, p in wanted})}


def access_denied(connection: Connection, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], AuthError]:
    """Of these (token id, project id) pairs, those whose token is unknown or revoked (401) or
    whose member may not use the project (403), read in one query. The tokens' secrets must
    have been checked (TokenChecker.verified); a project that does not exist is not checked."""
    wanted = set(wanted)
    params = access_params(wanted)
    tokens, projects = params["tokens"], params["projects"]
    rows = connection.execute(TOKEN_ACCESS, {"token": tokens[0], "project": projects[0]}).all() \
        if len(tokens) == len(projects) == 1 else connection.execute(TOKENS_ACCESS, params).all()
    return denials(wanted, rows)


def denials(wanted: Iterable[tuple[int, int]], rows: Iterable[Any]) -> dict[tuple[int, int], AuthError]:
    """access_denied's answer from the rows of TOKENS_ACCESS (token id, revoked_at, is_admin,
    project id)."""
    admin: dict[int, bool] = {}
    member_of: set[tuple[int, int]] = set()
    for token_id, revoked_at, is_admin, project_id in rows:
        if revoked_at is None:
            admin[token_id] = bool(is_admin)
            if project_id is not None:
                member_of.add((token_id, project_id))
    denied: dict[tuple[int, int], AuthError] = {}
    for token, project in wanted:
        if token not in admin:
            denied[(token, project)] = AuthError(401, "this token is not valid (unknown or revoked)")
        elif not admin[token] and (token, project) not in member_of:
            denied[(token, project)] = AuthError(403, "you are not a member of this project")
    return denied


def require_member_of(session: Session, caller: Caller, project_id: int) -> None:
    if caller.is_admin:
        return
    if session.get(ProjectMember, (project_id, caller.member_id)) is None:
        raise AuthError(403, "you are not a member of this project")


def revoke(session: Session, token_id: int) -> None:
    row = session.get(Token, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now().astimezone()


def csrf_for(session_token: str) -> str:
    """The CSRF value that goes with a web session (derived: an attacker cannot read the cookie)."""
    return hashlib.sha256(b"csrf:" + session_token.encode()).hexdigest()


def same_secret(sent: str, expected: str) -> bool:
    """`sent` is `expected`, compared in constant time as UTF-8 bytes (compare_digest refuses
    text with characters outside ASCII, which a form can carry)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


class RateLimiter:
    """At most `limit` failed sign-ins per key (client address, member name) per `window` s."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> float:
        """Seconds to wait (0 when allowed)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._failures[key]
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                if len(failures) >= self.limit:
                    wait = max(wait, failures[0] + self.window - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def sign_in(session: Session, limiter: RateLimiter, client: str, name: str, password: str,
            label: str) -> tuple[Member, str]:
    """Check a name and password (rate-limited) and issue a token for them."""
    keys = (f"ip:{client}", f"name:{name.strip().lower()}")
    wait = limiter.blocked(*keys)
    if wait > 0:
        raise AuthError(429, f"too many failed sign-ins; try again in {int(wait) + 1} s")
    # no stored name has a NUL character (and PostgreSQL cannot compare with one)
    member = None if "\x00" in name else session.scalar(select(Member).where(Member.name == name.strip()))
    if member is None or not check_password(member.password_hash, password):
        limiter.failed(*keys)
        raise AuthError(401, "wrong name or password")
    limiter.succeeded(*keys)
    return member, issue_token(session, member, label)
