"""The benchmark harness (benchmarks/) at a tiny size, so it cannot rot. No timing is asserted:
speed is measured by ``make bench``, never in tests."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as bench  # noqa: E402
from benchmarks import http, latency, load, startup, synthetic  # noqa: E402
from benchmarks.common import parse_size, percentile, size_label  # noqa: E402

# the committed build plus one synthetic report (about 11,000 triples)
SIZE = json.loads((ROOT / "data" / "ttl" / "manifest.json").read_text())["triples"] + 1


@pytest.fixture(scope="module")
def synthetic_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("syn") / "g"
    return out, synthetic.generate(out, SIZE, seed=7)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_synthetic_graphs_are_deterministic_and_counted(synthetic_build, tmp_path):
    out, manifest = synthetic_build
    quads = [line for line in (out / "crm-kg.nq").read_text().splitlines() if not line.startswith("#")]
    assert manifest["triples"] == len(quads) >= SIZE + 5000 and manifest["reports"] == 1
    assert sum(g["triples"] for g in manifest["graphs"].values()) == len(quads)
    assert "syn-0000" in manifest["graphs"] and "syn-0001" not in manifest["graphs"]
    again = synthetic.generate(tmp_path / "again", SIZE, seed=7)
    assert _digest(tmp_path / "again" / "crm-kg.nq") == _digest(out / "crm-kg.nq")
    assert again["files"] == manifest["files"]
    other = synthetic.generate(tmp_path / "other", SIZE, seed=8)
    assert other["files"] != manifest["files"]


def test_latency_of_every_saved_query_on_the_embedded_engine(synthetic_build):
    out, _ = synthetic_build
    runs = latency.measure(out, ["embedded"], repeat=1, progress=lambda _: None)
    run = runs["embedded"]
    names = {name for name, *_ in latency.saved_queries()}
    assert run.error is None and run.load_seconds > 0
    assert set(run.timings) == names
    for name, timing in run.timings.items():
        assert timing.failure is None, name
        assert len(timing.runs) == 1 and timing.rows is not None and timing.p95 > 0
    text = latency.report(runs, "t")
    assert all(name in text for name in names)
    # the targets read the figures back: PASS/MISS from the embedded p95s
    slow = sorted(names)[0]
    results = {"sizes": {"20k": {"triples": 20_000, "latency": {
        "embedded": {"timings": {n: {"runs": [1.2 if n == slow else 0.01]} for n in names}}}}}}
    (name, ok, detail), = bench.targets(results).results
    assert ok is False and slow in detail and "at 20k" in name
    results["sizes"]["20k"]["latency"]["embedded"]["timings"][slow] = {"runs": [0.9]}
    (name, ok, detail), = bench.targets(results).results
    assert ok is True and "p95 under 1 s" in name


def test_startup_side_by_side_and_rudof_at_a_tiny_size(synthetic_build):
    """Both start-up designs start a pool and answer every saved query; rudof validates."""
    out, manifest = synthetic_build
    runs = startup.measure_all(out, workers=1)
    assert [r.design for r in runs] == ["memory", "disk"]
    names = {name for name, *_ in latency.saved_queries()}
    for run in runs:
        assert run.error is None and run.ready_seconds > 0 and run.ready_pss_kb > 0
        assert set(run.query_seconds) == names and None not in run.query_seconds.values(), run.design
    assert runs[1].prepare_seconds > 0 and runs[1].disk_bytes > 0 and runs[0].prepare_seconds is None
    text = startup.report(runs, "t")
    assert "| memory " in text and "| disk " in text
    seconds, detail = load.rudof_time(out, timeout=300)
    assert seconds is not None and detail.startswith("rudof: read") and "conforms" in detail
    seconds, detail = load.sparql_time(out, timeout=300)
    assert seconds is not None and detail.startswith("sparql engine: read") and "gate" in detail, detail


def test_load_generator_counts_answers_and_errors():
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b"ok"
            self.send_response(500 if self.path == "/fail" else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        good = http.generate_load(port, "/ok", clients=2, processes=1, seconds=0.3)
        bad = http.generate_load(port, "/fail", clients=1, processes=1, seconds=0.2)
    finally:
        server.shutdown()
        server.server_close()
    assert good.requests > 0 and good.errors == 0 and good.per_second > 0
    assert bad.requests > 0 and bad.errors == bad.requests


def test_helpers():
    assert [parse_size(s) for s in ("100k", "1M", "10M", "5000")] == [100_000, 1_000_000, 10_000_000, 5000]
    assert [size_label(n) for n in (100_000, 1_000_000, 5_500)] == ["100k", "1M", "5500"]
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([3.0], 99) == 3


def test_http_targets_read_the_configured_pools_run():
    """The HTTP benchmark runs once per pool size; memory and throughput are judged on the
    run of the configured pool (here 2 workers), whatever the other runs measured."""
    def run(workers, pss_mib, per_second):
        load = {"per_second": per_second, "p99": 0.004, "requests": 1000, "errors": 0}
        return {"workers": workers, "started": 3.0, "cached": load, "uncached": load,
                "peak_rss_kb": pss_mib * 1500, "peak_pss_kb": pss_mib * 1024, "query_failures": {}}
    h = {"query": "q", "default_workers": 2,
         "runs": [{"workers": 1, "error": "RuntimeError: boom"}, run(3, 1100, 2500), run(2, 760, 2400)]}
    results = {"sizes": {"1M": {"triples": 10**6, "latency": {}, "http": h}}}
    checked = dict((name, (ok, detail)) for name, ok, detail in bench.targets(results).results)
    memory = checked["memory of the whole process tree under 8 GB (at 1M, 2 query workers)"]
    assert memory == (True, "peak PSS 760 MiB (RSS 1113 MiB)")
    assert checked["server ready in under 60 s (at 1M, 2 query workers)"][0] is True
    assert checked["uncached saved query ≥ 500 req/s (at 1M)"] == (True, "2400 req/s, p99 4.0 ms, 0 errors")
    # without a run of the configured size, the first good run is judged, and says so
    h["default_workers"] = 4
    h["runs"][1]["uncached"] = {**h["runs"][1]["uncached"], "per_second": 120}
    uncached = [(name, ok) for name, ok, _ in bench.targets(results).results if "uncached" in name]
    assert uncached == [("uncached saved query ≥ 500 req/s (at 1M)", False)]
    assert bench.default_http_run({"runs": [{"workers": 2, "error": "x"}]}) is None
    text = bench.load_table("1M", results["sizes"]["1M"])
    assert "server peak memory (MiB), 2 query workers" in text and "1 query workers" not in text


def test_validation_target_is_judged_on_the_gates_engine_at_1m(settings):
    """At 1M the gate uses the sparql engine (shacl_fast_above): its time decides the target,
    not rudof's beside it."""
    from crm_kg.quality.validate import shacl_engine

    assert shacl_engine(settings, 10**6) == "sparql" == bench.gate_engine(10**6)
    results = {"sizes": {"1M": {"triples": 10**6, "latency": {},
                                "sparql": {"seconds": 21.5, "detail": "sparql engine: read 4 s"},
                                "rudof": {"seconds": 341.0, "detail": "rudof: read 46 s"}}}}
    checked = {name: (ok, detail) for name, ok, detail in bench.targets(results).results}
    assert checked == {"validation of 1M under 60 s (sparql, the gate's engine at 1M)":
                       (True, bench._seconds(21.5, "sparql engine: read 4 s"))}
    results["sizes"]["1M"]["sparql"]["seconds"] = None
    (_name, ok, _detail), = bench.targets(results).results
    assert ok is False
    assert "SHACL, sparql engine" in bench.load_table("1M", results["sizes"]["1M"])


def test_pool_sizes_of_the_http_benchmark():
    assert http.pool_sizes("2,3") == [2, 3] and http.pool_sizes(" 4 ") == [4]
    assert http.pool_sizes("") == [None]
    with pytest.raises(ValueError, match="at least 1"):
        http.pool_sizes("0,2")


def test_an_rdflib_failure_is_a_figure_not_a_traceback(synthetic_build):
    """rdflib's engine failing on a query (here: bad syntax) is reported in the table as an
    error with its message; the next query still runs."""
    out, _ = synthetic_build
    queries = [("broken", "SELECT * WHERE { ?s ?p }", {}, None),
               ("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}, None)]
    run = latency.run_rdflib(out, queries, repeat=1, timeout=60)
    broken, count = run.timings["broken"], run.timings["count"]
    assert broken.failure.startswith("rdflib error: ") and broken.p95 is None
    assert count.failure is None and count.rows == 1 and len(count.runs) == 1


def test_http_report_names_the_saved_queries_that_failed():
    load = http.Load(requests=100, errors=0, seconds=1.0, latencies=[0.01] * 100)
    runs = [http.HttpRun(2, 3.5, load, load, 900 * 1024, 800 * 1024,
                         {"where-is-material-mentioned": 503, "supply-concentration": 503}),
            http.HttpRun(3, 4.0, load, load, 1200 * 1024, 1100 * 1024, {})]
    rows = [line for line in http.report(runs, "q", "t").splitlines() if line.startswith("| 2 ") or
            line.startswith("| 3 ")]
    assert "2: supply-concentration (503), where-is-material-mentioned (503)" in rows[0]
    assert "800 (900)" in rows[0] and rows[1].rstrip(" |").endswith("0")


def test_uncached_runs_report_each_run_and_the_median_of_each_checkout():
    """--uncached-runs: one row per run with its load average and CPU per request by part of
    the tree, then the median of each checkout (here 'this' and a checkout to compare)."""
    def run(code, per_second, web_s, loadavg):
        load = http.Load(requests=int(per_second * 10), errors=0, seconds=10.0, latencies=[0.02] * 10)
        return http.UncachedRun(code, load, {"web": web_s, "workers": web_s / 2, "clients": 0.5}, loadavg)
    runs = [run("this", 600, 6.0, 2.0), run("main", 400, 6.0, 3.0), run("main", 500, 5.0, 4.0),
            run("this", 700, 7.0, 5.0), run("this", 650, 6.5, 1.0)]
    text = http.uncached_report(runs, "q", "t")
    rows = {line.split("|")[1].strip() + " " + line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
            for line in text.splitlines() if line.startswith("| ") and "run" not in line}
    assert rows["1 this"] == ["600", "20.0", "1.00", "0.50", "0.08", "2.00"]   # 6 s of web CPU / 6000 requests
    assert rows["median this"][0] == "650" and rows["median this"][-1] == "2.00"
    assert rows["median main"][0] == "450" and rows["median main"][-1] == "3.50"
    assert "0 errors" in text


def test_cpu_of_a_process_tree_by_part():
    """The CPU a tree spent between two samples, by part: a process that started in between
    counts from zero, one that ended is left out; this process counts as web."""
    before = {"web": {1: 1.0, 2: 5.0}, "workers": {3: 2.0}}
    after = {"web": {1: 1.5}, "workers": {3: 2.25, 4: 0.5}}
    assert http.cpu_spent(before, after) == {"web": 0.5, "workers": 0.75}
    sampled = http.tree_cpu(os.getpid())
    assert os.getpid() in sampled["web"] and sampled["web"][os.getpid()] > 0
