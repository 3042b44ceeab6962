"""The database: an engine for SQLite (a file in the data folder) or PostgreSQL (by URL),
brought up to date with the Alembic migrations shipped in this package."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .jsonio import dumps_text
from .pipeline import Pipeline

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MIGRATIONS = Path(__file__).parent / "migrations"
#: PostgreSQL: the advisory locks of several keys, in the order given
PG_LOCK_KEYS = "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(%(keys)s AS bigint[])) AS t(k)"
LOCK_KEYS = text(PG_LOCK_KEYS.replace("%(keys)s", ":keys"))


def database_url(database: str | None, data_dir: Path) -> str:
    """`--database` as given (postgresql://... becomes the psycopg 3 driver), else a SQLite file."""
    if not database:
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / 'zooagg.sqlite3').resolve()}"
    url = make_url(database)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


class Store:
    """Engine, sessions and write transactions (one writer at a time on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"json_serializer": dumps_text, "json_deserializer": orjson.loads}
        if self.sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            options.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: Engine = create_engine(url, **options)
        #: readers: on SQLite a second engine whose transactions do not take the write lock; on
        #: PostgreSQL the same pool in autocommit, which saves the BEGIN and ROLLBACK round trips
        #: (under READ COMMITTED each statement sees its own snapshot anyway)
        self.read_engine: Engine = create_engine(url, **options) if self.sqlite else \
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if self.sqlite:
            _sqlite_setup(self.engine, "BEGIN IMMEDIATE")
            _sqlite_setup(self.read_engine, "BEGIN")
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        #: SQLite has one writer at a time: threads of this process queue here instead of
        #: spinning on "database is locked", and processes on the file lock beside the database
        self.write_lock = threading.Lock() if self.sqlite else None
        database = make_url(url).database
        self.file_lock = FileLock(Path(database + ".lock")) if self.sqlite and database not in (None, "", ":memory:") \
            else nullcontext()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """On SQLite, this process's turn to write (write_lock, then file_lock); elsewhere nothing."""
        if self.write_lock is None:
            yield
        else:
            with self.write_lock, self.file_lock:
                yield

    @contextmanager
    def write(self, locked: bool = False) -> Iterator[Session]:
        """A session in one write transaction, committed on success, rolled back on error;
        `locked` when the caller holds locked() already."""
        with nullcontext() if locked else self.locked(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.read_sessions() as session:
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (run by `zooagg serve` at start)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        if isinstance(self.file_lock, FileLock):
            self.file_lock.close()


def lock_subjects(connection: Connection, project_id: int, subjects: Iterable[str],
                  pipeline: Pipeline | None = None) -> None:
    """Serialise recomputation of these subjects across processes: PostgreSQL advisory locks,
    taken in one statement and in key order, so two writers never wait on each other in a
    circle (SQLite's write transaction already serialises everything); with a `pipeline`,
    taken with its next round trip."""
    if connection.dialect.name != "postgresql":
        return
    keys = sorted(int.from_bytes(hashlib.blake2b(f"{project_id}:{s}".encode(), digest_size=8).digest(), "big",
                                 signed=True) for s in subjects)
    if keys and pipeline is not None:
        pipeline.add(PG_LOCK_KEYS, {"keys": keys})
    elif keys:
        connection.execute(LOCK_KEYS, {"keys": keys})


class FileLock:
    """An exclusive lock on a file, for the writers of several server processes on one SQLite
    database: a waiting process wakes as soon as the lock is free, where SQLite's own busy
    wait sleeps between tries (up to 100 ms). Without fcntl (Windows) it does nothing, and
    SQLite's busy wait alone keeps the writers apart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> None:
        if fcntl is None:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _sqlite_setup(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives the process being killed
        # (not a power cut), and commits cost no fsync each
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # writers take the write lock at the start, so two never deadlock upgrading a read lock
        connection.exec_driver_sql(begin)
