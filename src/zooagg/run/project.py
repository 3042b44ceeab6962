"""Whole runs: one workflow configured from its workflow export (`run_workflow`), or every
workflow of a project's exports (`run_project`): the exports sorted by kind from the files
and workflow ids given, one run per workflow version range, each into its own folder, a
failed one recorded and the others still run; the manifest (`zooagg-run.json`) written and
returned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError, RunFailed, Where, one_line
from ..manifest import write_manifest
from .configs import configure, configure_inferred, version_filter
from .console import DEFAULT_STEPS, Keywords, Steps
from .steps import consensus, extract_and_reduce


def run_workflow(workflow_csv: str, classification_csv: str, workflow_id: int, out: Path,
                 version: str | None = None, min_version: str | None = None, max_version: str | None = None,
                 keywords: Keywords | None = None, steps: Steps = DEFAULT_STEPS) -> list[Path]:
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
    from ..configure.groups import export_kind

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
                keywords: Keywords | None = None, steps: Steps = DEFAULT_STEPS) -> dict[str, Any]:
    """Every workflow (or those named) of a project's exports, configured per version present.

    Writes `out/zooagg-run.json` (what `zooagg report` reads) and returns the same manifest.
    """
    from ..configure.groups import plan_groups, versions_in
    from ..configure.tool_versions import split_inferred
    from ..exports.workflows import read_workflows
    from ..tables.atomic import discard_partials

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
    write_manifest(manifest, out / "zooagg-run.json")
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
