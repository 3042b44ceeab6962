"""PostgreSQL: a write transaction's statements in a few round trips, through the driver.

The group writer's transaction used to make about ten round trips to PostgreSQL (BEGIN, the
project's revision, the token's access, the column counts, the classifications, the
extracts, the subjects' locks, the subjects' extracts, the reductions, COMMIT), each through
SQLAlchemy, whose own work per statement cost more than psycopg's. Here the statements go to
psycopg directly, and those whose results nobody reads wait (`add`) to be sent with the next
one whose result is read (`query`) or with COMMIT (`commit`), in psycopg's pipeline mode: one
round trip for all of them. PostgreSQL runs them in the order given, each (under READ
COMMITTED) with its own snapshot, as it would one at a time: the subjects' extracts are read
after their locks are held. On other databases there is no Pipeline (`Pipeline.of` is None)
and the callers run their statements through SQLAlchemy as before. The driver's errors are
raised as SQLAlchemy's (a deadlock is an OperationalError, which a request retries).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

Statement = tuple[str, dict[str, Any]]


class Pipeline:
    """The statements of one PostgreSQL transaction that wait for the next round trip."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver  # psycopg.Connection
        self.waiting: list[Statement] = []

    @classmethod
    def of(cls, connection: Connection) -> Pipeline | None:
        """The pipeline of a SQLAlchemy connection to PostgreSQL through psycopg, else None."""
        if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
            return None
        return cls(connection.connection.driver_connection)

    def add(self, sql: str, params: dict[str, Any]) -> None:
        """Run a statement whose result is not read, with the next round trip."""
        self.waiting.append((sql, params))

    def query(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a statement, run after the waiting ones, in one round trip."""
        return self.queries([(sql, params)])[0]

    def queries(self, statements: list[Statement]) -> list[list[tuple[Any, ...]]]:
        """The rows of each statement, run after the waiting ones, all in one round trip."""
        driver = self.driver
        with self._errors([*self.waiting, *statements]):  # a waiting statement may be the one that fails
            if not self.waiting and len(statements) == 1:  # pipeline mode's own work is for nothing
                return [driver.execute(*statements[0]).fetchall()]
            with driver.pipeline():
                for sql, params in self.waiting:
                    driver.execute(sql, params)
                self.waiting = []
                cursors = [driver.execute(sql, params) for sql, params in statements]
            return [cursor.fetchall() for cursor in cursors]

    def flush(self) -> None:
        """Run the waiting statements now (before a statement that goes through SQLAlchemy)."""
        if self.waiting:
            self.queries([])

    def commit(self) -> None:
        """Run the waiting statements and commit, in one round trip; SQLAlchemy's own COMMIT
        afterwards finds no transaction open and sends nothing."""
        driver = self.driver
        with self._errors([*self.waiting, ("COMMIT", {})]), driver.pipeline():
            for sql, params in self.waiting:
                driver.execute(sql, params)
            self.waiting = []
            driver.commit()

    @contextmanager
    def _errors(self, statements: list[Statement]) -> Iterator[None]:
        """The driver's errors as SQLAlchemy's, naming the statements (not their parameters)."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            self.waiting = []
            sql = "; ".join(s for s, _ in statements)
            raise DBAPIError.instance(sql, None, exc, psycopg.Error, hide_parameters=True) from exc
