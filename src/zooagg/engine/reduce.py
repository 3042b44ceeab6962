"""Reduction: an extract table in, one reduction row (or several) per subject and task out."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import AGGREGATION_VERSION
from ..config import ReducerConfig
from ..errors import ReduceError, Where, ZooaggError
from ..tables import REDUCTION_COLUMNS, SpooledTable, paused_gc
from .extract_table import ExtractTable, Group
from .rejects import Rejects

FILTERS = ("first", "last", "all")


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
    extracts = ExtractTable(path)
    summary = ReduceSummary(extracts_read=extracts.num_rows)
    groups = extracts.groups(filter_how)
    workflow_text = extracts.text("workflow_id")[int(groups[0].rows[0])] if len(groups[0].rows) else \
        extracts.text("workflow_id")[0]
    base = os.path.splitext(output_name)[0]
    table = SpooledTable(output_dir / f"{config.name}_{base}.csv", REDUCTION_COLUMNS)
    rejects = Rejects(output_dir / f"{config.name}_{base}_rejects.csv", strict)
    component = config.component
    params = dict(config.params)
    no_version = params.pop("no_version", False)
    columnar = _columnar(component, params, extracts)
    subjects: dict[str, None] = {}
    with paused_gc():
        for group in groups:
            summary.repeats_dropped += group.dropped
            if group.subject not in subjects:
                subjects[group.subject] = None
                if progress is not None:
                    progress(len(subjects), 0)
            try:
                if columnar is not None:
                    function, keys, presence = columnar
                    reduction = function(keys, presence[group.rows], **params)
                else:
                    reduction = reduce_group(component, params, extracts, group)
            except ZooaggError as exc:
                rejects.add(ReduceError(f"{config.name}: {exc.message}", exc.hint,
                                        Where(str(path), group.subject, None, group.task, exc.where.value)))
                continue
            except Exception as exc:  # a reducer met data it does not understand: reject the subject, named
                rejects.add(ReduceError(f"{config.name} failed ({type(exc).__name__}: {exc})",
                                        "check the extracts of this subject and task",
                                        Where(str(path), group.subject, None, group.task)))
                continue
            for data in reduction if isinstance(reduction, list) else [reduction]:
                if not no_version:
                    data["aggregation_version"] = AGGREGATION_VERSION
                table.add([group.subject, workflow_text, group.task, config.name], data)
    summary.subjects = len(subjects)
    summary.rows_written = table.rows
    summary.output = table.finish(fmt, order, front=("choice", "total_vote_count", "choice_count"))
    summary.rejected = rejects.count
    summary.rejects_file = rejects.finish()
    summary.seconds = time.perf_counter() - started
    return summary


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
        ids = extracts.text("classification_id") if "classification_id" in extracts.header else list(range(extracts.num_rows))
        extra["classification_ids"] = [ids[r] for r in rows]
    return component.func(extracts.records(group.rows), **params, **extra)
