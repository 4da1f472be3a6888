"""Answers of saved queries, cached per graph version, with ETags (RFC 9110 §8.8.3, §13.1.2).

A saved query's answer depends only on the graph and the request: the query
name, its parameters, the language and the media type asked for. The graph
changes only with a new build, and the store says which build it serves
(``store.version``, derived from the build manifest). So:

* **ETag** = a digest of the build version and the normalised request
  (path, sorted parameters, chosen language, ``Accept``). It is known *before*
  the query runs: a request whose ``If-None-Match`` holds it gets **304** at
  once, even if the answer has left the cache. A new build changes every ETag.
* **Cache**: successful answers (HTTP 200, not cut at the row limit: no
  ``X-Result-Truncated``) are kept in a bounded LRU (``answer_cache_entries``
  answers, ``answer_cache_mb`` MB) keyed by the same digest; errors, partial
  and truncated answers never are (``Cache-Control: no-store``). Entries of an
  older version are never served: the version is part of the key, and a
  version change empties the cache.
* **Cache-Control**: ``public, max-age=answer_cache_seconds`` on answers —
  clients and proxies may reuse them for that long and revalidate with the
  ETag afterwards.
* **Fast path**: :class:`FastPath` is WSGI middleware in front of Flask that
  serves a hit (or a 304) from the same entries by the raw request — path,
  query string, ``Accept``, ``Accept-Language`` and ``Cookie`` exactly as a
  cached answer was first asked for — without routing, hooks or templates.
  Anything else goes through Flask, which fills the cache.

Only the views wrapped by :func:`cached` use it (the saved-query page and
API); ``/sparql`` never does (arbitrary queries, each one under a deadline).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, g, request

from . import state


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]     # as sent, ETag and Cache-Control included
    body: bytes
    etag: str


class AnswerCache:
    """A bounded LRU of answers for one store version at a time (thread-safe)."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 << 20, max_age: int = 300):
        self.max_entries, self.max_bytes, self.max_age = max_entries, max_bytes, max_age
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._raw: dict[tuple, str] = {}          # raw request → key (the fast path's index)
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.stats = {"hits": 0, "misses": 0, "not_modified": 0, "stored": 0, "refused": 0}

    def _check_version(self, version: str) -> None:
        if version != self._version:        # a new build: nothing of the old one is served
            self._entries.clear()
            self._raw.clear()
            self._bytes, self._version = 0, version

    def get(self, key: str, version: str) -> Entry | None:
        with self._lock:
            self._check_version(version)
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def lookup_raw(self, raw: tuple, version: str) -> Entry | None:
        with self._lock:
            if version != self._version:
                return None
            key = self._raw.get(raw)
            entry = self._entries.get(key) if key is not None else None
            if entry is not None:
                self._entries.move_to_end(key)
                self.stats["hits"] += 1
            return entry

    def put(self, key: str, version: str, entry: Entry, raw: tuple | None = None) -> None:
        size = len(entry.body)
        with self._lock:
            self._check_version(version)
            if size > self.max_bytes // 4:
                self.stats["refused"] += 1
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += size
            if raw is not None:
                self._raw[raw] = key
            self.stats["stored"] += 1
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                gone, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
                for r in [r for r, k in self._raw.items() if k == gone]:
                    del self._raw[r]

    def count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def info(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "version": self._version,
                    **self.stats}


def _raw_key(environ) -> tuple:
    return (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            environ.get("HTTP_COOKIE", ""))


def request_key(version: str) -> str:
    """The digest of what determines the answer (also its ETag, quoted)."""
    args = sorted(request.args.items(multi=True))
    accept = request.headers.get("Accept", "")   # as sent: the order of ranges matters
    text = "\x1f".join([version, request.path, repr(args), getattr(g, "lang", ""), accept])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip() for t in if_none_match.split(",")]
    return etag in tags or f"W/{etag}" in tags


def _not_modified(etag: str, max_age: int) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _cache() -> AnswerCache | None:
    return state.current().answer_cache


def cached(view):
    """Serve the view's answers from the cache of the current store version (see module doc)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        if cache is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        version = state.store().version
        key = request_key(version)
        etag = f'"{key}"'
        if _matches(request.headers.get("If-None-Match"), etag):
            cache.count("not_modified")
            return _not_modified(etag, cache.max_age)
        entry = cache.get(key, version)
        if entry is not None:
            cache.count("hits")
            return Response(entry.body, status=entry.status, headers=list(entry.headers))
        cache.count("misses")
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code != 200 or response.headers.get("X-Result-Truncated") \
                or response.direct_passthrough or response.is_streamed:
            response.headers["Cache-Control"] = "no-store"
            return response
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = f"public, max-age={cache.max_age}"
        # the headers the app adds after the view (Vary, security headers) are added to the
        # stored copy when the fast path first serves it (FastPath), so store the final ones
        g.answer_cache_store = (cache, key, version, etag)
        return response
    return wrapper


def store_final(response: Response) -> Response:
    """``after_request`` hook (registered last, so it runs after the app's own): keep the
    answer as sent, for the cache and the fast path."""
    pending = g.pop("answer_cache_store", None)
    if pending is not None and response.status_code == 200:
        cache, key, version, etag = pending
        body = response.get_data()
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
        cache.put(key, version, Entry(200, headers, body, etag), raw=_raw_key(request.environ))
    return response


class FastPath:
    """WSGI middleware: cached answers (and 304s) for a raw request seen before, before Flask."""

    def __init__(self, wsgi_app, cache: AnswerCache, store):
        self.wsgi_app, self.cache, self.store = wsgi_app, cache, store

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            entry = self.cache.lookup_raw(_raw_key(environ), self.store().version)
            if entry is not None:
                if _matches(environ.get("HTTP_IF_NONE_MATCH"), entry.etag):
                    start_response("304 Not Modified", [("ETag", entry.etag), (
                        "Cache-Control", f"public, max-age={self.cache.max_age}")])
                    return [b""]
                headers = list(entry.headers) + [("Content-Length", str(len(entry.body)))]
                start_response("200 OK", headers)
                return [b"" if environ["REQUEST_METHOD"] == "HEAD" else entry.body]
        return self.wsgi_app(environ, start_response)


def install(app, settings) -> AnswerCache | None:
    """Set up the cache on ``app`` (``answer_cache_entries = 0`` turns it off)."""
    entries = int(getattr(settings, "answer_cache_entries", 2048))
    if entries <= 0:
        return None
    cache = AnswerCache(entries, int(getattr(settings, "answer_cache_mb", 64)) << 20,
                        int(getattr(settings, "answer_cache_seconds", 300)))
    app_state = state.of(app)
    app_state.answer_cache = cache
    app.after_request_funcs.setdefault(None, []).insert(0, store_final)
    app.wsgi_app = FastPath(app.wsgi_app, cache, lambda: app_state.store)
    return cache
