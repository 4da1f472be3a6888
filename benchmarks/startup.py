"""Start-up side by side: each query worker parsing its own in-memory copy vs one on-disk store.

For each design a :class:`~crm_kg.store.pool.WorkerPool` of ``workers`` query
workers (the served default: 2) is started over the same build directory, as
the server starts it:

* **memory** — :class:`~crm_kg.store.embedded.DirectoryLoader`: every worker
  parses ``crm-kg.nq`` into its own in-memory pyoxigraph store.
* **disk** — :class:`~crm_kg.store.disk.DiskLoader`: the graph is bulk-loaded
  once into pyoxigraph's on-disk store (``prepare``: at the first start of a
  version, timed on its own from a removed store), then every worker opens it
  with ``Store.read_only``.

Reported per design: seconds until every worker is ready, the memory of the
whole process tree (this process, the fork server, the workers; RSS and PSS
from ``/proc``) once ready and after every saved query has run once, and each
saved query's time on that one run (the latency benchmark times them properly).
The on-disk store's files are in the operating system's page cache, shared by
the workers and not counted in any process's memory: its size on disk is
reported beside. Run alone:
``python -m benchmarks.startup --ttl-dir DIR [--workers 2] [--designs memory,disk]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crm_kg.config import load_settings
from crm_kg.store.disk import DiskLoader, store_root
from crm_kg.store.embedded import DirectoryLoader
from crm_kg.store.pool import WorkerPool

from .common import mib, table, tree_memory_kb
from .latency import request_of, saved_queries

DESIGNS = ("memory", "disk")


@dataclass
class Startup:
    design: str
    workers: int
    prepare_seconds: float | None = None    # disk: building the store once (first start of a version)
    ready_seconds: float | None = None      # every worker ready (disk: the store already built)
    ready_rss_kb: int = 0
    ready_pss_kb: int = 0
    after_rss_kb: int = 0                   # after every saved query ran once
    after_pss_kb: int = 0
    disk_bytes: int = 0
    query_seconds: dict[str, float | None] = field(default_factory=dict)
    error: str | None = None


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def measure(ttl_dir: Path, design: str, workers: int = 2, rebuild: bool = True) -> Startup:
    settings = load_settings()
    run = Startup(design, workers)
    ttl_dir = Path(ttl_dir)
    try:
        if design == "disk":
            if rebuild:
                shutil.rmtree(store_root(ttl_dir), ignore_errors=True)
            loader = DiskLoader(ttl_dir)
            start = time.perf_counter()
            loader.check()                      # builds the on-disk store of this version
            run.prepare_seconds = time.perf_counter() - start
            run.disk_bytes = _du(loader.path)
        else:
            loader = DirectoryLoader(ttl_dir)
        start = time.perf_counter()
        with WorkerPool(loader, workers=workers, threads=settings.query_threads, timeout=120,
                        start_timeout=1800, memory_mb=settings.query_memory_mb) as pool:
            run.ready_seconds = time.perf_counter() - start
            run.ready_rss_kb, run.ready_pss_kb = tree_memory_kb(os.getpid())
            for name, text, bindings, pages in saved_queries():
                began = time.perf_counter()
                try:
                    request_of(pool, text, bindings, pages, settings.max_result_rows)()
                    run.query_seconds[name] = time.perf_counter() - began
                except Exception:  # noqa: BLE001 — a failure is a figure
                    run.query_seconds[name] = None
            run.after_rss_kb, run.after_pss_kb = tree_memory_kb(os.getpid())
    except Exception as exc:  # noqa: BLE001 — one design failing must not lose the other
        run.error = f"{type(exc).__name__}: {exc}"[:300]
    return run


def measure_all(ttl_dir: Path, designs=DESIGNS, workers: int = 2) -> list[Startup]:
    return [measure(ttl_dir, d, workers) for d in designs]


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def report(runs: list[Startup], title: str) -> str:
    rows = []
    for r in runs:
        times = [t for t in r.query_seconds.values() if t is not None]
        failed = sum(1 for t in r.query_seconds.values() if t is None)
        rows.append([r.design, r.workers, _s(r.prepare_seconds), _s(r.ready_seconds),
                     f"{mib(r.ready_pss_kb)} ({mib(r.ready_rss_kb)})",
                     f"{mib(r.after_pss_kb)} ({mib(r.after_rss_kb)})",
                     f"{r.disk_bytes / 2**20:.0f}" if r.disk_bytes else "–",
                     f"{sum(times):.1f}" + (f", {failed} failed" if failed else ""),
                     f"{max(times):.2f}" if times else "–"] + ([r.error] if r.error else []))
    return table(["design", "workers", "build store s", "ready s", "PSS MiB ready (RSS)",
                  "PSS MiB after queries (RSS)", "store on disk MiB", "all saved queries once s",
                  "slowest s"], rows, title)


def as_dict(runs: list[Startup]) -> list[dict]:
    return [asdict(r) for r in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl-dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    args = parser.parse_args()
    runs = measure_all(args.ttl_dir, [d for d in args.designs.split(",") if d], args.workers)
    print(report(runs, f"Start-up of {args.workers} query workers, {args.ttl_dir}"))


if __name__ == "__main__":
    main()
