"""shares: a fair share of ad-hoc SPARQL for each client, and a deadline for each ``/sparql`` answer.

The query workers open to ``/sparql`` are few (:mod:`crm_kg.store.pool`), so
one client with many connections could take them all. Per client — its
address, its /64 for IPv6, or behind trusted proxies the address they forward
(:func:`client`) — a ``/sparql`` query is admitted only while

* the client runs fewer than ``client_queries`` queries at once (default 2), and
* it has used less than ``client_query_seconds`` of query time in the last
  minute (default 60 s; as the Wikidata Query Service budgets each client's
  processing time per minute). The time a query holds is charged when it
  ends; the account drains at ``client_query_seconds`` per minute.

Past either limit the answer is ``429 Too Many Requests`` with ``Retry-After``
(RFC 6585 §4) and a sentence naming the limit. Saved queries and pages are not
counted here: they run on the pool's reserved worker whatever ``/sparql`` does.
``0`` turns a limit off.

The counts hold for the whole server, not one web process: with several
(gunicorn's ``WEB_CONCURRENCY``), ``gunicorn.conf.py`` gives them one small
SQLite file (``limits_file``, :class:`FileShares`; WAL, not synced to disk: it
only has to outlive a request) in which every admission is one transaction.
A web process that dies leaves its running queries there; they are forgotten
with that process (its pid) or at the latest ``query_timeout`` + 60 s after they
began. With one web process the counts are kept in memory (:class:`Shares`).

The deadline: a ``/sparql`` query gets ``query_timeout`` from the moment it
is admitted (:func:`deadline`, :data:`crm_kg.store.pool.DEADLINE`): the wait for
a worker slot and the query share it, so no answer comes later than the
deadline plus the time to write it.

The forwarded address (``X-Forwarded-For``, read as :func:`~.limits.client_key`
does) is believed only from a peer that is a trusted proxy: a Unix socket
(``crm-kg serve`` runs gunicorn on one only its nginx reaches) or an address in
``trusted_proxy_networks``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

from flask import Flask, Response, g, request

from ..errors import EngineBusy
from ..store.pool import DEADLINE
from .limits import LimitsFile, client_key

COUNTED = "sparql.endpoint"


@lru_cache(maxsize=16)
def _networks(text: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def from_proxy(peer: str | None, networks: str) -> bool:
    """Whether ``peer`` (a request's remote address) is a proxy whose forwarding is believed."""
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return True            # no IP address: a Unix socket, reachable only from this machine
    return any(address in network for network in _networks(networks))


def client(settings) -> str:
    """The key of the client of the current request (see the module doc)."""
    forwarded = request.headers.get("X-Forwarded-For")
    if settings.trusted_proxies <= 0 or not from_proxy(request.remote_addr, settings.trusted_proxy_networks):
        forwarded = None
    return client_key(request.remote_addr, forwarded, settings.trusted_proxies)


class Shares:
    """Running queries and query time used, per client."""

    def __init__(self, concurrent: int, seconds_per_minute: float, max_keys: int = 100_000):
        self.concurrent, self.budget = int(concurrent), float(seconds_per_minute)
        self.drain = self.budget / 60.0                     # seconds of account drained per second
        self.max_keys = max_keys
        self._running: dict[str, list[float]] = {}          # key → start times of its running queries
        self._used: dict[str, tuple[float, float]] = {}     # key → (seconds owed, as of)
        self._lock = threading.Lock()

    def _owed(self, key: str, now: float) -> float:
        used, at = self._used.get(key, (0.0, now))
        return max(0.0, used - (now - at) * self.drain)

    def enter(self, key: str, timeout: float, now: float | None = None) -> tuple[str, int] | None:
        """Admit a query of ``key`` (None), or say which limit refuses it and when to retry."""
        now = time.monotonic() if now is None else now
        with self._lock:
            running = self._running.get(key, [])
            if self.concurrent > 0 and len(running) >= self.concurrent:
                retry = max(1, math.ceil(timeout - (now - min(running))))
                return "running", retry
            if self.budget > 0:
                owed = self._owed(key, now)
                if owed >= self.budget:
                    return "budget", max(1, math.ceil((owed - self.budget) / self.drain + 1))
            self._running.setdefault(key, []).append(now)
        return None

    def leave(self, key: str, started: float, now: float | None = None) -> None:
        """The query of ``key`` admitted at ``started`` ended: its time is charged."""
        now = time.monotonic() if now is None else now
        with self._lock:
            running = self._running.get(key, [])
            if started in running:
                running.remove(started)
            if not running:
                self._running.pop(key, None)
            if self.budget > 0:
                self._used[key] = (self._owed(key, now) + (now - started), now)
                if len(self._used) > self.max_keys:
                    self._prune(now)

    def _prune(self, now: float) -> None:
        for key in [k for k in self._used if self._owed(k, now) == 0.0]:
            del self._used[key]
        while len(self._used) > self.max_keys:
            del self._used[min(self._used, key=lambda k: self._used[k][1])]

    def running(self, key: str) -> int:
        with self._lock:
            return len(self._running.get(key, []))

    def owed(self, key: str) -> float:
        with self._lock:
            return self._owed(key, time.monotonic())


class FileShares(Shares):
    """:class:`Shares` kept in a SQLite file that the web processes of one server share."""

    STALE = 60.0                  # s past a query's deadline after which its entry is forgotten

    def __init__(self, path, concurrent: int, seconds_per_minute: float, max_keys: int = 100_000):
        super().__init__(concurrent, seconds_per_minute, max_keys)
        self.file, self._leaves = LimitsFile(path), 0
        self._transaction = self.file.transaction
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS running (key TEXT NOT NULL, started REAL NOT NULL, "
                       "pid INTEGER NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS running_key ON running (key)")
            db.execute("CREATE TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY, owed REAL NOT NULL, "
                       "at REAL NOT NULL)")
            for (pid,) in db.execute("SELECT DISTINCT pid FROM running").fetchall():
                if not _alive(pid):         # a web process that died: its queries died with it
                    db.execute("DELETE FROM running WHERE pid = ?", (pid,))

    def _owed_in(self, db, key: str, now: float) -> float:
        row = db.execute("SELECT owed, at FROM used WHERE key = ?", (key,)).fetchone()
        return 0.0 if row is None else max(0.0, row[0] - (now - row[1]) * self.drain)

    def enter(self, key: str, timeout: float, now: float | None = None) -> tuple[str, int] | None:
        now = time.monotonic() if now is None else now
        with self._transaction() as db:
            db.execute("DELETE FROM running WHERE key = ? AND started < ?", (key, now - timeout - self.STALE))
            running = [r[0] for r in db.execute("SELECT started FROM running WHERE key = ?", (key,))]
            if self.concurrent > 0 and len(running) >= self.concurrent:
                return "running", max(1, math.ceil(timeout - (now - min(running))))
            if self.budget > 0:
                owed = self._owed_in(db, key, now)
                if owed >= self.budget:
                    return "budget", max(1, math.ceil((owed - self.budget) / self.drain + 1))
            db.execute("INSERT INTO running VALUES (?, ?, ?)", (key, now, os.getpid()))
        return None

    def leave(self, key: str, started: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._transaction() as db:
            db.execute("DELETE FROM running WHERE rowid = (SELECT rowid FROM running WHERE key = ? AND "
                       "started = ? AND pid = ? LIMIT 1)", (key, started, os.getpid()))
            if self.budget > 0:
                db.execute("INSERT OR REPLACE INTO used VALUES (?, ?, ?)",
                           (key, self._owed_in(db, key, now) + (now - started), now))
                self._leaves += 1
                if self._leaves % 1000 == 0:  # forget the accounts that drained
                    db.execute("DELETE FROM used WHERE owed - (? - at) * ? <= 0", (now, self.drain))

    def running(self, key: str) -> int:
        with self._transaction() as db:
            return db.execute("SELECT COUNT(*) FROM running WHERE key = ?", (key,)).fetchone()[0]

    def owed(self, key: str) -> float:
        with self._transaction() as db:
            return self._owed_in(db, key, time.monotonic())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_shares(settings) -> Shares:
    """The shares of this server: in ``limits_file`` if set (several web processes), else in memory."""
    path = getattr(settings, "limits_file", "")
    if path:
        return FileShares(path, settings.client_queries, settings.client_query_seconds)
    return Shares(settings.client_queries, settings.client_query_seconds)


@contextmanager
def deadline(settings):
    """The client's query, run inside: ``query_timeout`` from the moment it was admitted
    (:data:`~crm_kg.store.pool.DEADLINE`). The other queries a page runs for itself (names for
    its table…) keep their own time limit."""
    share = g.get("_crm_kg_share")
    token = DEADLINE.set((share[1] if share else time.monotonic()) + settings.query_timeout)
    try:
        yield
    finally:
        DEADLINE.reset(token)


_RENDERING = threading.BoundedSemaphore(1)
REST = 3.0          # the rendering slot rests this many times as long as a page took
LARGE = 1000        # cells of an HTML results table that make it large (it waits for the slot)


@contextmanager
def rendering(settings, cells: int):
    """Hold the web process's one slot for building a large HTML answer of ``cells`` cells (the
    query itself ran in a worker): such pages take the interpreter for a tenth of a second or
    more each, and more than one at a time would hold up every other request. A table of
    fewer than :data:`LARGE` cells (some 30 ms) is built at once. Waits until the request's
    deadline at most, then :class:`~crm_kg.errors.EngineBusy` (503)."""
    if cells < LARGE:
        yield
        return
    share = g.get("_crm_kg_share")
    due = share[1] + settings.query_timeout if share else None
    wait = settings.query_timeout if due is None else max(0.0, due - time.monotonic())
    if not _RENDERING.acquire(timeout=wait):
        raise EngineBusy("other large answers are being written as HTML; ask again shortly, or ask "
                         "for CSV or JSON", max(1, math.ceil(settings.query_timeout / 2)))
    started = time.monotonic()
    try:
        yield
    finally:
        # the slot rests three times as long as the page took (the page itself is not held
        # back): large pages get at most a quarter of one core, so requests that need the
        # interpreter meanwhile (a cached saved query: a millisecond) mostly find it free
        rest = threading.Timer(min(REST * (time.monotonic() - started), 2.0), _RENDERING.release)
        rest.daemon = True
        rest.start()


def _is_query() -> bool:
    return request.endpoint == COUNTED and (
        request.method == "POST" or (request.method in ("GET", "HEAD") and "query" in request.args))


def install(app: Flask, settings) -> None:
    """Admit ``/sparql`` queries by the client's share, and give each its deadline (after the rate limit)."""
    shares = open_shares(settings)
    app.extensions["crm_kg_shares"] = shares

    @app.before_request
    def _admit():
        if not _is_query():
            return None
        key, now = client(settings), time.monotonic()
        refused = shares.enter(key, settings.query_timeout, now)
        if refused is not None:
            which, retry = refused
            if which == "running":
                why = (f"{key} is already running {settings.client_queries} queries, the most this "
                       "endpoint runs at once for one client; wait for one to end")
            else:
                why = (f"{key} has used its {settings.client_query_seconds:g} s of query time per minute "
                       "on this endpoint")
            return Response(f"too many queries: {why}; retry after {retry} s\n", status=429,
                            mimetype="text/plain",
                            headers={"Retry-After": str(retry), "Cache-Control": "no-store"})
        g._crm_kg_share = (key, now)           # the same time: it names this query in its client's list
        return None

    def _leave() -> None:
        share = g.pop("_crm_kg_share", None)
        if share is not None:
            shares.leave(*share)

    @app.after_request
    def _answered(response):
        _leave()              # the answer is made (bodies are not streamed): its query has ended
        return response

    @app.teardown_request
    def _failed(_exc):
        _leave()              # no answer was made (an exception): still ended
