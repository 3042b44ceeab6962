"""Extraction: classifications in, one extract table per extractor name out."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import AGGREGATION_VERSION, registry
from ..config import ExtractorConfig
from ..errors import ExtractError, RowError, Where, ZooaggError
from ..exports.classifications import Classification, ClassificationReader, parse_record
from ..tables import EXTRACT_COLUMNS, SpooledTable
from .rejects import Rejects

#: (extractor name, meta row, data) or a rejected row
Output = tuple[str, list[Any], dict[str, Any]]


@dataclass
class Plan:
    """What to extract, in a picklable form (worker processes rebuild the components)."""

    entries: list[tuple[str, str, dict[str, Any]]]  # (written name, registered name, params)
    file: str

    @classmethod
    def of(cls, config: ExtractorConfig, file: str) -> Plan:
        return cls([(e.name, e.component.name, e.params) for e in config.entries], file)


def by_task(annotations: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for annotation in annotations:
        grouped.setdefault(str(annotation.get("task")), []).append(annotation)
    return grouped


def annotations_for(grouped: dict[str, list[dict[str, Any]]], task: str) -> list[dict[str, Any]]:
    """A task's annotations; sub-task keys such as `T0.0.0` go with `T0`, as in the peer."""
    if task == "all":
        return [a for items in grouped.values() for a in items]
    out: list[dict[str, Any]] = []
    for key, items in grouped.items():
        if key.split(".")[0] == task:
            out += items
    return out


def pluck(classification: Classification, paths: dict[str, str]) -> dict[str, Any]:
    """Values picked from the classification by dotted paths (`subject.metadata.x`, `metadata.y`)."""
    root: dict[str, Any] = {
        "metadata": classification.metadata,
        "annotations": classification.annotations,
        "subject": {"metadata": next(iter(classification.subject_data.values()), {})},
        "gold_standard": classification.gold_standard,
    }
    out: dict[str, Any] = {}
    for key, path in paths.items():
        node: Any = root
        try:
            for part in str(path).strip().split("."):
                node = node[part.strip()]
        except (KeyError, TypeError, IndexError):
            continue
        out[f"pluck.{key.strip()}"] = node
    return out


def extract_one(classification: Classification, entry: tuple[str, str, dict[str, Any]],
                grouped: dict[str, list[dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Run one extractor on one classification: (subject_id, data) per extract row."""
    _, registered, params = entry
    component = registry.get("extractor", registered)
    params = dict(params)
    task = params.pop("task", "all")
    paths = params.pop("pluck", None)
    recursive = params.pop("recursive", False)
    recursive_ids = params.pop("recursive_subject_ids", False)
    no_version = params.pop("no_version", False)
    annotations = annotations_for(grouped, task)
    if recursive:
        results: Any = [component.func([a], classification, **params) for a in annotations]
    else:
        results = component.func(annotations, classification, **params)
    if paths and isinstance(results, dict):
        results.update(pluck(classification, paths))
    rows = results if isinstance(results, list) else [results]
    out = []
    for index, data in enumerate(rows):
        if not no_version:
            data["aggregation_version"] = AGGREGATION_VERSION
        subject = f"{classification.subject_ids}_{index}" if (recursive_ids and isinstance(results, list)) \
            else classification.subject_ids
        out.append((subject, data))
    return out


def extract_records(records: list[dict[str, bytes]], plan: Plan) -> list[Output | RowError]:
    """Parse and extract a batch of raw records (runs in a worker process)."""
    out: list[Output | RowError] = []
    for record in records:
        parsed = parse_record(record, plan.file)
        if isinstance(parsed, RowError):
            out.append(parsed)
            continue
        grouped = by_task(parsed.annotations)
        for entry in plan.entries:
            name, registered, params = entry
            task = str(params.get("task", "all"))
            try:
                rows = extract_one(parsed, entry, grouped)
            except ZooaggError as exc:
                exc.where = Where(plan.file, parsed.classification_id, "annotations", task, exc.where.value)
                exc.message = f"{name}: {exc.message}"
                out.append(exc if isinstance(exc, RowError) else ExtractError(exc.message, exc.hint, exc.where))
                continue
            except Exception as exc:  # an extractor met data it does not understand: reject the row, named
                out.append(ExtractError(
                    f"{name} failed on this annotation ({type(exc).__name__}: {exc})",
                    hint="check the annotation's shape against the task type",
                    where=Where(plan.file, parsed.classification_id, "annotations", task,
                                str(grouped.get(task, ""))[:60] or None)))
                continue
            for subject, data in rows:
                meta = [parsed.classification_id, parsed.user_name, parsed.user_id, parsed.workflow_id,
                        task, parsed.created_at, subject, name]
                out.append((name, meta, data))
    return out


@dataclass
class ExtractSummary:
    rows_read: int = 0
    rows_matched: int = 0
    extracts: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    seconds: float = 0.0
    outputs: list[Path] = field(default_factory=list)
    rejects_file: Path | None = None
    latin1_rows: list[str] = field(default_factory=list)


def _batches(reader: ClassificationReader, size: int) -> Iterator[list[dict[str, bytes]]]:
    for records in reader.batches():
        for start in range(0, len(records), size):
            yield records[start:start + size]


def _run_batches(batches: Iterable[list[dict[str, bytes]]], plan: Plan, cpu_count: int
                 ) -> Iterator[list[Output | RowError]]:
    if cpu_count <= 1:
        for records in batches:
            yield extract_records(records, plan)
        return
    with ProcessPoolExecutor(max_workers=cpu_count) as pool:
        pending: list[Any] = []
        for records in batches:
            pending.append(pool.submit(extract_records, records, plan))
            if len(pending) >= cpu_count * 2:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def run_extract(
    classification_csv: str | Path,
    config: ExtractorConfig,
    output_dir: Path,
    output_name: str = "extractions",
    *,
    order: bool = False,
    fmt: str = "csv",
    cpu_count: int = 1,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExtractSummary:
    started = time.perf_counter()
    reader = ClassificationReader(classification_csv, config.workflow_id, config.versions)
    plan = Plan.of(config, str(classification_csv))
    base = os.path.splitext(output_name)[0]
    tables: dict[str, SpooledTable] = {}
    for entry in config.entries:
        if entry.name not in tables:
            tables[entry.name] = SpooledTable(output_dir / f"{entry.name}_{base}.csv", EXTRACT_COLUMNS)
    rejects = Rejects(output_dir / f"{base}_rejects.csv", strict)
    summary = ExtractSummary()
    for outputs in _run_batches(_batches(reader, 2000), plan, cpu_count):
        for item in outputs:
            if isinstance(item, RowError):
                rejects.add(item)
                continue
            name, meta, data = item
            tables[name].add(meta, data)
        if progress is not None:
            progress(reader.stats.rows_read)
    stats = reader.stats
    _check_matches(config, stats, str(classification_csv))
    user_id_format = _float_id if stats.user_id_is_float else str
    for name, table in tables.items():
        table.meta_format["user_id"] = user_id_format
        if table.rows == 0:  # as the peer: no extracts, no file
            table.discard()
            continue
        summary.outputs.append(table.finish(fmt, order, front=("choice",)))
        summary.extracts[name] = table.rows
    summary.rows_read = stats.rows_read
    summary.rows_matched = stats.rows_kept
    summary.rejected = rejects.count
    summary.rejects_file = rejects.finish()
    summary.latin1_rows = stats.latin1_rows
    summary.seconds = time.perf_counter() - started
    return summary


def _float_id(value: Any) -> str:
    return f"{value}.0" if value not in ("", None) else ""


def _check_matches(config: ExtractorConfig, stats: Any, file: str) -> None:
    from ..errors import InputError

    if stats.rows_read == 0:
        raise InputError("the export has a header but no rows", hint="download the export again",
                         where=Where(file=file))
    if stats.rows_read == stats.other_workflow:
        raise InputError(f"no classifications for workflow {config.workflow_id}",
                         hint="check workflow_id in the extractor config against the export",
                         where=Where(file=file))
    if stats.rows_kept == 0:
        raise InputError(f"no classifications of workflow {config.workflow_id} match version "
                         f"{config.versions.describe()}",
                         hint="widen workflow_version in the extractor config (e.g. {min: 1.1})",
                         where=Where(file=file))
