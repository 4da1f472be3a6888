"""Shared fixtures: one build of the real sources per test session, in a temp dir."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from benchmarks.virtuoso import free_port  # noqa: F401  (one loopback port picker; tests import it from here)
from crm_kg.config import load_settings
from crm_kg.pipeline.sources import Document, Edition
from crm_kg.pipeline.stages import run_build
from crm_kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"

# Modules that time answers, deadlines or queues under load they make themselves: `make test`
# runs the rest on both cores (pytest-xdist) and these alone afterwards, so that no other test
# competes for the CPU while they measure. A plain `pytest` runs everything in one process.
SERIAL = frozenset({
    "test_answer_cache.py", "test_availability.py", "test_execute.py", "test_rate_networks.py",
    "test_reliability_load.py", "test_reliability_reload.py", "test_reliability_remote.py",
    "test_reliability_startup.py", "test_reliability_virtuoso.py", "test_remote_faults.py",
    "test_serving.py",
})


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in SERIAL:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def settings():
    """The project settings, without the per-client rate limit: every test client is 127.0.0.1
    (tests/test_reliability_load.py tests the limit with its own settings)."""
    return load_settings().with_(rate_limit=0)


@pytest.fixture(scope="session")
def built(settings, tmp_path_factory):
    """A fresh build of the real sources (data/ttl is left alone)."""
    out = tmp_path_factory.mktemp("ttl")
    build_settings = settings.with_(ttl_dir=out)
    result, report = run_build(build_settings)
    assert report is None or report.conforms, report.text()
    return build_settings, result


@pytest.fixture(scope="session")
def quads(built):
    """The published N-Quads of the session build, read back by pyoxigraph as rdflib terms."""
    import pyoxigraph as ox

    from crm_kg.sparql.terms import from_ox

    graph = ox.Store()
    graph.bulk_load(path=str(built[0].ttl_dir / "crm-kg.nq"), format=ox.RdfFormat.N_QUADS)
    return [tuple(from_ox(t) for t in q) for q in graph]


@pytest.fixture(scope="session")
def store(built):
    build_settings, _ = built
    return EmbeddedStore.from_directory(build_settings.ttl_dir)


@pytest.fixture(scope="session")
def app(built, store):
    from crm_kg.web import create_app

    build_settings, _ = built
    return create_app({"TESTING": True, "SETTINGS": build_settings, "STORE": store})


@pytest.fixture()
def client(app):
    return app.test_client()


def fixture_document(path: Path, edition_id: str = "nhfl-2025-en", language: str = "en") -> Document:
    """A test fixture text as if it were an edition (report nhfl-2025)."""
    edition = Edition(id=edition_id, file=path.name, sha256="0" * 64, report=edition_id.rsplit("-", 1)[0],
                      language=language, title="fixture")
    return Document(edition, path.read_text(encoding="utf-8"))


@pytest.fixture()
def live_server(app):
    """The app on a real loopback port in a thread; shut down after the test."""
    with serving(app) as url:
        yield url


# -- the served configuration: queries answered by worker processes under a deadline ----
POOL_TIMEOUT = 1.5   # seconds; small, so tests of the deadline are quick


@pytest.fixture(scope="session")
def pool(built):
    """A two-worker query pool over the session's build (closed at the end)."""
    from crm_kg.store.embedded import DirectoryLoader
    from crm_kg.store.pool import WorkerPool

    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=2, timeout=POOL_TIMEOUT,
                    memory_mb=2048) as workers:
        yield workers


@pytest.fixture(scope="session")
def pool_app(built, pool):
    from crm_kg.web import create_app

    build_settings, _ = built
    return create_app({"TESTING": True, "STORE": pool,
                       "SETTINGS": build_settings.with_(query_timeout=POOL_TIMEOUT)})


@pytest.fixture()
def pool_client(pool_app):
    return pool_app.test_client()


@contextlib.contextmanager
def serving(app):
    """``app`` on a free loopback port in a thread, shut down on exit."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def pool_live_server(pool_app):
    with serving(pool_app) as url:
        yield url


class Listener:
    """A loopback TCP listener that records every connection it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def untouched(self) -> bool:
        """True if nothing connected (a connection still in the backlog is given a moment)."""
        time.sleep(0.3)
        return not self.received

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture()
def listener():
    """Anything that tries to fetch from ``listener.url`` shows up in ``listener.received``."""
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()
