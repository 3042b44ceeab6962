"""The largest request body the server takes (`Settings.max_upload`, `zooagg serve
--max-upload`): an upload of an export, a post of classifications, any body.

A body whose Content-Length is over the limit is refused before any of it is read; a body sent
without one (chunked) is counted as it arrives and refused once it passes the limit, so the
server never reads more than the limit (plus one block) of it. Either way the answer is a 413
naming the size, the limit and how to raise it (app.py answers it: JSON, or a page under /web).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

#: what a server started with `zooagg serve` reads its limit from (besides --max-upload)
VARIABLE = "ZOOAGG_MAX_UPLOAD"
HINT = (f"send a smaller file, or start the server with a larger limit: zooagg serve --max-upload BYTES "
        f"(or the {VARIABLE} environment variable)")


class TooLarge(HTTPException):
    """A request body over the limit. A Starlette HTTPException, so that FastAPI's body parsing
    hands it on as it is and the app's handler for it answers (a 413)."""

    def __init__(self, size: int | None, limit: int) -> None:
        self.size, self.limit = size, limit
        how_big = f"{size:,} bytes" if size is not None else f"over {limit:,} bytes"
        self.message = f"the request body is {how_big}, more than this server takes ({limit:,} bytes)"
        self.hint = HINT
        super().__init__(413, detail=self.message)


def declared_size(scope: Scope) -> int | None:
    """The request's Content-Length, when it has a readable one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def refused(scope: Scope, limit: int) -> TooLarge | None:
    """The refusal of a request whose Content-Length is over the limit (before reading it)."""
    size = declared_size(scope)
    return TooLarge(size, limit) if size is not None and size > limit else None


def counted(receive: Receive, limit: int) -> Receive:
    """`receive`, raising TooLarge once the body's bytes pass the limit."""
    total = 0

    async def receive_counted() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise TooLarge(None, limit)
        return message

    return receive_counted
