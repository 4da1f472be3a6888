"""Hot reload: SIGHUP or `crm-kg reload` swaps the graph of a running server while clients
query it; every answer is wholly from one build; a broken new graph keeps the old one."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter

import pytest
import synthetic
from conftest import ROOT
from servers import CRM_KG_SERVE, GUNICORN, http, readyz, start, stop, wait_for

from crm_kg.pipeline.publish import publish
from crm_kg.store.embedded import DirectoryLoader
from crm_kg.store.pool import WorkerPool
from crm_kg.store.serving import LiveStore, servers

START = {"CRM_KG_RATE_LIMIT": "0", "CRM_KG_RESERVED_WORKERS": "0",   # about reloads, not limits
         "CRM_KG_CLIENT_QUERIES": "0", "CRM_KG_CLIENT_QUERY_SECONDS": "0"}


def version_of(label: str) -> str:
    manifest = json.loads(synthetic.files(label)["manifest.json"])
    return manifest["files"]["crm-kg.nq"]["sha256"][:16]


def ask_items(base: str):
    status, body = http(base, "/sparql?" + urllib.parse.urlencode({"query": synthetic.ITEMS}))
    if status != 200:
        return status, body[:200]
    return status, synthetic.which(json.loads(body)["results"]["bindings"])


def reload_cli(target) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_kg.cli", "reload", "--ttl-dir", str(target),
                           "--timeout", "60"], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_graph_swapped_six_times_under_24_clients_every_answer_whole(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    proc, base = start(CRM_KG_SERVE, target, {**START, "CRM_KG_QUERY_WORKERS": "4"})
    answers: list[tuple[int, str]] = []
    stop_clients = threading.Event()

    def client():
        while not stop_clients.is_set():
            answers.append(ask_items(base))

    clients = [threading.Thread(target=client) for _ in range(24)]
    try:
        try:
            for thread in clients:
                thread.start()
            wait_for(lambda: len(answers) > 50, what="the clients")
            for n, label in enumerate(["B", "C", "A", "B", "C", "A"]):
                publish(synthetic.files(label), target)           # a build swaps data/ttl…
                if n % 2:                                         # …and the server is told
                    done = reload_cli(target)
                    assert done.returncode == 0, done.stderr
                    assert f"now serving version {version_of(label)}" in done.stdout
                else:
                    proc.send_signal(signal.SIGHUP)
                wait_for(lambda: readyz(base)["version"] == version_of(label), what=f"reload to {label}")
                seen = len(answers)
                wait_for(lambda: len(answers) > seen + 24, what="answers after the reload")
        finally:
            stop_clients.set()
            for thread in clients:
                thread.join(60)
        outcome = Counter(answers)
        assert set(outcome) <= {(200, "A"), (200, "B"), (200, "C")}, outcome.most_common(5)
        assert {label for _, label in outcome} == {"A", "B", "C"} and len(answers) > 300
        state = readyz(base)
        assert state["generation"] == 7 and state["last_reload"]["ok"] is True
        assert state["version"] == version_of("A") and state["reloads"] == 6

        # a broken graph: `crm-kg reload` refuses it before signalling anyone…
        data = bytearray((target / "crm-kg.nq").read_bytes())
        data[-10] ^= 1
        (target / "crm-kg.nq").write_bytes(bytes(data))
        refused = reload_cli(target)
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1
        assert refused.stderr.startswith("crm-kg: error: ") and "crm-kg.nq sha256" in refused.stderr
        assert readyz(base)["reloads"] == 6
        # …and a server signalled anyway keeps its graph and says why
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: readyz(base)["reloads"] == 7, what="the failed reload")
        state = readyz(base)
        assert state["last_reload"]["ok"] is False and "crm-kg.nq sha256" in state["last_reload"]["error"]
        assert state["version"] == version_of("A") and state["generation"] == 7
        assert ask_items(base) == (200, "A")
    finally:
        stop(proc)
    assert servers(target) == []                  # its state file is gone with it


@pytest.mark.slow
def test_crm_kg_reload_reaches_gunicorn_workers(tmp_path):
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    proc, base = start(GUNICORN, target, {**START, "CRM_KG_QUERY_WORKERS": "2"})
    try:
        assert ask_items(base) == (200, "A")
        publish(synthetic.files("B"), target)
        done = reload_cli(target)
        assert done.returncode == 0, done.stderr
        assert f"now serving version {version_of('B')} (was {version_of('A')})" in done.stdout
        assert ask_items(base) == (200, "B") and readyz(base)["generation"] == 2
    finally:
        stop(proc)


def test_one_request_answers_from_one_graph_and_the_old_pool_closes_after_it(tmp_path):
    """A request pins its graph: a reload between two of its queries does not mix builds, and
    the old pool is closed only when the request ends."""
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)

    def opener():
        return WorkerPool(DirectoryLoader(target), workers=1, timeout=30)

    live = LiveStore(opener(), opener)
    try:
        first = live.current
        with live.pinned():
            before = live.query(synthetic.ITEMS).to_json()["results"]["bindings"]
            publish(synthetic.files("B"), target)
            outcome = live.reload()
            assert outcome["ok"] and outcome["version"] == version_of("B")
            after = live.query(synthetic.ITEMS).to_json()["results"]["bindings"]
            assert synthetic.which(before) == synthetic.which(after) == "A"
            assert first.ready() == (True, "")                  # still open for this request
        assert first.ready()[0] is False or _closed_soon(first)
        assert synthetic.which(live.query(synthetic.ITEMS).to_json()["results"]["bindings"]) == "B"
        assert live.status()["generation"] == 2
    finally:
        live.close()


def _closed_soon(pool) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if pool.ready()[0] is False:
            return True
        time.sleep(0.02)
    return False
