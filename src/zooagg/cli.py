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

from . import __version__, registry, run
from .errors import ConfigError, InputError, RunFailed, ZooaggError, missing_extra

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}


def echo(message: str = "") -> None:
    click.echo(message)


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class TerminalConsole(run.Console):
    """A run's messages on the terminal: stdout, warnings on stderr, a progress bar on stderr
    (hidden with -hb or when stderr is not a terminal)."""

    def __init__(self, hide_bar: bool = False) -> None:
        self.hide_bar = hide_bar

    def say(self, message: str = "") -> None:
        echo(message)

    def warn(self, message: str) -> None:
        warn(message)

    @contextmanager
    def progress(self, label: str, total: int | None = None, unit: str = "rows") -> Iterator[Any]:
        if self.hide_bar or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            # tqdm itself, even disabled, costs ~15 ms of imports and a multiprocessing lock
            yield run.NoBar()
            return
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit=f" {unit}", file=sys.stderr, leave=False, dynamic_ncols=True)
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
    "download": "zooagg.panoptes_download:download_command",
    "report": "zooagg.report:report_command",
    "serve": "zooagg.service.cli:serve",
    "member": "zooagg.service.cli:member",
    "plot": "zooagg.subject_plot:plot_command",
    "weight": "zooagg.weighting.command:weight_command",
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


class _HidePandas:
    """A finder that says pandas is not installed (`_pyarrow_without_pandas` sets it for one call)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _pyarrow_without_pandas() -> None:
    """pyarrow looks for pandas once, the first time it builds an array (`pa.array`, even with a
    type, `pa.scalar`, `to_numpy`, a compute call given a Python value), and imports it when it is
    installed (crowd-kit and the dev extra install it): ~0.2 s of every command, for nothing, as
    these commands hand pyarrow no pandas objects. That first look is made here with pandas
    hidden: an array of text with no type given, so that both of pyarrow's looks (its Python
    shim's and its C++ type inference's) find none. pyarrow looks again where it needs pandas
    (`to_pandas`), and anything may still import pandas itself. Nothing is done when pandas is
    imported already. tests/test_cli_imports.py checks that config, extract and reduce leave
    pandas unimported."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _HidePandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array(["x"])
    finally:
        sys.meta_path.remove(finder)


# ---- config ---------------------------------------------------------------------------------

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
    _pyarrow_without_pandas()
    if version is not None and (min_version or max_version):
        version = None  # as the peer: --min/--max_version override -v
    if from_classifications:
        run.configure_inferred(workflow_csv, workflow_id, version, min_version, max_version,
                               _parse_keywords(keywords), _out_dir(directory), console=TerminalConsole())
        return
    run.configure(workflow_csv, workflow_id, version, min_version, max_version, _parse_keywords(keywords),
                  _out_dir(directory), verbose=verbose, console=TerminalConsole())


# ---- extract --------------------------------------------------------------------------------

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
    _pyarrow_without_pandas()
    run.extract(classification_csv, extractor_config, _out_dir(directory), output, order=order,
                cpu_count=cpu_count, fmt=fmt, strict=strict, engine=engine, scheduler=scheduler,
                console=TerminalConsole(hide_bar))


# ---- reduce ---------------------------------------------------------------------------------

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
@click.option("--strict", is_flag=True, help="Stop at the first bad extract row or subject that cannot be reduced, instead of writing it to the rejects file.")
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
    _pyarrow_without_pandas()
    run.reduce(extracted_csv, reducer_config, _out_dir(directory), output, filter_how=filter_how, order=order,
               fmt=fmt, strict=strict, cpu_count=cpu_count, engine=engine, scheduler=scheduler,
               console=TerminalConsole(hide_bar))


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
@click.option("--weight", "weigh", multiple=True, metavar="METHOD",
              help="Also weigh the volunteers with this method (repeatable), as `zooagg weight -m METHOD` on "
                   "the results: the consensus table gets its answers (docs/weighting.md).")
def run_command(inputs: tuple[str, ...], directory: str, version: str | None, min_version: str | None,
                max_version: str | None, keywords: str | None, filter_how: str, cpu_count: int | None,
                hide_bar: bool, fmt: str, strict: bool, weigh: tuple[str, ...]) -> None:
    """config -> extract -> reduce in one go, for one workflow or a whole project.

    Give a project's exports (the classification export, and optionally its workflow and
    subject exports) and workflow ids in any number and order: files are told from ids, and
    exports from each other, by their content. Every workflow in the classification export (or
    the ones named) runs without a config written by hand: each workflow version present is
    configured from the workflow export, or, without one, from task types inferred from the
    annotations (the configs say so; versions are split where a drawing tool changes shape).

    Results always go to -d/workflow_<id>/ (with a V<version>/ folder per version range when
    the tasks changed between versions), each ending with its consensus table
    consensus_workflow_<id>.csv, and -d/zooagg-run.json lists them for `zooagg report`. A
    workflow that fails is recorded there with its error and the others still run; the
    command then exits with status 1 naming it.
    """
    _pyarrow_without_pandas()
    out = _out_dir(directory)
    steps = run.Steps(filter_how=filter_how, cpu_count=cpu_count, fmt=fmt, strict=strict,
                      console=TerminalConsole(hide_bar))
    if weigh:
        from .weighting import run as weighting

        weighting.check_methods(list(weigh))  # a misspelt method fails before the run, not after
    try:
        run.run_project(inputs, out, version, min_version, max_version, _parse_keywords(keywords), steps)
    except RunFailed:
        if weigh:  # the workflows that ran are weighed all the same
            _weigh_run(out, weigh, fmt, strict)
        raise
    if weigh:
        _weigh_run(out, weigh, fmt, strict)


def _weigh_run(out: Path, methods: tuple[str, ...], fmt: str, strict: bool) -> None:
    from .weighting.command import Choices, weigh_sources

    weigh_sources([out], list(methods), {}, Choices(fmt=fmt, strict=strict, lenient=True))


# ---- list -----------------------------------------------------------------------------------

@cli.command("list", context_settings=HELP_FLAGS)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """Every registered extractor, reducer and running reducer, with its parameters and defaults."""
    listing = registry.describe()
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
        # partial files come only from zooagg.tables.atomic; importing it just for this is
        # needless when no command got as far as writing
        atomic = sys.modules.get("zooagg.tables.atomic")
        if atomic is not None:
            atomic.discard_partials()
    return 0


def entry() -> None:
    sys.exit(main())


_: Callable[..., Any] = entry
