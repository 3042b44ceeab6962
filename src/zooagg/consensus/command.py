"""`zooagg consensus RUN_DIR`: the consensus table of run folders made earlier."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError, Where
from .folder import Written, require_folder, unreadable_note, write_folder

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}


def write_run(root: Path, fmt: str = "csv", subjects: Path | None = None,
              classifications: Path | None = None, metadata: bool = True) -> list[Written]:
    """The consensus table of every run folder under `root`; the exports named in its
    zooagg-run.json give the subject metadata unless `subjects`/`classifications` are given."""
    from ..manifest import manifest_for
    from ..report.data import run_folders

    require_folder(root)
    folders = [f for f in run_folders(root) if any(f.glob("*_reductions*"))]
    if not folders:
        raise InputError("no reductions here", hint="run `zooagg run` first and give its -d folder",
                         where=Where(file=str(root)))
    manifest = manifest_for(root)
    if metadata:
        subjects = subjects or _recorded(manifest, "subjects")
        classifications = classifications or _recorded(manifest, "classifications")
    else:
        subjects = classifications = None
    written = []
    for folder in folders:
        result = write_folder(folder, fmt, subjects, classifications)
        if result is not None:
            written.append(result)
    return written


def _recorded(manifest: dict[str, object], key: str) -> Path | None:
    value = manifest.get(key)
    return Path(value) if isinstance(value, str) else None


@click.command("consensus", context_settings=HELP_FLAGS)
@click.argument("run_dir", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--subjects", type=click.Path(exists=True, dir_okay=False),
              help="A subject export whose metadata goes beside the consensus "
              "[default: the one zooagg-run.json names, else the classification export's subject_data].")
@click.option("--classifications", type=click.Path(exists=True, dir_okay=False),
              help="The classification export, for subject metadata from its subject_data column "
              "[default: the one zooagg-run.json names].")
@click.option("--no-metadata", "no_metadata", is_flag=True, help="Leave the subject metadata columns out.")
def consensus_command(run_dir: str, fmt: str, subjects: str | None, classifications: str | None,
                      no_metadata: bool) -> None:
    """One consensus table per workflow of a run folder: per subject and task the leading
    answer (by its label), its votes, the total, agreement and ties; survey species, dropdown
    options, slider medians, consensus text and drawing clusters; columns in docs/consensus.md.
    """
    root = Path(run_dir)
    paths = write_run(root, fmt, Path(subjects) if subjects else None,
                      Path(classifications) if classifications else None, metadata=not no_metadata)
    for written in paths:
        click.echo(f"Saving consensus table to:\n{written.path}")
        warn_unreadable(written)


def warn_unreadable(written: Written) -> None:
    """On stderr, what the table's subject metadata could not be read from (consensus, weight)."""
    note = unreadable_note(written.table, written.rejects)
    if note:
        click.echo(f"warning: {note}", err=True)

