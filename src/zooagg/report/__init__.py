"""`zooagg report`: one self-contained HTML page per workflow of a run folder.

Per task: classifications per subject, the share of the votes for each subject's top answer
and the agreement (share of subjects with two or more classifications whose top answer has more
than 80% of the votes; ties and the subjects with fewer are counted), votes per answer, the
subjects with the least agreement first; text with its consensus score; volunteers per day;
for drawing and transcription tasks a grid of the most classified subjects with every
volunteer's marks and the consensus, and the subjects marked but left without a consensus
mark (eps likely too small); every result file.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError, Where

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}


def build_reports(root: Path, classifications: Path | None = None, out: Path | None = None) -> list[Path]:
    """Write report_workflow_<id>.html for every run folder under `root`; return the paths."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("zooagg report needs matplotlib",
                         hint="pip install 'zooagg[plot]'") from None
    from ..manifest import manifest_entry, manifest_for
    from ..tables.atomic import atomic_open, commit
    from .data import activity_from_export, load_run, run_folders
    from .page import render

    if not root.is_dir():
        raise InputError("not a folder", hint="give the folder `zooagg run -d` wrote", where=Where(file=str(root)))
    folders = run_folders(root)
    if not folders:
        raise InputError("no extracts or reductions here",
                         hint="run `zooagg run` first and give its -d folder", where=Where(file=str(root)))
    manifest = manifest_for(root)
    written = []
    for folder in folders:
        run = load_run(folder)
        entry = manifest_entry(manifest, folder)
        versions = tuple(entry["versions"]) if entry.get("versions") else None
        if entry:
            run.inferred = run.inferred or bool(entry.get("inferred"))
            run.versions = " .. ".join(dict.fromkeys(entry["versions"]))
        export = classifications or (Path(manifest["classifications"]) if manifest.get("classifications") else None)
        if export is not None and export.exists() and run.workflow_id:
            activity_from_export(run, export, versions if len(versions or ()) == 2 else None)
        elif export is not None:
            run.notes.append(f"{export} was not found; volunteers per day come from the extracts")
        name = f"report_workflow_{run.workflow_id or folder.name}"
        if sum(1 for f in folders if f.parent == folder.parent and f.name.startswith("V")) > 1 \
                or folder.name.startswith("V"):
            name += f"_{folder.name}"
        target = (out or folder) / f"{name}.html"
        handle, tmp = atomic_open(target)
        with handle:
            handle.write(render(run))
        commit(tmp, target)
        target.chmod(0o644)  # a page to share (temp files are created private)
        written.append(target)
    return written


@click.command("report", context_settings=HELP_FLAGS)
@click.argument("run_dir", type=click.Path())
@click.option("--classifications", "classifications", type=click.Path(),
              help="The classification export, for volunteers per day over every classification "
              "[default: the one `zooagg run` recorded in zooagg-run.json, else the extracts].")
@click.option("-o", "--out", "out", type=click.Path(),
              help="Folder for the HTML files [default: beside each workflow's results].")
def report_command(run_dir: str, classifications: str | None, out: str | None) -> None:
    """One self-contained HTML report per workflow of a run folder (opens offline).

    Shows, per task, classifications per subject, the agreement on the top answer and the
    subjects with the least agreement first; volunteers per day; and for drawing tasks the
    marks on the most classified subjects.
    """
    out_dir = Path(out) if out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for path in build_reports(Path(run_dir), Path(classifications) if classifications else None, out_dir):
        click.echo(f"Saving report to:\n{path}")
