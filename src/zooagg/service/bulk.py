"""The extracts and reductions of a transaction, the bulk of what ingest writes, in one go.

On PostgreSQL an executemany runs one INSERT per row (psycopg sends them together, but
PostgreSQL starts and ends each): that was most of PostgreSQL's own time. Here the rows go
as one JSON document, written by orjson and turned back into rows by `json_to_recordset`:
one statement, whose text is the same for any number of rows, so psycopg prepares it once.
(Arrays, one per column, cost more: psycopg writes them element by element in Python.)
SQLite keeps the executemany, which costs it little per row, but given the driver's tuples
directly: SQLAlchemy's own processing of each row's parameters cost more than SQLite's insert.
In the group writer's transaction on PostgreSQL the statement goes to psycopg directly, sent
with the transaction's next round trip (pipeline.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Executable, TextClause, text

from .jsonio import dumps, dumps_text
from .pipeline import Pipeline


class BulkInsert:
    """An INSERT of many rows (an upsert when `key` is given) into `table`; `columns` are
    (name, PostgreSQL type), the types json and timestamptz bound as SQLAlchemy binds them."""

    def __init__(self, table: str, columns: Sequence[tuple[str, str]], key: Sequence[str] = ()) -> None:
        self.columns = columns
        names = ", ".join(f'"{name}"' for name, _ in columns)
        update = ""
        if key:
            changed = ", ".join(f'"{name}" = excluded."{name}"' for name, _ in columns if name not in key)
            update = f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changed}"
        typed = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        #: as psycopg takes it (pipeline.py), and as SQLAlchemy does
        self.driver_sql = (f'INSERT INTO "{table}" ({names}) SELECT {names} FROM '
                           f"json_to_recordset(CAST(%(rows)s AS json)) AS r({typed}){update}")
        self.postgresql: TextClause = text(self.driver_sql.replace("%(rows)s", ":rows"))
        self.sqlite = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)}){update}'
        self.json = [name for name, kind in columns if kind == "json"]

    def execute(self, connection: Connection, statement: Executable, rows: list[dict[str, Any]],
                pipeline: Pipeline | None = None) -> None:
        """Insert the rows (dicts keyed by column); `statement` is the same INSERT in SQLAlchemy's
        terms, for other databases; with a `pipeline`, sent with its next round trip. (A JSON
        column's None would come out of json_to_recordset as NULL, not JSON null: rows with one
        take the executemany.)"""
        if not rows:
            return
        dialect = connection.dialect
        if pipeline is not None and not self.has_null_json(rows):
            pipeline.add(self.driver_sql, {"rows": dumps(rows).decode()})
            return
        if pipeline is not None:
            pipeline.flush()
        if dialect.name == "sqlite":
            timestamp = _sqlite_timestamp(dialect)
            convert = [dumps_text if kind == "json" else timestamp if kind == "timestamptz" else None
                       for _, kind in self.columns]
            connection.exec_driver_sql(self.sqlite, [
                tuple(row[name] if to is None else to(row[name])
                      for (name, _), to in zip(self.columns, convert, strict=True)) for row in rows])
        elif dialect.name == "postgresql" and not self.has_null_json(rows):
            connection.execute(self.postgresql, {"rows": dumps(rows).decode()})
        else:
            connection.execute(statement, rows)


    def has_null_json(self, rows: list[dict[str, Any]]) -> bool:
        return any(row[name] is None for row in rows for name in self.json)


@cache
def _sqlite_timestamp(dialect: Dialect) -> Any:
    """How SQLAlchemy binds a DateTime(timezone=True) value on this SQLite dialect."""
    return DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)


EXTRACTS = BulkInsert("extracts", (
    ("project_id", "integer"), ("classification_pk", "bigint"), ("extractor", "text"), ("task", "text"),
    ("subject_id", "text"), ("classification_id", "text"), ("classification_number", "bigint"),
    ("user_name", "text"), ("user_id", "text"), ("created_at", "text"), ("position", "integer"), ("data", "json")))
REDUCTIONS = BulkInsert("reductions", (
    ("project_id", "integer"), ("extractor", "text"), ("task", "text"), ("subject_id", "text"), ("reducer", "text"),
    ("rows", "json"), ("error", "text"), ("signature", "text"), ("updated_at", "timestamptz")),
    key=("project_id", "extractor", "task", "subject_id"))
DROPPED = BulkInsert("dropped_marks", (
    ("project_id", "integer"), ("classification_pk", "bigint"), ("classification_id", "text"), ("task", "text"),
    ("extractor", "text"), ("reason", "text")))
