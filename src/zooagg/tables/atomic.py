"""Output files written atomically: each goes to a temp file beside its path and is renamed
into place when complete; a run that stops first (an error, Ctrl-C) removes its temp files, so
no half file is ever left."""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path
from typing import IO, Any

_UMASK = os.umask(0)
os.umask(_UMASK)

#: temp files written but not yet renamed into place; removed if the run stops first
_PENDING: set[Path] = set()


def atomic_open(path: Path, mode: str = "w") -> tuple[IO[Any], Path]:
    """A temp file beside `path`; `commit(tmp, path)` renames it into place. If the run ends
    first (an error, Ctrl-C), `discard_partials()` removes it: no half file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
    os.close(fd)
    tmp = Path(name)
    _PENDING.add(tmp)
    if "b" in mode:
        return open(tmp, mode), tmp
    return open(tmp, mode, encoding="utf-8", newline=""), tmp


def commit(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    _PENDING.discard(tmp)


def abandon(tmp: Path) -> None:
    """Remove a temp file from `atomic_open` instead of committing it."""
    tmp.unlink(missing_ok=True)
    _PENDING.discard(tmp)


def discard_partials() -> None:
    for tmp in list(_PENDING):
        abandon(tmp)


def pending() -> set[Path]:
    """The temp files written and not yet committed or abandoned (a copy)."""
    return set(_PENDING)


def adopt(tmp: Path) -> None:
    """Take over a temp file another process made with `atomic_open` (a forked child): it is
    committed or removed here, as if made here."""
    _PENDING.add(tmp)


atexit.register(discard_partials)


