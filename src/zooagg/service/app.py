"""The FastAPI application: Caesar endpoints, the JSON API, the web pages, security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import RedirectResponse, Response

from .. import AGGREGATION_VERSION, __version__, registry
from .auth import AuthError, RateLimiter, TokenChecker
from .jsonio import JSONBytes, error
from .plan import PlanCache
from .store import Store

#: no inline scripts or styles anywhere: a title that smuggles in <script> cannot run
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com")


@dataclass
class Settings:
    database_url: str
    data_dir: Path
    #: cookies marked Secure (set when serving HTTPS)
    secure_cookies: bool = False
    login_limit: int = 5
    login_window: float = 60.0
    #: largest upload accepted (bytes)
    max_upload: int = 2_000_000_000


@dataclass
class AppState:
    settings: Settings
    store: Store
    plans: PlanCache = field(default_factory=PlanCache)
    tokens: TokenChecker = field(default_factory=TokenChecker)
    limiter: RateLimiter = field(default_factory=RateLimiter)


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.zooagg
    return state


def create_app(settings: Settings, *, upgrade: bool = True) -> FastAPI:
    store = Store(settings.database_url)
    if upgrade:
        store.upgrade()
    state = AppState(settings, store, limiter=RateLimiter(settings.login_limit, settings.login_window))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.dispose()

    app = FastAPI(title="zooagg", version=__version__, lifespan=lifespan,
                  description="Live consensus aggregation for Zooniverse projects. Caesar-compatible "
                  "extractor and reducer endpoints, live projects, downloads. See docs/server.md.")
    app.state.zooagg = state
    _add_handlers(app)
    _add_meta_routes(app)
    from . import api_accounts, api_projects, caesar, web

    app.include_router(caesar.router())
    app.include_router(api_accounts.router)
    app.include_router(api_projects.router)
    app.include_router(web.router)
    web.mount_static(app)
    return app


def _add_handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        docs = request.url.path in ("/docs", "/redoc")
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response

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
    out: dict[str, Any] = {}
    kinds: tuple[registry.Kind, ...] = ("extractor", "reducer")
    for kind in kinds:
        items: dict[str, Any] = {}
        for name, component in registry.components(kind).items():
            items[name] = {
                "summary": component.doc.splitlines()[0] if component.doc else "",
                "task_types": list(component.task_types),
                "params": {k: {"type": p.type.__name__, "default": p.default, "help": p.help,
                               **({"choices": list(p.choices)} if p.choices else {})}
                           for k, p in component.all_params.items()},
                "url": f"/{kind}s/{name}",
            }
        out[kind + "s"] = items
    return out
