"""The workflow export: one row per (version, minor_version) of each workflow."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import ConfigError, InputError, Where
from .csvio import header_of, require_columns
from .versions import Version, VersionRange, format_version, is_major_only, parse_version

REQUIRED = ("workflow_id", "version", "tasks")


@dataclass
class WorkflowVersion:
    workflow_id: int
    version: Version
    display_name: str
    tasks: dict[str, Any]
    strings: dict[str, Any]
    first_task: str = ""

    @property
    def version_text(self) -> str:
        return format_version(self.version)


def _json_cell(text: str, file: str, row: str, column: str) -> Any:
    if text in ("", "NA"):
        return {}
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON ({exc.msg})", hint="download the workflow export again",
            where=Where(file=file, row=row, column=column, value=text[:60]),
        ) from exc


def read_workflows(path: str | Path) -> list[WorkflowVersion]:
    """Every row of a workflow export (a small file: read whole)."""
    path = Path(path)
    header = header_of(path)
    if "annotations" in header:
        raise InputError("this is a classification export, not a workflow export",
                         hint="pass the workflow export, the file named …-workflows.csv", where=Where(file=str(path)))
    require_columns(path, [c for c in REQUIRED if c not in header], "a workflow export needs " + ", ".join(REQUIRED))
    csv.field_size_limit(sys.maxsize)
    rows: list[WorkflowVersion] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for record in csv.DictReader(handle):
            wid = record["workflow_id"]
            try:
                version = (int(record["version"]), int(record.get("minor_version") or 0))
                workflow_id = int(wid)
            except ValueError as exc:
                raise InputError("workflow_id, version and minor_version must be whole numbers",
                                 hint="check the workflow export",
                                 where=Where(file=str(path), row=wid, column="version", value=record["version"])) from exc
            rows.append(WorkflowVersion(
                workflow_id=workflow_id,
                version=version,
                display_name=record.get("display_name", ""),
                tasks=_json_cell(record["tasks"], str(path), wid, "tasks"),
                strings=_json_cell(record.get("strings", ""), str(path), wid, "strings"),
                first_task=record.get("first_task", ""),
            ))
    return rows


def select_versions(
    rows: list[WorkflowVersion],
    workflow_id: int,
    version: str | None = None,
    min_version: str | None = None,
    max_version: str | None = None,
    file: str = "",
) -> tuple[WorkflowVersion, str | dict[str, str]]:
    """The version to configure from and the `workflow_version` to write in the config.

    Same meaning as the peer: no flag -> the latest version; `-v 12.34` exactly; `-v 12` every
    12.x; `--min_version/--max_version` an inclusive range (a major-only max includes its
    minors, which the peer's `config` forgot). Tasks always come from the highest match.
    """
    mine = [r for r in rows if r.workflow_id == workflow_id]
    if not mine:
        known = sorted({r.workflow_id for r in rows})
        raise InputError(f"no workflow with id {workflow_id}",
                         hint=f"workflow ids in this export: {', '.join(map(str, known)) or 'none'}",
                         where=Where(file=file, value=workflow_id))
    written: str | dict[str, str]
    try:
        if version is None and min_version is None and max_version is None:
            chosen = max(mine, key=lambda r: r.version)
            return chosen, chosen.version_text
        if version is None:
            written = {}
            if min_version is not None:
                written["min"] = min_version
            if max_version is not None:
                written["max"] = max_version
            vrange = VersionRange.from_config(written)
        else:
            written = version
            vrange = VersionRange.from_config(version)
            if is_major_only(version):
                major = parse_version(version)[0]
                vrange = VersionRange((major, 0), (major, 10**9))
    except (ConfigError, ValueError) as exc:  # a malformed -v/--min_version/--max_version
        flags = {"-v": version, "--min_version": min_version, "--max_version": max_version}
        given = ", ".join(f"{flag} {value}" for flag, value in flags.items() if value is not None)
        raise InputError(f"bad workflow version ({given})", hint="versions look like 12.34 or 12",
                         where=Where(file=file)) from exc
    matching = [r for r in mine if r.version in vrange]
    wanted = f"{version}.x" if version is not None and is_major_only(version) else vrange.describe()
    if not matching:
        known_versions = ", ".join(r.version_text for r in sorted(mine, key=lambda r: r.version))
        raise InputError(f"workflow {workflow_id} has no version matching {wanted}",
                         hint=f"versions in this export: {known_versions}", where=Where(file=file))
    return max(matching, key=lambda r: r.version), written
