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
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import AGGREGATION_VERSION, __version__, registry
from . import fastpath
from .auth import AuthError, RateLimiter
from .jsonio import JSONBytes, error
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
#: what SecurityHeaders adds to the API's responses
API_HEADERS = [*SECURITY_HEADERS, (b"content-security-policy", CSP.encode())]


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
    from . import api_accounts, api_projects, caesar, web

    # the live API first: a request is matched against the routes in order, and the Caesar
    # router has two routes per component
    app.include_router(api_projects.router)
    app.include_router(api_accounts.router)
    app.include_router(caesar.router())
    app.include_router(web.router)
    web.mount_static(app)
    return app


class App(FastAPI):
    """FastAPI, with posts of classifications served on a short path first (fastpath.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        project_id = fastpath.project_of(scope)
        if project_id is None:
            await super().__call__(scope, receive, send)
        else:
            await fastpath.ingest(self.state.zooagg, super().__call__, API_HEADERS, scope, receive, send, project_id)


class SecurityHeaders:
    """Security headers on every response (a plain ASGI middleware: it costs next to nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _csp_for(scope["path"]).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":  # ours replace any the response set
                message["headers"] = [(k, v) for k, v in message.get("headers", []) if k.lower() not in OURS]
                message["headers"] += [*SECURITY_HEADERS, (b"content-security-policy", csp)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        if request.url.path.startswith("/web") and exc.status == 401:
            return RedirectResponse("/web/login", status_code=303)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        response = error(exc.status, exc.message, where="auth")
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": ["body"], "msg": "invalid request"}
        loc = [str(part) for part in first.get("loc", ["body"])]
        return JSONBytes({"error": f"{'.'.join(loc)}: {first.get('msg')}", "parameter": loc[-1],
                          "detail": exc.errors()}, status_code=422)


def _add_meta_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/web/projects", status_code=303)
        # what the peer's service answers at / (Caesar and load balancers poll it)
        return JSONBytes({"status": "ok", "version": __version__, "commit_id": ""})

    @app.get("/-/version", tags=["meta"])
    async def version() -> Response:
        return JSONBytes({"zooagg": __version__, "aggregation_version": AGGREGATION_VERSION,
                          "compatible_with": "panoptes_aggregation 5.3.1"})

    @app.get("/-/registry", tags=["meta"])
    async def registry_json() -> Response:
        return JSONBytes(registry_listing())


def registry_listing() -> dict[str, Any]:
    """`registry.describe()`, each kind keyed by name, with the component's route (a weighting
    method has none: it runs over a whole workflow, `zooagg weight`)."""
    return {kind: {item["name"]: {**item, "url": None if kind == "weightings" else f"/{kind}/{item['name']}"}
                   for item in items}
            for kind, items in registry.describe().items()}
