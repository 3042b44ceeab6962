"""The extract, reduce and consensus steps of a run, each a thin caller of the engine that
reports through the run's `Console`, and `extract_and_reduce`: one extractor config, then each
extractor's reducer config."""

from __future__ import annotations

import os
from pathlib import Path

from .. import registry
from .console import DEFAULT_STEPS, QUIET, Console, Steps


def extract(classification_csv: str, extractor_config: str, out: Path, output: str = "extractions", *,
            order: bool = False, cpu_count: int | None = None, fmt: str = "csv", strict: bool = False,
            engine: str = "local", scheduler: str | None = None, console: Console = QUIET) -> list[Path]:
    """Extract a classification export as an extractor config says; the extract files written."""
    from ..configure.config import load_extractor_config
    from ..engine.extract import run_extract

    config = load_extractor_config(extractor_config)
    for name in config.skipped:
        console.warn(f"{name} is not available in this version of zooagg yet; skipping it")
    with console.progress("Extracting") as bar:
        last = [0]

        def tick(rows: int) -> None:
            bar.update(rows - last[0])
            last[0] = rows

        summary = run_extract(classification_csv, config, out, output, order=order, fmt=fmt,
                              cpu_count=cpu_count, strict=strict, engine=engine, scheduler=scheduler,
                              progress=tick)
    if summary.latin1_rows:
        shown = ", ".join(summary.latin1_rows[:10]) + (" ..." if len(summary.latin1_rows) > 10 else "")
        console.warn(f"{len(summary.latin1_rows)} row(s) of {classification_csv} are not UTF-8; decoded as "
                     f"cp1252/latin-1 (classification_id {shown})")
    for path in summary.outputs:
        console.say(f"Saving extracts to:\n{path}")
    counts = ", ".join(f"{n} {name}" for name, n in summary.extracts.items()) or "none"
    console.say(f"extract: {summary.rows_read} rows read, {summary.rows_matched} matched workflow "
                f"{config.workflow_id} v{config.versions.describe()}, extracts: {counts}, "
                f"{summary.rejected} rejected, {summary.marks_dropped} marks dropped, {summary.seconds:.2f} s")
    if summary.rejects_file:
        dropped = f" and {summary.marks_dropped} dropped mark(s)" if summary.marks_dropped else ""
        console.warn(f"{summary.rejected} bad row(s){dropped} written to {summary.rejects_file}")
    return summary.outputs


def reduce(extracted_csv: str, reducer_config: str, out: Path, output: str = "reductions", *,
           filter_how: str = "first", order: bool = False, fmt: str = "csv", strict: bool = False,
           cpu_count: int | None = 1, engine: str = "local", scheduler: str | None = None,
           console: Console = QUIET) -> Path | None:
    """Reduce an extract file as a reducer config says; the reduction file written."""
    # reduce runs in processes, not BLAS threads: without this numpy's OpenBLAS starts a thread
    # pool at import that spins ~50 ms of CPU (the server sets the same, service/cli.py)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    from ..configure.config import load_reducer_config
    from ..engine.reduce import run_reduce

    config = load_reducer_config(reducer_config)
    with console.progress("Reducing", unit="parts") as bar:
        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        summary = run_reduce(extracted_csv, config, out, output, filter_how=filter_how, order=order,
                             fmt=fmt, strict=strict, cpu_count=cpu_count, engine=engine,
                             scheduler=scheduler, progress=tick)
    console.say(f"Saving reductions to:\n{summary.output}")
    repeats = f", {summary.repeats_dropped} repeat classification(s) dropped (-F {filter_how})" \
        if summary.repeats_dropped else ""
    console.say(f"reduce: {summary.extracts_read} extracts, {summary.subjects} subjects, "
                f"{summary.rows_written} rows{repeats}, {summary.rejected} rejected, {summary.seconds:.2f} s")
    if summary.rejects_file:
        console.warn(f"{summary.rejected} extract row(s) or subject/task reduction(s) rejected; see {summary.rejects_file}")
    return summary.output


def extract_and_reduce(classification_csv: str, extractor_path: Path, reducer_paths: list[Path], out: Path,
                       steps: Steps = DEFAULT_STEPS) -> list[Path]:
    """Extract with one config, then reduce each extractor's file with its reducer config."""
    console = steps.console
    # reduce reads CSV extracts, so with --format parquet the extracts stay CSV and the
    # reductions and the consensus table are Parquet
    extracts = extract(classification_csv, str(extractor_path), out, "extractions", cpu_count=steps.cpu_count,
                       fmt="csv", strict=steps.strict, console=console)
    produced = {p.stem.removesuffix("_extractions"): p for p in extracts}
    results = []
    for reducer_path in reducer_paths:
        extractor_name = reducer_path.stem.split(f"_V{reducer_path.stem.split('_V')[1].split('_')[0]}_", 1)[1]
        if extractor_name not in produced:
            console.warn(f"no extracts for {extractor_name}; skipping {reducer_path.name}")
            continue
        reducer_name = _reducer_of(reducer_path)
        if reducer_name not in registry.components("reducer"):
            console.warn(f"{reducer_name} is not available in this version of zooagg yet; "
                         f"skipping {reducer_path.name}")
            continue
        output = f"reductions_{extractor_name}" if _shared_reducer(reducer_paths, reducer_path) else "reductions"
        result = reduce(str(produced[extractor_name]), str(reducer_path), out, output,
                        filter_how=steps.filter_how, fmt=steps.fmt, strict=steps.strict, console=console)
        if result is not None:
            results.append(result)
    return results


def consensus(folder: Path, fmt: str, subjects: Path | None, classifications: Path,
              console: Console = QUIET, reductions: list[str] | None = None) -> list[Path]:
    """The run folder's consensus table (one row per subject), when it has reductions: of the
    reductions named (those this run wrote), with no weighted answers (this run weighed
    nothing yet: an earlier run's weighted_subjects files are stale)."""
    from ..consensus.folder import unreadable_note, write_folder
    from ..manifest import Outputs

    written = write_folder(folder, fmt, subjects, classifications, Outputs(reductions, ()))
    if written is None:
        return []
    path, table, rejects = written
    console.say(f"Saving consensus table ({len(table.rows)} subjects) to:\n{path}")
    note = unreadable_note(table, rejects)
    if note:
        console.warn(note)
    for reducer, count in table.skipped.items():
        console.warn(f"{reducer} has no consensus summary; its {count} row(s) are only in its own reduction file")
    return [path]


def _reducer_of(path: Path) -> str:
    import yaml

    with path.open(encoding="utf-8") as handle:
        return str(next(iter(yaml.safe_load(handle)["reducer_config"])))


def _shared_reducer(paths: list[Path], path: Path) -> bool:
    """Two extractors with the same reducer would overwrite each other's output: name them apart."""
    mine = _reducer_of(path)
    return sum(_reducer_of(p) == mine for p in paths) > 1
