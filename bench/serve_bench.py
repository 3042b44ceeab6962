#!/usr/bin/env python3
"""Ingest benchmark for `zooagg serve`: classifications per second and latency, live reduction on.

    .venv/bin/python bench/serve_bench.py [--count 2000] [--clients 4] [--batch 100] [--batch-clients 1]
                                          [--seconds 60] [--workers 1]
                                          [--database postgresql://postgres@127.0.0.1:5432/DB]

Starts a server on 127.0.0.1 (a random free port, a temporary data folder; SQLite unless
--database is given; --workers server processes), creates a member and a project with a
four-task workflow (questions, points and rectangles, survey), then sends the same generated
classifications twice over: one per request from --clients threads (latency per request), and
in batches of --batch from --batch-clients threads. All traffic goes to 127.0.0.1; the run
stops after --count classifications or --seconds. The clients use the standard library's
http.client (keep-alive), whose own CPU time per request is small next to the server's: client
and server share the machine's cores. Also printed: the server's CPU time per classification
(from /proc, on Linux), which says more than the rate when other jobs load the machine, and
the load average; with --database, also the CPU time of the PostgreSQL processes on this
machine per classification (all of them: other clients' queries meanwhile count too).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service.conftest import add_member, free_port, spawn  # noqa: E402
from service.exports import classification_rows  # noqa: E402
from service.helpers import make_project  # noqa: E402


class Client:
    """One keep-alive HTTP connection posting JSON with the bench's token."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: object) -> tuple[int, bytes]:
        self.connection.request("POST", path, orjson.dumps(body), self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def singles(url: str, token: str, project: int, rows: list[dict[str, str]], clients: int,
            deadline: float) -> tuple[int, list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def work(part: list[dict[str, str]]) -> None:
        client = Client(url, token)
        try:
            for row in part:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                status, body = client.post(f"/api/projects/{project}/classifications", row)
                took = time.perf_counter() - started
                if status not in (200, 201):
                    raise SystemExit(f"unexpected {status}: {body[:300]!r}")
                with lock:
                    latencies.append(took)
        finally:
            client.close()

    seconds = run_threads(work, [rows[i::clients] for i in range(clients)])
    return len(latencies), latencies, seconds


def run_threads(work: Callable[[Any], None], parts: list[Any]) -> float:
    """Run `work` on each part in its own thread; the seconds until all are done."""
    threads = [threading.Thread(target=work, args=(part,)) for part in parts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def batches(url: str, token: str, project: int, rows: list[dict[str, str]], size: int, clients: int,
            deadline: float) -> tuple[int, float]:
    sent: list[int] = []

    def work(part: list[list[dict[str, str]]]) -> None:
        client = Client(url, token)
        try:
            for batch in part:
                if time.monotonic() > deadline:
                    return
                status, body = client.post(f"/api/projects/{project}/classifications", batch)
                if status not in (200, 201):
                    raise SystemExit(f"unexpected {status}: {body[:300]!r}")
                sent.append(len(batch))
        finally:
            client.close()

    chunks = [rows[start:start + size] for start in range(0, len(rows), size)]
    seconds = run_threads(work, [chunks[i::clients] for i in range(clients)])
    return sum(sent), seconds


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and its children so far, from /proc (Linux)."""
    try:
        total = 0.0
        for each in [pid, *children(pid)]:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total
    except (OSError, ValueError, IndexError):
        return None


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def postgres_seconds() -> float | None:
    """CPU time of every PostgreSQL process on this machine (other clients' work included)."""
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "comm").read_text().strip() != "postgres":
                        continue
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # gone meanwhile
                    continue
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    return total


def usage(pid: int, database: str | None) -> tuple[float | None, float | None]:
    """CPU seconds so far of the server, and of PostgreSQL when the database is one."""
    return cpu_seconds(pid), postgres_seconds() if database else None


def per_classification(before: tuple[float | None, float | None], after: tuple[float | None, float | None],
                       count: int) -> str:
    """The server's CPU time per classification (and PostgreSQL's, when it runs here)."""
    out = ""
    for name, was, now in (("server", before[0], after[0]), ("PostgreSQL", before[1], after[1])):
        if was is not None and now is not None and count and (name == "server" or now > was):
            out += f"; {name} CPU {(now - was) / count * 1000:.2f} ms per classification"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database", default=None)
    parser.add_argument("--batch-clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zooagg-bench-") as folder:
        data = Path(folder) / "data"
        token = add_member(data, "bench", database=args.database)
        port = free_port()
        where = ["--database", args.database] if args.database else ["--data-dir", str(data)]
        process = spawn([*where, "--workers", str(args.workers), "--log-level", "warning"], port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
                single_project = make_project(client, Path(folder), "bench singles")
                batch_project = make_project(client, Path(folder), "bench batches")
            rows = classification_rows(args.count, seed=1)
            store = ("PostgreSQL" if args.database else "SQLite") + f", {args.workers} worker(s)"
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            deadline = time.monotonic() + args.seconds / 2
            before = usage(process.pid, args.database)
            done, latencies, took = singles(url, token, single_project, rows, args.clients, deadline)
            latencies.sort()
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            print(f"{store}, single posts, {args.clients} clients: {done} classifications in {took:.1f} s = "
                  f"{done / took:.0f}/s; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                  f"{per_classification(before, usage(process.pid, args.database), done)}")
            deadline = time.monotonic() + args.seconds / 2
            before = usage(process.pid, args.database)
            sent, took = batches(url, token, batch_project, rows, args.batch, args.batch_clients, deadline)
            print(f"{store}, batches of {args.batch}, {args.batch_clients} client(s): {sent} classifications in "
                  f"{took:.1f} s = {sent / took:.0f}/s"
                  f"{per_classification(before, usage(process.pid, args.database), sent)}")
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            process.terminate()  # uvicorn's supervisor stops its worker processes too
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
