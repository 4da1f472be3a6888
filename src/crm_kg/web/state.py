"""state: the one way the web layer reaches its app's settings, store and saved queries.

As flaskr's ``db.py`` does for its database: :func:`install` puts an
:class:`AppState` on the app (``create_app`` calls it once), and every
module asks :func:`settings`, :func:`store`, :func:`library`, or
:func:`per_version` / :func:`once` for what it computes from them — never a
string key of ``current_app.extensions``.

* :func:`per_version` keeps what is computed from one graph (the page index,
  the VoID description) until a reload swaps the graph
  (:mod:`crm_kg.store.serving`): the next request of the new version computes
  it again.
* :func:`once` keeps what does not depend on the graph (the published
  ontology, the closed lists of parameters, which cache per version inside).

May import: flask, :mod:`crm_kg.config`, :mod:`crm_kg.sparql.library`,
:mod:`crm_kg.store.serving`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask, current_app

from ..config import Settings
from ..sparql.library import QueryLibrary
from ..store.serving import LiveStore

KEY = "crm_kg"


@dataclass
class AppState:
    settings: Settings
    store: LiveStore
    library: QueryLibrary
    rate_limit: Any = None                    # the per-client buckets (:mod:`.limits`), or None
    answer_cache: Any = None                  # saved-query answers (:mod:`.cache`), or None
    _versioned: dict = field(default_factory=dict)    # name -> (graph version, value)
    _once: dict = field(default_factory=dict)
    _locks: dict = field(default_factory=dict)        # one per name: one value may need another
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _lock_of(self, name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def per_version(self, name: str, make: Callable[[], Any]) -> Any:
        version = self.store.version
        cached = self._versioned.get(name)
        if cached is None or cached[0] != version:
            with self._lock_of(name):
                cached = self._versioned.get(name)
                if cached is None or cached[0] != version:
                    cached = (version, make())
                    self._versioned[name] = cached
        return cached[1]

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._once:
            with self._lock_of(name):
                if name not in self._once:
                    self._once[name] = make()
        return self._once[name]

    def peek(self, name: str) -> Any:
        """The value of ``name`` for the current graph version if it is computed, else None."""
        cached = self._versioned.get(name)
        return cached[1] if cached is not None and cached[0] == self.store.version else None

    def has(self, name: str) -> bool:
        """Whether ``name`` was computed (for tests: nothing was kept after an error)."""
        return name in self._versioned or name in self._once


def install(app: Flask, settings: Settings, store: LiveStore, library: QueryLibrary) -> AppState:
    state = AppState(settings, store, library)
    app.extensions[KEY] = state
    return state


def of(app: Flask) -> AppState:
    """The state of ``app`` (outside a request: the CLI, tests)."""
    return app.extensions[KEY]


def current() -> AppState:
    return current_app.extensions[KEY]


def settings() -> Settings:
    return current().settings


def store() -> LiveStore:
    return current().store


def library() -> QueryLibrary:
    return current().library


def per_version(name: str, make: Callable[[], Any]) -> Any:
    return current().per_version(name, make)


def once(name: str, make: Callable[[], Any]) -> Any:
    return current().once(name, make)
