"""Group commit: one thread per server process writes every ingest request.

Requests that arrive while a transaction runs wait in a queue and go into the next
transaction together, so one commit (and on SQLite, one turn of the single write lock) serves
many requests: that is what makes hundreds of single posts a second possible. Each request
is answered only after the transaction holding its classifications has committed. A
transaction that fails is retried request by request, so one bad request fails alone.

On PostgreSQL a transaction costs about as much again as the classifications it holds (its
round trips, COMMIT), so under load a transaction waits a moment (up to `gather` seconds) for
more posts before it starts: when posts were queued already as the last one ended (the writer
is busy, more are likely on their way), or when this process has posts that it is still
receiving and preparing on the event loop (`arriving`, counted by fastpath.py). A lone
client's post finds neither, and is not delayed. On SQLite a transaction costs little and
holds the write lock every process needs: no waiting there.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .columns import ColumnCache
from .ingest import Batch, IngestResult, Prepared, store_batches
from .plan import Plan
from .store import Store

log = logging.getLogger(__name__)


@dataclass
class _Job:
    batch: Batch
    #: where its outcome goes: a concurrent future (threads), or an asyncio future and its loop
    done: Future[IngestResult] | None = None
    waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[IngestResult]] | None = None


class GroupWriter:
    """Writes queued batches of prepared classifications, many requests per transaction."""

    def __init__(self, store: Store, max_rows: int = 2000, gather: float | None = None) -> None:
        self.store = store
        #: a transaction takes queued requests until it holds this many classifications
        self.max_rows = max_rows
        #: how long a transaction may wait for more posts (see above)
        self.gather = (0.0 if store.sqlite else 0.002) if gather is None else gather
        #: posts being received and prepared on this process's event loop, not yet submitted
        #: (changed only on the event loop; read here, where a stale value costs a moment)
        self.arriving = 0
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.columns = ColumnCache()

    def submit(self, plan: Plan, prepared: list[Prepared]) -> Future[IngestResult]:
        """Queue one request's classifications; the future resolves after they are committed
        (or raises StalePlan, or what the store raised)."""
        done: Future[IngestResult] = Future()
        # running from the start: a waiter that gives up (a client gone) cannot cancel a post
        # the writer will store anyway, nor make its result unsettable
        done.set_running_or_notify_cancel()
        self._put(_Job(Batch(plan, prepared), done=done))
        return done

    def submit_async(self, batch: Batch) -> asyncio.Future[IngestResult]:
        """submit, awaited on the running event loop: the outcomes of one transaction reach a
        loop in one call (one wake-up), and no thread waits for them."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[IngestResult] = loop.create_future()
        self._put(_Job(batch, waiter=(loop, waiter)))
        return waiter

    def _put(self, job: _Job) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zooagg-writer", daemon=True)
                self._thread.start()
        self._queue.put(job)

    def close(self) -> None:
        """Finish the queued requests and stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:  # posts waiting already: the writer is busy, and more are likely on their way
                first, busy = self._queue.get_nowait(), True
            except queue.Empty:
                first, busy = self._queue.get(), False
            if first is None:
                return
            # on SQLite the turn to write first: the requests that come while another process
            # writes go into this transaction, not the next
            with self.store.locked():
                jobs, stopping = self._gather(first, busy)
                outcomes = self._write(jobs)
            _settle(jobs, outcomes)

    def _gather(self, first: _Job, busy: bool) -> tuple[list[_Job], bool]:
        """The jobs of the next transaction, and whether the writer is to stop after it; a
        `busy` writer waits up to `gather` seconds for more, as does one with posts arriving."""
        jobs, rows = [first], len(first.batch.prepared)
        deadline = time.monotonic() + self.gather
        while rows < self.max_rows:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                wait = min(deadline - time.monotonic(), 0.0005)
                if wait <= 0 or (not busy and self.arriving <= 0):
                    break
                try:  # a post on its way: a short wait, then look again
                    job = self._queue.get(timeout=wait)
                except queue.Empty:
                    continue
            if job is None:
                return jobs, True
            jobs.append(job)
            rows += len(job.batch.prepared)
        return jobs, False

    def _write(self, jobs: list[_Job]) -> list[IngestResult | Exception]:
        """Each job's outcome: its result, or the exception it is to raise (store.locked() held)."""
        try:
            with self.store.write(locked=True) as session:
                written = store_batches(session, [job.batch for job in jobs], self.columns, commit=True)
        except Exception as exc:  # handed to the waiting requests, not swallowed
            if len(jobs) > 1:  # so one bad request fails alone
                return [outcome for job in jobs for outcome in self._write([job])]
            log.debug("ingest transaction failed", exc_info=True)
            return [exc]
        for config_rev, orders in written.orders:
            self.columns.committed(config_rev, orders)
        return written.outcomes


def _settle(jobs: list[_Job], outcomes: list[IngestResult | Exception]) -> None:
    loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[IngestResult], Any]]] = {}
    for job, outcome in zip(jobs, outcomes, strict=True):
        if job.waiter is not None:
            loop, waiter = job.waiter
            loops.setdefault(loop, []).append((waiter, outcome))
        elif job.done is not None:
            if isinstance(outcome, Exception):
                job.done.set_exception(outcome)
            else:
                job.done.set_result(outcome)
    for loop, waiters in loops.items():
        try:
            loop.call_soon_threadsafe(_settle_waiters, waiters)
        except RuntimeError:  # the loop has closed: nobody waits any more
            log.debug("an event loop closed before its posts were answered")


def _settle_waiters(waiters: list[tuple[asyncio.Future[IngestResult], Any]]) -> None:
    for waiter, outcome in waiters:
        if waiter.done():  # cancelled: the request has gone
            continue
        if isinstance(outcome, Exception):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
