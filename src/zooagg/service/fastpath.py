"""The hot route, POST /api/projects/{id}/classifications, served on a short path when it can.

A post of a few classifications, with a token this process has checked before and a project
whose plan it knows, is read, parsed and extracted on the event loop and handed to the group
writer, which checks the token's access to the project in the transaction that stores the
post (auth.access_denied: a revoked token fails at once, whichever process revoked it). None
of FastAPI's routing, dependencies or trips to a thread pool: they cost more than the rest
of such a post. Anything else (no token or an unknown one, a large or malformed body, a
refused token, a changed configuration) goes to the full route with the body it was sent,
which answers as it always has.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ZooaggError
from .auth import bearer_token
from .errors import AuthError, answer_of, error_body
from .ingest import Batch, IngestResult, accepted, posted_records, retryable, store_refusal
from .jsonio import dumps

if TYPE_CHECKING:
    from .state import AppState

log = logging.getLogger(__name__)
PATH = re.compile(r"/api/projects/(\d{1,12})/classifications")
#: larger posts take the full route: extracting them would hold up the event loop
MOST_ROWS, MOST_BYTES = 10, 64 * 1024


def project_of(scope: Scope) -> int | None:
    """The project id when the request is a post of classifications."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    match = PATH.fullmatch(scope["path"])
    return int(match[1]) if match else None


def answer(result: IngestResult) -> tuple[int, bytes]:
    """The status and JSON body a post of classifications gets."""
    return (201 if result.stored else 200), dumps({"stored": len(result.stored), "duplicates": len(result.duplicates),
                                                  "duplicate_ids": result.duplicates[:100],
                                                  "marks_dropped": len(result.dropped),
                                                  "dropped_marks": result.dropped[:100]})


async def ingest(state: AppState, full: ASGIApp, scope: Scope, receive: Receive, send: Send,
                 project_id: int) -> None:
    """Serve a post of classifications; `full` is the app's ordinary route to fall back on."""
    writer = state.writer
    writer.arriving += 1  # the writer may wait for it (writer.py)
    try:
        body = await _body(receive)
        batch = None if body is None else _accept(state, _bearer(scope), project_id, body)
    finally:
        writer.arriving -= 1
    if body is None:  # the client has gone
        return
    if batch is not None:
        try:
            result = await state.writer.submit_async(batch)
        except Exception as exc:
            refusal = store_refusal(exc)
            if refusal is not None:  # the same post would fail the same way: a 422, not "send it again"
                status, content = answer_of(refusal)
                await _send_json(send, status, dumps(content))
                return
            if not (isinstance(exc, AuthError) or retryable(exc)):
                # nothing stored, or stored and the answer lost after commit: sending the post
                # again on the full route could tell this client its own post was a duplicate
                log.error("a post of classifications failed", exc_info=True)
                await _send_json(send, 500, dumps(error_body("the post could not be stored; send it again",
                                                             where="body")))
                return
            # refused (the full route answers 401/403) or the configuration changed: prepared again there
            log.debug("a post falls back to the full route", exc_info=True)
        else:
            await _send_json(send, *answer(result))
            return
    await full(scope, _replay(body, receive), send)


async def _send_json(send: Send, status: int, content: bytes) -> None:
    """(The app adds the security headers to every response, this one's too.)"""
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


def _accept(state: AppState, token: str | None, project_id: int, body: bytes) -> Batch | None:
    """The post prepared, or None when it is for the full route."""
    token_id = state.tokens.verified(token)
    plan = state.plans.latest(project_id)
    if token_id is None or plan is None or len(body) > MOST_BYTES:
        return None
    try:
        records = posted_records(body)
        return accepted(plan, records, token_id) if len(records) <= MOST_ROWS else None
    except ZooaggError:  # the full route answers it (after checking the token)
        return None
    except Exception:  # the full route fails the same way, and answers as it does
        log.debug("a post falls back to the full route", exc_info=True)
        return None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bearer_token(value.decode("latin-1"))
    return None


async def _body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` as if the body had not been read yet."""
    sent = False

    async def again() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again
