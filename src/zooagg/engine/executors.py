"""Where the pure functions run: in this process, in worker processes, or on a Dask cluster.

Every executor yields results in the order the work was given, so the output is the same,
bit for bit, whichever runs it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from ..errors import ConfigError

ENGINES = ("local", "dask")


class Executor(Protocol):
    def map(self, func: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    def map(self, func: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        for item in items:
            yield func(item, *args)

    def close(self) -> None:
        return None


class Processes:
    """A process pool with a bounded number of tasks in flight (memory stays flat)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers)

    def map(self, func: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        pending: deque[Future[Any]] = deque()
        for item in items:
            pending.append(self.pool.submit(func, item, *args))
            if len(pending) > self.workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self.pool.shutdown()


class DaskCluster:
    """The same functions on a Dask cluster: a scheduler address, or a local cluster."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise ConfigError("--engine dask needs Dask", hint="pip install 'zooagg[dask]'") from exc
        self._cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)

    def map(self, func: Callable[..., Any], items: Iterable[Any], *args: Any) -> Iterator[Any]:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(self.client.submit(func, item, *args, pure=False))
            if len(pending) > self.workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


#: glibc's mallopt parameters: return freed memory to the system only above this much free at the
#: top of the heap; serve allocations below the mmap threshold from the heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP_FREED = 64 << 20


def keep_freed_memory() -> None:
    """Let glibc's malloc keep (and reuse) freed blocks of up to 64 MB instead of handing each
    back to the system. Record batches and result blobs of a few MB pass through every process
    once per batch; with the defaults each is a fresh mapping, zero-filled page by page (extract
    at 1M rows: 7-8 s of system time, ~11% of its CPU time; 3.3-3.9 s with this). Freed blocks
    are reused, so peak memory stays where it was. Inherited by forked children; a no-op
    where malloc has no such parameters."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _KEEP_FREED)
    mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED)


def make_executor(engine: str = "local", workers: int | None = 1, scheduler: str | None = None) -> Executor:
    count = workers or os.cpu_count() or 1
    if engine == "dask":
        return DaskCluster(count, scheduler)
    if engine != "local":
        raise ConfigError(f"unknown engine {engine!r}", hint="use local or dask")
    return Processes(count) if count > 1 else InProcess()
