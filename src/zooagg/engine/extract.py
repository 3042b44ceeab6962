"""Extraction: classifications in, one extract table per extractor name out."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import registry
from ..call import ExtractorCall, by_task
from ..configure.config import ExtractorConfig
from ..errors import ExtractError, RowError, Where, ZooaggError
from ..exports.classifications import (
    Classification,
    ClassificationReader,
    ReadStats,
    parse_batch,
    parse_record,
)
from ..tables.layout import EXTRACT_COLUMNS, ColumnStats
from ..tables.spool import SpooledTable, encode_rows, finish_tables, paused_gc
from ..tasks.dropped import DROPPED
from .executors import keep_freed_memory, make_executor
from .extract_rows import CsvRows, CsvTable, lead_of, row_head, with_subject
from .rejects import Rejects, dropped_marks

#: below this size, starting worker processes costs more than it saves
PARALLEL_FROM_BYTES = 20_000_000


@dataclass
class ExtractPlan:
    """What to extract, in a picklable form (worker processes rebuild the components)."""

    entries: list[tuple[str, str, dict[str, Any]]]  # (written name, registered name, params)
    file: str
    #: rows made as CSV text in the workers (`extract_rows`); else kept as values (Parquet)
    csv_rows: bool = False

    @classmethod
    def of(cls, config: ExtractorConfig, file: str, csv_rows: bool = False) -> ExtractPlan:
        return cls([(e.name, e.component.name, e.params) for e in config.entries], file, csv_rows)

    @property
    def needs_subject_data(self) -> bool:
        """A pluck or an extractor that wants it reads subject_data (every run checks the cells;
        only these keep the parsed values)."""
        return any(params.get("pluck") or "subject_data" in registry.get("extractor", registered).wants
                   for _, registered, params in self.entries)

    def steps(self) -> list[ExtractorCall]:
        return [ExtractorCall.of(*entry) for entry in self.entries]


@dataclass
class BatchResult:
    """What one batch of classifications gave: encoded rows per extractor, rejects, notes."""

    tables: dict[str, tuple[bytes, ColumnStats]] = field(default_factory=dict)
    rejects: list[RowError] = field(default_factory=list)
    latin1_rows: list[str] = field(default_factory=list)


def _failure(step: ExtractorCall, file: str, classification: Classification, exc: Exception,
             grouped: dict[str, list[dict[str, Any]]]) -> RowError:
    if isinstance(exc, ZooaggError):
        where = Where(file, classification.classification_id, "annotations", step.task, exc.where.value)
        return ExtractError(f"{step.name}: {exc.message}", exc.hint, where)
    value = str(grouped.get(step.task, ""))[:60] or None
    return ExtractError(
        f"{step.name} failed on this annotation ({type(exc).__name__}: {exc})",
        hint="check the annotation's shape against the task type",
        where=Where(file, classification.classification_id, "annotations", step.task, value))


def extract_batch(batch: pa.RecordBatch, plan: ExtractPlan) -> BatchResult:
    """Parse and extract one record batch (runs in a worker process)."""
    with paused_gc():
        stats = ReadStats()
        return _extract_parsed(parse_batch(batch, plan.file, stats, plan.needs_subject_data), plan, stats)


def extract_records(records: list[dict[str, bytes]], plan: ExtractPlan) -> BatchResult:
    """Parse and extract raw records (column -> bytes)."""
    with paused_gc():
        stats = ReadStats()
        return _extract_parsed([parse_record(record, plan.file, stats) for record in records], plan, stats)


def _extract_parsed(parsed_rows: list[Classification | RowError], plan: ExtractPlan, stats: ReadStats) -> BatchResult:
    DROPPED.clear()  # notes of calls made outside a batch (a library user's) are not this file's
    result = _extract_text(parsed_rows, plan) if plan.csv_rows else _extract_values(parsed_rows, plan)
    result.latin1_rows = stats.latin1_rows
    return result


def _extract_values(parsed_rows: list[Classification | RowError], plan: ExtractPlan) -> BatchResult:
    """Extract rows kept as values, their columns learned row by row (`tables.ColumnStats`)."""
    result = BatchResult()
    steps = plan.steps()
    rows_by_name: dict[str, tuple[list[Any], ColumnStats]] = {}
    for step in steps:
        rows_by_name.setdefault(step.name, ([], ColumnStats()))
    for parsed in parsed_rows:
        if isinstance(parsed, RowError):
            result.rejects.append(parsed)
            continue
        grouped = by_task(parsed.annotations)
        for step in steps:
            try:
                rows = step.rows(parsed, step.annotations(grouped))
            except Exception as exc:  # noqa: BLE001 - an extractor met data it does not understand: reject, named
                DROPPED.clear()  # the whole row is rejected: its marks are not counted apart
                result.rejects.append(_failure(step, plan.file, parsed, exc, grouped))
                continue
            if DROPPED:
                result.rejects += dropped_marks(step.name, plan.file, parsed.classification_id, step.task)
            spooled, columns = rows_by_name[step.name]
            for subject, data in rows:
                meta = (parsed.classification_id, parsed.user_name, parsed.user_id, parsed.workflow_id,
                        step.task, parsed.created_at, subject, step.name)
                spooled.append(columns.learn(meta, data))
    # one pickle per extractor per batch, made here in the worker
    result.tables = {name: (encode_rows(spooled), columns) for name, (spooled, columns) in rows_by_name.items()}
    return result


def _extract_text(parsed_rows: list[Classification | RowError], plan: ExtractPlan) -> BatchResult:
    """As `_extract_values`, the rows made as CSV text (`extract_rows.CsvRows`)."""
    result = BatchResult()
    steps = plan.steps()
    tables = {step.name: CsvRows() for step in steps}
    sinks = [_Sink(step, tables[step.name]) for step in steps]
    for parsed in parsed_rows:
        if isinstance(parsed, RowError):
            result.rejects.append(parsed)
        else:
            _extract_classification(parsed, sinks, result, plan.file)
    result.tables = {name: (table.encode(), table.stats()) for name, table in tables.items()}
    return result


@dataclass
class _Sink:
    """One step of `_extract_text` and the table its rows go to."""

    step: ExtractorCall
    table: CsvRows
    lead: str = ""  # the task and extractor cells, as a row template fragment (`extract_rows.lead_of`)
    simple: bool = False  # one call, one dict: no recursion, no pluck

    def __post_init__(self) -> None:
        self.lead = lead_of(self.step.task, self.step.name)
        self.simple = not (self.step.recursive or self.step.pluck)


def _extract_classification(parsed: Classification, sinks: list[_Sink], result: BatchResult, file: str) -> None:
    grouped = by_task(parsed.annotations)
    plain = "." not in "".join(grouped)  # no sub-task keys: a task's annotations are its own
    head = row_head(parsed.classification_id, parsed.user_name, parsed.user_id, parsed.workflow_id,
                    parsed.created_at, parsed.subject_ids)
    for sink in sinks:
        step = sink.step
        try:
            annotations = step.annotations(grouped, plain)
            if not sink.simple:
                rows = step.rows(parsed, annotations)
            elif type(data := step.func(annotations, parsed, **step.params)) is dict:  # the usual case
                step.stamp_one(data)
                rows = None
            else:
                rows = step.rows_of(parsed, data)
        except Exception as exc:  # noqa: BLE001 - an extractor met data it does not understand: reject, named
            DROPPED.clear()  # the whole row is rejected: its marks are not counted apart
            result.rejects.append(_failure(step, file, parsed, exc, grouped))
            continue
        if DROPPED:  # (an empty list: one test per step, nothing on the hot path)
            result.rejects += dropped_marks(step.name, file, parsed.classification_id, step.task)
        if rows is None:
            sink.table.add(head, sink.lead, data)
            continue
        for subject, data in rows:
            sink.table.add(head if subject is parsed.subject_ids else with_subject(head, parsed.created_at, subject),
                           sink.lead, data)


@dataclass
class ExtractSummary:
    rows_read: int = 0
    rows_matched: int = 0
    extracts: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    marks_dropped: int = 0
    seconds: float = 0.0
    outputs: list[Path] = field(default_factory=list)
    rejects_file: Path | None = None
    latin1_rows: list[str] = field(default_factory=list)


def run_extract(
    classification_csv: str | Path,
    config: ExtractorConfig,
    output_dir: Path,
    output_name: str = "extractions",
    *,
    order: bool = False,
    fmt: str = "csv",
    cpu_count: int | None = 1,
    strict: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExtractSummary:
    """Extract every matching classification; `cpu_count=None` picks the worker count."""
    started = time.perf_counter()
    reader = ClassificationReader(classification_csv, config.workflow_id, config.versions)
    if cpu_count is None:
        big = os.path.getsize(classification_csv) > PARALLEL_FROM_BYTES
        cpu_count = (os.cpu_count() or 1) if big else 1
    plan = ExtractPlan.of(config, str(classification_csv), csv_rows=fmt == "csv")
    base = os.path.splitext(output_name)[0]
    kind = CsvTable if plan.csv_rows else SpooledTable
    tables: dict[str, SpooledTable] = {}
    for entry in config.entries:
        if entry.name not in tables:
            tables[entry.name] = kind(output_dir / f"{entry.name}_{base}.csv", EXTRACT_COLUMNS)
    rejects = Rejects(output_dir / f"{base}_rejects.csv", strict)
    summary = ExtractSummary()
    if engine == "local":
        keep_freed_memory()
    executor = make_executor(engine, cpu_count, scheduler)
    try:
        # every column, subject_data too (a damaged one is a reject, whether an extractor reads it or not)
        for result in executor.map(extract_batch, reader.arrow_batches(), plan):
            for error in (*_taken(reader.stats.bad_rows), *result.rejects):
                rejects.add(error)
            for name, (blob, columns) in result.tables.items():
                if columns.rows:
                    tables[name].add_encoded(blob, columns)
            reader.stats.latin1_rows += result.latin1_rows
            if progress is not None:
                progress(reader.stats.rows_read)
    finally:
        executor.close()
    for error in _taken(reader.stats.bad_rows):  # those of the last block's rows
        rejects.add(error)
    stats = reader.stats
    _check_matches(config, stats, str(classification_csv))
    user_id_format = _float_id if stats.user_id_is_float else str
    jobs = []
    for name, table in tables.items():
        table.meta_format["user_id"] = user_id_format
        if isinstance(table, CsvTable):
            table.float_user_ids = stats.user_id_is_float
        if table.rows == 0:  # as the peer: no extracts, no file
            table.discard()
            continue
        jobs.append((table, fmt, order, ("choice",)))
        summary.extracts[name] = table.rows
    summary.outputs = finish_tables(jobs, cpu_count if engine == "local" else os.cpu_count() or 1)
    summary.rows_read = stats.rows_read
    summary.rows_matched = stats.rows_kept
    summary.rejected = rejects.count
    summary.marks_dropped = rejects.marks_dropped
    summary.rejects_file = rejects.finish()
    summary.latin1_rows = stats.latin1_rows
    summary.seconds = time.perf_counter() - started
    return summary


def _taken(errors: list[RowError]) -> list[RowError]:
    """The errors in the list, which is emptied (the reader adds to it as it reads)."""
    taken = errors[:len(errors)]
    del errors[:len(taken)]
    return taken


def _float_id(value: Any) -> str:
    return f"{value}.0" if value not in ("", None) else ""


def _check_matches(config: ExtractorConfig, stats: Any, file: str) -> None:
    from ..errors import InputError

    if stats.rows_read == 0:
        raise InputError("the export has a header but no rows", hint="download the export again",
                         where=Where(file=file))
    if stats.rows_read == stats.other_workflow:
        found = ", ".join(sorted(stats.workflow_ids, key=lambda w: (len(w), w))) or "none"
        raise InputError(f"no classifications for workflow {config.workflow_id}",
                         hint=f"workflow ids in this export: {found}; fix workflow_id in the extractor config",
                         where=Where(file=file))
    if stats.rows_kept == 0:
        raise InputError(f"no classifications of workflow {config.workflow_id} match version "
                         f"{config.versions.describe()}",
                         hint="widen workflow_version in the extractor config (e.g. {min: 1.1})",
                         where=Where(file=file))
