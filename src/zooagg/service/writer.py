"""Group commit: one thread per server process writes every ingest request.

Requests that arrive while a transaction runs wait in a queue and go into the next
transaction together, so one commit (and on SQLite, one turn of the single write lock) serves
many requests: that is what makes hundreds of single posts a second possible. Each request
is answered only after the transaction holding its classifications has committed. A
transaction that fails is retried request by request, so one bad request fails alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from .columns import ColumnCache
from .ingest import Batch, IngestResult, Prepared, store_batches
from .plan import Plan
from .store import Store

log = logging.getLogger(__name__)


@dataclass
class _Job:
    batch: Batch
    done: Future[IngestResult]


class GroupWriter:
    """Writes queued batches of prepared classifications, many requests per transaction."""

    def __init__(self, store: Store, max_rows: int = 2000) -> None:
        self.store = store
        #: a transaction takes queued requests until it holds this many classifications
        self.max_rows = max_rows
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.columns = ColumnCache()

    def submit(self, plan: Plan, prepared: list[Prepared]) -> Future[IngestResult]:
        """Queue one request's classifications; the future resolves after they are committed
        (or raises StalePlan, or what the store raised)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zooagg-writer", daemon=True)
                self._thread.start()
        done: Future[IngestResult] = Future()
        # running from the start: a waiter that gives up (a client gone) cannot cancel a post
        # the writer will store anyway, nor make its result unsettable
        done.set_running_or_notify_cancel()
        self._queue.put(_Job(Batch(plan, prepared), done))
        return done

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
            first = self._queue.get()
            if first is None:
                return
            jobs, rows = [first], len(first.batch.prepared)
            while rows < self.max_rows:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                jobs.append(job)
                rows += len(job.batch.prepared)
            self._write(jobs)

    def _write(self, jobs: list[_Job]) -> None:
        try:
            with self.store.write() as session:
                written = store_batches(session, [job.batch for job in jobs], self.columns)
        except Exception as exc:  # handed to the waiting requests, not swallowed
            if len(jobs) > 1:
                for job in jobs:  # so one bad request fails alone
                    self._write([job])
            else:
                log.debug("ingest transaction failed", exc_info=True)
                jobs[0].done.set_exception(exc)
            return
        for config_rev, orders in written.orders:
            self.columns.committed(config_rev, orders)
        for job, outcome in zip(jobs, written.outcomes, strict=True):
            if isinstance(outcome, Exception):
                job.done.set_exception(outcome)
            else:
                job.done.set_result(outcome)
