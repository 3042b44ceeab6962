"""Marks an extractor read but could not use, noted for its caller.

An extractor (a pure task function) does not know the file or row it works on: it notes each
dropped mark with `note_dropped`, and the caller (the engine, which knows both) drains the
notes with `take_dropped` into the rejects file. It lives with the task functions so they need
no import from the export readers or the engine.
"""

from __future__ import annotations

import threading
from typing import Any

#: (why, mark) of marks dropped by the last extractor call; drained by the caller (`take_dropped`)
DROPPED: list[tuple[str, Any]] = []
_KEEP_AT_MOST = 10_000  # a caller that never drains (a library user) cannot grow it without bound
#: held from an extractor call to its `take_dropped` by callers that extract in several threads
#: (the server), so that one thread does not take another's notes
NOTING = threading.Lock()


def note_dropped(why: str, mark: Any) -> None:
    if len(DROPPED) < _KEEP_AT_MOST:
        DROPPED.append((why, mark))


def take_dropped() -> list[tuple[str, Any]]:
    """The notes since the last call, and a clean slate."""
    notes = DROPPED[:]
    DROPPED.clear()
    return notes
