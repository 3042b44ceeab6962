"""The subject export: subject_id, metadata and image locations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError, Where
from .csvio import FATAL, decode, header_of, iter_batches

#: the key of a subject read by `read_subjects` that names its unreadable cells: {column: (reason, text)}
UNREADABLE = "unreadable"


def read_subjects(path: str | Path) -> Iterator[dict[str, Any]]:
    """One dict per subject: subject_id (str), metadata, locations, and the other columns. A
    metadata or locations cell that is not JSON reads as {} and its column is named, with why,
    in the subject's `unreadable` ({column: (reason, text)}; only when there is one), for the caller to
    report."""
    path = Path(path)
    header = header_of(path)
    if "subject_id" not in header or "annotations" in header:
        raise InputError("this is not a subject export (no subject_id column)",
                         hint="pass the subject export, the file named …-subjects.csv", where=Where(file=str(path)))
    for batch in iter_batches(path, on_bad_row=FATAL):  # a damaged subject export: one error naming the row
        columns = {name: batch.column(i).to_pylist() for i, name in enumerate(batch.schema.names)}
        for i in range(batch.num_rows):
            subject: dict[str, Any] = {}
            for name, values in columns.items():
                text = decode(values[i])[0]
                if name in ("metadata", "locations"):
                    try:
                        subject[name] = orjson.loads(text) if text else {}
                    except orjson.JSONDecodeError as exc:
                        subject[name] = {}
                        subject.setdefault(UNREADABLE, {})[name] = (f"invalid JSON ({exc.msg})", text)
                else:
                    subject[name] = text
            yield subject
