"""zooagg-run.json, the manifest of a project run: finding it, a folder's entry in it, the
files of a folder that belong to its latest run, and writing it (atomically: `zooagg run`
writes it whole, `zooagg weight` adds what it weighed to a folder's entry). Read by the report,
the consensus table, `zooagg weight` and `zooagg run`; it imports nothing of theirs, so none of
them imports another to read or write it."""
from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def manifest_for(root: Path) -> dict[str, Any]:
    """`zooagg-run.json` of a project run, if there is one in `root` or above it."""
    for folder in (root, *root.parents):
        path = folder / "zooagg-run.json"
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                return {}
            if isinstance(loaded, dict):
                loaded["_root"] = str(folder)
                return loaded
            return {}
    return {}


def manifest_entry(manifest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The run entry of `manifest` (as `manifest_for` reads it) whose folder is `folder`; {} when none."""
    root = manifest.get("_root")
    runs = manifest.get("runs")
    if not isinstance(root, str) or not isinstance(runs, list):
        return {}
    for entry in runs:
        if isinstance(entry, dict) and (Path(root) / str(entry.get("folder", ""))).resolve() == folder.resolve():
            return entry
    return {}


@dataclass(frozen=True)
class Outputs:
    """The files of a run folder that belong to its latest run: the reductions and the
    weighted_subjects tables by name (None: every one in the folder, for a folder no
    zooagg-run.json lists). An earlier run's leftovers (a reducer since dropped, an old
    `--weight` method) are not in the table."""

    reductions: Collection[str] | None = None
    weighted: Collection[str] | None = None


def recorded_outputs(folder: Path) -> Outputs:
    """What zooagg-run.json lists for this folder: the reductions its run wrote and the
    weighted tables `zooagg weight` wrote since (its manifest entry's `weighted`)."""
    entry = manifest_entry(manifest_for(folder), folder)
    reductions, weighted = entry.get("reductions"), entry.get("weighted")
    return Outputs(reductions if isinstance(reductions, list) and reductions else None,
                   weighted if isinstance(weighted, list) else None)


def write_manifest(manifest: dict[str, Any], path: Path) -> None:
    """Write a manifest (as `manifest_for` reads it, or as a run makes it) to `path` atomically."""
    from .tables.atomic import atomic_open, commit

    handle, tmp = atomic_open(path)
    with handle:
        json.dump({k: v for k, v in manifest.items() if k != "_root"}, handle, indent=2)
    commit(tmp, path)


def record_weighted(folder: Path, names: list[str]) -> None:
    """List weighted_subjects files `zooagg weight` just wrote into a run folder in its
    zooagg-run.json entry (`weighted`), so the consensus table reads them and no older ones."""
    manifest = manifest_for(folder)
    entry = manifest_entry(manifest, folder)
    if not entry:
        return
    entry["weighted"] = sorted({*entry.get("weighted", []), *names})
    write_manifest(manifest, Path(manifest["_root"]) / "zooagg-run.json")
