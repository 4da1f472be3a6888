"""limits: a per-client rate limit, and the query lane of each request.

* Rate limit: a token bucket per client address (``rate_limit`` requests per
  second, bursts of ``rate_burst``; settings in ``[tool.crm-kg]``). Past it the
  answer is ``429 Too Many Requests`` with ``Retry-After`` (RFC 6585 §4, RFC 9110
  §10.2.3). Health checks (``/healthz``, ``/readyz``) and static files are
  exempt. The client address is the peer address, or — behind
  ``trusted_proxies`` reverse proxies — the address they saw, read from the
  right of ``X-Forwarded-For``; IPv6 clients are counted per /64, the block a
  single host is usually given. Buckets hold for the whole server: with
  ``limits_file`` set (gunicorn.conf.py sets it) they are kept in that SQLite
  file, which every web process of the server shares (:class:`FileBuckets`).
  ``rate_limit_networks`` sets the rate of client networks apart
  (``"127.0.0.0/8=0, ::1/128=0, 10.0.0.0/8=50"``: CIDR ``=`` requests per
  second, 0 = no limit); the most specific network holding the client's
  address wins, any other client gets ``rate_limit``. By default loopback
  clients (a notebook or a test on the same machine) are not limited. A
  request that carries ``X-Forwarded-For`` from a proxy that is not trusted
  (``trusted_proxies = 0``) is never taken for a loopback client: behind a
  proxy on the same machine every client would otherwise look local.
* Lane: requests to ``/sparql`` run in the ``"adhoc"`` lane
  (:data:`crm_kg.store.pool.LANE`), which a worker pool keeps off its reserved
  workers, so saved queries and pages still answer under a flood.
"""

from __future__ import annotations

import ipaddress
import math
import sqlite3
import threading
import time
from contextlib import contextmanager

from flask import Flask, Response, g, request

from ..errors import CrmKgError
from ..store.pool import LANE
from . import state

EXEMPT = {"health.healthz", "health.readyz", "static"}
ADHOC = {"sparql.endpoint"}


class TokenBuckets:
    """Token buckets per key: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000):
        self.rate, self.burst, self.max_keys = float(rate), max(1, int(burst)), max_keys
        self._buckets: dict[str, tuple[float, float]] = {}     # key → (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token of ``key``: 0.0 if there was one, else the seconds until there is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.max_keys:
                self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        """Forget buckets that have filled up again (they would start full anyway)."""
        full = [k for k, (tokens, at) in self._buckets.items()
                if tokens + (now - at) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:          # still too many: drop the oldest
            del self._buckets[min(self._buckets, key=lambda k: self._buckets[k][1])]

    def __len__(self) -> int:
        return len(self._buckets)


class LimitsFile:
    """A small SQLite file the web processes of one server keep their per-client limits in:
    a connection per thread, WAL, never synced to disk (it only has to outlive requests), and
    each change one ``BEGIN IMMEDIATE`` transaction (one writer at a time, across processes)."""

    def __init__(self, path):
        self.path, self._local = str(path), threading.local()

    @contextmanager
    def transaction(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = OFF")
            self._local.db = db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


class FileBuckets(TokenBuckets):
    """:class:`TokenBuckets` kept in a :class:`LimitsFile` (one table for every rate)."""

    def __init__(self, path, rate: float, burst: int, max_keys: int = 100_000):
        super().__init__(rate, burst, max_keys)
        self.file, self._takes = LimitsFile(path), 0
        with self.file.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS buckets (rate REAL NOT NULL, key TEXT NOT NULL, "
                       "tokens REAL NOT NULL, at REAL NOT NULL, PRIMARY KEY (rate, key))")

    def take(self, key: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self.file.transaction() as db:
            row = db.execute("SELECT tokens, at FROM buckets WHERE rate = ? AND key = ?",
                             (self.rate, key)).fetchone()
            tokens, at = row if row is not None else (float(self.burst), now)
            tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?, ?)",
                       (self.rate, key, tokens - 1.0 if tokens >= 1.0 else tokens, now))
            self._takes += 1
            if self._takes % 1000 == 0:           # forget the buckets that filled up again
                db.execute("DELETE FROM buckets WHERE rate = ? AND tokens + (? - at) * rate >= ?",
                           (self.rate, now, self.burst))
        return wait

    def __len__(self) -> int:
        with self.file.transaction() as db:
            return db.execute("SELECT COUNT(*) FROM buckets WHERE rate = ?", (self.rate,)).fetchone()[0]


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The client's address: the peer's, or the one ``trusted_proxies`` proxies forwarded."""
    address = remote_addr or "unknown"
    if trusted_proxies > 0 and forwarded_for:
        hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    return address


def network_rates(text: str) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, float]]:
    """``"127.0.0.0/8=0, ::1/128=0"`` → [(network, rate)], most specific first."""
    rates = []
    for item in (part.strip() for part in (text or "").replace(";", ",").split(",")):
        if not item:
            continue
        network, eq, rate = item.partition("=")
        try:
            rates.append((ipaddress.ip_network(network.strip(), strict=False), float(rate) if eq else 0.0))
        except ValueError:
            raise CrmKgError(f"setting rate_limit_networks: {item!r} is not NETWORK=RATE "
                             "(e.g. 127.0.0.0/8=0)") from None
        if rates[-1][1] < 0:
            raise CrmKgError(f"setting rate_limit_networks: {item!r}: a rate is 0 or more")
    return sorted(rates, key=lambda nr: -nr[0].prefixlen)


def rate_for(address: str, rates, default: float) -> float:
    """The rate of the first (most specific) network holding ``address``, else ``default``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return default
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network, rate in rates:
        if ip.version == network.version and ip in network:
            return rate
    return default


def client_key(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The address a client is counted by (see the module doc)."""
    address = client_address(remote_addr, forwarded_for, trusted_proxies)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def install(app: Flask, settings) -> None:
    """Register the rate limit and the lanes on ``app`` (before any other request hook)."""
    rates = network_rates(getattr(settings, "rate_limit_networks", ""))
    shared = getattr(settings, "limits_file", "")

    def bucket(rate: float) -> TokenBuckets:
        return FileBuckets(shared, rate, settings.rate_burst) if shared else TokenBuckets(rate, settings.rate_burst)

    buckets = bucket(settings.rate_limit) if settings.rate_limit > 0 else None
    state.of(app).rate_limit = buckets
    by_rate: dict[float, TokenBuckets] = {settings.rate_limit: buckets} if buckets is not None else {}
    for _, rate in rates:
        if rate > 0 and rate not in by_rate:
            by_rate[rate] = bucket(rate)

    @app.before_request
    def _limit():
        if request.endpoint in EXEMPT:
            return None
        if buckets is not None or by_rate:
            forwarded = request.headers.get("X-Forwarded-For")
            address = client_address(request.remote_addr, forwarded, settings.trusted_proxies)
            rate = rate_for(address, rates, settings.rate_limit)
            if forwarded and settings.trusted_proxies == 0 and rate != settings.rate_limit:
                rate = settings.rate_limit             # an untrusted proxy's client: the world's limit
            bucket = by_rate.get(rate)
        else:
            bucket = None
        if bucket is not None:
            key = client_key(request.remote_addr, request.headers.get("X-Forwarded-For"),
                             settings.trusted_proxies)
            wait = bucket.take(key)
            if wait > 0:
                retry = max(1, math.ceil(wait))
                return Response(
                    f"too many requests from {key}: this service answers {rate:g} "
                    f"requests per second per client (bursts of {settings.rate_burst}); "
                    f"retry after {retry} s\n",
                    status=429, mimetype="text/plain",
                    headers={"Retry-After": str(retry), "Cache-Control": "no-store"})
        if request.endpoint in ADHOC:
            g._crm_kg_lane = LANE.set("adhoc")
        return None

    @app.teardown_request
    def _lane(_exc):
        token = g.pop("_crm_kg_lane", None)
        if token is not None:
            LANE.reset(token)
