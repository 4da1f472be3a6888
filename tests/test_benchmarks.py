"""The benchmark harness (benchmarks/) at a tiny size, so it cannot rot. No timing is asserted:
speed is measured by ``make bench``, never in tests."""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as bench  # noqa: E402
from benchmarks import http, latency, synthetic  # noqa: E402
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
    names = {name for name, _t, _b in latency.saved_queries()}
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
        "embedded": {"timings": {n: {"runs": [0.6 if n == slow else 0.01]} for n in names}}}}}}
    (name, ok, detail), = bench.targets(results).results
    assert ok is False and slow in detail and "at 20k" in name


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
