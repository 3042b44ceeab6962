"""Extract and reduction tables: peer-compatible CSV and typed Parquet, written atomically.

Rows stream into a spool file (one JSON line each) while the columns and their types are
learned; `finish()` then writes the table in one pass. That keeps memory flat and still
gives what the peer's pandas writes: columns in first-seen order, counts as `1.0` in a column
with gaps, lists as Python reprs, `user_id` as `3958.0` when the export has anonymous rows.
"""

from __future__ import annotations

import ast
import atexit
import csv
import gc
import math
import os
import pickle
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

EXTRACT_COLUMNS = ("classification_id", "user_name", "user_id", "workflow_id", "task", "created_at",
                   "subject_id", "extractor")
REDUCTION_COLUMNS = ("subject_id", "workflow_id", "task", "reducer")
#: reduction columns that `-O` (alphabetical order) still puts first, as the peer does
REDUCTION_FRONT = ("choice", "total_vote_count", "choice_count")


_PREFIXED: dict[str, str] = {}


def flatten(data: dict[str, Any], prefix: str = "data.") -> dict[str, Any]:
    """Nested dicts joined with "." (lists kept whole); empty nested dicts vanish, as in pandas."""
    if prefix == "data." and not any(type(v) is dict for v in data.values()):
        names = _PREFIXED
        try:
            return {names[k]: v for k, v in data.items()}
        except KeyError:
            for key in data:
                if key not in names and len(names) < 100_000:
                    names[key] = prefix + key
            return {names.get(k) or prefix + k: v for k, v in data.items()}
    # pandas' json_normalize puts a record's top-level scalars first, then its nested mappings
    out: dict[str, Any] = {f"{prefix}{k}": v for k, v in data.items() if type(v) is not dict}
    for key, value in data.items():
        if type(value) is dict:
            _walk(value, f"{prefix}{key}.", out)
    return out


def _walk(node: dict[str, Any], path: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        name = f"{path}{key}"
        if isinstance(value, dict):
            _walk(value, name + ".", out)
        else:
            out[name] = value


def unflatten(flat: dict[str, Any], prefix: str = "data.") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        node = out
        parts = name[len(prefix):].split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


# ---- column types, as pandas infers them -------------------------------------------------

_INT, _FLOAT, _BOOL, _STR, _OTHER, _NULL = 1, 2, 4, 8, 16, 32


def _tag(value: Any) -> int:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _NULL if math.isnan(value) else _FLOAT
    if isinstance(value, str):
        return _STR
    return _OTHER


#: the tag of the exact types met most (subclasses and floats go through `_tag`)
_TYPE_TAGS: dict[type, int] = {bool: _BOOL, int: _INT, str: _STR, type(None): _NULL, list: _OTHER, dict: _OTHER}


@dataclass
class Column:
    name: str
    tags: int = 0
    present: int = 0

    def formatter(self, rows: int) -> Any:
        gaps = self.present < rows or bool(self.tags & _NULL)
        kinds = self.tags & ~_NULL
        if kinds == _INT and not gaps:
            return str
        if kinds and not kinds & ~(_INT | _FLOAT):
            return _float_text
        if kinds == _BOOL and not gaps:
            return str
        return _object_text


def _float_text(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return "" if math.isnan(number) else repr(number)


_ABSENT = object()


def _object_text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None or (type(value) is float and math.isnan(value)):
        return ""
    return str(value)


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


# ---- atomic output -------------------------------------------------------------------------

_UMASK = os.umask(0)
os.umask(_UMASK)

#: temp files written but not yet renamed into place; removed if the run stops first
_PENDING: set[Path] = set()


def atomic_open(path: Path, mode: str = "w") -> tuple[IO[Any], Path]:
    """A temp file beside `path`; `commit(tmp, path)` renames it into place. If the run ends
    first (an error, Ctrl-C), `discard_partials()` removes it: no half file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
    os.close(fd)
    tmp = Path(name)
    _PENDING.add(tmp)
    if "b" in mode:
        return open(tmp, mode), tmp
    return open(tmp, mode, encoding="utf-8", newline=""), tmp


def commit(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    _PENDING.discard(tmp)


def abandon(tmp: Path) -> None:
    """Remove a temp file from `atomic_open` instead of committing it."""
    tmp.unlink(missing_ok=True)
    _PENDING.discard(tmp)


def discard_partials() -> None:
    for tmp in list(_PENDING):
        abandon(tmp)


atexit.register(discard_partials)


class _LineFeed:
    """Rows end in "\n" as the peer's, yet a field holding a lone "\r" is still quoted.

    The csv module only quotes characters of its line terminator, so it writes with "\r\n"
    (quoting both) and this turns each row's ending into "\n". (The peer leaves such a "\r"
    bare, and its file then splits the row when read back.)
    """

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle

    def write(self, line: str) -> int:
        return self.handle.write(line[:-2] + "\n")


#: a character that makes csv.writer (QUOTE_MINIMAL) quote a cell
NEEDS_QUOTES = re.compile(r'[,"\r\n]').search


def csv_cell(text: str) -> str:
    """A text cell as csv.writer writes it (quoted when it holds `,`, `"`, CR or LF)."""
    return text if NEEDS_QUOTES(text) is None else '"' + text.replace('"', '""') + '"'


def csv_writer(handle: IO[str]) -> Any:
    return csv.writer(_LineFeed(handle), lineterminator="\r\n")


class ColumnStats:
    """Columns in first-seen order with the types seen; mergeable across worker batches."""

    def __init__(self) -> None:
        self.columns: dict[str, Column] = {}
        self.rows = 0

    def learn(self, meta: Sequence[Any], data: dict[str, Any]) -> tuple[Sequence[Any], dict[str, Any]]:
        """A row ready to spool (meta, flattened data), learning its columns on the way."""
        flat = flatten(data)
        columns = self.columns
        tags = _TYPE_TAGS
        for name, value in flat.items():
            column = columns.get(name)
            if column is None:
                column = columns[name] = Column(name)
            kind = type(value)
            if kind is float:
                column.tags |= _FLOAT if value == value else _NULL  # NaN != NaN
            else:
                column.tags |= tags.get(kind) or _tag(value)
            column.present += 1
        self.rows += 1
        return meta, flat

    def merge(self, other: ColumnStats) -> None:
        for name, theirs in other.columns.items():
            mine = self.columns.get(name)
            if mine is None:
                mine = self.columns[name] = Column(name)
            mine.tags |= theirs.tags
            mine.present += theirs.present
        self.rows += other.rows


def column_order(names: list[str], order: bool, front: Sequence[str] = ()) -> list[str]:
    """Data columns in first-seen order, or with -O alphabetical with the `front` keys first."""
    names = list(names)
    if order:
        names.sort()
        for key in reversed(front):
            if f"data.{key}" in names:
                names.remove(f"data.{key}")
                names.insert(0, f"data.{key}")
    return names


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

    def _records(self) -> Iterator[tuple[Sequence[Any], dict[str, Any]]]:
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
        before = set(_PENDING)
        try:
            if fmt == "parquet":
                return self._finish_parquet(names)
            return self._finish_csv(names)
        except BaseException:
            for tmp in _PENDING - before:  # this table's half-written file
                abandon(tmp)
            raise
        finally:
            self._spool.close()

    def discard(self) -> None:
        self._spool.close()

    def _finish_csv(self, names: list[str]) -> tuple[Path, Path]:
        formatters = [self.columns[n].formatter(self.rows) for n in names]
        cells = list(zip(names, formatters, strict=True))
        # meta cells are text already; only those given a formatter (user_id) need one
        meta_formats = [(i, self.meta_format[m]) for i, m in enumerate(self.meta_columns) if m in self.meta_format]
        handle, tmp = atomic_open(self.path)
        with handle:
            writer = csv_writer(handle)
            writer.writerow([*self.meta_columns, *names])
            for meta, flat in self._records():
                row = ["" if v is None else v if type(v) is str else _object_text(v) for v in meta]
                for i, formatter in meta_formats:
                    row[i] = formatter(meta[i])
                get = flat.get
                row += [formatter(value) if (value := get(n, _ABSENT)) is not _ABSENT else ""
                        for n, formatter in cells]
                writer.writerow(row)
        return tmp, self.path

    def _finish_parquet(self, names: list[str]) -> tuple[Path, Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path.with_suffix(".parquet")
        handle, tmp = atomic_open(path, "wb")
        handle.close()
        fields = [pa.field(m, pa.string()) for m in self.meta_columns]
        for name in names:
            kinds = self.columns[name].tags & ~_NULL
            if kinds == _INT:
                fields.append(pa.field(name, pa.int64()))
            elif kinds and not kinds & ~(_INT | _FLOAT):
                fields.append(pa.field(name, pa.float64()))
            elif kinds == _BOOL:
                fields.append(pa.field(name, pa.bool_()))
            elif kinds == _STR:
                fields.append(pa.field(name, pa.string()))
            else:  # lists, mappings and mixed columns: JSON text
                fields.append(pa.field(name, pa.string()))
        schema = pa.schema(fields)
        json_columns = {f.name for f in fields[len(self.meta_columns):]
                        if f.type == pa.string() and self.columns[f.name].tags & ~(_STR | _NULL)}
        with pq.ParquetWriter(tmp, schema) as writer:
            batch: list[dict[str, Any]] = []
            for meta, flat in self._records():
                record = {m: (None if v is None else str(v)) for m, v in zip(self.meta_columns, meta, strict=True)}
                for name in names:
                    value = flat.get(name)
                    if name in json_columns and value is not None:
                        value = orjson.dumps(value).decode()
                    record[name] = value
                batch.append(record)
                if len(batch) >= 10000:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch or self.rows == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        return tmp, path


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
                _PENDING.add(tmp)
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


# ---- reading extract and reduction CSVs back ----------------------------------------------

NA_VALUES = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                       "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_TRUE_TEXT = frozenset({"True", "TRUE", "true"})
_FALSE_TEXT = frozenset({"False", "FALSE", "false"})


_NA_ARRAY = pa.array(sorted(NA_VALUES), pa.string())
_BOOL_TEXT = pa.array(sorted(_TRUE_TEXT | _FALSE_TEXT), pa.string())


@dataclass
class ColumnKind:
    """What pandas' read_csv would make of a text column, learned batch by batch.

    int: every present cell a whole number and no gaps; float: all numbers (or ints with
    gaps); bool: all True/False; else text. Merged over partitions, so every part of a big
    file is typed as the whole file would be.
    """

    present: bool = False
    gaps: bool = False
    ints: bool = True
    floats: bool = True
    bools: bool = True

    def update(self, column: pa.Array | pa.ChunkedArray) -> ColumnKind:
        missing = pc.is_in(column, value_set=_NA_ARRAY)
        present = pc.filter(column, pc.invert(missing))
        self.gaps |= len(present) < len(column)
        if len(present) == 0:
            return self
        self.present = True
        if self.ints:
            self.ints = _casts(present, pa.int64())
        if self.floats:
            self.floats = self.ints or _casts(present, pa.float64())
        if self.bools:
            self.bools = bool(pc.all(pc.is_in(present, value_set=_BOOL_TEXT)).as_py())
        return self

    def merge(self, other: ColumnKind) -> None:
        self.present |= other.present
        self.gaps |= other.gaps
        self.ints &= other.ints
        self.floats &= other.floats
        self.bools &= other.bools

    def apply(self, cells: list[str]) -> list[Any]:
        """Typed values (NaN where missing)."""
        nan = math.nan
        if self.present and self.ints:
            if self.gaps:
                return [nan if c in NA_VALUES else float(int(c)) for c in cells]
            return [int(c) for c in cells]
        if self.present and self.floats:
            return [nan if c in NA_VALUES else float(c) for c in cells]
        if self.present and self.bools:
            return [nan if c in NA_VALUES else c in _TRUE_TEXT for c in cells]
        return [nan if c in NA_VALUES else c for c in cells]


def _casts(column: pa.Array | pa.ChunkedArray, to: pa.DataType) -> bool:
    try:
        pc.cast(column, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def type_column(cells: list[str]) -> list[Any]:
    """Typed values for one CSV column, as pandas' read_csv infers them (NaN for missing)."""
    return ColumnKind().update(pa.array(cells, pa.string())).apply(cells)


def parse_cell(value: Any) -> Any:
    """A data cell back to a Python value: lists and mappings parsed safely (never eval)."""
    if isinstance(value, str) and ("[" in value or "{" in value):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
        try:
            return _literal(ast.parse(value.strip(), mode="eval").body)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


_NAMES = {"nan": None, "None": None, "null": None, "true": True, "false": False, "True": True, "False": False}


def _literal(node: ast.AST) -> Any:
    """Python/JSON literals only (the peer eval()s these cells; we never execute anything)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k) if k is not None else None: _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _literal(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    raise ValueError("not a literal")


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
