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
import itertools
import threading
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..tables import flatten, unflatten
from .jsonio import dumps
from .models import ExtractColumn
from .pipeline import Pipeline

Rank = tuple[int, str, int, int]  # classification number, classification_id, position, index in the row


class ColumnOrder:
    """The columns of one project's extractor, each with the rank of its first appearance."""

    def __init__(self, ranks: dict[str, Rank], signature: str | None = None, shared: bool = False) -> None:
        self.ranks = ranks
        self._signature = signature
        #: `ranks` is a ColumnCache's too: copied before it changes
        self.shared = shared

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
                    if self.shared:
                        self.ranks, self.shared = dict(self.ranks), False
                    self.ranks[name] = changed[name] = rank
        if changed:
            self._signature = None
            _upsert(session, project_id, extractor, changed)

    @property
    def signature(self) -> str:
        if self._signature is None:
            names = sorted(self.ranks, key=lambda n: self.ranks[n])
            self._signature = hashlib.blake2b("\x1f".join(names).encode(), digest_size=12).hexdigest()
        return self._signature

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

    def __init__(self, session: Session, project_id: int, known: dict[str, ColumnOrder] | None = None,
                 memo: Reordered | None = None, config_rev: int = 0, pipeline: Pipeline | None = None) -> None:
        self.session = session
        #: its waiting statements go before any of ours (which go through SQLAlchemy)
        self.pipeline = pipeline
        self.project_id = project_id
        self._orders: dict[str, ColumnOrder] = known or {}
        self._memo = memo
        self._config_rev = config_rev
        #: the extracts this transaction reordered, for the memo once it has committed
        self.reordered: dict[tuple[int, int, int, str], bytes] = {}

    def reorder_all(self, extractor: str, stored: list[tuple[int, str]]) -> list[Any]:
        """Stored extracts (id, data as JSON text) as the reducer sees them: ColumnOrder.reorder,
        remembered once this transaction has committed (ColumnCache.committed): until then an
        id is not surely this extract's, as SQLite gives the ids of a rolled-back insert out
        again. The list is made afresh from JSON each time, so a reducer cannot change the memo."""
        order = self.get(extractor)
        if self._memo is None:
            return [order.reorder(orjson.loads(text)) for _, text in stored]
        memo, mine = self._memo.known, self.reordered
        project, config_rev, signature = self.project_id, self._config_rev, order.signature
        parts = []
        for extract_id, text in stored:
            key = (project, config_rev, extract_id, signature)
            known = memo.get(key) or mine.get(key)
            if known is None:
                known = mine[key] = dumps(order.reorder(orjson.loads(text)))
            parts.append(known)
        return orjson.loads(b"[" + b",".join(parts) + b"]")

    def get(self, extractor: str) -> ColumnOrder:
        if extractor not in self._orders:
            if self.pipeline is not None:
                self.pipeline.flush()
            self._orders[extractor] = ColumnOrder.load(self.session, self.project_id, extractor)
        return self._orders[extractor]

    def see(self, extractor: str, extracts: Iterable[tuple[int | None, str, int, Any]]) -> None:
        if self.pipeline is not None:
            self.pipeline.flush()
        self.get(extractor).see(self.session, self.project_id, extractor, extracts)


class ColumnCache:
    """The column orders this process knows, per project and configuration revision, so a
    transaction does not read them again: filled from the store, then from the transactions
    of this process, once they have committed.

    A rank stored only ever falls (until a new revision starts them afresh), so a cached rank
    is never below the stored one, and other processes (`serve --workers`) can add columns or
    lower ranks. So each write transaction first reads, per extractor, the count of stored
    columns and a checksum of their classification numbers, and loads again an order whose
    count or checksum differs from the cached one. An order that still lags (another process
    writing meanwhile) gives a reduction another `signature`, which a download recomputes
    (see reduction_csv); `see` still writes every lower rank it meets.
    """

    def __init__(self) -> None:
        #: per project and revision, per extractor: the ranks (never changed once here), their
        #: signature and their tally
        self._known: dict[tuple[int, int], dict[str, tuple[dict[str, Rank], str, tuple[int, int]]]] = {}
        self._lock = threading.Lock()
        self.reordered = Reordered()

    def orders(self, session: Session, project_id: int, config_rev: int,
               stored: dict[str, tuple[int, int]] | None = None, pipeline: Pipeline | None = None) -> Orders:
        """The project's orders for a write transaction; `stored` is what TALLY reads, when
        the caller has read it already (PG_TALLY)."""
        if stored is None:
            stored = {extractor: (count, checksum) for extractor, count, checksum in session.connection().execute(
                TALLY, {"project": project_id})}
        with self._lock:
            known = self._known.get((project_id, config_rev), {})
            shared = {name: ColumnOrder(ranks, signature, shared=True)
                      for name, (ranks, signature, tally) in known.items() if tally == stored.get(name)}
        return Orders(session, project_id, shared, self.reordered, config_rev, pipeline)

    def committed(self, config_rev: int, orders: Orders) -> None:
        """Keep what a transaction that has committed knew."""
        known = {}
        for name, order in orders._orders.items():
            order.shared = True
            known[name] = (order.ranks, order.signature, _tally(order.ranks))
        with self._lock:
            self._known = {k: v for k, v in self._known.items() if k[0] != orders.project_id}
            self._known[(orders.project_id, config_rev)] = known
        self.reordered.add(orders.reordered)


#: the checksum's modulus: a sum of classification numbers small enough for any database
CHECKSUM = 1_000_003
#: per extractor of a project, the stored columns' count and checksum (see ColumnCache)
TALLY = (select(ExtractColumn.extractor, func.count(), func.sum(ExtractColumn.first_number % CHECKSUM))
         .where(ExtractColumn.project_id == bindparam("project")).group_by(ExtractColumn.extractor))
#: the same for some projects, on PostgreSQL through the driver (pipeline.py)
PG_TALLY = (f"SELECT project_id, extractor, count(*), CAST(sum(first_number %% {CHECKSUM}) AS bigint) "
            "FROM extract_columns WHERE project_id = ANY(CAST(%(projects)s AS integer[])) GROUP BY project_id, extractor")


def _tally(ranks: dict[str, Rank]) -> tuple[int, int]:
    return len(ranks), sum(rank[0] % CHECKSUM for rank in ranks.values())


class Reordered:
    """Extracts as the reducers see them, as JSON, by (project, revision, extract id, column
    order): a subject's extracts are reduced again at each classification it gets, and
    reordering them costs more than the reducers do. The oldest are forgotten first. Read
    without a lock: only the group writer's thread adds to it."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self.known: dict[tuple[int, int, int, str], bytes] = {}

    def add(self, reordered: dict[tuple[int, int, int, str], bytes]) -> None:
        known = self.known
        known.update(reordered)
        if len(known) > self.size:
            for key in list(itertools.islice(known, len(known) - self.size)):
                del known[key]


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
