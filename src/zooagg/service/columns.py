"""The column order of an extractor's extracts, as the offline extract file has it.

Offline, an extract is read back from the CSV, so its keys come in the file's column order:
the order in which each flattened key first appears in the file (rows in export order, i.e.
by classification_id). Reducers build their output in that key order, and so the reduction
CSV's column order depends on it. Live, classifications can arrive in any order, so the
first appearance of every column is tracked here, extracts are re-keyed in that order before
reducing, and each reduction remembers the column order it was computed with (`signature`):
a download recomputes the reductions made under an older order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..tables import flatten, unflatten
from .models import ExtractColumn

Rank = tuple[int, str, int, int]  # classification number, classification_id, position, index in the row


class ColumnOrder:
    """The columns of one project's extractor, each with the rank of its first appearance."""

    def __init__(self, ranks: dict[str, Rank]) -> None:
        self.ranks = ranks

    @classmethod
    def load(cls, session: Session, project_id: int, extractor: str) -> ColumnOrder:
        rows = session.scalars(select(ExtractColumn).where(ExtractColumn.project_id == project_id,
                                                           ExtractColumn.extractor == extractor))
        return cls({r.name: (r.first_number, r.first_id, r.first_position, r.first_index) for r in rows})

    def see(self, session: Session, project_id: int, extractor: str,
            extracts: Iterable[tuple[int | None, str, int, Any]]) -> None:
        """Learn the columns of new extracts (classification number, id, position, data)."""
        changed: dict[str, Rank] = {}
        for number, cid, position, data in extracts:
            if not isinstance(data, dict):
                continue
            for index, name in enumerate(flatten(data)):
                rank = (number if number is not None else 0, cid, position, index)
                known = self.ranks.get(name)
                if known is None or rank < known:
                    self.ranks[name] = changed[name] = rank
        if changed:
            _upsert(session, project_id, extractor, changed)

    @property
    def signature(self) -> str:
        names = sorted(self.ranks, key=lambda n: self.ranks[n])
        return hashlib.blake2b("\x1f".join(names).encode(), digest_size=12).hexdigest()

    def reorder(self, data: Any) -> Any:
        """`data` as it reads back from the extract CSV: keys in column order, None dropped."""
        if not isinstance(data, dict):
            return data
        flat = [(k, v) for k, v in flatten(data).items() if v is not None and v == v]
        last = (1 << 62, "", 0, 0)
        flat.sort(key=lambda item: self.ranks.get(item[0], last))
        out = unflatten(dict(flat))
        out.pop("aggregation_version", None)
        return out


class Orders:
    """The column orders of one project's extractors, loaded as needed within one transaction."""

    def __init__(self, session: Session, project_id: int) -> None:
        self.session = session
        self.project_id = project_id
        self._orders: dict[str, ColumnOrder] = {}

    def get(self, extractor: str) -> ColumnOrder:
        if extractor not in self._orders:
            self._orders[extractor] = ColumnOrder.load(self.session, self.project_id, extractor)
        return self._orders[extractor]

    def see(self, extractor: str, extracts: Iterable[tuple[int | None, str, int, Any]]) -> None:
        self.get(extractor).see(self.session, self.project_id, extractor, extracts)


def _upsert(session: Session, project_id: int, extractor: str, ranks: dict[str, Rank]) -> None:
    """Insert new columns and lower the rank of known ones, safely under concurrent writers."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ExtractColumn).values([
        {"project_id": project_id, "extractor": extractor, "name": name, "first_number": rank[0],
         "first_id": rank[1], "first_position": rank[2], "first_index": rank[3]}
        for name, rank in sorted(ranks.items())])
    new = statement.excluded
    mine = tuple_(ExtractColumn.first_number, ExtractColumn.first_id, ExtractColumn.first_position,
                  ExtractColumn.first_index)
    theirs = tuple_(new.first_number, new.first_id, new.first_position, new.first_index)
    session.execute(statement.on_conflict_do_update(
        index_elements=["project_id", "extractor", "name"],
        set_={"first_number": new.first_number, "first_id": new.first_id,
              "first_position": new.first_position, "first_index": new.first_index},
        where=theirs < mine))
