"""The rejects file: every bad row with where it was and why, counted in the run summary."""

from __future__ import annotations

from pathlib import Path

from ..errors import RowError
from ..tables import atomic_open, commit, csv_writer

COLUMNS = ("file", "row", "column", "task", "value", "reason")


class Rejects:
    def __init__(self, path: Path, strict: bool = False) -> None:
        self.path = path
        self.strict = strict
        self.errors: list[RowError] = []

    @property
    def count(self) -> int:
        return len(self.errors)

    def add(self, error: RowError) -> None:
        if self.strict:
            error.hint = (error.hint + "; " if error.hint else "") + "--strict makes bad rows fatal"
            raise error
        self.errors.append(error)

    def finish(self) -> Path | None:
        """Write the file (or remove a stale one when there is nothing to report)."""
        if not self.errors:
            if self.path.exists():
                self.path.unlink()
            return None
        handle, tmp = atomic_open(self.path)
        with handle:
            writer = csv_writer(handle)
            writer.writerow(COLUMNS)
            for error in self.errors:
                where = error.where
                value = "" if where.value is None else str(where.value)
                reason = error.message + (f" ({error.hint})" if error.hint else "")
                writer.writerow([where.file or "", where.row or "", where.column or "", where.task or "",
                                 value, reason])
        commit(tmp, self.path)
        return self.path
