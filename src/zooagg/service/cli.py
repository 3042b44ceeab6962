"""`zooagg serve` and `zooagg member`: run the server, manage members from the shell."""

from __future__ import annotations

import gc
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

HELP = {"help_option_names": ["-h", "--help"]}
DEFAULT_DATA = "zooagg-data"


def _store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--data-dir", default=DEFAULT_DATA, show_default=True, type=click.Path(file_okay=False),
                        help="Folder for the SQLite database (when --database is not given).")(func)
    return click.option("--database", default=None, metavar="URL",
                        help="Database URL, e.g. postgresql://user@127.0.0.1:5432/zooagg [default: SQLite "
                        "file in --data-dir].")(func)


@click.command("serve", context_settings=HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@_store_options
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes. More than one uses more cores (PostgreSQL above all; on SQLite "
              "they take turns to write).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.option("--max-upload", default=2_000_000_000, show_default=True, type=click.IntRange(min=1), metavar="BYTES",
              envvar="ZOOAGG_MAX_UPLOAD", show_envvar=True,
              help="The largest request body taken (an uploaded export, a post); a bigger one gets a 413.")
def serve(host: str, port: int, database: str | None, data_dir: str, ssl_certfile: str | None,
          ssl_keyfile: str | None, workers: int, log_level: str, max_upload: int) -> None:
    """Run the live aggregation server (Caesar endpoints, live projects, web pages).

    The database is upgraded to the newest schema at start. Create the first member with
    `zooagg member add NAME` (same --database/--data-dir).
    """
    import os

    # many small reductions at once: one BLAS/OpenMP thread each is faster than a pool per call
    # (measured: sklearn's DBSCAN on a handful of points, 30 ms with the pool, under 10 ms without)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    import uvicorn

    from .app import SETTINGS_VARIABLE, create_app
    from .state import Settings
    from .store import Store, database_url

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise click.UsageError("give both --ssl-certfile and --ssl-keyfile, or neither")
    settings = Settings(database_url(database, Path(data_dir)), Path(data_dir), secure_cookies=bool(ssl_certfile),
                        max_upload=max_upload)
    store = Store(settings.database_url)
    try:
        store.upgrade()  # once, before any worker starts
        _first_run_hint(store, database, data_dir)
    finally:
        store.dispose()
    scheme = "https" if ssl_certfile else "http"
    click.echo(f"zooagg serving on {scheme}://{host}:{port} (docs at /docs, web pages at /web)", err=True)
    options: dict[str, Any] = {"host": host, "port": port, "ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile,
                               "log_level": log_level, "access_log": False, "server_header": False}
    if workers == 1:
        app = create_app(settings, upgrade=False)
        gc.freeze()  # see app_from_environment
        uvicorn.run(app, **options)
    else:  # each worker process makes its app from the settings in its environment
        os.environ[SETTINGS_VARIABLE] = settings.to_json()
        uvicorn.run("zooagg.service.app:app_from_environment", factory=True, workers=workers, **options)


def _first_run_hint(store: object, database: str | None, data_dir: str) -> None:
    from sqlalchemy import func, select

    from .models import Member

    with store.read() as session:  # type: ignore[attr-defined]
        members = session.scalar(select(func.count()).select_from(Member)) or 0
    if members == 0:
        where = f"--database {database}" if database else f"--data-dir {data_dir}"
        click.echo(f"No members yet. Create the first one (an admin) with:\n"
                   f"    zooagg member add NAME {where}\n"
                   f"It asks for a password and prints an API token.", err=True)


@click.group("member", context_settings=HELP)
def member() -> None:
    """Manage the server's members (people who can sign in and write)."""


@member.command("add", context_settings=HELP)
@click.argument("name")
@_store_options
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--admin/--no-admin", default=None,
              help="May add members and see every project [default: admin when it is the first member].")
def member_add(name: str, database: str | None, data_dir: str, password_stdin: bool, admin: bool | None) -> None:
    """Create a member and print an API token for them (on stdout; messages go to stderr)."""
    from sqlalchemy import func, select

    from ..errors import InputError
    from .auth import create_member, issue_token
    from .models import Member
    from .store import Store, database_url

    password = _read_password(password_stdin)
    store = Store(database_url(database, Path(data_dir)))
    store.upgrade()
    try:
        with store.write() as session:
            first = (session.scalar(select(func.count()).select_from(Member)) or 0) == 0
            try:
                created = create_member(session, name, password, admin if admin is not None else first)
            except ValueError as exc:
                raise InputError(str(exc), hint="choose another name or password") from exc
            token = issue_token(session, created, "cli")
    finally:
        store.dispose()
    role = "an admin" if created.is_admin else "a member"
    click.echo(f"created {role} {created.name!r}; their API token (shown once):", err=True)
    click.echo(token)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise click.UsageError("the passwords differ")
    return first
