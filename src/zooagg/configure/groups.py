"""Which configs a project run makes: the kind of each export given, the workflow versions a
classification export holds, and how they group into one config per range of versions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Where
from ..exports.versions import Version, VersionRange, format_version, parse_version


def export_kind(path: str | Path) -> str:
    """"classifications", "workflows" or "subjects", from the header of an export."""
    from ..exports.csvio import header_of

    header = set(header_of(Path(path)))
    if "annotations" in header:
        return "classifications"
    if {"tasks", "version"} <= header:
        return "workflows"
    if "subject_id" in header and "locations" in header:
        return "subjects"
    raise InputError("not a Zooniverse export (no annotations, tasks or locations column)",
                     hint="pass the classification, workflow or subject export CSV", where=Where(file=str(path)))


def versions_in(path: str | Path) -> dict[int, Counter[Version]]:
    """Classifications per workflow id and version in a classification export (streamed)."""
    from ..exports.csvio import iter_batches

    found: dict[int, Counter[Version]] = {}
    for batch in iter_batches(Path(path)):
        names = batch.schema.names
        ids = batch.column(names.index("workflow_id"))
        versions = batch.column(names.index("workflow_version")) if "workflow_version" in names else None
        pairs = Counter(zip(ids.to_pylist(), versions.to_pylist() if versions is not None
                            else [b""] * len(ids), strict=True))
        for (raw_id, raw_version), count in pairs.items():
            try:
                wid = int(float(raw_id.decode("latin-1")))
                version = parse_version(raw_version.decode("latin-1")) if raw_version not in (b"", b"NA") \
                    else (0, 0)
            except ValueError:
                continue  # extract names the bad row in its rejects file
            found.setdefault(wid, Counter())[version] += count
    return found


@dataclass
class RunGroup:
    """One config to make and run: a workflow and a range of the versions present."""

    workflow_id: int
    versions: list[Version]
    inferred: bool
    rows: int

    @property
    def low(self) -> str:
        return format_version(min(self.versions))

    @property
    def high(self) -> str:
        return format_version(max(self.versions))


def plan_groups(present: dict[int, Counter[Version]], workflow_ids: list[int], workflows: list[Any] | None,
                versions: VersionRange | None = None) -> list[RunGroup]:
    """Which configs a project run makes: per workflow, per version present.

    With a workflow export, each version present gets the config of its row in the export (or of
    the nearest earlier row); consecutive versions whose extractor configs are the same are run
    together as one range, so a wording fix does not split a subject's votes. Without one (or
    when the export lacks the workflow), the tasks are inferred from every version present.
    """
    from .config import extractor_config_for, tasks_of

    groups: list[RunGroup] = []
    for wid in workflow_ids:
        counts = Counter({v: n for v, n in present.get(wid, Counter()).items()
                          if versions is None or v in versions})
        if not counts:
            continue
        rows = sorted((r for r in workflows or [] if r.workflow_id == wid), key=lambda r: r.version)
        if not rows:
            groups.append(RunGroup(wid, sorted(counts), True, sum(counts.values())))
            continue
        previous: Any = None
        for version in sorted(counts):
            earlier = [r for r in rows if r.version <= version]
            row = earlier[-1] if earlier else rows[0]
            config, _ = extractor_config_for(tasks_of(row))
            if groups and previous == config and groups[-1].workflow_id == wid and not groups[-1].inferred:
                groups[-1].versions.append(version)
                groups[-1].rows += counts[version]
            else:
                groups.append(RunGroup(wid, [version], False, counts[version]))
            previous = config
    return groups
