"""One exception hierarchy. Every error names where it happened and says what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Where:
    """Where a problem was found; every field is optional."""

    file: str | None = None
    row: str | None = None  # classification_id or subject_id
    column: str | None = None
    task: str | None = None
    value: object = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.task:
            parts.append(f"task {self.task}")
        if self.value is not None:
            text = repr(self.value)
            parts.append(f"value {text[:80] + '...' if len(text) > 80 else text}")
        return ", ".join(parts)


@dataclass
class ZooaggError(Exception):
    """Base class: a problem a user can fix. `str()` gives one line."""

    message: str
    hint: str = ""
    where: Where = field(default_factory=Where)

    exit_code = 2

    def __reduce__(self) -> tuple[type, tuple[str, str, Where]]:
        # picklable, so worker processes can hand bad rows back to the main process
        return (self.__class__, (self.message, self.hint, self.where))

    def __str__(self) -> str:
        place = self.where.describe()
        text = f"{place}: {self.message}" if place else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(ZooaggError):
    """A whole input file is unusable (missing, empty, wrong export, missing column)."""


class ConfigError(ZooaggError):
    """A configuration file or parameter is wrong."""


class RowError(ZooaggError):
    """One row (classification or extract) is bad; it goes to the rejects file."""


class ExtractError(RowError):
    """An extractor could not handle one classification's annotation."""


class ReduceError(RowError):
    """A reducer could not handle one subject's extracts."""
