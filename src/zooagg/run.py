"""config -> extract -> reduce as a library: one step at a time, one workflow, or a whole project.

The `zooagg config/extract/reduce/run` commands are thin callers of these functions; anything
else (the Python API, a notebook) calls them the same way. A run talks to its user only through
a `Console` (the CLI's prints and draws a progress bar; the default one says nothing), and a
project run returns the manifest it writes to `zooagg-run.json`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import registry
from .errors import ConfigError, InputError, RunFailed, Where, one_line

if TYPE_CHECKING:
    from .exports.versions import VersionRange

Keywords = dict[str, dict[str, Any]]


class _NoBar:
    """What a hidden progress bar does: nothing."""

    total: int | None = None

    def update(self, n: int = 1) -> None:
        pass


class Console:
    """Where a run's messages go. This one drops them; the CLI's prints them. `progress` yields a
    bar with `total` and `update(n)` (a tqdm bar or one that does nothing)."""

    def say(self, message: str = "") -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    @contextmanager
    def progress(self, label: str, total: int | None = None, unit: str = "rows") -> Iterator[Any]:
        yield _NoBar()


QUIET = Console()


@dataclass(frozen=True)
class Steps:
    """How extract and reduce run (the flags `zooagg run` passes to both)."""

    filter_how: str = "first"
    cpu_count: int | None = None
    fmt: str = "csv"
    strict: bool = False
    console: Console = QUIET


# ---- config ---------------------------------------------------------------------------------

def configure(workflow_csv: str, workflow_id: int, version: str | None, min_version: str | None,
              max_version: str | None, keywords: Keywords, out: Path, *, verbose: bool = False,
              console: Console = QUIET) -> tuple[Path, list[Path]]:
    """The extractor, reducer and task-label configs of a workflow export's version(s)."""
    from .configure.config import (
        dump_yaml,
        extractor_config_for,
        reducer_configs_for,
        task_labels_for,
        tasks_of,
    )
    from .exports.workflows import read_workflows, select_versions

    rows = read_workflows(workflow_csv)
    chosen, written = select_versions(rows, workflow_id, version, min_version, max_version, file=workflow_csv)
    tasks = tasks_of(chosen)
    extractor_keywords, reducer_keywords = split_keywords(tasks, keywords)
    extractor_config, warnings = extractor_config_for(tasks, extractor_keywords)
    for message in warnings:
        console.warn(message)
    if verbose and version is None and min_version is None and max_version is None:
        console.warn(f"no workflow version given, using the latest: {chosen.version_text}")
    ver = chosen.version_text
    config = {"workflow_id": workflow_id, "workflow_version": written, "extractor_config": extractor_config}
    extractor_path = out / f"Extractor_config_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(config, extractor_path)
    console.say(f"Saving Extractor config to:\n{extractor_path}\n")
    reducer_paths = []
    for extractor_name, reducer_config in reducer_configs_for(extractor_config, reducer_keywords):
        path = out / f"Reducer_config_workflow_{workflow_id}_V{ver}_{extractor_name}.yaml"
        dump_yaml(reducer_config, path)
        reducer_paths.append(path)
        console.say(f"Saving Reducer config to:\n{path}\n")
    labels_path = out / f"Task_labels_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(task_labels_for(chosen, extractor_config), labels_path)
    console.say(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def version_filter(version: str | None, min_version: str | None, max_version: str | None) -> VersionRange | None:
    """-v / --min_version / --max_version as a VersionRange over classification versions."""
    from .exports.versions import VersionRange

    if version is None and min_version is None and max_version is None:
        return None
    if version is not None:
        return VersionRange.from_config(version)
    bounds = {k: v for k, v in (("min", min_version), ("max", max_version)) if v is not None}
    return VersionRange.from_config(bounds)


def configure_inferred(classification_csv: str, workflow_id: int, version: str | None,
                       min_version: str | None, max_version: str | None, keywords: Keywords, out: Path,
                       *, console: Console = QUIET) -> tuple[Path, list[Path]]:
    """Configs from a classification export alone: task types inferred from the annotations."""
    from .configure.infer import infer_workflow, write_configs

    inference = infer_workflow(classification_csv, workflow_id,
                               version_filter(version, min_version, max_version))
    extractor_keywords, reducer_keywords = split_keywords(inference.tasks, keywords)
    console.say(f"Inferred from {inference.rows} classifications of workflow {workflow_id} "
                f"(no workflow export; check these):")
    for line in inference.summary():
        console.say(f"  {line}")
    console.say()
    extractor_path, reducer_paths, labels_path, warnings = write_configs(
        inference, out, extractor_keywords, reducer_keywords)
    for message in warnings:
        console.warn(message)
    console.say(f"Saving Extractor config to:\n{extractor_path}\n")
    for path in reducer_paths:
        console.say(f"Saving Reducer config to:\n{path}\n")
    console.say(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def split_keywords(tasks: dict[str, Any], keywords: Keywords) -> tuple[Keywords, Keywords]:
    """-k keywords go to the task's extractor or its reducer, whichever takes them."""
    type_to_extractor = registry.extractor_for_type()
    default_reducer = registry.default_reducers()
    extractor_kw: Keywords = {}
    reducer_kw: Keywords = {}
    for task_key, values in keywords.items():
        if task_key not in tasks:
            raise ConfigError(f"-k names task {task_key!r}, which the workflow does not have",
                              hint=registry.did_you_mean(task_key, list(tasks)))
        task = tasks[task_key]
        extractor_name = type_to_extractor.get(task.type, "")
        reducer_name = default_reducer.get(extractor_name, "")
        extractors = registry.components("extractor")
        reducers = registry.components("reducer")
        e_params = set(extractors[extractor_name].all_params) if extractor_name in extractors else set()
        r_params = set(reducers[reducer_name].all_params) if reducer_name in reducers else set()
        for key, value in values.items():
            # checked as the config that carries it will be (registry.Param: the one place)
            if key in e_params:
                extractors[extractor_name].parse_params({key: value})
            elif key in r_params:
                reducers[reducer_name].parse_params({key: value})
            if key in e_params or task.type == "drawing":
                extractor_kw.setdefault(task_key, {})[key] = value
            elif key in r_params:
                reducer_kw.setdefault(task_key, {})[key] = value
            else:
                raise ConfigError(f"-k: neither {extractor_name or 'the extractor'} nor "
                                  f"{reducer_name or 'the reducer'} of task {task_key} takes {key!r}",
                                  hint=registry.did_you_mean(key, sorted(e_params | r_params)))
    return extractor_kw, reducer_kw


# ---- extract and reduce ---------------------------------------------------------------------

def extract(classification_csv: str, extractor_config: str, out: Path, output: str = "extractions", *,
            order: bool = False, cpu_count: int | None = None, fmt: str = "csv", strict: bool = False,
            engine: str = "local", scheduler: str | None = None, console: Console = QUIET) -> list[Path]:
    """Extract a classification export as an extractor config says; the extract files written."""
    from .configure.config import load_extractor_config
    from .engine.extract import run_extract

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
    from .configure.config import load_reducer_config
    from .engine.reduce import run_reduce

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
                       steps: Steps = Steps()) -> list[Path]:
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
    from .consensus.folder import write_folder
    from .manifest import Outputs

    written = write_folder(folder, fmt, subjects, classifications, Outputs(reductions, ()))
    if written is None:
        return []
    path, table = written
    console.say(f"Saving consensus table ({len(table.rows)} subjects) to:\n{path}")
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


# ---- whole runs -----------------------------------------------------------------------------

def run_workflow(workflow_csv: str, classification_csv: str, workflow_id: int, out: Path,
                 version: str | None = None, min_version: str | None = None, max_version: str | None = None,
                 keywords: Keywords | None = None, steps: Steps = Steps()) -> list[Path]:
    """One workflow, configured from its workflow export, into `out`; the reduction files."""
    extractor_path, reducer_paths = configure(workflow_csv, workflow_id, version, min_version, max_version,
                                              keywords or {}, out, console=steps.console)
    results = extract_and_reduce(classification_csv, extractor_path, reducer_paths, out, steps)
    results += consensus(out, steps.fmt, None, Path(classification_csv), steps.console)
    steps.console.say(f"\nDone. Results are in {out.resolve()}:")
    for path in results:
        steps.console.say(f"  {path}")
    return results


def _sort_exports(inputs: tuple[str, ...] | list[str]) -> tuple[dict[str, str], list[int]]:
    """The exports given, by kind, and the workflow ids named."""
    from .configure.groups import export_kind

    exports: dict[str, str] = {}
    named: list[int] = []
    for item in inputs:
        if item.isdigit() and not Path(item).exists():
            named.append(int(item))
            continue
        kind = export_kind(item)
        if kind in exports:
            raise InputError(f"two {kind} exports given: {exports[kind]} and {item}", hint="give one of each")
        exports[kind] = item
    if "classifications" not in exports:
        raise InputError("no classification export given",
                         hint="zooagg run CLASSIFICATION_CSV [WORKFLOW_CSV] [SUBJECT_CSV] [WORKFLOW_ID]...")
    return exports, named


def run_project(inputs: tuple[str, ...] | list[str], out: Path, version: str | None = None,
                min_version: str | None = None, max_version: str | None = None,
                keywords: Keywords | None = None, steps: Steps = Steps()) -> dict[str, Any]:
    """Every workflow (or those named) of a project's exports, configured per version present.

    Writes `out/zooagg-run.json` (what `zooagg report` reads) and returns the same manifest.
    """
    from .configure.groups import plan_groups, versions_in
    from .configure.tool_versions import split_inferred
    from .exports.workflows import read_workflows
    from .tables.atomic import discard_partials

    keywords = keywords or {}
    console = steps.console
    exports, named = _sort_exports(inputs)
    classifications = exports["classifications"]
    present = versions_in(classifications)
    missing = [w for w in named if w not in present]
    if missing:
        raise InputError(f"no classifications of workflow {missing[0]}",
                         hint=f"workflow ids in this export: {', '.join(map(str, sorted(present))) or 'none'}",
                         where=Where(file=classifications, value=missing[0]))
    workflow_ids = named or sorted(present)
    if keywords and len(workflow_ids) > 1:
        raise ConfigError("-k names tasks of one workflow, but this run has several",
                          hint="name the workflow id after the exports")
    workflows = read_workflows(exports["workflows"]) if "workflows" in exports else None
    groups = plan_groups(present, workflow_ids, workflows, version_filter(version, min_version, max_version))
    groups = split_inferred(groups, classifications, present)
    if not groups:
        raise InputError("no classifications of the workflow versions asked for",
                         hint="check -v / --min_version / --max_version", where=Where(file=classifications))
    manifest: dict[str, Any] = {"classifications": str(Path(classifications).resolve()),
                                "workflows": str(Path(exports["workflows"]).resolve()) if workflows else None,
                                "subjects": str(Path(exports["subjects"]).resolve()) if "subjects" in exports
                                else None, "runs": []}
    per_workflow = {g.workflow_id: sum(h.workflow_id == g.workflow_id for h in groups) for g in groups}
    for group in groups:
        folder = out / f"workflow_{group.workflow_id}"
        if per_workflow[group.workflow_id] > 1:
            folder = folder / f"V{group.high}"
        folder.mkdir(parents=True, exist_ok=True)
        source = "inferred from the annotations" if group.inferred else "from the workflow export"
        console.say(f"\n== workflow {group.workflow_id}, versions {group.low}..{group.high} "
                    f"({group.rows} classifications), config {source} -> {folder}")
        entry: dict[str, Any] = {"workflow_id": group.workflow_id, "versions": [group.low, group.high],
                                 "inferred": group.inferred, "folder": str(folder.relative_to(out)),
                                 "classifications": group.rows, "reductions": [], "weighted": [], "consensus": None}
        try:
            _run_group(group, exports, keywords, folder, steps, entry)
        except Exception as exc:  # noqa: BLE001 - one workflow's failure must not stop the others
            entry["error"] = one_line(exc)
            console.warn(f"workflow {group.workflow_id} (versions {group.low}..{group.high}) failed: "
                         f"{entry['error']}; the other workflows still run")
            discard_partials()
        manifest["runs"].append(entry)
    manifest["failed"] = [{"workflow_id": r["workflow_id"], "folder": r["folder"], "error": r["error"]}
                          for r in manifest["runs"] if "error" in r]
    _write_manifest(manifest, out / "zooagg-run.json")
    console.say(f"\nDone: {len(groups)} run(s) of {len(workflow_ids)} workflow(s). Results are in "
                f"{out.resolve()}; make the reports with `zooagg report {out}`.")
    if manifest["failed"]:
        which = "; ".join(f"workflow {f['workflow_id']} ({f['error']})" for f in manifest["failed"])
        raise RunFailed(f"{len(manifest['failed'])} of {len(groups)} workflow run(s) failed: {which}",
                        hint=f"the others ran; each failure is recorded in {out / 'zooagg-run.json'}")
    return manifest


def _run_group(group: Any, exports: dict[str, str], keywords: Keywords, folder: Path, steps: Steps,
               entry: dict[str, Any]) -> None:
    """Configure, extract, reduce and tabulate one workflow version range into `folder`."""
    console = steps.console
    classifications = exports["classifications"]
    if group.inferred:
        extractor_path, reducer_paths = configure_inferred(
            classifications, group.workflow_id, None, group.low, group.high, keywords, folder, console=console)
    elif group.low == group.high:
        extractor_path, reducer_paths = configure(exports["workflows"], group.workflow_id, group.low,
                                                  None, None, keywords, folder, console=console)
    else:
        extractor_path, reducer_paths = configure(exports["workflows"], group.workflow_id, None,
                                                  group.low, group.high, keywords, folder, console=console)
    results = extract_and_reduce(classifications, extractor_path, reducer_paths, folder, steps)
    entry["reductions"] = [p.name for p in results]
    table = consensus(folder, steps.fmt, Path(exports["subjects"]) if "subjects" in exports else None,
                      Path(classifications), console, entry["reductions"])
    entry["consensus"] = table[0].name if table else None


def _write_manifest(manifest: dict[str, Any], path: Path) -> None:
    from .tables.atomic import atomic_open, commit

    handle, tmp = atomic_open(path)
    with handle:
        json.dump({k: v for k, v in manifest.items() if k != "_root"}, handle, indent=2)
    commit(tmp, path)


def record_weighted(folder: Path, names: list[str]) -> None:
    """List weighted_subjects files `zooagg weight` just wrote into a run folder in its
    zooagg-run.json entry (`weighted`), so the consensus table reads them and no older ones."""
    from .manifest import manifest_entry, manifest_for

    manifest = manifest_for(folder)
    entry = manifest_entry(manifest, folder)
    if not entry:
        return
    entry["weighted"] = sorted({*entry.get("weighted", []), *names})
    _write_manifest(manifest, Path(manifest["_root"]) / "zooagg-run.json")
