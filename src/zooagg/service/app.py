"""The FastAPI application: Caesar endpoints, the JSON API, the web pages, security headers."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from .. import AGGREGATION_VERSION, __version__, registry
from ..errors import ZooaggError
from . import fastpath, limits
from .auth import RateLimiter
from .errors import AuthError, answer_of, error_body
from .ingest import store_refusal
from .jsonio import JSONBytes
from .schemas import RegistryListing, VersionInfo
from .state import AppState, Settings
from .store import Store
from .writer import GroupWriter

#: no inline scripts or styles anywhere: a title that smuggles in <script> cannot run
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com")

#: where `zooagg serve --workers N` hands its settings to the worker processes
SETTINGS_VARIABLE = "ZOOAGG_SERVE_SETTINGS"
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY")]
OURS = {name for name, _ in SECURITY_HEADERS} | {b"content-security-policy"}


def app_from_environment() -> FastAPI:
    """The app of one of `zooagg serve --workers N`'s processes (the schema is already upgraded)."""
    app = create_app(Settings.from_json(os.environ[SETTINGS_VARIABLE]), upgrade=False)
    # what was made at start lives as long as the process: kept out of the collector's full
    # passes, which otherwise walk it every few hundred posts (measured: 0.08 ms of CPU per
    # classification, and the slowest posts)
    gc.freeze()
    return app


def create_app(settings: Settings, *, upgrade: bool = True) -> FastAPI:
    store = Store(settings.database_url)
    if upgrade:
        store.upgrade()
    state = AppState(settings, store, GroupWriter(store),
                     limiter=RateLimiter(settings.login_limit, settings.login_window))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.writer.close()
        store.dispose()

    app = App(title="zooagg", version=__version__, lifespan=lifespan,
              description="Live consensus aggregation for Zooniverse projects. Caesar-compatible "
              "extractor and reducer endpoints, live projects, downloads. See docs/server.md.")
    app.state.zooagg = state
    _add_handlers(app)
    _add_meta_routes(app)
    from . import api_accounts, api_projects, api_swap, caesar, web, web_session, web_swap

    # the live API first: a request is matched against the routes in order, and the Caesar
    # router has two routes per component
    app.include_router(api_projects.router)
    app.include_router(api_swap.router)
    app.include_router(api_accounts.router)
    app.include_router(caesar.router())
    app.include_router(web.router)
    app.include_router(web_swap.router)
    web_session.mount_static(app)
    return app


class App(FastAPI):
    """FastAPI, with posts of classifications served on a short path first (fastpath.py), and
    security headers on every response: added here, outside Starlette's middleware, so that a
    500 from its outermost error middleware carries them too."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = with_security_headers(scope["path"], send)
            limit = self.state.zooagg.settings.max_upload
            refusal = limits.refused(scope, limit)
            if refusal is not None:  # refused before any of the body is read
                await too_large(scope["path"], refusal)(scope, receive, send)
                return
            receive = limits.counted(receive, limit)
        project_id = fastpath.project_of(scope)
        if project_id is None:
            await super().__call__(scope, receive, send)
            return
        try:
            await fastpath.ingest(self.state.zooagg, super().__call__, scope, receive, send, project_id)
        except limits.TooLarge as exc:  # raised while fastpath read the body, before any answer
            await too_large(scope["path"], exc)(scope, receive, send)


def too_large(path: str, exc: limits.TooLarge) -> Response:
    """The 413 of a body over the limit: JSON, or a page for the web pages' forms."""
    if path.startswith("/web/"):
        from .web_session import page

        return page("error.html", 413, message=f"{exc.message} ({exc.hint})")
    return JSONBytes(error_body(exc.message, hint=exc.hint, where="body"), status_code=413)


def with_security_headers(path: str, send: Send) -> Send:
    """`send`, adding the security headers to the response's start (ours replace any it set)."""
    csp = (b"content-security-policy", _csp_for(path).encode())

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in OURS]
            message["headers"] += [*SECURITY_HEADERS, csp]
        await send(message)

    return send_with_headers


def _csp_for(path: str) -> str:
    if path in ("/docs", "/redoc"):
        return DOCS_CSP
    if path.startswith("/web/projects/") and path.endswith("/report"):
        return report_csp()
    return CSP


@functools.cache
def report_csp() -> str:
    """The report page's one inline stylesheet, allowed by its hash (no inline scripts at all)."""
    import base64
    import hashlib

    from ..report.page import STYLE

    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    return CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(ZooaggError)
    async def zooagg_error(request: Request, exc: ZooaggError) -> Response:
        """The one answer to every error of the hierarchy: its status and JSON (errors.answer_of)."""
        if isinstance(exc, AuthError) and exc.status == 401 and request.url.path.startswith("/web"):
            return RedirectResponse("/web/login", status_code=303)
        status, body = answer_of(exc)
        response = JSONBytes(body, status_code=status)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def store_refused(request: Request, exc: Exception) -> Response:
        """A value the store has no room or type for (a last line: routes check what they take)."""
        refusal = store_refusal(exc)
        if refusal is None:
            raise exc
        return await zooagg_error(request, refusal)

    app.add_exception_handler(DataError, store_refused)
    app.add_exception_handler(StatementError, store_refused)

    @app.exception_handler(limits.TooLarge)
    async def body_too_large(request: Request, exc: limits.TooLarge) -> Response:
        return too_large(request.url.path, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """Starlette's own refusals (a body it cannot parse, no such route, a wrong method), in the shape."""
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return JSONBytes(error_body(str(exc.detail), where="body" if status == 400 else "path"),
                         status_code=status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return JSONBytes(validation_answer(exc.errors(), request.headers.get("content-type", "")), status_code=422)


def validation_answer(errors: Any, content_type: str) -> dict[str, Any]:
    """FastAPI's validation errors as our error shape, every value made something JSON can
    carry (a body's bytes, an integer over 64 bits: the input is shown as text)."""
    details = [_json_safe(e) for e in errors] or [{"loc": ["body"], "msg": "invalid request"}]
    first = details[0]
    loc = [str(part) for part in first.get("loc", ["body"])]
    message = f"{'.'.join(loc)}: {first.get('msg')}"
    hint = ""
    if loc[0] == "body" and "json" not in content_type.lower():
        hint = "send the body as JSON, with Content-Type: application/json"
        message += " (the body must be JSON)"
    body: dict[str, Any] = {"error": message, "parameter": loc[-1], "detail": details}
    if hint:
        body["hint"] = hint
    return body


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else str(value)
    if isinstance(value, bytes):
        return value[:1000].decode("utf-8", errors="replace")
    return str(value)[:1000]


def _add_meta_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/web/projects", status_code=303)
        # what the peer's service answers at / (Caesar and load balancers poll it)
        return JSONBytes({"status": "ok", "version": __version__, "commit_id": ""})

    @app.get("/-/version", tags=["meta"], response_model=VersionInfo)
    async def version() -> Response:
        return JSONBytes({"zooagg": __version__, "aggregation_version": AGGREGATION_VERSION,
                          "compatible_with": "panoptes_aggregation 5.3.1"})

    @app.get("/-/registry", tags=["meta"], response_model=RegistryListing)
    async def registry_json() -> Response:
        return JSONBytes(registry_listing())


def registry_listing() -> dict[str, Any]:
    """`registry.describe()`, each kind keyed by name, with the component's route (a weighting
    method has none: it runs over a whole workflow, `zooagg weight`)."""
    return {kind: {item["name"]: {**item, "url": None if kind == "weightings" else f"/{kind}/{item['name']}"}
                   for item in items}
            for kind, items in registry.describe().items()}
