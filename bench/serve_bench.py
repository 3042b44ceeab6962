#!/usr/bin/env python3
"""Ingest benchmark for `zooagg serve`: classifications per second and latency, live reduction on.

    .venv/bin/python bench/serve_bench.py [--count 2000] [--clients 4] [--batch 100] [--seconds 60]
                                          [--database postgresql://postgres@127.0.0.1:5432/DB]

Starts a server on 127.0.0.1 (a random free port, a temporary data folder; SQLite unless
--database is given), creates a member and a project with a four-task workflow (questions,
points and rectangles, survey), then sends the same generated classifications twice over:
one per request from --clients threads (latency per request), and in batches of --batch.
All traffic goes to 127.0.0.1; the run stops after --count classifications or --seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from service.conftest import add_member, free_port, spawn  # noqa: E402
from service.exports import classification_rows  # noqa: E402
from service.helpers import make_project  # noqa: E402


def singles(url: str, token: str, project: int, rows: list[dict[str, str]], clients: int,
            deadline: float) -> tuple[int, list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def work(part: list[dict[str, str]]) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for row in part:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = client.post(f"/api/projects/{project}/classifications", json=row)
                took = time.perf_counter() - started
                if response.status_code not in (200, 201):
                    raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
                with lock:
                    latencies.append(took)

    threads = [threading.Thread(target=work, args=(rows[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, time.perf_counter() - started


def batches(url: str, token: str, project: int, rows: list[dict[str, str]], size: int,
            deadline: float) -> tuple[int, float]:
    sent = 0
    started = time.perf_counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for start in range(0, len(rows), size):
            if time.monotonic() > deadline:
                break
            response = client.post(f"/api/projects/{project}/classifications", json=rows[start:start + size])
            if response.status_code not in (200, 201):
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
            sent += len(rows[start:start + size])
    return sent, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zooagg-bench-") as folder:
        data = Path(folder) / "data"
        token = add_member(data, "bench", database=args.database)
        port = free_port()
        where = ["--database", args.database] if args.database else ["--data-dir", str(data)]
        process = spawn([*where, "--log-level", "warning"], port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
                single_project = make_project(client, Path(folder), "bench singles")
                batch_project = make_project(client, Path(folder), "bench batches")
            rows = classification_rows(args.count, seed=1)
            deadline = time.monotonic() + args.seconds / 2
            done, latencies, took = singles(url, token, single_project, rows, args.clients, deadline)
            latencies.sort()
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            store = "PostgreSQL" if args.database else "SQLite"
            print(f"{store}, single posts, {args.clients} clients: {done} classifications in {took:.1f} s = "
                  f"{done / took:.0f}/s; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
            deadline = time.monotonic() + args.seconds / 2
            sent, took = batches(url, token, batch_project, rows, args.batch, deadline)
            print(f"{store}, batches of {args.batch}: {sent} classifications in {took:.1f} s = {sent / took:.0f}/s")
        finally:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
