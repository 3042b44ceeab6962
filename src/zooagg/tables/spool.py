"""Tables written row by row: each row is pickled to a spool file while its columns and their
types are learned, and the whole table is laid out once at the end (`layout`), so memory stays
flat however long the export. `finish_tables` lays out several tables side by side in forked
children and renames them into place only when all are written."""

from __future__ import annotations

import gc
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import abandon, adopt, commit, pending
from .cells import Column
from .layout import ColumnStats, column_order, write_csv, write_parquet


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic GC inside a batch: it allocates many small acyclic objects, and the
    collector's passes over them cost more than the work (measured: 2x on extraction)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: rows pickled together in the spool: one pickle per batch is far cheaper than one per row
SPOOL_BATCH = 2000


def encode_rows(rows: list[tuple[Sequence[Any], dict[str, Any]]]) -> bytes:
    return pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class SpooledTable:
    """A table written row by row to a spool file and laid out at the end (CSV or Parquet)."""

    path: Path
    meta_columns: Sequence[str]
    stats: ColumnStats = field(default_factory=ColumnStats)
    #: per meta column, a formatter chosen by the caller (e.g. user_id as float)
    meta_format: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._spool = tempfile.TemporaryFile(dir=self.path.parent, prefix=".zooagg-spool-")  # noqa: SIM115
        self._pending: list[tuple[Sequence[Any], dict[str, Any]]] = []
        self._batches = 0

    @property
    def rows(self) -> int:
        return self.stats.rows

    @property
    def columns(self) -> dict[str, Column]:
        return self.stats.columns

    def add(self, meta: Sequence[Any], data: dict[str, Any]) -> None:
        self._pending.append(self.stats.learn(meta, data))
        if len(self._pending) >= SPOOL_BATCH:
            self._flush()

    def add_encoded(self, blob: bytes, stats: ColumnStats) -> None:
        """A batch of rows pickled elsewhere (a worker process: `encode_rows`), with its columns."""
        self._flush()
        self._spool.write(blob)
        self._batches += 1
        self.stats.merge(stats)

    def _flush(self) -> None:
        if self._pending:
            self._spool.write(encode_rows(self._pending))
            self._batches += 1
            self._pending = []

    def records(self) -> Iterator[tuple[Sequence[Any], dict[str, Any]]]:
        """The spooled rows back, exactly (pickle keeps NaN, tuples and big ints as they were)."""
        self._flush()
        self._spool.seek(0)
        for _ in range(self._batches):  # a fresh unpickler each: every batch was pickled on its own
            yield from pickle.load(self._spool)

    def data_columns(self, order: bool = False, front: Sequence[str] = ()) -> list[str]:
        return column_order(list(self.columns), order, front)

    def finish(self, fmt: str = "csv", order: bool = False, front: Sequence[str] = ()) -> Path:
        tmp, path = self.render(fmt, order, front)
        commit(tmp, path)
        return path

    def render(self, fmt: str = "csv", order: bool = False, front: Sequence[str] = ()) -> tuple[Path, Path]:
        """Write the table to a temp file beside its path: (temp file, final path), not yet renamed."""
        names = self.data_columns(order, front)
        before = pending()
        try:
            if fmt == "parquet":
                return self._finish_parquet(names)
            return self._finish_csv(names)
        except BaseException:
            for tmp in pending() - before:  # this table's half-written file
                abandon(tmp)
            raise
        finally:
            self._spool.close()

    def discard(self) -> None:
        self._spool.close()

    def _finish_csv(self, names: list[str]) -> tuple[Path, Path]:
        """The CSV layout (`layout.write_csv`); a table that spools rows of its own form
        (engine/extract_rows.py `CsvTable`) lays them out itself."""
        return write_csv(self, names)

    def _finish_parquet(self, names: list[str]) -> tuple[Path, Path]:
        return write_parquet(self, names)


def finish_tables(jobs: Sequence[tuple[SpooledTable, str, bool, Sequence[str]]], workers: int = 1) -> list[Path]:
    """Lay out several tables (table, format, order, front columns), each in its own forked
    process when there are cores to spare: laying out is per-row Python work, and the tables
    are independent. Files are renamed into place only once every one is written."""
    import multiprocessing

    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        rendered = _render_forked(jobs, workers)  # cleans up after itself when one fails
    else:
        rendered = []
        try:
            for table, fmt, order, front in jobs:
                rendered.append(table.render(fmt, order, front))
        except BaseException:
            for tmp, _ in rendered:
                abandon(tmp)
            for table, *_ in jobs:
                table.discard()
            raise
    for tmp, path in rendered:
        commit(tmp, path)
    return [path for _, path in rendered]


def _render_forked(jobs: Sequence[tuple[SpooledTable, str, bool, Sequence[str]]], workers: int) -> list[tuple[Path, Path]]:
    """`render` each job in a child made by fork (the child inherits the spool file as it is);
    at most `workers` at a time. A child reports its temp file, or the error that stopped it."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    out: list[tuple[Path, Path] | None] = [None] * len(jobs)
    waiting = list(enumerate(jobs))
    running: list[tuple[int, Any, Any]] = []
    failure: str | None = None
    try:
        while waiting or running:
            while waiting and len(running) < workers and failure is None:
                index, (table, fmt, order, front) = waiting.pop(0)
                receive, send = context.Pipe(duplex=False)
                child = context.Process(target=_render_child, args=(table, fmt, order, front, send), daemon=True)
                child.start()
                send.close()
                running.append((index, child, receive))
            if not running:
                break
            index, child, receive = running[0]
            try:
                answer = receive.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                answer = None
            child.join()
            receive.close()
            running.pop(0)
            if isinstance(answer, tuple):
                tmp = Path(answer[0])
                adopt(tmp)
                out[index] = (tmp, Path(answer[1]))
                continue
            if answer is None:
                _remove_orphans(jobs[index][0])
            if failure is None:
                failure = answer if isinstance(answer, str) else f"laying out stopped (exit code {child.exitcode})"
    except BaseException:  # interrupted (Ctrl-C): stop the children, leave no temp file
        for index, child, receive in running:
            child.terminate()
            child.join()
            receive.close()
            _remove_orphans(jobs[index][0])
        raise
    for table, *_ in jobs:
        table.discard()  # the parent's copy of each spool
    if failure is not None:
        for item in out:
            if item is not None:
                abandon(item[0])
        raise OSError(failure)
    return [item for item in out if item is not None]


def _remove_orphans(table: SpooledTable) -> None:
    """The temp file (`atomic_open`'s name) a child stopped from outside left behind."""
    for orphan in table.path.parent.glob(f".{table.path.stem}.*.part"):
        orphan.unlink(missing_ok=True)


def _render_child(table: SpooledTable, fmt: str, order: bool, front: Sequence[str], send: Any) -> None:
    try:
        tmp, path = table.render(fmt, order, front)  # which removes its temp file if it fails
        send.send((str(tmp), str(path)))  # the parent renames it (or removes it)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        with suppress(OSError):
            send.send(f"{type(exc).__name__}: {exc}")
    finally:
        send.close()
