"""HTTP throughput and server memory: gunicorn on loopback, concurrent Python clients.

The server is ``gunicorn app:app`` (gunicorn.conf.py: one gthread worker with
its pool of query workers) on 127.0.0.1 and a free port, serving a synthetic
build; it is stopped at the end. The load generator is bounded: ``clients``
threads in each of ``processes`` processes (so the clients' own GIL does not
cap the figure), each with one keep-alive ``http.client`` connection, send
GET requests for one saved query for ``seconds`` seconds. Every answer is
read to the end and must be 200; anything else counts as an error. All clients
are 127.0.0.1, so the per-client rate limit is off (``CRM_KG_RATE_LIMIT=0``).

* cached — the same request again and again: the answer cache's fast path
  (:mod:`crm_kg.web.cache`).
* uncached — the same request to a second server started with
  ``CRM_KG_ANSWER_CACHE_ENTRIES=0``: every request runs the query.

Server memory is sampled over the whole process tree (gunicorn, its worker,
the fork server and the query workers) while the server answers every saved
query once and serves the cached load; peak RSS and PSS are reported.

Each query worker holds its own copy of the graph (:mod:`crm_kg.store.pool`), so
memory grows with the pool and little else does on two cores: ``workers``
runs the whole measurement once per pool size (``CRM_KG_QUERY_WORKERS``), side
by side in one table. Run alone:
``python -m benchmarks.http --ttl-dir DIR [--workers 2,3]``.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .common import Gunicorn, MemoryWatch, mib, percentile, table
from .latency import saved_queries

QUERY = "organisation-counts-by-activity"


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]          # of the answers that were 200

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


def _client(port: int, path: str, until: float, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failed = [], 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failed += 1
                continue
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - start)
    conn.close()
    out.extend(latencies)
    errors.append(failed)


def _process(port: int, path: str, clients: int, seconds: float, queue) -> None:
    until = time.perf_counter() + seconds
    out, errors = [], []
    threads = [threading.Thread(target=_client, args=(port, path, until, out, errors))
               for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((out, sum(errors)))


def generate_load(port: int, path: str, *, clients: int = 8, processes: int = 2,
                  seconds: float = 10.0) -> Load:
    """``processes`` × ``clients`` keep-alive clients hammering ``path`` for ``seconds``."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_process, args=(port, path, clients, seconds, queue))
               for _ in range(processes)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    results = [queue.get(timeout=seconds + 120) for _ in workers]
    elapsed = time.perf_counter() - start
    for w in workers:
        w.join(10)
    latencies = [x for out, _ in results for x in out]
    errors = sum(e for _, e in results)
    return Load(len(latencies) + errors, errors, elapsed, latencies)


def _touch_every_query(port: int) -> dict[str, int]:
    """Ask for every saved query once (defaults) so memory includes real answers; the HTTP
    status of each that was not answered 200, by name."""
    conn, failed = http.client.HTTPConnection("127.0.0.1", port, timeout=120), {}
    for name, *_ in saved_queries():
        conn.request("GET", f"/api/queries/{name}")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            failed[name] = response.status
    conn.close()
    return failed


@dataclass
class HttpRun:
    workers: int | None             # query workers per web process (None: the configured default)
    started: float                  # seconds until the first answer (first start of this graph)
    cached: Load
    uncached: Load
    peak_rss_kb: int
    peak_pss_kb: int
    query_failures: dict[str, int]     # saved queries not answered 200 when asked once: status
    restarted: float = 0.0          # the second server's start (an on-disk store is built by then)


def measure(ttl_dir: Path, query: str = QUERY, *, clients: int = 8, processes: int = 2,
            seconds: float = 10.0, workers: int | None = None) -> HttpRun:
    path = f"/api/queries/{query}"
    # every load client is 127.0.0.1: the per-client rate limit (429 past it) is off, since
    # this measures what the server can answer, not what one client is allowed
    env = {"CRM_KG_RATE_LIMIT": "0"}
    if workers is not None:
        env["CRM_KG_QUERY_WORKERS"] = str(workers)
    with Gunicorn(ttl_dir, env=env) as server, MemoryWatch(server.process.pid) as memory:
        failures = _touch_every_query(server.port)
        generate_load(server.port, path, clients=2, processes=1, seconds=1)        # warm
        cached = generate_load(server.port, path, clients=clients, processes=processes,
                               seconds=seconds)
        started = server.started
    with Gunicorn(ttl_dir, env={**env, "CRM_KG_ANSWER_CACHE_ENTRIES": "0"}) as server:
        restarted = server.started
        generate_load(server.port, path, clients=2, processes=1, seconds=1)
        uncached = generate_load(server.port, path, clients=clients, processes=processes,
                                 seconds=seconds)
    return HttpRun(workers, started, cached, uncached, memory.peak_rss, memory.peak_pss, failures,
                   restarted)


def _failures(failed: dict[str, int]) -> str:
    return f"{len(failed)}" + (": " + ", ".join(f"{n} ({c})" for n, c in sorted(failed.items()))
                               if failed else "")


def report(runs: list[HttpRun], query: str, title: str) -> str:
    """One row per pool size: start, peak memory, cached and uncached throughput."""
    def load(x: Load) -> str:
        return f"{x.per_second:.0f} ({x.p99 * 1000:.1f} ms, {x.errors} errors)"
    rows = [[run.workers or "default", f"{run.started:.1f} / {run.restarted:.1f}",
             f"{mib(run.peak_pss_kb)} ({mib(run.peak_rss_kb)})", load(run.cached), load(run.uncached),
             _failures(run.query_failures)] for run in runs]
    return table(["query workers", "ready s (first / again)", "peak PSS MiB (RSS)", "cached req/s (p99, errors)",
                  "uncached req/s (p99, errors)", "saved queries failed"], rows, f"{title} ({query})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl-dir", type=Path, required=True)
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="", help="pool sizes to compare, e.g. 2,3 (default: configured)")
    args = parser.parse_args()
    runs = [measure(args.ttl_dir, args.query, clients=args.clients, processes=args.processes,
                    seconds=args.seconds, workers=n) for n in pool_sizes(args.workers)]
    print(report(runs, args.query, f"HTTP, {args.ttl_dir}"))


def pool_sizes(text: str) -> list[int | None]:
    """``"2,3"`` → [2, 3]; empty → [None] (the configured default)."""
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if any(n < 1 for n in sizes):
        raise ValueError(f"pool sizes must be at least 1: {text!r}")
    return sizes or [None]


if __name__ == "__main__":
    main()
