"""Remote store faults: a SPARQL store that stops, hangs, fails with 5xx, cuts its answer short
or sends a partial one — the web app answers 502/504 with a message, never serves or keeps
the bad answer, and recovers by itself when the store is back (crm_kg.store.remote, crm_kg.store.upstream).

The store is a fake we control: a loopback HTTP server speaking the SPARQL 1.1 Protocol,
answered by the embedded store of the session's build.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm_kg.store.remote import RemoteStore
from crm_kg.store.upstream import Breaker
from crm_kg.web import create_app, state

SAVED = "/api/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities"
OPPORTUNITIES = ("SELECT ?o WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
                 "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")
JSON_TYPE = "application/sparql-results+json"


class FakeStore:
    """A SPARQL endpoint on 127.0.0.1 whose behaviour the test sets (``mode``), and can stop."""

    def __init__(self, store):
        self.store, self.mode, self.requests = store, "ok", 0
        self.release = threading.Event()
        self.port = None
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.answer(urllib.parse.urlparse(self.path).query)

            def do_POST(self):
                self.answer(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())

            def answer(self, form: str):
                fake.requests += 1
                query = urllib.parse.parse_qs(form).get("query", [""])[0]
                graph = query.lstrip().upper().startswith(("CONSTRUCT", "DESCRIBE"))
                mode = fake.mode
                if mode == "hang":
                    fake.release.wait(30)
                    return
                if mode in ("500", "503", "504", "anytime-500"):
                    body = (b"Virtuoso S1TAT Error Query did not complete due to ANYTIME timeout."
                            if mode == "anytime-500" else b"Virtuoso 08C01 Error CL: Cluster could not connect")
                    self.reply(500 if mode == "anytime-500" else int(mode), body, "text/plain")
                    return
                media = "text/turtle" if graph else JSON_TYPE
                body = fake.store.serialize(query, media).body
                if mode.startswith("partial"):   # Virtuoso anytime: fewer rows, marked only in headers
                    data = json.loads(body)
                    data["results"]["bindings"] = data["results"]["bindings"][:2]
                    status = 200 if mode == "partial-200" else 206    # HTTPAnytimeStatus = 200
                    self.reply(status, json.dumps(data).encode(), media,
                               {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"})
                elif mode == "cut":           # the connection drops halfway through the body
                    self.send_response(200)
                    self.send_header("Content-Type", media)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif mode == "garbage":
                    self.reply(200, body[: len(body) // 2], media)   # whole response, broken body
                else:
                    self.reply(200, body, media)

            def reply(self, status: int, body: bytes, media: str, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        """Stopped: nothing listens on the port any more (connections are refused)."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake(store):
    server = FakeStore(store)
    try:
        yield server
    finally:
        server.release.set()
        server.stop()


@pytest.fixture()
def remote_app(fake, built):
    build_settings, _ = built
    remote = RemoteStore(fake.url, timeout=1.0, breaker=Breaker(threshold=2, cooldown=0.5))
    # no answer cache: every request must reach the store (a cached answer would hide the fault)
    app = create_app({"TESTING": True, "SETTINGS": build_settings.with_(answer_cache_entries=0),
                      "STORE": remote})
    return app, remote


def _answers(client):
    """(sparql status, body, headers), (saved query status, body, headers)."""
    sparql = client.get("/sparql", query_string={"query": OPPORTUNITIES}, headers={"Accept": JSON_TYPE})
    saved = client.get(SAVED, headers={"Accept": JSON_TYPE})
    return sparql, saved


def _whole(sparql, saved) -> bool:
    opportunities = json.loads(sparql.data)["results"]["bindings"]
    numbers = [int(b["number"]["value"]) for b in json.loads(saved.data)["results"]["bindings"]]
    return len(opportunities) == 5 and numbers == [1, 3, 5, 9, 10]


def _wait_for_breaker(remote):
    deadline = time.monotonic() + 5
    while remote.breaker.open:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("mode, status, says", [
    ("stopped", 502, "cannot reach the SPARQL store at http://127.0.0.1:"),
    ("hang", 504, "did not answer within 1 s"),
    ("500", 502, "failed (HTTP 500: Virtuoso 08C01 Error CL: Cluster could not connect)"),
    ("503", 502, "answered HTTP 503"),
    ("504", 504, "timed out (HTTP 504)"),
    ("anytime-500", 504, "stopped the query at its time limit"),
    ("partial", 504, "sent a partial answer (HTTP 206, X-SQL-State S1TAT); it is not served"),
    ("partial-200", 504, "sent a partial answer (HTTP 200, X-SQL-State S1TAT); it is not served"),
    ("cut", 502, "broke off mid-answer"),
    ("garbage", 502, "sent an answer that does not parse"),
])
def test_a_failing_store_gives_502_or_504_and_the_app_recovers(remote_app, fake, mode, status, says):
    app, remote = remote_app
    client = app.test_client()
    assert _whole(*_answers(client))                  # the store works: whole answers
    if mode == "stopped":
        fake.stop()
    else:
        fake.mode = mode
    for response in _answers(client):
        assert response.status_code == status, response.get_data(as_text=True)
        text = response.get_data(as_text=True)
        assert says in text and "Traceback" not in text
        assert response.headers["Cache-Control"] == "no-store" and response.headers["Retry-After"]
        assert "results" not in text                  # nothing of a bad answer is served
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "not ready"
    # the store comes back: the next requests (after the breaker's pause) are answered whole
    fake.release.set()
    if mode == "stopped":
        fake.start()
    fake.mode = "ok"
    _wait_for_breaker(remote)
    assert _whole(*_answers(client))
    assert client.get("/readyz").status_code == 200


def test_while_the_breaker_is_open_the_store_is_not_asked(remote_app, fake):
    """Two timeouts in a row: for the pause, requests fail at once instead of waiting again."""
    app, remote = remote_app
    client = app.test_client()
    fake.mode = "hang"
    for _ in range(2):
        assert client.get(SAVED).status_code == 504
    asked = fake.requests
    start = time.monotonic()
    fast = client.get(SAVED)
    assert fast.status_code == 502 and "asked again in" in fast.get_data(as_text=True)
    assert time.monotonic() - start < 0.5 and fake.requests == asked
    fake.release.set()
    fake.mode = "ok"
    _wait_for_breaker(remote)
    assert client.get(SAVED).status_code == 200


def test_pages_built_from_the_store_do_not_keep_an_error(remote_app, fake):
    """The page index and the dataset description are computed from the store once per graph
    version: a failure on first use is not kept, the next request builds them whole."""
    app, remote = remote_app
    client = app.test_client()
    fake.mode = "500"
    page = client.get("/id/material/gallium", headers={"Accept": "text/html"})
    void = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert page.status_code == void.status_code == 502
    assert not state.of(app).has("ld") and not state.of(app).has("void")
    fake.mode = "ok"
    _wait_for_breaker(remote)
    page = client.get("/id/material/gallium", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Gallium" in page.get_data(as_text=True)
    void = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert void.status_code == 200 and "void:triples" in void.get_data(as_text=True)
