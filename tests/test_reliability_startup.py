"""Startup: a missing, partial or corrupt graph is refused with one line saying why; a pool
serves the graph it checked, whatever is built later; /healthz and /readyz report state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import synthetic
from conftest import ROOT

from crm_kg.errors import GraphError, StoreError
from crm_kg.pipeline.publish import publish
from crm_kg.store.embedded import DirectoryLoader, EmbeddedStore
from crm_kg.store.pool import WorkerPool
from crm_kg.web import create_app


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(directory, change):
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _recount(manifest):
    manifest["graphs"]["nhfl-2025"]["triples"] += 1
    manifest["triples"] += 1


CORRUPTIONS = {
    # name: (how the directory is damaged, what the one line must say)
    "file missing": (lambda d: (d / "nhfl-2025.ttl").unlink(), "nhfl-2025.ttl is missing"),
    "sha256 differs": (lambda d: _flip_byte(d / "crm-kg.nq"), "crm-kg.nq sha256"),
    "truncated": (lambda d: os.truncate(d / "crm-kg.trig", 100), "crm-kg.trig has 100 bytes"),
    "manifest missing": (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
    "manifest corrupt": (lambda d: (d / "manifest.json").write_text('{"files": '), "manifest.json is corrupt"),
    "triple count differs": (lambda d: _edit_manifest(d, _recount), "loads as 300 triples, manifest.json says 301"),
    "empty directory": (lambda d: [p.unlink() for p in d.iterdir()], "no built graph"),
}


@pytest.fixture()
def graph_dir(tmp_path):
    directory = tmp_path / "ttl"
    publish(synthetic.files("A"), directory)
    return directory


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_a_damaged_graph_is_refused_by_store_and_pool(graph_dir, damage):
    change, says = CORRUPTIONS[damage]
    change(graph_dir)
    with pytest.raises(GraphError) as embedded:
        EmbeddedStore.from_directory(graph_dir)
    assert says in str(embedded.value) and "\n" not in str(embedded.value)
    with pytest.raises(StoreError) as pooled:
        WorkerPool(DirectoryLoader(graph_dir), workers=1)
    assert says in str(pooled.value)


@pytest.mark.parametrize("damage", ["sha256 differs", "triple count differs", "manifest missing"])
def test_crm_kg_serve_refuses_and_says_why_in_one_line(graph_dir, damage):
    change, says = CORRUPTIONS[damage]
    change(graph_dir)
    proc = subprocess.run([sys.executable, "-m", "crm_kg.cli", "serve", "--ttl-dir", str(graph_dir),
                           "--port", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"crm-kg: error: refusing to serve: {graph_dir}: ") and says in lines[0]


def test_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(GraphError, match="no built graph here"):
        EmbeddedStore.from_directory(tmp_path / "nowhere")


def test_a_pool_keeps_serving_the_graph_it_checked(graph_dir):
    """A worker started after a new build was swapped in (a replacement) still loads the graph
    the pool checked: one pool, one graph; only a reload serves the new one."""
    with WorkerPool(DirectoryLoader(graph_dir), workers=1, timeout=30) as pool:
        assert synthetic.which(pool.query(synthetic.ITEMS).to_json()["results"]["bindings"]) == "A"
        publish(synthetic.files("B"), graph_dir)
        (old,) = pool.pids()
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while pool.pids() in ([], [old]):
            pool.ready()                                  # notices the dead worker, replaces it
            assert time.monotonic() < deadline, "no replacement worker"
            time.sleep(0.05)
        answer = pool.query(synthetic.ITEMS).to_json()["results"]["bindings"]
        assert synthetic.which(answer) == "A" and pool.version == synthetic_version(graph_dir, "A")


def synthetic_version(_directory, label):
    from crm_kg.pipeline.serialize import MANIFEST

    manifest = json.loads(synthetic.files(label)[MANIFEST])
    return manifest["files"]["crm-kg.nq"]["sha256"][:16]


class SlowLoader:
    """A loader that takes ``seconds`` before loading: replacements that are not up at once.
    (Pickled by reference to the workers, which import this module.)"""

    def __init__(self, loader, seconds: float):
        self.loader, self.seconds = loader, seconds

    def __call__(self):
        time.sleep(self.seconds)
        return self.loader()

    def close(self) -> None:
        self.loader.close()


def test_healthz_and_readyz(graph_dir, settings):
    pool = WorkerPool(DirectoryLoader(graph_dir), workers=2, reserved=1, timeout=30)
    app = create_app({"TESTING": True, "STORE": pool, "SETTINGS": settings.with_(ttl_dir=graph_dir)})
    client = app.test_client()
    try:
        alive = client.get("/healthz")
        assert alive.status_code == 200 and alive.json == {"status": "alive"}
        ready = client.get("/readyz")
        body = ready.json
        assert ready.status_code == 200 and body["status"] == "ready"
        assert body["version"] == synthetic_version(graph_dir, "A") and body["triples"] == 300
        assert body["graphs"] == {"https://w3id.org/crm-kg/graph/nhfl-2025": 300}
        assert body["generation"] == 1 and body["pool"]["alive"] == 2 and body["pool"]["reserved"] == 1
        assert ready.headers["Cache-Control"] == "no-store"
        pool.loader = SlowLoader(pool.loader, 2.0)     # replacements take two seconds
        for pid in pool.pids():                       # every worker killed from outside
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        down = client.get("/readyz")
        assert down.status_code == 503 and down.headers["Retry-After"] == "1"
        assert down.json["status"] == "not ready" and "no query worker is up" in down.json["reason"]
        assert client.get("/healthz").status_code == 200          # alive all the same
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code != 200:           # replaced: ready again
            assert time.monotonic() < deadline, "the pool did not recover"
            time.sleep(0.1)
        assert client.get("/sparql", query_string={"query": synthetic.ITEMS},
                          headers={"Accept": "application/sparql-results+json"}).status_code == 200
    finally:
        pool.close()
