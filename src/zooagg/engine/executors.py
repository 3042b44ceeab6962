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


def make_executor(engine: str = "local", workers: int | None = 1, scheduler: str | None = None) -> Executor:
    count = workers or os.cpu_count() or 1
    if engine == "dask":
        return DaskCluster(count, scheduler)
    if engine != "local":
        raise ConfigError(f"unknown engine {engine!r}", hint="use local or dask")
    return Processes(count) if count > 1 else InProcess()
