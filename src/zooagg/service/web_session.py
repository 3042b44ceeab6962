"""What every web page module shares: the templates and how a page is rendered, the signed-in
member of a request (the session cookie) and the CSRF check of a posted form. The route modules
(web.py, web_swap.py) import these; no route module imports another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse

from .. import __version__
from . import auth
from .errors import AuthError
from .state import state_of

SESSION = "zooagg_session"
LOGIN_CSRF = "zooagg_login_csrf"
TEMPLATES = Environment(loader=PackageLoader("zooagg.service", "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(version=__version__, **context)
    return HTMLResponse(html, status_code=status)


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION)


def web_caller(request: Request) -> auth.Caller:
    state = state_of(request)
    with state.store.read() as session:
        return state.tokens.caller(session, session_token(request))


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF value against the session."""
    form = await request.form()
    token = session_token(request) or ""
    sent = str(form.get("csrf", ""))
    if not token or not auth.same_secret(sent, auth.csrf_for(token)):
        raise AuthError(403, "the form has expired or did not come from this site; reload the page")
    return form


def context(request: Request, who: auth.Caller) -> dict[str, Any]:
    return {"who": who, "csrf": auth.csrf_for(session_token(request) or "")}
