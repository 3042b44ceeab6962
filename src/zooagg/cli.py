"""The `zooagg` command: a thin layer over the library (config, extract, reduce, run, list)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import __version__, registry
from .errors import ConfigError, InputError, Where, ZooaggError, missing_extra

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}


def echo(message: str = "") -> None:
    click.echo(message)


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class _NoBar:
    """What a hidden progress bar does: nothing (tqdm itself, even disabled, costs ~15 ms of
    imports and a multiprocessing lock at start-up)."""

    total: int | None = None

    def update(self, count: int = 1) -> None:
        pass


@contextmanager
def progress_bar(label: str, hide: bool, total: int | None = None, unit: str = "rows") -> Iterator[Any]:
    """A progress bar on stderr (hidden with -hb or when stderr is not a terminal)."""
    if hide or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        yield _NoBar()
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit=f" {unit}", disable=True if hide else None,
               file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()


def _out_dir(directory: str | None) -> Path:
    path = Path(directory or os.getcwd())
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} is a file, not a folder", hint="give -d a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _parse_keywords(text: str | None) -> dict[str, dict[str, Any]]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"-k is not valid JSON: {exc.msg}",
                          hint='write it like \'{"T0": {"pairs": true}}\'') from exc
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError("-k must map task keys to keyword mappings", hint='e.g. \'{"T0": {"pairs": true}}\'')
    return value


#: commands that live in other modules, imported only when used (keeps start-up fast):
#: name -> "module:attribute". Add one line per command.
LAZY_COMMANDS: dict[str, str] = {
    "consensus": "zooagg.consensus.command:consensus_command",
    "download": "zooagg.download:download_command",
    "report": "zooagg.report:report_command",
    "serve": "zooagg.service.cli:serve",
    "member": "zooagg.service.cli:member",
    "plot": "zooagg.plot:plot_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attribute = LAZY_COMMANDS[cmd_name].split(":")
            from importlib import import_module

            try:
                command: click.Command = getattr(import_module(module_name), attribute)
            except ModuleNotFoundError as exc:
                return _needs_extra(cmd_name, missing_extra(exc))
            return command
        return super().get_command(ctx, cmd_name)


def _needs_extra(name: str, error: ZooaggError) -> click.Command:
    """A stand-in for a command whose optional extra is missing: listed in --help with what to
    install, and running it says the same in one line."""

    def fail(**_: Any) -> None:
        raise error

    return click.Command(name, callback=fail, help=f"(not installed) {error}",
                         short_help=f"(not installed: {error.hint})",
                         context_settings={"ignore_unknown_options": True,
                                           "allow_extra_args": True, **HELP_FLAGS})


@click.group(cls=LazyGroup, context_settings=HELP_FLAGS)
@click.version_option(__version__, "-V", "--version", prog_name="zooagg")
def cli() -> None:
    """Consensus results from Zooniverse exports: config -> extract -> reduce.

    A drop-in for panoptes_aggregation: the same commands, flags, config files and output
    files. `zooagg run` does all three steps at once; `zooagg list` shows every extractor and
    reducer with its parameters.
    """


# ---- config ---------------------------------------------------------------------------------

def do_config(workflow_csv: str, workflow_id: int, version: str | None, min_version: str | None,
              max_version: str | None, keywords: dict[str, dict[str, Any]], out: Path,
              verbose: bool = False) -> tuple[Path, list[Path]]:
    from .config import (
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
    extractor_keywords, reducer_keywords = _split_keywords(tasks, keywords)
    extractor_config, warnings = extractor_config_for(tasks, extractor_keywords)
    for message in warnings:
        warn(message)
    if verbose and version is None and min_version is None and max_version is None:
        warn(f"no workflow version given, using the latest: {chosen.version_text}")
    ver = chosen.version_text
    config = {"workflow_id": workflow_id, "workflow_version": written, "extractor_config": extractor_config}
    extractor_path = out / f"Extractor_config_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(config, extractor_path)
    echo(f"Saving Extractor config to:\n{extractor_path}\n")
    reducer_paths = []
    for extractor_name, reducer_config in reducer_configs_for(extractor_config, reducer_keywords):
        path = out / f"Reducer_config_workflow_{workflow_id}_V{ver}_{extractor_name}.yaml"
        dump_yaml(reducer_config, path)
        reducer_paths.append(path)
        echo(f"Saving Reducer config to:\n{path}\n")
    labels_path = out / f"Task_labels_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(task_labels_for(chosen, extractor_config), labels_path)
    echo(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def _version_filter(version: str | None, min_version: str | None, max_version: str | None) -> Any:
    """-v / --min_version / --max_version as a VersionRange over classification versions."""
    from .exports.versions import VersionRange

    if version is None and min_version is None and max_version is None:
        return None
    if version is not None:
        return VersionRange.from_config(version)
    bounds = {k: v for k, v in (("min", min_version), ("max", max_version)) if v is not None}
    return VersionRange.from_config(bounds)


def do_config_inferred(classification_csv: str, workflow_id: int, version: str | None,
                       min_version: str | None, max_version: str | None,
                       keywords: dict[str, dict[str, Any]], out: Path) -> tuple[Path, list[Path]]:
    """Configs from a classification export alone: task types inferred from the annotations."""
    from .infer import infer_workflow, write_configs

    inference = infer_workflow(classification_csv, workflow_id,
                               _version_filter(version, min_version, max_version))
    extractor_keywords, reducer_keywords = _split_keywords(inference.tasks, keywords)
    echo(f"Inferred from {inference.rows} classifications of workflow {workflow_id} "
         f"(no workflow export; check these):")
    for line in inference.summary():
        echo(f"  {line}")
    echo()
    extractor_path, reducer_paths, labels_path, warnings = write_configs(
        inference, out, extractor_keywords, reducer_keywords)
    for message in warnings:
        warn(message)
    echo(f"Saving Extractor config to:\n{extractor_path}\n")
    for path in reducer_paths:
        echo(f"Saving Reducer config to:\n{path}\n")
    echo(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def _split_keywords(tasks: dict[str, Any], keywords: dict[str, dict[str, Any]]
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """-k keywords go to the task's extractor or its reducer, whichever takes them."""
    from .config import EXTRACTOR_TO_REDUCER, TYPE_TO_EXTRACTOR

    extractor_kw: dict[str, dict[str, Any]] = {}
    reducer_kw: dict[str, dict[str, Any]] = {}
    for task_key, values in keywords.items():
        if task_key not in tasks:
            raise ConfigError(f"-k names task {task_key!r}, which the workflow does not have",
                              hint=registry.did_you_mean(task_key, list(tasks)))
        task = tasks[task_key]
        extractor_name = TYPE_TO_EXTRACTOR.get(task.type, "")
        reducer_name = EXTRACTOR_TO_REDUCER.get(extractor_name, "")
        extractors = registry.components("extractor")
        reducers = registry.components("reducer")
        e_params = set(extractors[extractor_name].all_params) if extractor_name in extractors else set()
        r_params = set(reducers[reducer_name].all_params) if reducer_name in reducers else set()
        for key, value in values.items():
            if key in e_params or task.type == "drawing":
                extractor_kw.setdefault(task_key, {})[key] = value
            elif key in r_params:
                reducer_kw.setdefault(task_key, {})[key] = value
            else:
                raise ConfigError(f"-k: neither {extractor_name or 'the extractor'} nor "
                                  f"{reducer_name or 'the reducer'} of task {task_key} takes {key!r}",
                                  hint=registry.did_you_mean(key, sorted(e_params | r_params)))
    return extractor_kw, reducer_kw


@cli.command("config", context_settings=HELP_FLAGS)
@click.argument("workflow_csv", type=click.Path())
@click.argument("workflow_id", type=int)
@click.option("-d", "--dir", "directory", help="Folder for the config files (made if missing; default: here).")
@click.option("-v", "--version", "version", help="Workflow version: 3 = every 3.x, 3.14 = exactly 3.14.")
@click.option("--min_version", help="Lowest workflow version to include (overrides -v).")
@click.option("--max_version", help="Highest workflow version to include (a major-only max includes its minors).")
@click.option("-k", "--keywords", help='Per-task parameters as JSON, e.g. \'{"T0": {"pairs": true}}\'; '
              "each goes to the task's extractor or reducer, whichever takes it.")
@click.option("-vv", "--verbose", is_flag=True, help="Say which version the config was made from.")
@click.option("--from-classifications", "from_classifications", is_flag=True,
              help="WORKFLOW_CSV is a classification export: infer each task's type from the "
              "annotations (when there is no workflow export). The files say they are inferred.")
def config_command(workflow_csv: str, workflow_id: int, directory: str | None, version: str | None,
                   min_version: str | None, max_version: str | None, keywords: str | None, verbose: bool,
                   from_classifications: bool) -> None:
    """Make extractor and reducer configs from a workflow export.

    Writes Extractor_config_workflow_{id}_V{ver}.yaml, one
    Reducer_config_workflow_{id}_V{ver}_{extractor}.yaml per extractor, and
    Task_labels_workflow_{id}_V{ver}.yaml (the task and answer texts).

    With --from-classifications, the first argument is the classification export and the
    task types are inferred from its annotations, over every version present (or those -v,
    --min_version, --max_version select).
    """
    if version is not None and (min_version or max_version):
        version = None  # as the peer: --min/--max_version override -v
    if from_classifications:
        do_config_inferred(workflow_csv, workflow_id, version, min_version, max_version,
                           _parse_keywords(keywords), _out_dir(directory))
        return
    do_config(workflow_csv, workflow_id, version, min_version, max_version, _parse_keywords(keywords),
              _out_dir(directory), verbose)


# ---- extract --------------------------------------------------------------------------------

def do_extract(classification_csv: str, extractor_config: str, out: Path, output: str, order: bool,
               cpu_count: int | None, hide: bool, fmt: str, strict: bool, *, engine: str = "local",
               scheduler: str | None = None) -> list[Path]:
    from .config import load_extractor_config
    from .engine.extract import run_extract

    config = load_extractor_config(extractor_config)
    for name in config.skipped:
        warn(f"{name} is not available in this version of zooagg yet; skipping it")
    with progress_bar("Extracting", hide, None) as bar:
        last = [0]

        def tick(rows: int) -> None:
            bar.update(rows - last[0])
            last[0] = rows

        summary = run_extract(classification_csv, config, out, output, order=order, fmt=fmt,
                              cpu_count=cpu_count, strict=strict, engine=engine, scheduler=scheduler,
                              progress=tick)
    if summary.latin1_rows:
        shown = ", ".join(summary.latin1_rows[:10]) + (" ..." if len(summary.latin1_rows) > 10 else "")
        warn(f"{len(summary.latin1_rows)} row(s) of {classification_csv} are not UTF-8; decoded as "
             f"cp1252/latin-1 (classification_id {shown})")
    for path in summary.outputs:
        echo(f"Saving extracts to:\n{path}")
    counts = ", ".join(f"{n} {name}" for name, n in summary.extracts.items()) or "none"
    echo(f"extract: {summary.rows_read} rows read, {summary.rows_matched} matched workflow "
         f"{config.workflow_id} v{config.versions.describe()}, extracts: {counts}, "
         f"{summary.rejected} rejected, {summary.marks_dropped} marks dropped, {summary.seconds:.2f} s")
    if summary.rejects_file:
        dropped = f" and {summary.marks_dropped} dropped mark(s)" if summary.marks_dropped else ""
        warn(f"{summary.rejected} bad row(s){dropped} written to {summary.rejects_file}")
    return summary.outputs


@cli.command("extract", context_settings=HELP_FLAGS)
@click.argument("classification_csv", type=click.Path())
@click.argument("extractor_config", type=click.Path())
@click.option("-d", "--dir", "directory", help="Folder for the extract files (default: here).")
@click.option("-o", "--output", default="extractions", show_default=True,
              help="Base name: files are {extractor}_{output}.csv.")
@click.option("-O", "--order", is_flag=True, help="Sort the data.* columns alphabetically (choice first).")
@click.option("-c", "--cpu_count", type=click.IntRange(min=1), default=None,
              help="Worker processes for extraction [default: every core for exports over 20 MB, else 1]. "
              "The output is the same, bit for bit, whatever the count.")
@click.option("-vv", "--verbose", is_flag=True, help="Accepted for compatibility; bad rows always go to the rejects file.")
@click.option("-hb", "--hide_bar", is_flag=True, help="Hide the progress bar.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="csv: the peer's files; parquet: typed tables.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row instead of writing it to the rejects file.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine's cores; dask: a Dask cluster (same output, bit for bit).")
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local Dask cluster.")
def extract_command(classification_csv: str, extractor_config: str, directory: str | None, output: str,
                    order: bool, cpu_count: int | None, verbose: bool, hide_bar: bool, fmt: str,
                    strict: bool, engine: str, scheduler: str | None) -> None:
    """Extract each classification's answers, as the extractor config says.

    Writes one file per extractor, {extractor}_{output}.csv, one row per classification and
    task, and {output}_rejects.csv with every row that could not be extracted and why.
    """
    do_extract(classification_csv, extractor_config, _out_dir(directory), output, order, cpu_count,
               hide_bar, fmt, strict, engine=engine, scheduler=scheduler)


# ---- reduce ---------------------------------------------------------------------------------

def do_reduce(extracted_csv: str, reducer_config: str, out: Path, output: str, filter_how: str,
              order: bool, hide: bool, fmt: str, strict: bool, *, cpu_count: int | None = 1,
              engine: str = "local", scheduler: str | None = None) -> Path | None:
    # reduce runs in processes, not BLAS threads: without this numpy's OpenBLAS starts a thread
    # pool at import that spins ~50 ms of CPU (the server sets the same, service/cli.py)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    from .config import load_reducer_config
    from .engine.reduce import run_reduce

    config = load_reducer_config(reducer_config)
    with progress_bar("Reducing", hide, None, unit="parts") as bar:
        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

        summary = run_reduce(extracted_csv, config, out, output, filter_how=filter_how, order=order,
                             fmt=fmt, strict=strict, cpu_count=cpu_count, engine=engine,
                             scheduler=scheduler, progress=tick)
    echo(f"Saving reductions to:\n{summary.output}")
    repeats = f", {summary.repeats_dropped} repeat classification(s) dropped (-F {filter_how})" \
        if summary.repeats_dropped else ""
    echo(f"reduce: {summary.extracts_read} extracts, {summary.subjects} subjects, "
         f"{summary.rows_written} rows{repeats}, {summary.rejected} rejected, {summary.seconds:.2f} s")
    if summary.rejects_file:
        warn(f"{summary.rejected} subject/task reduction(s) failed; see {summary.rejects_file}")
    return summary.output


@cli.command("reduce", context_settings=HELP_FLAGS)
@click.argument("extracted_csv", type=click.Path())
@click.argument("reducer_config", type=click.Path())
@click.option("-F", "--filter", "filter_how", type=click.Choice(["first", "last", "all"]), default="first",
              show_default=True, help="Repeat classifications of a subject by one volunteer: keep the first, "
              "the last, or all (the peer ignores this flag and always keeps all).")
@click.option("-O", "--order", is_flag=True, help="Sort the data.* columns alphabetically.")
@click.option("-c", "--cpu_count", type=click.IntRange(min=1), default=None,
              help="Worker processes; big extract files are reduced in parts, side by side "
              "[default: every core].")
@click.option("-hb", "--hide_bar", is_flag=True, help="Hide the progress bar.")
@click.option("-d", "--dir", "directory", help="Folder for the reduction file (default: here).")
@click.option("-o", "--output", default="reductions", show_default=True,
              help="Base name: the file is {reducer}_{output}.csv.")
@click.option("-s", "--stream", is_flag=True, help="Accepted for compatibility: zooagg always writes the "
              "file atomically at the end, so an interrupted run leaves no half file to resume.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--strict", is_flag=True, help="Stop at the first subject that cannot be reduced.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine's cores; dask: a Dask cluster (same output, bit for bit).")
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local Dask cluster.")
def reduce_command(extracted_csv: str, reducer_config: str, filter_how: str, order: bool,
                   cpu_count: int | None, hide_bar: bool, directory: str | None, output: str, stream: bool,
                   fmt: str, strict: bool, engine: str, scheduler: str | None) -> None:
    """Reduce extracts to a consensus per subject and task, as the reducer config says.

    Big extract files are split by subject into parts of about 12 MB, reduced side by side
    (memory stays flat) and merged back in the peer's order.
    """
    do_reduce(extracted_csv, reducer_config, _out_dir(directory), output, filter_how, order, hide_bar,
              fmt, strict, cpu_count=cpu_count, engine=engine, scheduler=scheduler)


# ---- run ------------------------------------------------------------------------------------

@cli.command("run", context_settings=HELP_FLAGS)
@click.argument("inputs", nargs=-1, required=True, metavar="EXPORTS... [WORKFLOW_ID]...")
@click.option("-d", "--dir", "directory", default="zooagg-output", show_default=True,
              help="Folder for configs, extracts and reductions.")
@click.option("-v", "--version", "version", help="Workflow version (as for config).")
@click.option("--min_version")
@click.option("--max_version")
@click.option("-k", "--keywords", help="Per-task parameters as JSON (as for config).")
@click.option("-F", "--filter", "filter_how", type=click.Choice(["first", "last", "all"]), default="first",
              show_default=True)
@click.option("-c", "--cpu_count", type=click.IntRange(min=1), default=None,
              help="Worker processes for extraction (default: every core for big exports).")
@click.option("-hb", "--hide_bar", is_flag=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--strict", is_flag=True)
def run_command(inputs: tuple[str, ...], directory: str, version: str | None, min_version: str | None,
                max_version: str | None, keywords: str | None, filter_how: str, cpu_count: int | None,
                hide_bar: bool, fmt: str, strict: bool) -> None:
    """config -> extract -> reduce in one go.

    `zooagg run WORKFLOW_CSV CLASSIFICATION_CSV WORKFLOW_ID` runs one workflow, as before, into
    the -d folder.

    Any other mix of a project's exports (classification export required; workflow and subject
    exports optional, in any order) and workflow ids runs every workflow in the classification
    export, or the ones named, without a config written by hand: each workflow version present
    is configured from the workflow export, or, without one, from task types inferred from the
    annotations (the configs say so). Results go to -d/workflow_<id>/ (with a V<version>/
    folder per version range when the tasks changed between versions), and -d/zooagg-run.json
    lists them for `zooagg report`.
    """
    out = _out_dir(directory)
    if len(inputs) == 3 and inputs[2].isdigit() and not Path(inputs[2]).exists():
        extractor_path, reducer_paths = do_config(inputs[0], int(inputs[2]), version, min_version,
                                                  max_version, _parse_keywords(keywords), out)
        results = _extract_and_reduce(inputs[1], extractor_path, reducer_paths, out, filter_how, cpu_count,
                                      hide_bar, fmt, strict)
        results += _consensus(out, fmt, None, Path(inputs[1]))
        echo(f"\nDone. Results are in {out.resolve()}:")
        for path in results:
            echo(f"  {path}")
        return
    _run_project(inputs, out, version, min_version, max_version, _parse_keywords(keywords), filter_how,
                 cpu_count, hide_bar, fmt, strict)


def _extract_and_reduce(classification_csv: str, extractor_path: Path, reducer_paths: list[Path], out: Path,
                        filter_how: str, cpu_count: int | None, hide_bar: bool, fmt: str,
                        strict: bool) -> list[Path]:
    # reduce reads CSV extracts, so with --format parquet the extracts stay CSV and the
    # reductions and the consensus table are Parquet
    extracts = do_extract(classification_csv, str(extractor_path), out, "extractions", False, cpu_count,
                          hide_bar, "csv", strict)
    produced = {p.stem.removesuffix("_extractions"): p for p in extracts}
    results = []
    for reducer_path in reducer_paths:
        extractor_name = reducer_path.stem.split(f"_V{reducer_path.stem.split('_V')[1].split('_')[0]}_", 1)[1]
        if extractor_name not in produced:
            warn(f"no extracts for {extractor_name}; skipping {reducer_path.name}")
            continue
        reducer_name = _reducer_of(reducer_path)
        if reducer_name not in registry.components("reducer"):
            warn(f"{reducer_name} is not available in this version of zooagg yet; skipping {reducer_path.name}")
            continue
        output = f"reductions_{extractor_name}" if _shared_reducer(reducer_paths, reducer_path) else "reductions"
        result = do_reduce(str(produced[extractor_name]), str(reducer_path), out, output, filter_how,
                           False, hide_bar, fmt, strict)
        if result is not None:
            results.append(result)
    return results


def _run_project(inputs: tuple[str, ...], out: Path, version: str | None, min_version: str | None,
                 max_version: str | None, keywords: dict[str, dict[str, Any]], filter_how: str,
                 cpu_count: int | None, hide_bar: bool, fmt: str, strict: bool) -> None:
    """Every workflow (or those named) of a project's exports, configured per version present."""
    from .exports.workflows import read_workflows
    from .infer import export_kind, plan_groups, versions_in

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
    groups = plan_groups(present, workflow_ids, workflows, _version_filter(version, min_version, max_version))
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
        echo(f"\n== workflow {group.workflow_id}, versions {group.low}..{group.high} "
             f"({group.rows} classifications), config {source} -> {folder}")
        if group.inferred:
            extractor_path, reducer_paths = do_config_inferred(
                classifications, group.workflow_id, None, group.low, group.high, keywords, folder)
        elif group.low == group.high:
            extractor_path, reducer_paths = do_config(exports["workflows"], group.workflow_id, group.low,
                                                      None, None, keywords, folder)
        else:
            extractor_path, reducer_paths = do_config(exports["workflows"], group.workflow_id, None,
                                                      group.low, group.high, keywords, folder)
        results = _extract_and_reduce(classifications, extractor_path, reducer_paths, folder, filter_how,
                                      cpu_count, hide_bar, fmt, strict)
        consensus = _consensus(folder, fmt, Path(exports["subjects"]) if "subjects" in exports else None,
                               Path(classifications))
        manifest["runs"].append({"workflow_id": group.workflow_id, "versions": [group.low, group.high],
                                 "inferred": group.inferred, "folder": str(folder.relative_to(out)),
                                 "classifications": group.rows, "reductions": [p.name for p in results],
                                 "consensus": consensus[0].name if consensus else None})
    from .tables import atomic_open, commit

    manifest_path = out / "zooagg-run.json"
    handle, tmp = atomic_open(manifest_path)
    with handle:
        json.dump(manifest, handle, indent=2)
    commit(tmp, manifest_path)
    echo(f"\nDone: {len(groups)} run(s) of {len(workflow_ids)} workflow(s). Results are in {out.resolve()}; "
         f"make the reports with `zooagg report {out}`.")


def _consensus(folder: Path, fmt: str, subjects: Path | None, classifications: Path) -> list[Path]:
    """The run folder's consensus table (one row per subject), when it has reductions."""
    from .consensus.folder import write_folder

    written = write_folder(folder, fmt, subjects, classifications)
    if written is None:
        return []
    path, table = written
    echo(f"Saving consensus table ({len(table.rows)} subjects) to:\n{path}")
    for reducer, count in table.skipped.items():
        warn(f"{reducer} has no consensus summary; its {count} row(s) are only in its own reduction file")
    return [path]


def _reducer_of(path: Path) -> str:
    import yaml

    with path.open(encoding="utf-8") as handle:
        return str(next(iter(yaml.safe_load(handle)["reducer_config"])))


def _shared_reducer(paths: list[Path], path: Path) -> bool:
    """Two extractors with the same reducer would overwrite each other's output: name them apart."""
    mine = _reducer_of(path)
    return sum(_reducer_of(p) == mine for p in paths) > 1


# ---- list -----------------------------------------------------------------------------------

@cli.command("list", context_settings=HELP_FLAGS)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """Every registered extractor, reducer and running reducer, with its parameters and defaults."""
    listing: dict[str, list[dict[str, Any]]] = {}
    for kind in registry.KINDS:
        items: list[dict[str, Any]] = []
        for name, component in registry.components(kind).items():
            items.append({
                "name": name,
                "summary": component.doc.splitlines()[0] if component.doc else "",
                "task_types": list(component.task_types),
                "params": {k: {"type": p.type.__name__, "default": p.default, "help": p.help}
                           for k, p in component.params.items()},
            })
        listing[kind + "s"] = items
    if as_json:
        echo(json.dumps(listing, indent=2, default=str))
        return
    for heading, entries in listing.items():
        echo(f"{heading.replace('_', ' ')}:")
        for item in entries:
            echo(f"  {item['name']}: {item['summary']}")
            for key, param in item["params"].items():
                echo(f"      {key} ({param['type']}, default {param['default']!r}): {param['help']}")
        echo()


def main(argv: list[str] | None = None) -> int:
    """Entry point: every user-facing error becomes one line and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, prog_name="zooagg", standalone_mode=False)
    except ZooaggError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        error = missing_extra(exc)
        click.echo(f"Error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted; no partial output was left behind.", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted; no partial output was left behind.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except OSError as exc:
        click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 2
    finally:
        # partial files come only from zooagg.tables; importing it just for this would cost
        # pyarrow and numpy before a command can say how it wants them (do_reduce)
        tables = sys.modules.get("zooagg.tables")
        if tables is not None:
            tables.discard_partials()
    return 0


def entry() -> None:
    sys.exit(main())


_: Callable[..., Any] = entry
