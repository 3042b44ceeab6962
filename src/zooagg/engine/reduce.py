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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..call import NOT_GIVEN, ReducerCall
from ..configure.config import ReducerConfig
from ..errors import ReduceError, RowError, Where, ZooaggError
from ..tables.kinds import ColumnKind
from ..tables.layout import REDUCTION_COLUMNS, REDUCTION_FRONT, column_order
from ..tables.spool import SpooledTable, paused_gc
from .partition import partition, read_bucket, read_whole
from .rejects import Rejects
from .vote_cells import Check, vote_check
from .vote_forms import reduce_votes
from .votes import NotColumnar, VotePart, vote_form

if TYPE_CHECKING:  # imported where used: a columnar vote reduction needs neither
    from .extract_table import ExtractTable, Group

FILTERS = ("first", "last", "all")
#: extract-file bytes per bucket: what one process holds in memory at a time
BUCKET_BYTES = 12_000_000
#: below this size one process reduces the whole file (starting workers would cost more)
PARALLEL_FROM_BYTES = 8_000_000
#: the vote reducers' columnar path holds this many bucket sizes of extract file at a time (its
#: columns take far less memory than the general path's Python objects)
VOTE_BUCKETS = 3


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
    columnar: bool = False  # reduced by the vote reducers' columnar path (engine/votes.py)


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
    from .extract_table import ExtractTable

    call = ReducerCall.named("reducer", job.reducer, job.params)
    extracts = ExtractTable(read_bucket(job.file), job.kinds, job.numeric_subjects)
    result = BucketResult(job.spool)
    with paused_gc(), job.spool.open("wb") as spool:
        groups, result.first_seen = extracts.groups(job.how, job.tasks)
        if not groups:
            return result
        keys = extracts.subject_keys()
        columnar = _columnar(call, extracts)
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
                    reduction = call.stamped(function(names, presence[group.rows], **call.params))
                else:
                    reduction = reduce_group(call, extracts, group)
            except ZooaggError as exc:
                result.rejects.append(ReduceError(f"{job.reducer}: {exc.message}", exc.hint,
                                                  Where(job.source, group.subject, None, group.task, exc.where.value)))
                continue
            except Exception as exc:  # noqa: BLE001 - a reducer met data it does not understand: reject the subject, named
                result.rejects.append(ReduceError(f"{job.reducer} failed ({type(exc).__name__}: {exc})",
                                                  "check the extracts of this subject and task",
                                                  Where(job.source, group.subject, None, group.task)))
                continue
            key = keys[positions[group.subject]]
            for data in reduction if isinstance(reduction, list) else [reduction]:
                pickle.dump((key, group.subject, group.task, data), spool, protocol=pickle.HIGHEST_PROTOCOL)
                result.rows += 1
        result.subjects = len(seen)
    return result


def _columnar(call: ReducerCall, extracts: ExtractTable) -> Any:
    """The presence matrix, when the reducer has a columnar form for these parameters."""
    component = call.component
    if component.columnar is None or not component.columnar_ok(call.params):
        return None
    return (component.columnar, *extracts.presence())


def reduce_group(call: ReducerCall, extracts: ExtractTable, group: Group) -> Any:
    """Call one reducer on one subject's extracts for one task (stamped)."""
    rows = group.rows.tolist()

    def extra(want: str) -> Any:
        if want == "user_ids":
            user_ids = extracts.typed("user_id") if "user_id" in extracts.header else [None] * extracts.num_rows
            return [user_ids[r] for r in rows]
        if want == "created_at":
            created = extracts.text("created_at")
            return [created[r] for r in rows]
        if want == "classification_ids":
            ids = extracts.text("classification_id") if "classification_id" in extracts.header \
                else [str(r) for r in range(extracts.num_rows)]
            return [ids[r] for r in rows]
        return NOT_GIVEN  # an extract file has no relevant_reduction: the reducer's default

    return call(extracts.records(group.rows), extra)


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


@dataclass
class VoteJob:
    file: Path | None  # a bucket file; None: the whole extract file, read here
    kinds: dict[str, ColumnKind]  # learned from the whole file when it is split, else by the part itself
    numeric_subjects: bool | None
    tasks: list[str]
    form: str
    how: str
    version: str | None


def reduce_vote_bucket(job: VoteJob) -> VotePart:
    """The columnar vote reductions of one bucket file."""
    assert job.file is not None
    return reduce_votes(read_bucket(job.file), job.kinds, job.numeric_subjects, job.tasks, job.form, job.how,
                        job.version)


def _vote_parts(path: Path, workdir: Path, template: VoteJob, workers: int, bucket_bytes: int,
                progress: Callable[[int, int], None] | None, check: Check | None, rejected: list[RowError],
                ) -> tuple[list[VotePart], list[str], int]:
    """(parts, the file's tasks, buckets): the whole file in this process when it is small
    enough, else bucket files by subject reduced side by side; rows `check` refuses go to
    `rejected`."""
    size = path.stat().st_size if path.exists() else 0
    limit = bucket_bytes * VOTE_BUCKETS
    if size <= limit:
        table, tasks = read_whole(path, check, rejected)
        if table.num_rows == 0:  # every row rejected: the general path writes the empty file
            raise NotColumnar
        part = reduce_votes(table, {}, None, tasks, template.form, template.how, template.version)
        if progress is not None:
            progress(1, 1)
        return [part], tasks, 1
    count = max(math.ceil(size / limit), workers)
    workdir.mkdir(exist_ok=True)
    parts = partition(path, workdir, count, check=check)
    rejected += parts.rejects
    if parts.rows == 0:
        raise NotColumnar
    jobs = [replace(template, file=file, kinds=parts.kinds, numeric_subjects=parts.numeric_subjects,
                    tasks=parts.tasks) for i, file in enumerate(parts.files) if parts.bucket_rows[i]]
    from .executors import make_executor

    executor = make_executor("local", min(workers, len(jobs)))
    results: list[VotePart] = []
    try:
        for result in executor.map(reduce_vote_bucket, jobs):
            results.append(result)
            if progress is not None:
                progress(len(results), len(jobs))
    finally:
        executor.close()
    return results, parts.tasks, count


def _reduce_votes(path: Path, workdir: Path, config: ReducerConfig, form: str, output: Path, rejects: Rejects, *,
                  filter_how: str, order: bool, fmt: str, workers: int, bucket_bytes: int,
                  progress: Callable[[int, int], None] | None) -> ReduceSummary | None:
    """The vote reducers' columnar path; None when the data needs the general one."""
    from .votes_out import merge, write_csv, write_spooled

    version = ReducerCall.of(config.component, config.params).version
    template = VoteJob(None, {}, None, [], form, filter_how, version)
    front = REDUCTION_FRONT
    try:
        rejected: list[RowError] = []
        parts, tasks, buckets = _vote_parts(path, workdir, template, workers, bucket_bytes, progress,
                                            vote_check(config.component, str(path)), rejected)
        merged = merge(parts, tasks)
    except NotColumnar:
        return None  # (the general path reads the file again, and rejects the same rows)
    for error in rejected:
        rejects.add(error)
    summary = ReduceSummary(extracts_read=sum(p.extracts for p in parts), subjects=sum(len(p.subjects) for p in parts),
                            rows_written=merged.rows, repeats_dropped=sum(p.dropped for p in parts), buckets=buckets,
                            columnar=True)
    if fmt == "csv":
        write_csv(merged, output, config.name, column_order(merged.names, order, front))
        summary.output = output
    else:
        summary.output = write_spooled(merged, output, config.name, fmt, order, front)
    return summary


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
    columnar: bool = True,
) -> ReduceSummary:
    """Reduce an extract file; `columnar=False` keeps the vote reducers on the general path."""
    started = time.perf_counter()
    path = Path(extracts_csv)
    base = os.path.splitext(output_name)[0]
    rejects = Rejects(output_dir / f"{config.name}_{base}_rejects.csv", strict)
    output = output_dir / f"{config.name}_{base}.csv"
    workers = cpu_count or os.cpu_count() or 1
    form = vote_form(config.component, config.params) if columnar and engine == "local" else None
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".zooagg-reduce-") as work:
        workdir = Path(work)
        summary = None
        if form is not None:
            summary = _reduce_votes(path, workdir / "votes", config, form, output, rejects, filter_how=filter_how,
                                    order=order, fmt=fmt, workers=workers, bucket_bytes=bucket_bytes,
                                    progress=progress)
        if summary is None:
            summary = _reduce_general(path, workdir, config, rejects, output, filter_how=filter_how, order=order,
                                      fmt=fmt, workers=workers, engine=engine, scheduler=scheduler,
                                      bucket_bytes=bucket_bytes, progress=progress)
    summary.rejected = rejects.count
    summary.rejects_file = rejects.finish()
    summary.seconds = time.perf_counter() - started
    return summary


def _reduce_general(path: Path, workdir: Path, config: ReducerConfig, rejects: Rejects, output: Path, *,
                    filter_how: str, order: bool, fmt: str, workers: int, engine: str, scheduler: str | None,
                    bucket_bytes: int, progress: Callable[[int, int], None] | None) -> ReduceSummary:
    """Any reducer: subject buckets reduced group by group (in workers or on Dask), merged back."""
    summary = ReduceSummary()
    size = path.stat().st_size if path.exists() else 0
    count = max(1, math.ceil(size / bucket_bytes))
    if engine == "local" and workers > 1 and size > PARALLEL_FROM_BYTES:
        count = max(count, workers)  # at least one part per worker, so every core reduces
    parts = partition(path, workdir, count, check=vote_check(config.component, str(path)))
    for error in parts.rejects:
        rejects.add(error)
    summary.extracts_read = parts.rows
    summary.buckets = count
    jobs = [BucketJob(file, workdir / f"out-{i:04d}.pickle", str(path), parts.kinds, parts.numeric_subjects,
                      parts.tasks, config.name, config.params, filter_how)
            for i, file in enumerate(parts.files) if parts.bucket_rows[i]]
    if engine == "local":
        workers = min(workers, len(jobs))
    from .executors import make_executor

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
    table = SpooledTable(output, REDUCTION_COLUMNS)
    # the cyclic GC stays on here: merging leaves reference cycles behind, and with it paused
    # they piled up to 580 MB at 1M point extracts (194 MB with it on)
    for subject, task, data in _merged(results, task_rank):
        table.add([subject, workflow_text, task, config.name], data)
    summary.rows_written = table.rows
    summary.output = table.finish(fmt, order, front=REDUCTION_FRONT)
    return summary
