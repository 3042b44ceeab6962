"""`zooagg weight`: volunteer-weighted consensus over a whole workflow's extracts."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..engine.rejects import Rejects
from ..errors import ConfigError, InputError, Where
from ..tables import atomic_open, commit
from . import run as runs
from .answers import TaskAnswers, gold_classifications, read_extracts, read_truth, split_gold

if TYPE_CHECKING:
    from ..consensus.folder import Written
    from ..consensus.votes import Labels

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}
#: every method `--score` runs when none is named
DEFAULT_SCORED = ("majority_vote", "dawid_skene", "one_coin_dawid_skene", "glad", "mace", "swap")


def extract_groups(sources: list[Path]) -> tuple[dict[Path, list[Path]], Path | None]:
    """Extract files per folder (one folder: one workflow, as `zooagg run` lays them out) from
    files and run folders, and the classification export a run's zooagg-run.json names (for
    its gold/expert rows)."""
    from ..manifest import manifest_for

    groups: dict[Path, list[Path]] = {}
    export = None
    for source in sources:
        if source.is_dir():
            found = sorted((*source.rglob("*_extractions.csv"), *source.rglob("*_extractions.parquet")))
            if not found:
                raise InputError("no extract files here", where=Where(file=str(source)),
                                 hint="give extract files or the folder `zooagg run -d` wrote")
            for path in found:
                groups.setdefault(path.parent, []).append(path)
            recorded = manifest_for(source).get("classifications")
            export = export or (Path(recorded) if isinstance(recorded, str) and Path(recorded).exists() else None)
        elif source.exists():
            groups.setdefault(source.parent, []).append(source)
        else:
            raise InputError("file not found", where=Where(file=str(source)), hint="check the path")
    return groups, export


def write_rows(rows: list[dict[str, Any]], path: Path, fmt: str) -> Path:
    """Rows (columns in first-seen order) written atomically as CSV or typed Parquet."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        handle, tmp = atomic_open(path, "wb")
        with handle:
            pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in columns}), handle)
    else:
        handle, tmp = atomic_open(path)
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([["" if row.get(c) is None else row.get(c) for c in columns] for row in rows])
    commit(tmp, path)
    return path


def load(paths: list[Path], tasks: tuple[str, ...], export: Path | None, truth: Path | None,
         rejects: Rejects) -> tuple[dict[str, TaskAnswers], dict[str, int]]:
    """One folder's tasks with their truth, and what was read, skipped, rejected and taken as truth."""
    found, skipped = read_extracts(paths, set(tasks) or None, rejects.add)
    if not found:
        reasons = "; ".join(f"{n} x {why}" for why, n in skipped.most_common(3)) or "no rows"
        raise InputError(f"no question, shortcut, survey or dropdown answers to weigh ({reasons})",
                         where=Where(file=str(paths[0])), hint="give the extracts of such a task (or fix --task)")
    counts: Counter[str] = Counter({"extract files": len(paths), "rows skipped": sum(skipped.values()),
                                    "rows rejected": rejects.count})
    if export is not None:
        counts["gold/expert answers"] = split_gold(found, gold_classifications(export))
    if truth is not None:
        counts["truth file rows"] = read_truth(truth, found)
    for entry in found.values():
        entry.finish()
    return found, dict(counts)


def _params(text: str | None) -> dict[str, dict[str, Any]]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"-k is not JSON ({exc.msg})", hint='e.g. -k \'{"swap": {"positive": "lens"}}\'') from exc
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError("-k must map each method to its parameters", hint='e.g. -k \'{"dawid_skene": {"n_iter": 50}}\'')
    return value


def score_table(scores: list[dict[str, Any]]) -> str:
    """The scores as one aligned text table."""
    header = ["workflow_id", "task", "method", "truth_subjects", "accuracy", "macro_f1", "brier", "calibration_error"]
    lines = [header] + [[str(s[h]) for h in header] for s in scores]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines)


@click.command("weight", context_settings=HELP_FLAGS)
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="EXTRACTS_OR_RUN_DIR...")
@click.option("-m", "--method", "methods", multiple=True,
              help="Weighting method (repeat for several): majority_vote, dawid_skene, one_coin_dawid_skene, "
                   "glad, mace, swap (`zooagg list`) [default: dawid_skene].")
@click.option("-k", "--keywords", help='Method parameters as JSON, e.g. \'{"swap": {"detection": 0.9}}\'.')
@click.option("-t", "--task", "tasks", multiple=True, help="Only this task (repeatable): T0, a survey question T3.howmany.")
@click.option("--classifications", type=click.Path(exists=True, dir_okay=False),
              help="The classification export: its gold_standard/expert rows are the truth "
                   "[default: the one zooagg-run.json names].")
@click.option("--truth", type=click.Path(exists=True, dir_okay=False),
              help="A CSV of known answers: subject_id,task,label (choice for survey questions).")
@click.option("--score", is_flag=True, help="Score every method against the truth (held out) and print the table.")
@click.option("-d", "--dir", "directory", help="Output folder [default: beside the first source].")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--strict", is_flag=True, help="Stop at the first bad extract row instead of writing it to weighting_rejects.csv.")
def weight_command(sources: tuple[str, ...], methods: tuple[str, ...], keywords: str | None, tasks: tuple[str, ...],
                   classifications: str | None, truth: str | None, score: bool, directory: str | None,
                   fmt: str, strict: bool) -> None:
    """Volunteer-weighted consensus of question, shortcut, survey and dropdown tasks over a
    whole workflow: per subject and task the label, its probability and the majority-vote
    label (weighted_subjects_<method>), per volunteer their skill, confusion matrix and number
    of answers (weighted_volunteers_<method>). Gold-standard/expert rows or --truth seed the
    methods that learn from them; --score scores each method against them (docs/weighting.md).
    """
    names = list(methods) or (list(DEFAULT_SCORED) if score else ["dawid_skene"])
    runs.check_methods(names)
    scores = weigh_sources([Path(s) for s in sources], names, _params(keywords), Choices(
        tasks, Path(classifications) if classifications else None, Path(truth) if truth else None,
        Path(directory) if directory else None, fmt, score, strict))
    if score:
        if not scores:
            click.echo("No truth to score against: give --classifications (gold_standard/expert rows) or --truth.")
            return
        click.echo(score_table(scores))


@dataclass
class Choices:
    """What `zooagg weight` was told besides the sources and methods."""

    tasks: tuple[str, ...] = ()
    classifications: Path | None = None
    truth: Path | None = None
    directory: Path | None = None
    fmt: str = "csv"
    score: bool = False
    strict: bool = False
    #: a folder with nothing to weigh is said and passed over (zooagg run --weight), not an error
    lenient: bool = False


def weigh_sources(sources: list[Path], names: list[str], params: dict[str, dict[str, Any]],
                  choices: Choices) -> list[dict[str, Any]]:
    """Each folder of extracts weighed by each method, its tables written (and its consensus
    table remade when they go beside it); the scores (also written per folder, as
    weighting_scores)."""
    groups, recorded = extract_groups(sources)
    export = choices.classifications or recorded
    scores: list[dict[str, Any]] = []
    for folder, paths in groups.items():
        out = folder if choices.directory is None else choices.directory / (folder.name if len(groups) > 1 else "")
        rejects = Rejects(out / "weighting_rejects.csv", choices.strict)
        try:
            found, counts = load(paths, choices.tasks, export, choices.truth, rejects)
        except InputError as exc:
            if not choices.lenient or not exc.message.startswith("no question"):
                raise
            click.echo(f"Not weighed: {folder}: {exc.message}")
            continue
        if (written := rejects.finish()) is not None:
            click.echo(f"Rejected rows: {written}")
        scored, weighted = weigh_folder(found, names, params, out, choices.fmt, choices.score, workflow_labels(folder))
        if scored:
            suffix = "parquet" if choices.fmt == "parquet" else "csv"
            path = write_rows(scored, out / f"weighting_scores.{suffix}", choices.fmt)
            click.echo(f"Saving scores to: {path}")
            weighted.append(path.name)
        scores += scored
        if out.resolve() == folder.resolve():
            from ..manifest import record_weighted

            record_weighted(folder, weighted)
            from ..consensus.command import warn_unreadable

            for remade in refresh_consensus(folder):
                click.echo(f"Saving consensus table (with the weighted answers) to: {remade.path}")
                warn_unreadable(remade)
        summary = ", ".join(f"{k}: {v}" for k, v in counts.items())
        click.echo(f"Weighted {len(found)} task(s) of {folder} ({', '.join(sorted(found))}); {summary}")
    return scores


def refresh_consensus(folder: Path) -> list[Written]:
    """The folder's consensus table made again, now with the weighted answers beside the
    majority's (only where `zooagg run` or `zooagg consensus` made one)."""
    existing = sorted(folder.glob("consensus_workflow_*"))
    if not existing:
        return []
    from ..consensus.command import write_run

    return write_run(folder, "parquet" if existing[0].suffix == ".parquet" else "csv")


def workflow_labels(folder: Path) -> Labels | None:
    """The workflow's words for its answers (the folder's Task_labels file), None without one."""
    from ..consensus.folder import read_labels
    from ..consensus.votes import Labels

    labels = read_labels(folder)
    return Labels(labels) if labels else None


def weigh_folder(found: dict[str, TaskAnswers], names: list[str], params: dict[str, dict[str, Any]], out: Path,
                 fmt: str, score: bool, labels: Labels | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Each method over each task of one folder, its tables written to `out` (with the label
    texts, given the workflow's `labels`); the scores and the names of the weighted_subjects
    tables written."""
    suffix = "parquet" if fmt == "parquet" else "csv"
    scores: list[dict[str, Any]] = []
    written: list[str] = []
    for name in names:
        subjects: list[dict[str, Any]] = []
        volunteers: list[dict[str, Any]] = []
        for entry in found.values():
            outcome = runs.attempt(name, params.get(name, {}), entry)
            if isinstance(outcome, str):
                click.echo(f"Skipped {entry.task}: {outcome}")
                continue
            subjects += runs.subject_rows(outcome, labels)
            volunteers += runs.volunteer_rows(outcome)
            if score and (scored := runs.score(name, params.get(name, {}), entry)) is not None:
                scores.append(scored)
        for kind, rows in (("subjects", subjects), ("volunteers", volunteers)):
            if rows:
                path = write_rows(rows, out / f"weighted_{kind}_{name}.{suffix}", fmt)
                click.echo(f"Saving {kind} to: {path}")
                if kind == "subjects":
                    written.append(path.name)
    return scores, written
