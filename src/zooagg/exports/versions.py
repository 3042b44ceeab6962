"""Workflow version ranges with panoptes_aggregation's meaning.

`12.34` is exactly that version; `12` is every 12.x; a `{min, max}` range is inclusive and a
major-only max is raised to the next major (so `max: 11` keeps 11.20).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

Version = tuple[int, int]


def parse_version(text: str | float | int) -> Version:
    """`"16.55"` -> (16, 55); `"12"` -> (12, 0). Raises ValueError for anything else."""
    parts = str(text).strip().split(".")
    if len(parts) > 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a workflow version: {text!r}")
    major = int(parts[0])
    minor = int(parts[1]) if len(parts) == 2 else 0
    return major, minor


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def is_major_only(text: str | float | int) -> bool:
    return "." not in str(text).strip()


@dataclass(frozen=True)
class VersionRange:
    min: Version | None = None
    max: Version | None = None

    def __contains__(self, version: Version) -> bool:
        if self.min is not None and version < self.min:
            return False
        return not (self.max is not None and version > self.max)

    @classmethod
    def from_config(cls, value: Any) -> VersionRange:
        """From an extractor config's `workflow_version` (a string or a {min, max} mapping)."""
        try:
            if isinstance(value, dict):
                low = value.get("min")
                high = value.get("max")
                vmin = parse_version(low) if low is not None else None
                vmax = None
                if high is not None:
                    vmax = parse_version(high)
                    if is_major_only(high):
                        vmax = (vmax[0] + 1, 0)
                return cls(vmin, vmax)
            if value is None:
                return cls()
            version = parse_version(value)
            if is_major_only(value):
                return cls(version, (version[0] + 1, 0))
            return cls(version, version)
        except ValueError as exc:
            raise ConfigError(
                f"bad workflow_version {value!r} in the extractor config",
                hint="write it as 12.34, 12, or {min: 12.1, max: 13}",
            ) from exc

    def describe(self) -> str:
        if self.min == self.max and self.min is not None:
            return format_version(self.min)
        low = format_version(self.min) if self.min else "any"
        high = format_version(self.max) if self.max else "any"
        return f"{low} .. {high}"
