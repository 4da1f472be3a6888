"""Latency of every saved query (default parameters) on three engines, side by side.

* **embedded** — pyoxigraph through our own code: a
  :class:`~crm_kg.store.pool.WorkerPool` over the build directory, as
  ``crm-kg serve`` and gunicorn use it (the answer crosses the worker's pipe).
* **virtuoso** — a throw-away Virtuoso (:mod:`benchmarks.virtuoso`) loaded by
  ``crm-kg load`` (its bulk loader), queried through
  :class:`~crm_kg.store.remote.RemoteStore` (SPARQLWrapper, values bound in VALUES).
* **rdflib** — rdflib's own SPARQL engine on a ``Dataset`` with the union as
  default graph, parameters as ``initBindings``. rdflib cannot stop a query,
  so each query runs in a child forked from the process holding the graph,
  killed at ``rdflib_timeout`` and reported as ``timeout``.

Each query runs once to warm up, then ``repeat`` times; p50 and p95 are
nearest-rank percentiles of those runs. What is timed is what a request for the
query's answer costs: the whole answer (cut at ``max_result_rows``) — or, for a
query computed a page at a time (``pages``, :mod:`crm_kg.sparql.keyset`), its
first page of :data:`~crm_kg.sparql.keyset.PAGE` rows from no report
evaluated, on the embedded engine and Virtuoso alike (rdflib: the whole answer). Run alone:
``python -m benchmarks.latency --ttl-dir DIR [--repeat N] [--stores embedded,virtuoso,rdflib]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from crm_kg.config import load_settings
from crm_kg.sparql import keyset
from crm_kg.sparql.library import QueryLibrary
from crm_kg.store.disk import DiskLoader
from crm_kg.store.embedded import DirectoryLoader
from crm_kg.store.factory import query_store_kind
from crm_kg.store.pool import WorkerPool

from .common import BIN, ROOT, ms, percentile, table

STORES = ("embedded", "virtuoso", "rdflib")


@dataclass
class Timing:
    """Run times of one query on one engine (seconds), or why there are none."""

    runs: list[float] = field(default_factory=list)
    rows: int | None = None
    failure: str | None = None        # "timeout" or an error message

    @property
    def p50(self) -> float | None:
        return percentile(self.runs, 50) if self.runs and not self.failure else None

    @property
    def p95(self) -> float | None:
        return percentile(self.runs, 95) if self.runs and not self.failure else None


@dataclass
class StoreRun:
    """One engine at one size: how long it took to load, and every query's timings."""

    store: str
    load_seconds: float | None = None
    load_detail: str = ""
    timings: dict[str, Timing] = field(default_factory=dict)
    error: str | None = None


def saved_queries() -> list[tuple[str, str, dict, dict | None]]:
    """(name, text, default bindings, keyset pages or None) of every saved query in queries/."""
    library = QueryLibrary(ROOT / "queries")
    return [(q.name, q.text, q.bind({}), q.pages) for q in sorted(library, key=lambda q: q.name)]


def request_of(store, text: str, bindings: dict, pages: dict | None, cap: int):
    """What a request for the answer runs on ``store``: the whole answer, or a keyed answer's
    first page (its keys listed, then the runs of keys that fill it)."""
    def run(sparql, values, limit):
        return store.query(sparql, values, limit=limit)

    if not pages:
        return lambda: run(text, bindings, cap)
    return lambda: keyset.first_page(run, text, pages, bindings, cap)


def _time(call, repeat: int) -> Timing:
    timing = Timing()
    try:
        result = call()                                   # warm-up (and the row count)
        timing.rows = len(result.rows) if result.kind == "select" else len(result.triples)
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            timing.runs.append(time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 — a failing query is a figure, not a crash
        # a store's time limit (ours, Virtuoso's own or its cost estimate) is a timeout
        late = "Timeout" in type(exc).__name__
        timing.failure = ("timeout: " if late else "") + f"{type(exc).__name__}: {exc}"[:160]
    return timing


def run_embedded(ttl_dir: Path, queries, repeat: int, timeout: float = 60.0) -> StoreRun:
    settings = load_settings(ttl_dir=Path(ttl_dir))
    run = StoreRun("embedded")
    # the store the server would open for this graph (query_store: auto → on disk above 2M triples)
    disk = query_store_kind(settings) == "disk"
    start = time.perf_counter()
    # a query past the deadline kills the worker; the next query waits for its replacement
    # (in memory: which loads the whole graph again, a minute at 10M triples)
    with WorkerPool((DiskLoader if disk else DirectoryLoader)(Path(ttl_dir)), workers=1, timeout=timeout,
                    queue_timeout=900, start_timeout=900, memory_mb=settings.query_memory_mb) as pool:
        run.load_seconds = time.perf_counter() - start
        run.load_detail = ("worker process: opens the on-disk store read-only (built first if it was not)"
                           if disk else "worker process: load of crm-kg.nq into pyoxigraph (in memory)")
        for name, text, bindings, pages in queries:
            run.timings[name] = _time(request_of(pool, text, bindings, pages, settings.max_result_rows),
                                      repeat)
    return run


def load_virtuoso(server, ttl_dir: Path) -> float:
    """``crm-kg load`` into ``server`` with Virtuoso's bulk loader; the seconds it took."""
    start = time.perf_counter()
    subprocess.run([str(BIN / "crm-kg"), "load", "--ttl-dir", str(ttl_dir), "--endpoint", server.endpoint,
                    "--virtuoso-isql", server.isql_target], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def run_virtuoso(ttl_dir: Path, queries, repeat: int, timeout: float = 60.0,
                 memory_mb: int = 2048) -> StoreRun:
    from benchmarks import virtuoso
    from crm_kg.store.remote import RemoteStore

    run = StoreRun("virtuoso")
    if virtuoso.available() is None:
        run.error = "virtuoso-t is not installed"
        return run
    settings = load_settings()
    with virtuoso.VirtuosoServer(load_dirs=(Path(ttl_dir).resolve(),), memory_mb=memory_mb,
                                 max_seconds=int(timeout)) as server:
        server.allow_updates()
        run.load_seconds = load_virtuoso(server, Path(ttl_dir))
        run.load_detail = f"crm-kg load --virtuoso-isql (bulk loader), {memory_mb} MB buffers"
        store = RemoteStore.open(server.endpoint, base_iri=settings.base_iri, ttl_dir=Path(ttl_dir),
                                 timeout=timeout)
        for name, text, bindings, pages in queries:
            run.timings[name] = _time(request_of(store, text, bindings, pages, settings.max_result_rows),
                                      repeat)
        run.load_detail += f"; server peak RSS {server.peak_memory_kb() // 1024} MiB"
    return run


# -- rdflib: each query in a forked child that can be killed -------------------------------
def _rdflib_child(conn, dataset, text, bindings, repeat):
    # rdflib 7.6 evaluates SPARQL over a Dataset through its own deprecated default_context:
    # a warning about rdflib's internals, not a failure of the query (the suite makes it an error)
    warnings.simplefilter("ignore", DeprecationWarning)
    for _ in range(repeat + 1):
        start = time.perf_counter()
        try:
            rows = len(list(dataset.query(text, initBindings=bindings)))
        except Exception as exc:  # noqa: BLE001 — rdflib's own failure is the figure
            conn.send((None, f"rdflib error: {type(exc).__name__}: {exc}"))
            return
        conn.send((time.perf_counter() - start, rows))


def run_rdflib(ttl_dir: Path, queries, repeat: int, timeout: float = 30.0) -> StoreRun:
    import pyoxigraph as ox
    from rdflib import Dataset

    from crm_kg.sparql.terms import add_quads

    run = StoreRun("rdflib")
    start = time.perf_counter()
    dataset = Dataset(default_union=True)
    # read by pyoxigraph into the rdflib Dataset: rdflib's own N-Quads reader calls its
    # deprecated Dataset APIs; what is measured is rdflib's query engine
    add_quads(dataset, ox.parse(path=str(Path(ttl_dir) / "crm-kg.nq"), format=ox.RdfFormat.N_QUADS))
    run.load_seconds = time.perf_counter() - start
    run.load_detail = f"crm-kg.nq into an rdflib Dataset; per-query timeout {timeout:g} s"
    fork = multiprocessing.get_context("fork")
    for name, text, bindings, _pages in queries:
        timing = Timing()
        parent, child = fork.Pipe(duplex=False)
        process = fork.Process(target=_rdflib_child, args=(child, dataset, text, bindings, repeat),
                               daemon=True)
        process.start()
        child.close()
        try:
            for n in range(repeat + 1):
                if not parent.poll(timeout):
                    timing.failure = "timeout"
                    break
                seconds, rows = parent.recv()
                if seconds is None:
                    timing.failure = rows
                    break
                if n == 0:
                    timing.rows = rows
                else:
                    timing.runs.append(seconds)
        except EOFError:
            timing.failure = f"the query process ended (exit code {process.exitcode})"
        finally:
            process.kill()
            process.join(5)
            parent.close()
        run.timings[name] = timing
    return run


RUNNERS = {"embedded": run_embedded, "virtuoso": run_virtuoso, "rdflib": run_rdflib}


def measure(ttl_dir: Path, stores=STORES, repeat: int = 10, rdflib_timeout: float = 30.0,
            rdflib_repeat: int = 3, progress=print) -> dict[str, StoreRun]:
    queries = saved_queries()
    runs = {}
    for store in stores:
        progress(f"  latency: {store} …")
        try:
            if store == "rdflib":
                runs[store] = run_rdflib(ttl_dir, queries, min(repeat, rdflib_repeat), rdflib_timeout)
            else:
                runs[store] = RUNNERS[store](ttl_dir, queries, repeat)
        except Exception as exc:  # noqa: BLE001 — one engine failing must not lose the others
            runs[store] = StoreRun(store, error=f"{type(exc).__name__}: {exc}"[:300])
    return runs


def _cell(timing: Timing | None, attr: str) -> str:
    if timing is None:
        return "–"
    if timing.failure:
        return "timeout" if timing.failure.startswith("timeout") else "error"
    return ms(getattr(timing, attr))


def _ratio(a: Timing | None, b: Timing | None) -> str:
    if a is None or b is None or a.p95 is None:
        return "–"
    if b.failure and b.failure.startswith("timeout"):
        return "timeout"
    if b.p95 is None or a.p95 == 0:
        return "–"
    ratio = b.p95 / a.p95
    return f"{ratio:.2f}×" if ratio < 0.1 else f"{ratio:.1f}×"


def report(runs: dict[str, StoreRun], title: str) -> str:
    """The side-by-side table: p50/p95 in ms per engine, and p95 ratios to embedded."""
    names = sorted({n for run in runs.values() for n in run.timings})
    headers = ["query", "rows"]
    for store in runs:
        headers += [f"{store} p50", f"{store} p95"]
    others = [s for s in runs if s != "embedded"]
    if "embedded" in runs:
        headers += [f"{s}/emb" for s in others]
    rows = []
    for name in names:
        first = next((r.timings[name] for r in runs.values() if name in r.timings
                      and r.timings[name].rows is not None), None)
        row = [name, first.rows if first else "–"]
        for run in runs.values():
            t = run.timings.get(name)
            row += [_cell(t, "p50"), _cell(t, "p95")]
        if "embedded" in runs:
            row += [_ratio(runs["embedded"].timings.get(name), runs[s].timings.get(name)) for s in others]
        rows.append(row)
    text = table(headers, rows, title)
    failures = [f"{r.store}: {r.error}" for r in runs.values() if r.error]
    failures += [f"{r.store} {n}: {t.failure}" for r in runs.values() for n, t in r.timings.items()
                 if t.failure and t.failure != "timeout"]     # rdflib's own timeouts say it all
    return text + ("\n" + "\n".join(failures) if failures else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--rdflib-timeout", type=float, default=30.0)
    args = parser.parse_args()
    runs = measure(args.ttl_dir, args.stores.split(","), args.repeat, args.rdflib_timeout)
    print(report(runs, f"Saved-query latency (ms), {args.ttl_dir}"))


if __name__ == "__main__":
    main()
