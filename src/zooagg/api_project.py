"""The public Python API for a whole project: `run_project` and the `Project` it returns.

`run_project` is `zooagg run` with a project's exports (`zooagg.run.run_project`, the same
function the command calls): every workflow, configured per version present, into one
folder, with `zooagg-run.json` listing what was made. `Project` reads the results back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api import Frame, PathLike, Source, console, folder, input_csv, read_table
from .errors import InputError, Where

if TYPE_CHECKING:
    from .frames_out import Layout


@dataclass(frozen=True)
class Project:
    """A finished project run: `directory` (its folder: `workflow_<id>/` folders and
    `zooagg-run.json`) and `manifest` (what zooagg-run.json says: the exports used and, per
    workflow and version range, the folder, the classifications and the reduction files).

    >>> project = run_project("examples/slsn/cls_export.csv", "examples/slsn/wf_export.csv", quiet=True)
    >>> again = Project.open(project.directory)  # a run's folder, also one `zooagg run` wrote
    >>> [p.name for p in again.folders(10)], sorted(again.extracts(10))
    (['workflow_10'], ['question_extractor_extractions'])
    """

    directory: Path
    manifest: dict[str, Any] = field(repr=False)

    @classmethod
    def open(cls, directory: PathLike) -> Project:
        """The results of an earlier run (of `run_project` or `zooagg run`) in `directory`."""
        path = Path(directory) / "zooagg-run.json"
        if not path.is_file():
            raise InputError("no zooagg-run.json here", hint="give the -d folder of a `zooagg run`",
                             where=Where(file=str(directory)))
        return cls(Path(directory), json.loads(path.read_text(encoding="utf-8")))

    @property
    def workflow_ids(self) -> list[int]:
        """The workflows the run aggregated."""
        return sorted({int(run["workflow_id"]) for run in self.manifest["runs"]})

    def folders(self, workflow_id: int | None = None) -> list[Path]:
        """The folders the run wrote (one per workflow, or per version range of a workflow)."""
        if workflow_id is not None and workflow_id not in self.workflow_ids:
            raise InputError(f"this run has no workflow {workflow_id}",
                             hint=f"its workflows: {', '.join(map(str, self.workflow_ids))}",
                             where=Where(file=str(self.directory), value=workflow_id))
        return [self.directory / run["folder"] for run in self.manifest["runs"]
                if workflow_id is None or int(run["workflow_id"]) == workflow_id]

    def reductions(self, workflow_id: int | None = None, *, layout: Layout = "wide") -> dict[str, Frame]:
        """Every reduction table of the run (or of one workflow), by file name without `.csv`
        (prefixed with its folder when the run has several)."""
        return self._tables("*_reductions*.csv", workflow_id, layout)

    def extracts(self, workflow_id: int | None = None, *, layout: Layout = "wide") -> dict[str, Frame]:
        """Every extract table of the run (or of one workflow), named as `reductions` names them."""
        return self._tables("*_extractions.csv", workflow_id, layout)

    def _tables(self, pattern: str, workflow_id: int | None, layout: Layout) -> dict[str, Frame]:
        folders = self.folders(workflow_id)
        tables: dict[str, Frame] = {}
        for place in folders:
            for path in sorted(place.glob(pattern)):
                if path.stem.endswith("_rejects"):
                    continue
                name = path.stem if len(folders) == 1 else f"{place.relative_to(self.directory)}/{path.stem}"
                tables[name] = read_table(path, layout=layout)
        return tables


def run_project(*exports: Source, workflow_ids: tuple[int, ...] | list[int] = (), directory: PathLike | None = None,
                version: str | None = None, min_version: str | None = None, max_version: str | None = None,
                keywords: dict[str, dict[str, Any]] | None = None, filter_how: str = "first",
                cpu_count: int | None = None, strict: bool = False, quiet: bool = False) -> Project:
    """config -> extract -> reduce for a project's exports, as `zooagg run EXPORTS...` does.

    `exports` are the classification export (required) and, in any order, the workflow and
    subject exports (paths or frames). Every workflow in the classification export (or those
    in `workflow_ids`) is configured per version present, from the workflow export or, without
    one, from task types inferred from the annotations. Results go to `directory` (a new
    temporary folder if None); the `Project` returned reads them.

    >>> project = run_project("examples/slsn/cls_export.csv", "examples/slsn/wf_export.csv", quiet=True)
    >>> project.workflow_ids
    [10]
    >>> votes = project.reductions(10)["question_reducer_reductions"]
    >>> votes[["subject_id", "task", "data.yes", "data.no"]].tail(4)
        subject_id task  data.yes  data.no
    10    96588128   T0      <NA>        1
    11    96588128   T1      <NA>     <NA>
    12    96588131   T0      <NA>        1
    13    96588131   T1      <NA>     <NA>
    """
    from . import run

    out = folder(directory)
    inputs = [input_csv(export, out, f"export_{index}.csv") for index, export in enumerate(exports)]
    inputs += [str(w) for w in workflow_ids]
    steps = run.Steps(filter_how=filter_how, cpu_count=cpu_count, strict=strict, console=console(quiet))
    manifest = run.run_project(inputs, out, version, min_version, max_version, keywords, steps)
    return Project(out, manifest)


def consensus_table(run: Project | PathLike, workflow_id: int | None = None, *, subjects: PathLike | None = None,
                    classifications: PathLike | None = None, metadata: bool = True) -> Frame:
    """The consensus table of a workflow in a project run, as `zooagg consensus` writes it.

    One row per subject: per task its leading answer (by its label), votes, total, agreement
    and tie (surveys, dropdowns, sliders, text and drawings have their own cells; the columns
    are described in docs/consensus.md), the subject's classifications and its metadata
    (from `subjects`, a subject export, or the classification export's `subject_data`; by
    default the exports the run was given; `metadata=False` leaves them out). `run` is what
    `run_project` returned or a `zooagg run` folder; `workflow_id` may be left out when the
    run has one workflow.

    >>> project = run_project("examples/slsn/cls_export.csv", "examples/slsn/wf_export.csv", quiet=True)
    >>> table = consensus_table(project, 10)
    >>> table[["subject_id", "T0_answer", "T0_agreement", "T1_answer"]].head(3)
       subject_id T0_answer  T0_agreement T1_answer
    0    96588105        No           1.0       NaN
    1    96588106        No           1.0       NaN
    2    96588109       Yes           1.0        No
    """
    from .consensus.folder import folder_table, unreadable_note
    from .frames import rows_columns
    from .frames_out import to_output

    project = run if isinstance(run, Project) else Project.open(run)
    if workflow_id is None and len(project.workflow_ids) > 1:
        raise InputError("this run has several workflows: say which",
                         hint=f"consensus_table(run, workflow_id) with one of {', '.join(map(str, project.workflow_ids))}",
                         where=Where(file=str(project.directory)))
    folders = project.folders(workflow_id)
    if len(folders) > 1:
        raise InputError(f"workflow {workflow_id} was run in {len(folders)} version ranges, each with its own table",
                         hint=f"give one folder: consensus_table({str(folders[0])!r})",
                         where=Where(file=str(project.directory)))
    recorded = project.manifest if metadata else {}
    subject_export = subjects or recorded.get("subjects")
    classification_export = classifications or recorded.get("classifications")
    table = folder_table(folders[0], Path(subject_export) if subject_export else None,
                         Path(classification_export) if classification_export else None)
    note = unreadable_note(table)
    if note:
        import warnings

        from .errors import ZooaggWarning

        warnings.warn(note, ZooaggWarning, stacklevel=2)
    return to_output(rows_columns(table.columns, table.rows))
