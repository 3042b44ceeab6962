"""Reduction: an extract table in, one reduction row (or several) per subject and task out.

The extract file is split by subject into buckets (engine/partition.py) so memory stays flat;
each bucket is reduced on its own (in this process, worker processes or Dask workers), and the
buckets' rows are merged back in the peer's order.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import AGGREGATION_VERSION, registry
from ..config import ReducerConfig
from ..errors import ReduceError, RowError, Where, ZooaggError
from ..tables import REDUCTION_COLUMNS, ColumnKind, SpooledTable, paused_gc
from .executors import make_executor
from .extract_table import ExtractTable, Group
from .partition import partition, read_bucket
from .rejects import Rejects

FILTERS = ("first", "last", "all")
#: extract-file bytes per bucket: what one process holds in memory at a time
BUCKET_BYTES = 12_000_000
#: below this size one process reduces the whole file (starting workers would cost more)
PARALLEL_FROM_BYTES = 8_000_000


@dataclass
class ReduceSummary:
    extracts_read: int = 0
    subjects: int = 0
    rows_written: int = 0
    rejected: int = 0
    repeats_dropped: int = 0
    seconds: float = 0.0
    output: Path | None = None
    rejects_file: Path | None = None
    buckets: int = 1


@dataclass
class BucketJob:
    file: Path
    spool: Path
    source: str
    kinds: dict[str, ColumnKind]
    numeric_subjects: bool
    tasks: list[str]
    reducer: str
    params: dict[str, Any]
    how: str


@dataclass
class BucketResult:
    spool: Path
    rows: int = 0
    subjects: int = 0
    dropped: int = 0
    rejects: list[RowError] = field(default_factory=list)
    first_seen: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    first_row: tuple[Any, ...] | None = None  # (sort key, workflow_id as written)


def reduce_bucket(job: BucketJob) -> BucketResult:
    """Reduce every subject of one bucket; rows are spooled as (subject key, subject, task, data)."""
    component = registry.get("reducer", job.reducer)
    params = dict(job.params)
    no_version = params.pop("no_version", False)
    extracts = ExtractTable(read_bucket(job.file), job.kinds, job.numeric_subjects)
    result = BucketResult(job.spool)
    with paused_gc(), job.spool.open("wb") as spool:
        groups, result.first_seen = extracts.groups(job.how, job.tasks)
        if not groups:
            return result
        keys = extracts.subject_keys()
        columnar = _columnar(component, params, extracts)
        first = min(result.first_seen.values())
        result.first_row = (first[0], first[1], first[2], extracts.text("workflow_id")[
            extracts.table.column("__row").to_pylist().index(first[2])])
        positions = {subject: i for i, subject in enumerate(extracts.text("subject_id"))}
        seen: set[str] = set()
        for group in groups:
            result.dropped += group.dropped
            seen.add(group.subject)
            try:
                if columnar is not None:
                    function, names, presence = columnar
                    reduction = function(names, presence[group.rows], **params)
                else:
                    reduction = reduce_group(component, params, extracts, group)
            except ZooaggError as exc:
                result.rejects.append(ReduceError(f"{job.reducer}: {exc.message}", exc.hint,
                                                  Where(job.source, group.subject, None, group.task, exc.where.value)))
                continue
            except Exception as exc:  # a reducer met data it does not understand: reject the subject, named
                result.rejects.append(ReduceError(f"{job.reducer} failed ({type(exc).__name__}: {exc})",
                                                  "check the extracts of this subject and task",
                                                  Where(job.source, group.subject, None, group.task)))
                continue
            key = keys[positions[group.subject]]
            for data in reduction if isinstance(reduction, list) else [reduction]:
                if not no_version:
                    data["aggregation_version"] = AGGREGATION_VERSION
                pickle.dump((key, group.subject, group.task, data), spool, protocol=pickle.HIGHEST_PROTOCOL)
                result.rows += 1
        result.subjects = len(seen)
    return result


def _columnar(component: Any, params: dict[str, Any], extracts: ExtractTable) -> Any:
    """The presence matrix, when the reducer has a columnar form for these parameters."""
    if component.columnar is None or not component.columnar_ok(params):
        return None
    return (component.columnar, *extracts.presence())


def reduce_group(component: Any, params: dict[str, Any], extracts: ExtractTable, group: Group) -> Any:
    """Call one reducer on one subject's extracts for one task."""
    extra: dict[str, Any] = {}
    rows = group.rows.tolist()
    if "user_ids" in component.wants:
        user_ids = extracts.typed("user_id") if "user_id" in extracts.header else [None] * extracts.num_rows
        extra["user_ids"] = [user_ids[r] for r in rows]
    if "created_at" in component.wants:
        created = extracts.text("created_at")
        extra["created_at"] = [created[r] for r in rows]
    if "classification_ids" in component.wants:
        ids = extracts.text("classification_id") if "classification_id" in extracts.header \
            else [str(r) for r in range(extracts.num_rows)]
        extra["classification_ids"] = [ids[r] for r in rows]
    return component.func(extracts.records(group.rows), **params, **extra)


def _spooled(path: Path, count: int) -> Iterator[tuple[Any, str, str, dict[str, Any]]]:
    with path.open("rb") as handle:
        for _ in range(count):
            yield pickle.load(handle)


def _merged(results: list[BucketResult], task_rank: dict[str, int]
            ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Rows of every bucket in subject order; within a subject, tasks in the file's order."""
    streams = [_spooled(r.spool, r.rows) for r in results]
    merged = heapq.merge(*streams, key=lambda record: record[0])
    for _, records in itertools.groupby(merged, key=lambda record: record[1]):
        for _, subject, task, data in sorted(records, key=lambda record: task_rank[record[2]]):
            yield subject, task, data


def run_reduce(
    extracts_csv: str | Path,
    config: ReducerConfig,
    output_dir: Path,
    output_name: str = "reductions",
    *,
    filter_how: str = "first",
    order: bool = False,
    fmt: str = "csv",
    strict: bool = False,
    cpu_count: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    bucket_bytes: int = BUCKET_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> ReduceSummary:
    started = time.perf_counter()
    path = Path(extracts_csv)
    base = os.path.splitext(output_name)[0]
    rejects = Rejects(output_dir / f"{config.name}_{base}_rejects.csv", strict)
    summary = ReduceSummary()
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".zooagg-reduce-") as work:
        workdir = Path(work)
        size = path.stat().st_size if path.exists() else 0
        workers = cpu_count or os.cpu_count() or 1
        count = max(1, math.ceil(size / bucket_bytes))
        if engine == "local" and workers > 1 and size > PARALLEL_FROM_BYTES:
            count = max(count, workers)  # at least one part per worker, so every core reduces
        parts = partition(path, workdir, count)
        summary.extracts_read = parts.rows
        summary.buckets = count
        jobs = [BucketJob(file, workdir / f"out-{i:04d}.pickle", str(path), parts.kinds, parts.numeric_subjects,
                          parts.tasks, config.name, config.params, filter_how)
                for i, file in enumerate(parts.files) if parts.bucket_rows[i]]
        if engine == "local":
            workers = min(workers, len(jobs))
        executor = make_executor(engine, workers, scheduler)
        results: list[BucketResult] = []
        try:
            for result in executor.map(reduce_bucket, jobs):
                results.append(result)
                for error in result.rejects:
                    rejects.add(error)
                summary.subjects += result.subjects
                summary.repeats_dropped += result.dropped
                if progress is not None:
                    progress(len(results), len(jobs))
        finally:
            executor.close()
        first_seen: dict[str, tuple[Any, ...]] = {}
        for result in results:
            for task, key in result.first_seen.items():
                if task not in first_seen or key < first_seen[task]:
                    first_seen[task] = key
        task_rank = {task: rank for rank, task in enumerate(sorted(first_seen, key=first_seen.__getitem__))}
        first_rows = [r.first_row for r in results if r.first_row is not None]
        workflow_text = min(first_rows)[3] if first_rows else ""
        table = SpooledTable(output_dir / f"{config.name}_{base}.csv", REDUCTION_COLUMNS)
        with paused_gc():
            for subject, task, data in _merged(results, task_rank):
                table.add([subject, workflow_text, task, config.name], data)
        summary.rows_written = table.rows
        summary.output = table.finish(fmt, order, front=("choice", "total_vote_count", "choice_count"))
    summary.rejected = rejects.count
    summary.rejects_file = rejects.finish()
    summary.seconds = time.perf_counter() - started
    return summary
