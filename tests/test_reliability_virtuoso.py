"""Remote store faults on a real Virtuoso: a query past its time limit, the store stopped,
the store back — 504/502 with a message, no error kept, whole answers again by itself.

(The fake store of test_reliability_remote.py covers every failure mode in detail; this
shows the same handling holds against the store the service is deployed on.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from benchmarks import virtuoso
from crm_kg.store.load import Updater, finish, load_update
from crm_kg.store.remote import RemoteStore
from crm_kg.store.upstream import Breaker
from crm_kg.web import create_app

pytestmark = [pytest.mark.virtuoso, pytest.mark.skipif(
    virtuoso.available() is None, reason="Virtuoso is not installed (scripts/setup-system.sh)")]

BASE = "https://w3id.org/crm-kg/"
SAVED = "/api/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities"
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON_TYPE = "application/sparql-results+json"


def _numbers(response) -> list[int]:
    return [int(b["number"]["value"]) for b in json.loads(response.data)["results"]["bindings"]]


def _after_breaker(remote, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while remote.breaker.open:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_virtuoso_slow_stopped_and_back(built, tmp_path):
    build_settings, _ = built
    with virtuoso.VirtuosoServer(tmp_path / "virtuoso", max_seconds=2,
                                 load_dirs=(Path(build_settings.ttl_dir).resolve(),)) as vt:
        vt.allow_updates()
        update = Updater(vt.endpoint)
        finish(load_update(build_settings.ttl_dir, update, base_iri=BASE), build_settings.ttl_dir,
               vt.endpoint, update, base_iri=BASE)
        remote = RemoteStore.open(vt.endpoint, base_iri=BASE, ttl_dir=build_settings.ttl_dir, timeout=8)
        remote.breaker = Breaker(threshold=2, cooldown=0.5)
        # no answer cache: every request must reach the store (a cached answer would hide the fault)
        app = create_app({"TESTING": True, "STORE": remote,
                          "SETTINGS": build_settings.with_(store="remote", answer_cache_entries=0)})
        client = app.test_client()
        assert _numbers(client.get(SAVED, headers={"Accept": JSON_TYPE})) == [1, 3, 5, 9, 10]

        # past Virtuoso's MaxQueryExecutionTime (2 s): its "anytime" partial count is not served
        slow = client.get("/sparql", query_string={"query": EXPENSIVE}, headers={"Accept": JSON_TYPE})
        text = slow.get_data(as_text=True)
        assert slow.status_code == 504, text
        assert "time limit" in text or "partial" in text or "within" in text
        assert slow.headers["Retry-After"] and slow.headers["Cache-Control"] == "no-store"
        assert '"n"' not in text
        _after_breaker(remote)
        assert _numbers(client.get(SAVED, headers={"Accept": JSON_TYPE})) == [1, 3, 5, 9, 10]

        vt.stop()                                          # the store goes away…
        down = client.get(SAVED, headers={"Accept": JSON_TYPE})
        assert down.status_code == 502 and "cannot reach" in down.get_data(as_text=True)
        assert down.headers["Retry-After"] and down.headers["Cache-Control"] == "no-store"
        assert client.get("/readyz").status_code == 503

        vt.start()                                         # …and comes back on the same port
        _after_breaker(remote)
        assert _numbers(client.get(SAVED, headers={"Accept": JSON_TYPE})) == [1, 3, 5, 9, 10]
        assert client.get("/readyz").status_code == 200


def test_only_the_execution_time_limits_a_query_by_default(tmp_path):
    """MaxQueryCostEstimationTime is off (0) unless asked for: Virtuoso's estimates refused
    saved queries at 1M triples that run in 1-2 s. MaxQueryExecutionTime stays."""
    def sparql_section(server) -> dict[str, str]:
        section = server._ini().split("[SPARQL]", 1)[1]
        pairs = (line.split("=", 1) for line in section.splitlines() if "=" in line)
        return {key.strip(): value.strip() for key, value in pairs}

    default = sparql_section(virtuoso.VirtuosoServer(tmp_path, max_seconds=7))
    assert default["MaxQueryCostEstimationTime"] == "0" and default["MaxQueryExecutionTime"] == "7"
    asked = sparql_section(virtuoso.VirtuosoServer(tmp_path, max_seconds=7, max_estimate=30))
    assert asked["MaxQueryCostEstimationTime"] == "30" and asked["MaxQueryExecutionTime"] == "7"
