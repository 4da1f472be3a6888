"""A remote store that fails or is slow: a clean 502 or 504, never a partial answer, never a hang.

The "stores" here are small HTTP servers on loopback that misbehave on purpose
(no Virtuoso needed): silent, slow to finish, failing, answering nonsense, or
answering a cut-off result the way Virtuoso does (HTTP 200, ``X-SQL-State``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from crm_kg.errors import BadGateway, GatewayTimeout, PartialAnswer, StoreUnreachable
from crm_kg.store.remote import RemoteStore

GRAPHS = ["https://w3id.org/crm-kg/graph/nhfl-2025"]
ANSWER = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer",
           "value": "3"}}]}}).encode()


class Misbehaving(BaseHTTPRequestHandler):
    mode = "ok"
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.seen.append(self.rfile.read(length).decode())
        mode = self.server.mode
        if mode == "silent":
            time.sleep(5)
            return
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"Virtuoso 42000 Error: something broke")
            return
        if mode == "unavailable":
            self.send_response(503)
            self.end_headers()
            return
        body = {"ok": ANSWER, "garbage": b"<html>not a SPARQL answer</html>", "partial": ANSWER,
                "trickle": ANSWER, "echo": ANSWER}[mode]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json" if mode != "garbage" else "text/html")
        if mode == "echo":         # Virtuoso repeats the dataset: one header per graph
            for graph in parse_qs(self.seen[-1]).get("default-graph-uri", []):
                self.send_header("X-SPARQL-default-graph", graph)
        if mode == "partial":      # Virtuoso's "anytime" answer cut at MaxQueryExecutionTime
            self.send_header("X-SQL-State", "S1TAT")
            self.send_header("X-SQL-Message", "RC...: Returning incomplete results, query interrupted by result timeout")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "trickle":
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


@pytest.fixture()
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    server.mode = "ok"
    Misbehaving.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _store(url, timeout=1.0):
    return RemoteStore(url, timeout=timeout, graphs=GRAPHS, version="v1", graph_sizes={GRAPHS[0]: 3})


def test_a_working_store_answers_and_gets_our_dataset(fake):
    server, url = fake
    result = _store(url).query("SELECT ?n WHERE { ?s ?p ?n }")
    assert [int(r["n"]) for r in result.rows] == [3]
    sent = parse_qs(Misbehaving.seen[-1])
    assert sent["default-graph-uri"] == sent["named-graph-uri"] == GRAPHS
    assert sent["query"] == ["SELECT ?n WHERE { ?s ?p ?n }"]


def test_a_dataset_of_many_graphs(fake):
    """Years of reports are hundreds of graphs; Virtuoso echoes each one in a header of its
    answer, past http.client's default limit of 100 headers."""
    server, url = fake
    server.mode = "echo"
    graphs = [f"https://w3id.org/crm-kg/graph/syn-{n:04d}" for n in range(300)]
    store = RemoteStore(url, timeout=2, graphs=graphs, version="v1")
    result = store.query("SELECT ?n WHERE { ?s ?p ?n }")
    assert [int(r["n"]) for r in result.rows] == [3]
    assert parse_qs(Misbehaving.seen[-1])["default-graph-uri"] == graphs


@pytest.mark.parametrize("mode, error", [("silent", GatewayTimeout), ("trickle", GatewayTimeout),
                                         ("partial", PartialAnswer), ("unavailable", BadGateway),
                                         ("error", BadGateway), ("garbage", BadGateway)])
def test_faults_are_typed_and_bounded(fake, mode, error):
    server, url = fake
    server.mode = mode
    start = time.monotonic()
    with pytest.raises(error) as raised:
        _store(url, timeout=1.0).query("SELECT ?n WHERE { ?s ?p ?n }")
    assert type(raised.value) is error and raised.value.retry_after >= 1
    assert time.monotonic() - start < 3.5          # the client's deadline, not the store's


def test_a_store_that_is_not_there():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreUnreachable, match="cannot reach"):
        _store(f"http://127.0.0.1:{port}/sparql").query("ASK {}")


@pytest.fixture()
def faulty_app(fake, built):
    from crm_kg.web import create_app

    server, url = fake
    build_settings, _ = built
    app = create_app({"TESTING": True, "SETTINGS": build_settings.with_(store="remote"),
                      "STORE": _store(url, timeout=1.0)})
    return server, app.test_client()


@pytest.mark.parametrize("path", ["/api/queries/recommendations-for-opportunity",
                                  "/queries/recommendations-for-opportunity",
                                  "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D",
                                  "/id/material/gallium"])
def test_http_answers_502_and_504(faulty_app, path):
    server, client = faulty_app
    server.mode = "error"
    failed = client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert failed.status_code == 502
    assert b"failed" in failed.data or b"store" in failed.data
    assert failed.headers.get("Cache-Control") in (None, "no-store")
    server.mode = "silent"
    slow = client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert slow.status_code == 504 and slow.headers["Retry-After"]
    assert b"within 1 s" in slow.data
    server.mode = "partial"
    partial = client.get(path, headers={"Accept": "application/sparql-results+json"})
    assert partial.status_code == 504 and b"partial" in partial.data
    assert "ETag" not in partial.headers        # a partial answer is never cached
