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

Uncached throughput on two cores moves with whatever else the machine runs, so
``--uncached-runs N`` measures only the uncached step, N times, and prints each
run with the load average it ran under, the CPU each part of the tree spent
per request (web process, query workers, load generator: the figure that
decides the rate when they share the cores) and the median. ``--against DIR``
alternates those runs with a server of another checkout (say, main before a
change): A B A B …, so both see the same machine.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import resource
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .common import Gunicorn, MemoryWatch, mib, percentile, process_tree, table
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


# -- uncached runs, side by side --------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, all its threads (proc(5): stat fields 14, 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _role(pid: int) -> str:
    """``workers`` for the fork server and the query workers it forked, else ``web``."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "web"
    return "workers" if b"forkserver" in cmdline else "web"


def tree_cpu(pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process under ``pid``, by role (web, workers)."""
    out: dict[str, dict[int, float]] = {"web": {}, "workers": {}}
    for p in process_tree(pid):
        out[_role(p)][p] = _cpu_seconds(p)
    return out


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each role spent between two :func:`tree_cpu` samples (processes that
    started in between count from zero; those that ended are not counted)."""
    return {role: sum(t - before.get(role, {}).get(p, 0.0) for p, t in procs.items())
            for role, procs in after.items()}


@dataclass
class UncachedRun:
    code: str                       # which checkout served it
    load: Load
    cpu: dict[str, float]           # CPU seconds by role over the run: web, workers, clients
    loadavg: float                  # 1-minute load average as the run ended

    def ms_per_request(self, role: str) -> float:
        return self.cpu.get(role, 0.0) * 1000 / self.load.requests if self.load.requests else 0.0


def uncached_once(server: Gunicorn, path: str, code: str, *, clients: int, processes: int,
                  seconds: float) -> UncachedRun:
    """One uncached load on a running server, with the CPU of the server tree and the load
    generator (the children this process reaps) spent meanwhile."""
    before, children = tree_cpu(server.process.pid), resource.getrusage(resource.RUSAGE_CHILDREN)
    load = generate_load(server.port, path, clients=clients, processes=processes, seconds=seconds)
    cpu = cpu_spent(before, tree_cpu(server.process.pid))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu["clients"] = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return UncachedRun(code, load, cpu, os.getloadavg()[0])


def uncached_runs(ttl_dir: Path, query: str = QUERY, *, runs: int = 3, against: Path | None = None,
                  clients: int = 8, processes: int = 2, seconds: float = 10.0,
                  workers: int | None = None) -> list[UncachedRun]:
    """``runs`` uncached loads of this checkout's server, alternating with one of ``against``
    (another checkout) when given; one server per checkout, started once, warmed once."""
    env = {"CRM_KG_RATE_LIMIT": "0", "CRM_KG_ANSWER_CACHE_ENTRIES": "0"}
    if workers is not None:
        env["CRM_KG_QUERY_WORKERS"] = str(workers)
    path = f"/api/queries/{query}"
    codes = [("this", None)] + ([(str(against), against)] if against is not None else [])
    out: list[UncachedRun] = []
    servers = {}
    try:
        for code, root in codes:
            servers[code] = Gunicorn(ttl_dir, env=env, root=root).__enter__()
            generate_load(servers[code].port, path, clients=2, processes=1, seconds=1)   # warm
        for _ in range(runs):
            for code, _root in reversed(codes) if len(out) % 4 else codes:     # A B B A …
                out.append(uncached_once(servers[code], path, code, clients=clients,
                                         processes=processes, seconds=seconds))
    finally:
        for server in servers.values():
            server.stop()
    return out


def uncached_report(runs: list[UncachedRun], query: str, title: str) -> str:
    """Each run, then the median of each checkout: req/s and CPU ms per request."""
    def row(label, code, rate, p99, web, workers, clients, load):
        return [label, code, rate, p99, web, workers, clients, load]
    rows = [row(i + 1, r.code, f"{r.load.per_second:.0f}", f"{r.load.p99 * 1000:.1f}",
                f"{r.ms_per_request('web'):.2f}", f"{r.ms_per_request('workers'):.2f}",
                f"{r.ms_per_request('clients'):.2f}", f"{r.loadavg:.2f}") for i, r in enumerate(runs)]
    for code in dict.fromkeys(r.code for r in runs):
        mine = [r for r in runs if r.code == code]
        med = statistics.median
        rows.append(row("median", code, f"{med(r.load.per_second for r in mine):.0f}",
                        f"{med(r.load.p99 for r in mine) * 1000:.1f}",
                        f"{med(r.ms_per_request('web') for r in mine):.2f}",
                        f"{med(r.ms_per_request('workers') for r in mine):.2f}",
                        f"{med(r.ms_per_request('clients') for r in mine):.2f}",
                        f"{med(r.loadavg for r in mine):.2f}"))
    errors = sum(r.load.errors for r in runs)
    return table(["run", "code", "uncached req/s", "p99 ms", "CPU ms/req web", "query workers",
                  "load generator", "load avg 1 min"], rows,
                 f"{title} ({query}, uncached; {errors} errors)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl-dir", type=Path, required=True)
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", default="", help="pool sizes to compare, e.g. 2,3 (default: configured)")
    parser.add_argument("--uncached-runs", type=int, default=0,
                        help="only the uncached step, this many times, with CPU per request and medians")
    parser.add_argument("--against", type=Path, default=None,
                        help="with --uncached-runs: alternate with a server of this other checkout")
    args = parser.parse_args()
    if args.uncached_runs:
        for n in pool_sizes(args.workers):
            runs = uncached_runs(args.ttl_dir, args.query, runs=args.uncached_runs, against=args.against,
                                 clients=args.clients, processes=args.processes, seconds=args.seconds,
                                 workers=n)
            print(uncached_report(runs, args.query, f"HTTP, {args.ttl_dir}, query workers: {n or 'default'}"),
                  flush=True)
        return
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
