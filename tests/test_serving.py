"""The app as it is served — ``gunicorn app:app`` and ``crm-kg serve`` — queries through the
worker pool: a query past the deadline is a 503 while other clients are answered."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import servers

EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
OPPORTUNITIES = ("SELECT ?o WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
                 "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")


def get(base: str, path: str, query: str | None = None, timeout: float = 30):
    url = base + path + ("?" + urllib.parse.urlencode({"query": query}) if query else "")
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "crm-kg serve"])
def test_served_app_has_a_deadline_and_stays_responsive(built, server):
    build_settings, _ = built
    command = servers.GUNICORN if server == "gunicorn" else servers.CRM_KG_SERVE
    proc, base = servers.start(command, build_settings.ttl_dir, env={"CRM_KG_QUERY_TIMEOUT": "1.5"})
    try:
        slow = {}
        thread = threading.Thread(target=lambda: slow.update(answer=get(base, "/sparql", EXPENSIVE)))
        thread.start()
        time.sleep(0.2)
        status, _, body = get(base, "/sparql", OPPORTUNITIES)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
        assert thread.is_alive(), "the cheap query waited for the expensive one"
        thread.join(30)
        status, headers, body = slow["answer"]
        assert status == 503 and headers["Retry-After"] == "2" and "stopped after 1.5 s" in body
    finally:
        servers.stop(proc)
