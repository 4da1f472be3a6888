"""Soak: the served app under a steady load for minutes — errors, latency, memory.

Run: ``.venv/bin/python -m benchmarks.soak [--seconds 300] [--rate 20] [--server serve|gunicorn]``.
Not part of ``make test``.

Starts the server as it is deployed (``crm-kg serve``: nginx in front of gunicorn
with gunicorn.conf.py, as the README deploys it; or ``--server gunicorn``: gunicorn
alone) on a free loopback port over the committed graph, with the project's
settings (rate limit included: the load comes from 60 client addresses,
127.0.2.1–60, so no client exceeds its limit), and sends requests
at a fixed rate — open loop: a slow answer does not slow the sending, so
latency is not hidden — in a mix of saved queries, linked-data pages, search,
the dataset description, cheap /sparql queries and health checks. Every
``--reload-every`` seconds it runs ``crm-kg reload`` (a new query pool is
swapped in under load and the old one closed). It samples the resident
memory of the whole server (web process, query workers) every 5 s.

Reports errors (any answer but 200, or no answer: must be 0), latency
percentiles (p50/p95/p99/max, after the first minute) overall and per kind, and memory growth: the
median of the last minute against the median of the first minute after a
one-minute warm-up (must stay within ``--max-growth``, 10 %). Writes the
figures to ``benchmarks/out/soak-<time>.json``; exits 1 if a limit is broken.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.common import percentile, tree_memory_kb
from benchmarks.virtuoso import free_port

ROOT = Path(__file__).resolve().parents[1]

SPARQL = {
    "sparql-count": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "sparql-opportunities": "SELECT ?o ?label WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
                            "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
}
MIX = [  # (kind, path, weight)
    ("saved", "/api/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities", 4),
    ("saved", "/api/queries/organisations-by-activity", 2),
    ("saved", "/api/queries/materials-on-crm-list", 2),
    ("saved", "/api/queries/supply-concentration", 2),
    ("page", "/id/material/gallium", 3),
    ("page", "/id/organisation/cleantron", 2),
    ("page", "/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities", 1),
    ("page", "/", 1),
    ("search", "/search?q=gallium", 2),
    ("dataset", "/dataset.ttl", 1),
    ("sparql", "/sparql?" + urllib.parse.urlencode({"query": SPARQL["sparql-count"]}), 2),
    ("sparql", "/sparql?" + urllib.parse.urlencode({"query": SPARQL["sparql-opportunities"]}), 2),
    ("health", "/readyz", 1),
]
ACCEPT = {"saved": "application/sparql-results+json", "sparql": "application/sparql-results+json",
          "page": "text/html", "search": "text/html", "dataset": "text/turtle", "health": "application/json"}


def request(port: int, path: str, accept: str, source: str, timeout: float = 30.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    start = time.monotonic()
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        body = response.read()
        why = "" if response.status == 200 else (body[:160].decode("utf-8", "replace").splitlines() or [""])[0]
        return response.status, time.monotonic() - start, why
    except OSError as exc:
        return f"{type(exc).__name__}", time.monotonic() - start, str(exc)
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (default 20)")
    parser.add_argument("--server", choices=["serve", "gunicorn"], default="serve")
    parser.add_argument("--reload-every", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--max-growth", type=float, default=0.10)
    parser.add_argument("--ttl-dir", default=str(ROOT / "data" / "ttl"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    port = free_port()
    env = {**os.environ, "CRM_KG_TTL_DIR": args.ttl_dir}
    command = ([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "app:app"]
               if args.server == "gunicorn" else
               [sys.executable, "-m", "crm_kg.cli", "serve", "--port", str(port)])
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "soak-server.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while request(port, "/readyz", "application/json", "127.0.0.1", 2)[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                print("the server did not start; see benchmarks/out/soak-server.log", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return soak(args, port, server, out)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def soak(args, port: int, server, out: Path) -> int:
    rng = random.Random(args.seed)
    weighted = [item for item in MIX for _ in range(item[2])]
    results: list[tuple[float, str, object, float]] = []
    lock = threading.Lock()
    memory: list[tuple[float, int]] = []
    reloads: list[dict] = []
    stop = threading.Event()
    start = time.monotonic()

    messages: dict[str, int] = {}
    failed: list[tuple] = []            # (answered at, kind, status, seconds) of each error

    def send(kind: str, path: str, source: str):
        status, seconds, why = request(port, path, ACCEPT[kind], source)
        with lock:
            results.append((time.monotonic() - start, kind, status, seconds))
            if status != 200:       # what the answer said, its figures left out
                said = f"{kind} {status}: " + "".join("N" if c.isdigit() else c for c in why)[:120]
                messages[said] = messages.get(said, 0) + 1
                failed.append((round(time.monotonic() - start, 1), kind, status, round(seconds, 2)))

    def sample():
        while not stop.is_set():
            memory.append((time.monotonic() - start, tree_memory_kb(server.pid)[0] * 1024))
            stop.wait(5)

    def reload_now():
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "crm_kg.cli", "reload", "--ttl-dir", args.ttl_dir],
                              cwd=ROOT, capture_output=True, text=True, timeout=180)
        reloads.append({"at": round(began - start, 1), "ok": done.returncode == 0,
                        "seconds": round(time.monotonic() - began, 2),
                        "output": (done.stdout + done.stderr).strip()})

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    sources = [f"127.0.2.{n}" for n in range(1, 61)]
    interval = 1.0 / args.rate
    next_reload = args.reload_every if args.reload_every > 0 else float("inf")
    with ThreadPoolExecutor(max_workers=64) as pool:
        n = 0
        while (now := time.monotonic() - start) < args.seconds:
            if now >= next_reload:
                pool.submit(reload_now)
                next_reload += args.reload_every
            kind, path, _ = rng.choice(weighted)
            pool.submit(send, kind, path, sources[n % len(sources)])
            n += 1
            time.sleep(max(0.0, start + n * interval - time.monotonic()))
    stop.set()
    sampler.join(10)

    errors: dict[str, int] = {}
    for _, kind, status, _ in results:
        if status != 200:
            errors[f"{kind} {status}"] = errors.get(f"{kind} {status}", 0) + 1
    steady = [r for r in results if r[0] >= min(60.0, args.seconds / 2)]   # after the warm-up
    latency = {"all": [r[3] for r in steady]}
    for _, kind, _, seconds in steady:
        latency.setdefault(kind, []).append(seconds)
    stats = {kind: {"n": len(v), "p50_ms": round(percentile(v, 50) * 1000, 1),
                    "p95_ms": round(percentile(v, 95) * 1000, 1), "p99_ms": round(percentile(v, 99) * 1000, 1),
                    "max_ms": round(max(v) * 1000, 1)} for kind, v in latency.items()}
    warm = [rss for t, rss in memory if 60 <= t < 120] or [rss for _, rss in memory[: max(1, len(memory) // 4)]]
    last = [rss for t, rss in memory if t >= args.seconds - 60] or [memory[-1][1]]
    growth = statistics.median(last) / statistics.median(warm) - 1
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "server": args.server,
        "seconds": args.seconds, "rate": args.rate, "requests": len(results), "errors": errors, "error_messages": messages,
        "error_times": failed,
        "latency_after_warmup": stats, "reloads": reloads, "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "memory_mb": {"first_minute_after_warmup": round(statistics.median(warm) / 2**20, 1),
                      "last_minute": round(statistics.median(last) / 2**20, 1),
                      "max": round(max(r for _, r in memory) / 2**20, 1), "growth": round(growth, 4),
                      "samples": [(round(t), round(r / 2**20, 1)) for t, r in memory]},
    }
    name = out / f"soak-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    name.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{args.server}: {len(results)} requests in {args.seconds:g} s at {args.rate:g}/s, "
          f"{sum(errors.values())} errors {errors or ''}")
    for said, count in sorted(messages.items(), key=lambda m: -m[1]):
        print(f"  {count:5d} × {said}")
    print(f"  latency after the first minute (machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs):")
    for kind, s in stats.items():
        print(f"  {kind:8s} n={s['n']:5d}  p50 {s['p50_ms']:7.1f} ms  p95 {s['p95_ms']:7.1f} ms  "
              f"p99 {s['p99_ms']:7.1f} ms  max {s['max_ms']:7.1f} ms")
    mem = report["memory_mb"]
    print(f"  memory (server and query workers): {mem['first_minute_after_warmup']} MB after warm-up, "
          f"{mem['last_minute']} MB in the last minute ({growth:+.1%}), max {mem['max']} MB")
    print(f"  reloads under load: {sum(r['ok'] for r in reloads)}/{len(reloads)} ok"
          + (f", {statistics.median(r['seconds'] for r in reloads):.1f} s each" if reloads else ""))
    print(f"  figures: {name.relative_to(ROOT)}")
    failed = bool(errors) or growth > args.max_growth or not all(r["ok"] for r in reloads)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
