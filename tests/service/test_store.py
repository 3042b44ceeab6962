"""The store: migrations agree with the models, upgrades are repeatable, SQLite by default."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from zooagg.service.models import Base
from zooagg.service.store import Store, database_url


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    url = database_url(None, tmp_path / "data")
    assert url == f"sqlite:///{(tmp_path / 'data' / 'zooagg.sqlite3').resolve()}"
    assert database_url("postgresql://postgres@127.0.0.1:5432/x", tmp_path).startswith("postgresql+psycopg://")


def test_migrations_create_exactly_the_models(tmp_path: Path) -> None:
    store = Store(database_url(None, tmp_path))
    store.upgrade()
    store.upgrade()  # a second start changes nothing
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    store.dispose()
    assert diff == []
    assert {"members", "tokens", "projects", "project_members", "workflows", "task_parameters",
            "classifications", "extracts", "reductions", "alembic_version"} <= tables
