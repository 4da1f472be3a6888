"""Shared fixtures: one build of the real sources per test session, in a temp dir."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from crm_kg.build import run_build
from crm_kg.config import load_settings
from crm_kg.sources import Document, Edition
from crm_kg.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture(scope="session")
def built(settings, tmp_path_factory):
    """A fresh build of the real sources (data/ttl is left alone)."""
    out = tmp_path_factory.mktemp("ttl")
    build_settings = settings.with_(ttl_dir=out)
    result, report = run_build(build_settings)
    assert report is None or report.conforms, report.text()
    return build_settings, result


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live_server(app):
    """The app on a real loopback port in a thread; shut down after the test."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
