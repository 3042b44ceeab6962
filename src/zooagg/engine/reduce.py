"""Reduction: an extract table in, one reduction row (or several) per subject and task out."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from .. import AGGREGATION_VERSION
from ..config import ReducerConfig
from ..errors import InputError, ReduceError, Where, ZooaggError
from ..exports.csvio import header_of
from ..tables import REDUCTION_COLUMNS, SpooledTable, is_missing, parse_cell, type_column, unflatten
from .rejects import Rejects

NEEDED = ("subject_id", "task", "created_at", "user_name", "workflow_id")
FILTERS = ("first", "last", "all")


@dataclass
class Extract:
    subject_id: Any
    subject_text: str
    workflow_text: str
    task: str
    created_at: str
    user_name: str
    user_id: Any
    classification_id: Any
    data: dict[str, Any]


def read_extracts(path: Path) -> list[Extract]:
    """An extract CSV (ours or the peer's), typed as the peer's pandas reads it."""
    header = header_of(path)
    if "annotations" in header:
        raise InputError("this is a classification export, not an extract file",
                         hint="run `zooagg extract` first and reduce its output", where=Where(file=str(path)))
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}",
                         hint="reduce takes a file written by `extract`", where=Where(file=str(path), column=missing[0]))
    options = pacsv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
    try:
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                               convert_options=options)
    except pa.ArrowInvalid as exc:
        raise InputError(f"malformed CSV: {str(exc).splitlines()[0]}", hint="write the extracts again",
                         where=Where(file=str(path))) from exc
    raw = {name: table.column(name).to_pylist() for name in header}
    data_names = [n for n in header if n.startswith("data.")]
    # data cells typed column by column, as pandas reads them; None where missing
    data_columns = [[None if is_missing(v) else parse_cell(v) for v in type_column(raw[n])] for n in data_names]
    subjects = type_column(raw["subject_id"])
    user_ids = type_column(raw["user_id"]) if "user_id" in raw else [None] * table.num_rows
    classification_ids = raw["classification_id"] if "classification_id" in raw else list(range(table.num_rows))
    extracts: list[Extract] = []
    seen: set[tuple[str, ...]] = set()
    rows = zip(zip(*(raw[n] for n in header), strict=True), zip(*data_columns, strict=True) if data_columns
               else iter(lambda: (), None), strict=False)
    for i, (key, values) in enumerate(rows):
        if key in seen:  # exact duplicate rows are dropped, as the peer does
            continue
        seen.add(key)
        data = unflatten({n: v for n, v in zip(data_names, values, strict=True) if v is not None})
        data.pop("aggregation_version", None)
        extracts.append(Extract(
            subject_id=subjects[i], subject_text=raw["subject_id"][i],
            workflow_text=raw["workflow_id"][i], task=raw["task"][i], created_at=raw["created_at"][i],
            user_name=raw["user_name"][i], user_id=user_ids[i], classification_id=classification_ids[i],
            data=data,
        ))
    return extracts


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not is_missing(value):
        return (0, value)
    return (1, str(value))


def filter_repeats(group: list[Extract], how: str) -> list[Extract]:
    """Keep one classification per volunteer: the first or last by created_at (or all)."""
    if how == "all":
        return group
    chosen: dict[str, Extract] = {}
    keep: list[Extract] = []
    for extract in group:  # group is in created_at order
        if not extract.user_name:
            keep.append(extract)
            continue
        if how == "first":
            chosen.setdefault(extract.user_name, extract)
        else:
            chosen[extract.user_name] = extract
    wanted = {id(e) for e in chosen.values()} | {id(e) for e in keep}
    return [e for e in group if id(e) in wanted]


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
    notes: list[str] = field(default_factory=list)


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
    progress: Callable[[int, int], None] | None = None,
) -> ReduceSummary:
    started = time.perf_counter()
    path = Path(extracts_csv)
    extracts = read_extracts(path)
    summary = ReduceSummary(extracts_read=len(extracts))
    if not extracts:
        raise InputError("the extract file has no rows", hint="check the extract step's summary",
                         where=Where(file=str(path)))
    extracts.sort(key=lambda e: (_sort_key(e.subject_id), e.created_at))
    groups: dict[tuple[str, str], list[Extract]] = {}
    subjects: dict[str, Any] = {}
    tasks: dict[str, None] = {}
    for extract in extracts:
        subjects.setdefault(extract.subject_text, None)
        tasks.setdefault(extract.task, None)
        groups.setdefault((extract.subject_text, extract.task), []).append(extract)
    workflow_text = extracts[0].workflow_text
    base = os.path.splitext(output_name)[0]
    out_path = output_dir / f"{config.name}_{base}.csv"
    table = SpooledTable(out_path, REDUCTION_COLUMNS)
    rejects = Rejects(output_dir / f"{config.name}_{base}_rejects.csv", strict)
    component = config.component
    params = dict(config.params)
    no_version = params.pop("no_version", False)
    for done, subject in enumerate(subjects, 1):
        for task in tasks:
            group = groups.get((subject, task), [])
            kept = filter_repeats(group, filter_how)
            summary.repeats_dropped += len(group) - len(kept)
            try:
                reduction = reduce_group(component, params, kept)
            except ZooaggError as exc:
                rejects.add(ReduceError(f"{config.name}: {exc.message}", exc.hint,
                                        Where(str(path), subject, None, task, exc.where.value)))
                continue
            except Exception as exc:  # a reducer met data it does not understand: reject the subject, named
                rejects.add(ReduceError(f"{config.name} failed ({type(exc).__name__}: {exc})",
                                        "check the extracts of this subject and task",
                                        Where(str(path), subject, None, task)))
                continue
            for data in reduction if isinstance(reduction, list) else [reduction]:
                if not no_version:
                    data["aggregation_version"] = AGGREGATION_VERSION
                table.add([subject, workflow_text, task, config.name], data)
        if progress is not None:
            progress(done, len(subjects))
    summary.subjects = len(subjects)
    summary.rows_written = table.rows
    summary.output = table.finish(fmt, order, front=("choice", "total_vote_count", "choice_count"))
    summary.rejected = rejects.count
    summary.rejects_file = rejects.finish()
    summary.seconds = time.perf_counter() - started
    return summary


def reduce_group(component: Any, params: dict[str, Any], group: list[Extract]) -> Any:
    """Call one reducer on one subject's extracts for one task (copies, so reducers may mutate)."""
    extra: dict[str, Any] = {}
    if "user_ids" in component.wants:
        extra["user_ids"] = [e.user_id for e in group]
    if "created_at" in component.wants:
        extra["created_at"] = [e.created_at for e in group]
    if "classification_ids" in component.wants:
        extra["classification_ids"] = [e.classification_id for e in group]
    return component.func([dict(e.data) for e in group], **params, **extra)
