"""The rejects file: every bad row with where it was and why, counted in the run summary.

A drawing mark an extractor read but could not use (`errors.MarkDropped`) is a row of its own
here too, counted apart: the classification's other marks were extracted.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import MarkDropped, RowError, Where
from ..tables.atomic import atomic_open, commit
from ..tables.layout import csv_writer
from ..tasks.dropped import take_dropped

COLUMNS = ("file", "row", "column", "task", "value", "reason")


class Rejects:
    def __init__(self, path: Path, strict: bool = False) -> None:
        self.path = path
        self.strict = strict
        self.errors: list[RowError] = []

    @property
    def count(self) -> int:
        """Rows rejected whole (dropped marks are `marks_dropped`)."""
        return len(self.errors) - self.marks_dropped

    @property
    def marks_dropped(self) -> int:
        return sum(isinstance(error, MarkDropped) for error in self.errors)

    def add(self, error: RowError) -> None:
        if self.strict:
            error.hint = (error.hint + "; " if error.hint else "") + "--strict makes bad rows fatal"
            raise error
        self.errors.append(error)

    @property
    def total(self) -> int:
        return len(self.errors)

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
                writer.writerow(reject_row(error))
        commit(tmp, self.path)
        return self.path


def reject_row(error: RowError) -> list[str]:
    """The rejects file's cells for one error: where (each cell as written, a 0 or False
    included: only a missing one is empty) and the reason with what to do."""
    where = error.where
    cells = [where.file, where.row, where.column, where.task, where.value]
    reason = error.message + (f" ({error.hint})" if error.hint else "")
    return ["" if cell is None else str(cell) for cell in cells] + [reason]


def dropped_marks(step_name: str, file: str, classification_id: str, task: str) -> list[MarkDropped]:
    """The marks the last extractor call noted as dropped (`tasks.dropped.note_dropped`), as
    rejects naming the file, row and task."""
    return [MarkDropped(f"{step_name}: {why}", "fix or remove this mark in the export",
                        Where(file, classification_id, "annotations", task, mark))
            for why, mark in take_dropped()]
