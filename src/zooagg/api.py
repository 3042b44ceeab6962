"""The public Python API, one step at a time: configs, extract, reduce, and the table reader.

Each function is a thin wrapper over the same library calls as the `zooagg` command
(`zooagg.run`), so results are the CLI's, byte for byte in the files and value for value in
the frames. Inputs are paths or frames; outputs are pandas DataFrames (Arrow tables without
pandas). The examples run against the Superluminous Supernovae exports shipped in
`examples/slsn` (doctest runs them from the repository root).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError, Where

if TYPE_CHECKING:
    from .frames_out import Layout

#: a path, or a table already in memory (pandas DataFrame or Arrow table)
Source = Any
#: what the API returns: a pandas DataFrame, or a pyarrow Table when pandas is not installed
Frame = Any
PathLike = str | os.PathLike[str]


def read_table(source: Source, *, layout: Layout = "wide") -> Frame:
    """An extract or reduction file (CSV or Parquet; zooagg's or the peer's) with real values.

    Lists and mappings are parsed from their Python repr (never with `eval`; `nan`, `inf` and
    numpy reprs such as `np.float64(1.5)` included), ids and counts are integers (the peer
    writes a count as `1.0` when its column has gaps), `created_at` is a UTC time. `source` may
    also be a DataFrame or Arrow table holding such a file's text.

    `layout` is `"wide"` (the file's own columns), or, for drawing tasks, `"marks"` (one row
    per mark: `frame`, `tool`, `mark`, then one column per property such as `x`, `y`,
    `details`, `cluster_labels`) or `"clusters"` (one row per cluster of a reduction: `frame`,
    `tool`, `cluster`, then `x`, `y`, `count`, ...).

    >>> votes = read_table("tests/golden/slsn-batch-fixture/expected/question_reducer_reductions.csv")
    >>> votes[["subject_id", "task", "data.no", "data.yes"]].head(3)
       subject_id task  data.no  data.yes
    0    96588105   T0        1      <NA>
    1    96588105   T1     <NA>      <NA>
    2    96588106   T0        1      <NA>
    >>> boxes = read_table("tests/golden/dd-example-4870-rectangles/expected/"
    ...                    "shape_reducer_dbscan_reductions.csv", layout="clusters")
    >>> boxes[["subject_id", "task", "tool", "cluster", "count", "x", "y"]].head(3)
       subject_id task  tool  cluster  count           x           y
    0    12650258   T0     1        0      3  669.186117  261.083079
    1    12650258   T0     1        1      3  699.532898  551.896871
    2    12650258   T2     0        0      3  277.156057   81.898554
    """
    from .frames import load_arrow, typed_columns
    from .frames_out import reshape, to_output

    table, name = load_arrow(source)
    return to_output(reshape(typed_columns(table, name), layout, name))


@dataclass(frozen=True)
class Configs:
    """The config files of one workflow (version range), as `zooagg config` writes them:
    `extractor` (the extractor config's path), `reducers` (extractor name -> the path of its
    reducer config) and `directory` (their folder).

    >>> configs = make_configs("examples/slsn/wf_export.csv", 10, quiet=True)
    >>> configs.reducer_for("question_extractor").name
    'Reducer_config_workflow_10_V16.55_question_extractor.yaml'
    """

    extractor: Path  # Extractor_config_workflow_{id}_V{version}.yaml
    reducers: dict[str, Path]  # Reducer_config_workflow_{id}_V{version}_{extractor}.yaml
    directory: Path

    def reducer_for(self, extractor: str) -> Path:
        """The reducer config of one extractor's extracts."""
        if extractor not in self.reducers:
            from .registry import did_you_mean

            raise ConfigError(f"no reducer config for {extractor}",
                              hint=f"{did_you_mean(extractor, list(self.reducers))} (these configs "
                              f"reduce the extracts of {', '.join(self.reducers) or 'nothing'})",
                              where=Where(file=str(self.directory), value=extractor))
        return self.reducers[extractor]


def folder(directory: PathLike | None) -> Path:
    """The output folder (made if missing); a new temporary one when none is given."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="zooagg-"))
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise InputError("is a file, not a folder", hint="give directory= a folder", where=Where(file=str(path)))
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- how a call talks to its user -------------------------------------------------------------

def console(quiet: bool) -> Any:
    """The run's console for a Python caller: warnings as `ZooaggWarning`s and a progress bar
    (tqdm's notebook bar in Jupyter) for steps that take more than a second; nothing when quiet."""
    from .run import Console

    class _Console(Console):
        def warn(self, message: str) -> None:
            if not quiet:
                import warnings

                from .errors import ZooaggWarning

                warnings.warn(message, ZooaggWarning, stacklevel=4)

        @contextmanager
        def progress(self, label: str, total: int | None = None, unit: str = "rows") -> Iterator[Any]:
            if quiet:
                with super().progress(label, total, unit) as bar:
                    yield bar
                return
            from tqdm.auto import tqdm

            bar = tqdm(total=total, desc=label, unit=f" {unit}", leave=False, delay=1.0)
            try:
                yield bar
            finally:
                bar.close()

    return _Console()


def input_csv(source: Source, out: Path, name: str, extracts: bool = False) -> str:
    """A path as it is; a frame written into `out` (as an extract table or as an export)."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    from .frames_in import write_export, write_extracts

    inputs = out / "inputs"
    inputs.mkdir(exist_ok=True)
    return str((write_extracts if extracts else write_export)(source, inputs / name))


# ---- the steps ----------------------------------------------------------------------------------

def make_configs(export: Source, workflow_id: int, *, from_classifications: bool = False,
                 version: str | None = None, min_version: str | None = None, max_version: str | None = None,
                 keywords: dict[str, dict[str, Any]] | None = None, directory: PathLike | None = None,
                 quiet: bool = False) -> Configs:
    """The extractor and reducer configs of a workflow, as `zooagg config` writes them.

    `export` is the workflow export, or with `from_classifications=True` the classification
    export (each task's type is then inferred from the annotations). `version` ("16" = every
    16.x, "16.55" exactly), `min_version` / `max_version` and `keywords` (per-task parameters,
    e.g. `{"T0": {"pairs": True}}`) are the CLI's `-v`, `--min_version`, `--max_version`, `-k`.
    The files go to `directory` (a new temporary folder if None).

    >>> configs = make_configs("examples/slsn/wf_export.csv", 10)
    >>> configs.extractor.name
    'Extractor_config_workflow_10_V16.55.yaml'
    >>> {name: path.name for name, path in configs.reducers.items()}
    {'question_extractor': 'Reducer_config_workflow_10_V16.55_question_extractor.yaml'}
    >>> make_configs("examples/slsn/wf_export.csv", 11)
    Traceback (most recent call last):
    ...
    zooagg.errors.InputError: file examples/slsn/wf_export.csv, value 11: no workflow with id 11 (workflow ids in this export: 10)
    """
    from . import run

    out = folder(directory)
    if version is not None and (min_version or max_version):
        version = None  # as the CLI (and the peer): --min/--max_version override -v
    make = run.configure_inferred if from_classifications else run.configure
    extractor, reducers = make(input_csv(export, out, "export.csv"), workflow_id, version, min_version,
                               max_version, keywords or {}, out, console=console(quiet))
    prefix = extractor.stem.replace("Extractor_config_", "Reducer_config_") + "_"
    return Configs(extractor, {p.stem.removeprefix(prefix): p for p in reducers}, out)


def extract(classifications: Source, configs: Configs | PathLike, *, directory: PathLike | None = None,
            output: str = "extractions", cpu_count: int | None = None, strict: bool = False,
            quiet: bool = False) -> dict[str, Frame]:
    """Each classification's answers, one table per extractor, as `zooagg extract` writes them.

    `classifications` is the classification export (a path or a frame); `configs` what
    `make_configs` returned, or an extractor config file. The files
    (`{extractor}_{output}.csv`, and `{output}_rejects.csv` for bad rows) go to `directory`
    (default: the configs' folder). Returns extractor name -> its extracts.

    >>> configs = make_configs("examples/slsn/wf_export.csv", 10)
    >>> extracts = extract("examples/slsn/cls_export.csv", configs)
    >>> extracts["question_extractor"][["classification_id", "task", "data.yes", "data.no"]].head(3)
       classification_id task  data.yes  data.no
    0          543695319   T0         1     <NA>
    1          543695319   T1         1     <NA>
    2          543695340   T0      <NA>        1
    """
    from . import run

    config_path = configs.extractor if isinstance(configs, Configs) else Path(configs)
    out = folder(directory if directory is not None or not isinstance(configs, Configs) else configs.directory)
    paths = run.extract(input_csv(classifications, out, "classifications.csv"), str(config_path), out, output,
                        cpu_count=cpu_count, strict=strict, console=console(quiet))
    return {p.stem.removesuffix(f"_{output}"): read_table(p) for p in paths}


def reduce(extracts: Source, configs: Configs | PathLike, *, filter_how: str = "first",
           directory: PathLike | None = None, output: str = "reductions", cpu_count: int | None = None,
           strict: bool = False, quiet: bool = False) -> Frame:
    """Each subject's consensus from one extractor's extracts, as `zooagg reduce` writes it.

    `extracts` is an extract file or a frame of one (as `extract` or `read_table` return);
    `configs` what `make_configs` returned (the reducer config of the extracts' extractor is
    used) or a reducer config file. `filter_how` keeps a volunteer's `first`, `last` or `all`
    classifications of a subject (the CLI's `-F`); `cpu_count` is `-c` (default: every core
    for big files). The file (`{reducer}_{output}.csv`) goes to `directory` (default: the
    configs' folder).

    >>> configs = make_configs("examples/slsn/wf_export.csv", 10)
    >>> extracts = extract("examples/slsn/cls_export.csv", configs)
    >>> votes = reduce(extracts["question_extractor"], configs)
    >>> votes[["subject_id", "task", "data.yes", "data.no"]].head(4)
       subject_id task  data.yes  data.no
    0    96588105   T0      <NA>        1
    1    96588105   T1      <NA>     <NA>
    2    96588106   T0      <NA>        1
    3    96588106   T1      <NA>     <NA>
    """
    from . import run

    out = folder(directory if directory is not None or not isinstance(configs, Configs) else configs.directory)
    path = input_csv(extracts, out, "extracts.csv", extracts=True)
    if isinstance(configs, Configs):
        config_path = configs.reducer_for(_extractor_of(path))
    else:
        config_path = Path(configs)
    result = run.reduce(path, str(config_path), out, output, filter_how=filter_how, strict=strict,
                        cpu_count=cpu_count, console=console(quiet))
    if result is None:
        raise InputError("no reductions were written", hint="check the extracts and the reducer config",
                         where=Where(file=path))
    return read_table(result)


def _extractor_of(path: str) -> str:
    """The extractor named in an extract file's first row."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        first = next(rows, None)
    if not first or not first.get("extractor"):
        raise InputError("no extracts (or no `extractor` column)", hint="give the extracts of one extractor",
                         where=Where(file=path, column="extractor"))
    return first["extractor"]
