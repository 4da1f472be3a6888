"""The on-disk store (crm_kg.store.disk): built once per graph version from the checked
snapshot, opened read-only by every query worker, same answers and snapshot guarantees as the
in-memory store."""

from __future__ import annotations

import json
import os
import time

import pytest
import synthetic

from crm_kg.config import load_settings
from crm_kg.errors import GraphError
from crm_kg.pipeline.publish import publish
from crm_kg.store.disk import STAMP, DiskLoader, prepare, store_root
from crm_kg.store.embedded import DirectoryLoader
from crm_kg.store.factory import open_store, query_store_kind
from crm_kg.store.pool import WorkerPool
from crm_kg.store.serving import LiveStore
from crm_kg.store.snapshot import open_snapshot


def _items(store) -> str:
    return synthetic.which(store.query(synthetic.ITEMS).to_json()["results"]["bindings"])


def test_built_once_per_version_and_every_worker_answers_from_it(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    with WorkerPool(DiskLoader(target), workers=2, timeout=30) as pool:
        assert _items(pool) == "A"
        info = pool.info()
        assert info["store"].startswith("embedded (pyoxigraph, on disk")
        assert info["triples"] == json.loads((target / "manifest.json").read_text())["triples"]
    stores = [p for p in store_root(target).iterdir() if not p.name.startswith(".")]
    assert len(stores) == 1
    stamp = json.loads((stores[0] / STAMP).read_text())
    built = (stores[0] / STAMP).stat().st_mtime_ns
    snapshot = open_snapshot(target)
    try:
        assert prepare(snapshot) == stores[0]             # found, not built again
    finally:
        snapshot.close()
    assert (stores[0] / STAMP).stat().st_mtime_ns == built
    assert stamp["sha256"] == stores[0].name and sum(stamp["graph_sizes"].values()) == stamp["triples"]


def test_same_answers_as_the_in_memory_store(built):
    settings, _ = built
    query = ("SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/crm-kg/ontology#Recommendation> ; ?p ?o } "
             "ORDER BY ?s ?p ?o")
    memory, disk = DirectoryLoader(settings.ttl_dir), DiskLoader(settings.ttl_dir)
    try:
        disk.check()
        a, b = memory(), disk()
        rows = a.query(query).rows
        assert rows and rows == b.query(query).rows
        assert len(a) == len(b) and a.info()["graph_sizes"] == b.info()["graph_sizes"]
    finally:
        memory.close()
        disk.close()


def test_a_store_whose_counts_differ_from_the_manifest_is_refused_and_not_kept(tmp_path):
    target = tmp_path / "ttl"
    files = synthetic.files("A")
    manifest = json.loads(files["manifest.json"])
    manifest["triples"] += 1                    # the N-Quads hold one triple fewer than it says
    files["manifest.json"] = json.dumps(manifest).encode()
    target.mkdir()                              # written by hand: a build would refuse it
    for name, data in files.items():
        (target / name).write_bytes(data)
    with pytest.raises(GraphError, match="loads as 300 triples, manifest.json says 301"):
        WorkerPool(DiskLoader(target), workers=1, timeout=30)
    assert [p.name for p in store_root(target).iterdir() if p.name != ".lock"] == []


def test_a_directory_without_a_matching_stamp_is_rebuilt_not_served(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    loader = DiskLoader(target)
    loader.check()
    path = loader.path
    loader.close()
    (path / STAMP).unlink()                         # cut short before its stamp was written
    with WorkerPool(DiskLoader(target), workers=1, timeout=30) as pool:
        assert _items(pool) == "A"
    assert json.loads((path / STAMP).read_text())["triples"] == 300


def test_reload_swaps_in_the_new_version_and_a_request_keeps_its_graph(tmp_path):
    """A pool pins its version's store: a new build gets a directory of its own, served only
    after a reload; a request that started before the reload answers wholly from the old one."""
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)

    def opener():
        return WorkerPool(DiskLoader(target), workers=1, timeout=30)

    live = LiveStore(opener(), opener)
    try:
        with live.pinned():
            publish(synthetic.files("B"), target)
            assert live.reload()["ok"]
            assert _items(live) == "A"
        assert _items(live) == "B"
        names = {p.name for p in store_root(target).iterdir() if not p.name.startswith(".")}
        assert len(names) == 2
    finally:
        live.close()


def test_a_worker_replaced_after_a_new_build_serves_the_pinned_version(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    with WorkerPool(DiskLoader(target), workers=1, timeout=30) as pool:
        publish(synthetic.files("B"), target)
        os.kill(pool.pids()[0], 9)
        for _ in range(200):
            try:
                if pool.pids() and _items(pool) == "A":
                    break
            except Exception:  # noqa: BLE001 — restarting
                pass
            time.sleep(0.05)
        assert _items(pool) == "A"


def test_auto_serves_large_graphs_from_disk_and_small_ones_from_memory(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    assert query_store_kind(load_settings(ttl_dir=target)) == "memory"
    assert query_store_kind(load_settings(ttl_dir=target, query_memory_max_triples=100)) == "disk"
    assert query_store_kind(load_settings(ttl_dir=target, query_store="memory",
                                          query_memory_max_triples=100)) == "memory"
    store = open_store(load_settings(ttl_dir=target, query_workers=0, query_store="disk"))
    assert store.info()["store"].startswith("embedded (pyoxigraph, on disk") and _items(store) == "A"
    with pytest.raises(Exception, match="unknown query_store 'fast'"):
        open_store(load_settings(ttl_dir=target, query_store="fast"))
