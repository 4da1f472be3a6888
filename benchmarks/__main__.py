"""``python -m benchmarks`` (``make bench``): every benchmark at every size, then the targets.

Sizes: ``--sizes 100k,1M`` (or ``$BENCH_SIZES``; ``10M`` too if there is time
and memory). For each size a synthetic graph is generated
(:mod:`benchmarks.synthetic`, seed ``--seed``) under ``--work-dir``, then:
latency of every saved query on each engine (:mod:`benchmarks.latency`),
SHACL time (:mod:`benchmarks.load`), HTTP throughput and server memory
(:mod:`benchmarks.http`, once per query-worker pool size of ``--http-workers``,
since memory grows with the pool). Sizes above ``--full-up-to`` (default 1M) run the
embedded engine only and skip SHACL (pyshacl holds the graph in rdflib).
``crm-kg build`` from the sources is timed once. The figures are printed as
tables and written as JSON to ``--out`` (default benchmarks/out/, not in git).

Start-up (:mod:`benchmarks.startup`): the query workers parsing their own
in-memory copies vs one on-disk store opened read-only, side by side. SHACL
with the sparql engine (``--sparql-timeout``) and with rudof (``--rudof-timeout``)
at every size, side by side.

Targets (issue 26), judged at the largest size run (10M): every saved query
answers with p95 under 1 s on the embedded engine and none slower than
Virtuoso; the server is ready in under 60 s, no saved query fails over HTTP,
the whole process tree under 8 GB; at 1M: uncached answers ≥ 500 req/s and
validation under 60 s, judged on the engine the gate uses at that size
(``shacl_engine``/``shacl_fast_above``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

from crm_kg.config import load_settings

from . import http, latency, load, startup, synthetic
from .common import ROOT, Targets, mib, parse_size, size_label, table


def _args():
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "100k,1M"),
                        help="comma-separated sizes in triples (100k, 1M, 10M…; $BENCH_SIZES)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "10")),
                        help="timed runs per query and engine after one warm-up ($BENCH_REPEAT)")
    parser.add_argument("--stores", default=os.environ.get("BENCH_STORES", ",".join(latency.STORES)),
                        help="engines to compare ($BENCH_STORES)")
    parser.add_argument("--full-up-to", default="1M",
                        help="larger sizes: embedded engine only, no SHACL (default 1M)")
    parser.add_argument("--rdflib-timeout", type=float, default=20.0,
                        help="seconds before an rdflib query is stopped and reported as timeout")
    parser.add_argument("--shacl-timeout", type=float, default=600.0)
    parser.add_argument("--rudof-timeout", type=float, default=900.0,
                        help="seconds before rudof's validation (every size) is stopped")
    parser.add_argument("--sparql-timeout", type=float, default=900.0,
                        help="seconds before the sparql engine's validation (every size) is stopped")
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8, help="client threads per load process")
    parser.add_argument("--processes", type=int, default=2, help="load-generating processes")
    parser.add_argument("--query", default=http.QUERY, help="the saved query of the HTTP benchmark")
    parser.add_argument("--http-workers", default=os.environ.get("BENCH_HTTP_WORKERS", "2,3"),
                        help="query-worker pool sizes the HTTP benchmark compares; the targets read "
                             "the configured default's run ($BENCH_HTTP_WORKERS)")
    parser.add_argument("--skip", default="",
                        help="comma-separated: build, startup, shacl, sparql, rudof, http")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    return parser.parse_args()


def _seconds(value: float | None, detail: str = "") -> str:
    return ("timeout/failed" if value is None else f"{value:.1f}") + (f" ({detail})" if detail else "")


def run(args) -> dict:
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    stores = [s for s in args.stores.split(",") if s]
    skip = set(filter(None, args.skip.split(",")))
    full_up_to = parse_size(args.full_up_to)
    results: dict = {"sizes": {}, "repeat": args.repeat, "seed": args.seed}
    if "build" not in skip:
        print("crm-kg build from the sources …", flush=True)
        seconds, detail = load.build_time()
        results["build"] = {"seconds": seconds, "detail": detail}
        print(f"  {_seconds(seconds, detail)}", flush=True)
    for size in sizes:
        label = size_label(size)
        print(f"\n== {label} triples ==", flush=True)
        ttl_dir = args.work_dir / f"syn-{label}"
        start = time.perf_counter()
        manifest = synthetic.generate(ttl_dir, size, args.seed)
        entry: dict = {"triples": manifest["triples"], "generate_seconds": time.perf_counter() - start}
        print(f"  generated {manifest['triples']} triples in {entry['generate_seconds']:.1f} s", flush=True)
        full = size <= full_up_to
        if "startup" not in skip:
            print("  start-up: in-memory copies vs one on-disk store …", flush=True)
            ups = startup.measure_all(ttl_dir)
            entry["startup"] = startup.as_dict(ups)
            print(startup.report(ups, f"Start-up of 2 query workers at {label}"), flush=True)
        runs = latency.measure(ttl_dir, stores if full else ["embedded"], args.repeat,
                               args.rdflib_timeout, progress=lambda t: print(t, flush=True))
        print(latency.report(runs, f"Saved-query latency at {label} (ms; ratios of p95)"), flush=True)
        entry["latency"] = {name: asdict(r) for name, r in runs.items()}
        if full and "shacl" not in skip:
            print("  SHACL …", flush=True)
            seconds, detail = load.shacl_time(ttl_dir, args.shacl_timeout)
            entry["shacl"] = {"seconds": seconds, "detail": detail}
        if "sparql" not in skip:
            print("  SHACL with the sparql engine …", flush=True)
            seconds, detail = load.sparql_time(ttl_dir, args.sparql_timeout)
            entry["sparql"] = {"seconds": seconds, "detail": detail}
        if "rudof" not in skip:
            print("  SHACL with rudof …", flush=True)
            seconds, detail = load.rudof_time(ttl_dir, args.rudof_timeout)
            entry["rudof"] = {"seconds": seconds, "detail": detail}
        if "http" not in skip:
            print("  HTTP …", flush=True)
            entry["http"] = _http(ttl_dir, args, label)
        print(load_table(label, entry), flush=True)
        results["sizes"][label] = entry
    return results


def _http(ttl_dir: Path, args, label: str) -> dict:
    """The HTTP benchmark once per pool size: ``{"query", "default_workers", "runs": [...]}``."""
    out: dict = {"query": args.query, "default_workers": load_settings().query_workers, "runs": []}
    runs = []
    for workers in http.pool_sizes(args.http_workers):
        try:
            h = http.measure(ttl_dir, args.query, clients=args.clients, processes=args.processes,
                             seconds=args.http_seconds, workers=workers)
        except Exception as exc:  # noqa: BLE001 — report and carry on with the next run
            out["runs"].append({"workers": workers, "error": f"{type(exc).__name__}: {exc}"})
            print(f"  HTTP with {workers or 'default'} query workers failed: {exc}", flush=True)
            continue
        runs.append(h)
        run = {**asdict(h)}
        for kind in ("cached", "uncached"):
            load_ = getattr(h, kind)
            run[kind] = {"per_second": load_.per_second, "p99": load_.p99,
                         "requests": load_.requests, "errors": load_.errors}
        out["runs"].append(run)
    if runs:
        print(http.report(runs, args.query, f"HTTP at {label}"), flush=True)
    return out


def default_http_run(h: dict) -> dict | None:
    """The run of the configured pool size (or the only one), if it did not fail."""
    runs = [r for r in h.get("runs", []) if "error" not in r]
    chosen = [r for r in runs if r["workers"] in (None, h.get("default_workers"))] or runs[:1]
    return chosen[0] if chosen else None


def load_table(label: str, entry: dict) -> str:
    rows = []
    for name, r in entry["latency"].items():
        rows.append([f"load into {name}", _seconds(r["load_seconds"], r["load_detail"] or r["error"] or "")])
    if "shacl" in entry:
        rows.append(["SHACL (crm-kg validate --no-owl)", _seconds(entry["shacl"]["seconds"],
                                                                   entry["shacl"]["detail"])])
    if "sparql" in entry:
        rows.append(["SHACL, sparql engine (read + shapes + checks)", _seconds(entry["sparql"]["seconds"],
                                                                               entry["sparql"]["detail"])])
    if "rudof" in entry:
        rows.append(["SHACL with rudof (read + validate)", _seconds(entry["rudof"]["seconds"],
                                                                     entry["rudof"]["detail"])])
    for h in entry.get("http", {}).get("runs", []):
        if "started" in h:
            pool = f"{h['workers']} query workers" if h["workers"] else "default pool"
            rows.append([f"gunicorn ready (first answer), {pool}", _seconds(h["started"])])
            rows.append([f"gunicorn ready again, {pool}", _seconds(h.get("restarted"))])
            rows.append([f"server peak memory (MiB), {pool}",
                         f"RSS {mib(h['peak_rss_kb'])}, PSS {mib(h['peak_pss_kb'])}"])
    return table(["step", "seconds"], rows, f"Load at {label}")


def targets(results: dict) -> Targets:
    """Issue 26's targets: latency, ready time and memory at the largest size run (10M),
    uncached throughput and validation at 1M."""
    out = Targets()
    sizes = results["sizes"]
    if not sizes:
        return out
    label = max(sizes, key=lambda s: sizes[s]["triples"])
    entry, at = sizes[label], f" (at {label})"
    lat = entry["latency"]
    emb = lat.get("embedded", {}).get("timings", {})
    if emb:
        p95 = {n: latency.Timing(**t).p95 for n, t in emb.items()}
        failed = sorted(n for n, v in p95.items() if v is None)
        slow = sorted((n for n, v in p95.items() if v is None or v >= 1.0), key=lambda n: -(p95[n] or 1e9))
        worst = max(p95, key=lambda n: p95[n] if p95[n] is not None else 1e9)
        figure = "failed" if p95[worst] is None else f"{p95[worst] * 1000:.0f} ms"
        out.check("every saved query answers, p95 under 1 s, embedded" + at, not slow,
                  f"worst {worst} {figure}" + (f"; over: {', '.join(slow)}" if slow else "")
                  + (f"; failed: {', '.join(failed)}" if failed else ""))
    vt = lat.get("virtuoso", {}).get("timings", {})
    if emb and vt and not lat["virtuoso"].get("error"):
        ratios = {}
        for n, t in emb.items():
            a, b = latency.Timing(**t).p95, latency.Timing(**vt[n]).p95 if n in vt else None
            if a is not None and b:
                ratios[n] = a / b
        over = sorted((n for n, r in ratios.items() if r > 1), key=lambda n: -ratios[n])
        worst = max(ratios, key=ratios.get)
        out.check("none slower than Virtuoso (p95 ratio ≤ 1×)" + at, not over,
                  f"worst {worst} {ratios[worst]:.2f}×" + (f"; over 1×: {', '.join(over)}" if over else ""))
    h = default_http_run(entry.get("http", {}))
    if h is not None:
        at_h = f" (at {label}, {h['workers'] or 'default'} query workers)"
        out.check("server ready in under 60 s" + at_h, h["started"] < 60,
                  f"{h['started']:.1f} s (again: {h.get('restarted', 0):.1f} s)")
        out.check("no saved query fails over HTTP" + at_h, not h["query_failures"],
                  f"{len(h['query_failures'])} failed" + (f": {h['query_failures']}" if h["query_failures"] else ""))
        out.check("memory of the whole process tree under 8 GB" + at_h, h["peak_pss_kb"] * 1024 < 8e9,
                  f"peak PSS {mib(h['peak_pss_kb'])} MiB (RSS {mib(h['peak_rss_kb'])} MiB)")
    one = sizes.get("1M")
    h1 = default_http_run(one.get("http", {})) if one else None
    if h1 is not None:
        u = h1["uncached"]
        out.check("uncached saved query ≥ 500 req/s (at 1M)", u["per_second"] >= 500 and u["errors"] == 0,
                  f"{u['per_second']:.0f} req/s, p99 {u['p99'] * 1000:.1f} ms, {u['errors']} errors")
    engine = gate_engine(one["triples"]) if one else None
    step = {"sparql": "sparql", "rudof": "rudof", "pyshacl": "shacl"}.get(engine)
    if one and step in one:
        seconds = one[step]["seconds"]
        out.check(f"validation of 1M under 60 s ({engine}, the gate's engine at 1M)",
                  seconds is not None and seconds < 60, _seconds(seconds, one[step]["detail"]))
    return out


def gate_engine(triples: int) -> str:
    """The SHACL engine ``crm-kg validate`` uses for a graph of ``triples`` (the settings' choice)."""
    from crm_kg.quality.validate import shacl_engine

    return shacl_engine(load_settings(), triples)


def main() -> None:
    args = _args()
    results = run(args)
    checked = targets(results)
    print(checked.text())
    results["targets"] = checked.results
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
