"""How a run talks to its user and how its steps run: a `Console` (this one drops every
message; the CLI's prints them and draws a progress bar, the Python API's raises warnings) and
`Steps`, the flags `zooagg run` passes to both extract and reduce."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Keywords = dict[str, dict[str, Any]]


class NoBar:
    """What a hidden progress bar does: nothing."""

    total: int | None = None

    def update(self, n: int = 1) -> None:
        pass


class Console:
    """Where a run's messages go. This one drops them; the CLI's prints them. `progress` yields a
    bar with `total` and `update(n)` (a tqdm bar or one that does nothing)."""

    def say(self, message: str = "") -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    @contextmanager
    def progress(self, label: str, total: int | None = None, unit: str = "rows") -> Iterator[Any]:
        yield NoBar()


QUIET = Console()


@dataclass(frozen=True)
class Steps:
    """How extract and reduce run (the flags `zooagg run` passes to both)."""

    filter_how: str = "first"
    cpu_count: int | None = None
    fmt: str = "csv"
    strict: bool = False
    console: Console = QUIET


#: what a run does without flags (one object: `Steps` is frozen)
DEFAULT_STEPS = Steps()
