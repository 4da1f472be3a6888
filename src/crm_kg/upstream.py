"""upstream: a remote SPARQL store's failures, mapped onto the store interface.

A remote store (Virtuoso, or any SPARQL 1.1 Protocol endpoint, reached with
SPARQLWrapper) fails in ways an embedded one cannot. :func:`remote_errors`
turns each into an :class:`~crm_kg.execute.Unavailable` whose ``status`` the
web layer answers with (``Retry-After`` included), so a client learns what
happened and that it may try again:

=============================================  =======================  ======
what happened                                  error                    HTTP
=============================================  =======================  ======
connection refused or reset, name unknown      :class:`StoreUnreachable`  502
the store answered 5xx (504: a proxy timed out) :class:`BadGateway`        502
no answer within the time limit                :class:`GatewayTimeout`    504
Virtuoso's anytime timeout as a 500 (S1TAT)     :class:`GatewayTimeout`    504
a partial answer sent as success (Virtuoso:     :class:`PartialAnswer`     504
HTTP 206, ``X-SQL-State: S1TAT``)
the body cut short or not parseable             :class:`BadGateway`        502
the store says the query is bad (400)           ``QuerySyntaxError``       400
=============================================  =======================  ======

Virtuoso's "anytime" queries (README.ANYTIME in virtuoso-opensource) return
what they found when their time runs out — as 206, or with any status the
DBA configured, always with ``X-SQL-State: S1TAT`` — so success is not proof
of a whole answer: :func:`check_complete` refuses such answers, and an answer
is only ever returned after it has been read and parsed whole. Errors are
raised, never returned, so whatever caches answers (an answer cache keyed by
the graph version, the app's per-version page index) can never keep an error
or a partial result. Configure Virtuoso's ``ResultSetMaxRows`` above the
service's ``max_result_rows`` so it never cuts answers itself.

:class:`Breaker`: after ``threshold`` failures in a row the store is not
asked for ``cooldown`` seconds (requests fail at once, 502 with
``Retry-After``) — a store that hangs must not hold every web thread for the
whole timeout; the first request after the pause tries again, so the service
recovers by itself when the store is back.

:class:`RemoteEndpoint` is a thin client with this handling (SPARQL results
JSON, Turtle for graphs; parameters bound as a trailing ``VALUES`` block of
RDF terms, the way rdflib's SPARQLStore binds them). The full remote store
(loading, Virtuoso specifics) is issue 10's ``RemoteStore``; it should use
:func:`remote_errors`, :func:`check_complete` and :class:`Breaker` rather
than duplicate them.
"""

from __future__ import annotations

import ast
import http.client
import json
import socket
import threading
import time
import urllib.error
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib.term import Node

from .execute import Unavailable
from .sparqlscan import scan
from .store import Dataset, EmbeddedStore, QuerySyntaxError, Result, Serialized, StoreError


class UpstreamError(Unavailable):
    """The remote store failed; ``status`` is the HTTP status the web layer answers with."""

    status = 502


class StoreUnreachable(UpstreamError):
    """No connection to the store (refused, reset, unknown host) or the breaker is open."""


class BadGateway(UpstreamError):
    """The store answered with an error, or with a body that is cut short or malformed."""


class GatewayTimeout(UpstreamError):
    """The store did not answer within the time limit."""

    status = 504


class PartialAnswer(GatewayTimeout):
    """The store stopped early and sent what it had as if it were the answer."""


def _first_line(data) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.lower().startswith(("error", "response:")):
            return line[:200]
    return text.strip()[:200]


def _body(exc) -> str:
    """The first line of the store's own message: SPARQLWrapper puts the body into its
    exception's text, after ``Response:``, as the repr of the bytes."""
    text = str(exc)
    if "Response:\n" not in text:
        return _first_line(text)
    raw = text.split("Response:\n", 1)[1].strip()
    try:
        raw = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        pass
    return _first_line(raw)


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason)


@contextmanager
def remote_errors(endpoint: str, timeout: float, retry_after: int = 1):
    """Map what SPARQLWrapper, urllib and the parsers raise to the errors of the module doc."""
    from SPARQLWrapper.SPARQLExceptions import (
        EndPointInternalError,
        EndPointNotFound,
        QueryBadFormed,
        SPARQLWrapperException,
    )

    where = f"the SPARQL store at {endpoint}"
    try:
        yield
    except (StoreError, Unavailable):
        raise
    except QueryBadFormed as exc:
        raise QuerySyntaxError(f"{where} refused the query: {_body(exc)}") from None
    except EndPointInternalError as exc:
        body = _body(exc)
        if "S1TAT" in body or "timed out" in body.lower() or "timeout" in body.lower():
            raise GatewayTimeout(f"{where} stopped the query at its time limit ({body})", retry_after) from None
        raise BadGateway(f"{where} failed (HTTP 500: {body})", retry_after) from None
    except EndPointNotFound:
        raise BadGateway(f"{where} answered 404: no SPARQL endpoint there", retry_after) from None
    except urllib.error.HTTPError as exc:
        if exc.code == 504:
            raise GatewayTimeout(f"{where} timed out (HTTP 504)", retry_after) from None
        raise BadGateway(f"{where} answered HTTP {exc.code} {exc.reason}", retry_after) from None
    except urllib.error.URLError as exc:
        if _is_timeout(exc):
            raise GatewayTimeout(f"{where} did not answer within {timeout:g} s", retry_after) from None
        raise StoreUnreachable(f"cannot reach {where} ({exc.reason})", retry_after) from None
    except (TimeoutError, socket.timeout):
        raise GatewayTimeout(f"{where} did not answer within {timeout:g} s", retry_after) from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise BadGateway(f"the connection to {where} broke off mid-answer ({type(exc).__name__}); "
                         "nothing of it is served", retry_after) from None
    except (ValueError, SyntaxError) as exc:         # JSON / RDF parsers: a cut or garbled body
        raise BadGateway(f"{where} sent an answer that does not parse ({_first_line(exc)}); "
                         "nothing of it is served", retry_after) from None
    except (SPARQLWrapperException, OSError) as exc:
        raise BadGateway(f"{where} failed: {_first_line(exc)}", retry_after) from None


def check_complete(endpoint: str, status: int, headers, retry_after: int = 1) -> None:
    """Refuse an answer the store marks as partial (Virtuoso anytime queries: see the module doc)."""
    state = (headers.get("X-SQL-State") or "").strip()
    message = headers.get("X-SQL-Message") or ""
    if status == 206 or state == "S1TAT" or "incomplete" in message.lower():
        detail = f"HTTP {status}" + (f", X-SQL-State {state}" if state else "")
        raise PartialAnswer(f"the SPARQL store at {endpoint} stopped the query early and sent a partial "
                            f"answer ({detail}); it is not served — narrow the query", retry_after)


class Breaker:
    """Stop asking a failing store for a while (see the module doc)."""

    def __init__(self, threshold: int = 3, cooldown: float = 5.0):
        self.threshold, self.cooldown = threshold, cooldown
        self._failures, self._until = 0, 0.0
        self._lock = threading.Lock()

    def before(self, endpoint: str) -> None:
        with self._lock:
            left = self._until - time.monotonic()
            failures = self._failures
        if left > 0:
            raise StoreUnreachable(f"the SPARQL store at {endpoint} failed {failures} times in a row; "
                                   f"it is asked again in {left:.1f} s", max(1, round(left + 0.5)))

    def succeeded(self) -> None:
        with self._lock:
            self._failures, self._until = 0, 0.0

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._until = time.monotonic() + self.cooldown

    @property
    def open(self) -> bool:
        return self._until > time.monotonic()


SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


class RemoteEndpoint:
    """The :class:`~crm_kg.store.Store` interface over a remote SPARQL endpoint (see the module doc)."""

    def __init__(self, endpoint: str, timeout: float = 10.0, manifest: dict | None = None,
                 breaker: Breaker | None = None):
        self.endpoint, self.timeout = endpoint, float(timeout)
        self.manifest = manifest or {}
        self.breaker = breaker or Breaker()
        self.retry_after = max(1, round(self.breaker.cooldown))
        self._info: dict | None = None          # kept only once read whole

    def _fetch(self, sparql: str, graph: bool, dataset: Dataset | None, timeout: float | None = None):
        from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

        self.breaker.before(self.endpoint)
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setQuery(sparql)
        client.setReturnFormat(TURTLE if graph else JSON)
        client.timeout = timeout or self.timeout     # setTimeout() would round it to whole seconds
        for iri in (dataset.default if dataset else ()):
            client.addDefaultGraph(iri)
        for iri in (dataset.named if dataset else ()):
            client.addNamedGraph(iri)
        try:
            with remote_errors(self.endpoint, client.timeout, self.retry_after):
                response = client.query().response
                check_complete(self.endpoint, response.status, response.headers, self.retry_after)
                body = response.read()                  # whole, or an exception
                if graph:
                    answer = [q.triple for q in ox.parse(body, format=ox.RdfFormat.TURTLE)]
                else:
                    json.loads(body)                    # a cut body fails here, not later
                    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except QuerySyntaxError:
            self.breaker.succeeded()                    # the store is fine; the query is not
            raise
        except Unavailable:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return answer

    @staticmethod
    def _text(sparql: str, bindings: dict[str, Node] | None) -> str:
        """Parameters as a trailing VALUES block of RDF terms (N-Triples syntax, escaped by rdflib)."""
        if not bindings:
            return sparql
        names = list(bindings)
        return (f"{sparql}\nVALUES ({' '.join('?' + n for n in names)}) "
                f"{{ ({' '.join(bindings[n].n3() for n in names)}) }}\n")

    def query(self, sparql: str, bindings: dict[str, Node] | None = None, limit: int | None = None,
              dataset: Dataset | None = None) -> Result:
        graph = scan(sparql).form in ("CONSTRUCT", "DESCRIBE")
        answer = self._fetch(self._text(sparql, bindings), graph, dataset)
        return EmbeddedStore._convert(answer, limit)

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None,
                  limit: int | None = None, dataset: Dataset | None = None) -> Serialized:
        graph = scan(sparql).form in ("CONSTRUCT", "DESCRIBE")
        answer = self._fetch(self._text(sparql, bindings), graph, dataset)
        return EmbeddedStore._write(iter(answer) if graph else answer, media_type, limit)

    def info(self) -> dict:
        if self._info is None:
            result = self.query(SIZES)                  # raises on any failure: nothing is kept
            sizes = {str(row["g"]): int(row["n"]) for row in result.rows}
            self._info = {"store": f"remote ({self.endpoint})", "triples": sum(sizes.values()),
                          "graphs": sorted(sizes), "graph_sizes": sizes, "version": self.version}
        return dict(self._info)

    def graphs(self) -> list[str]:
        return list(self.info()["graphs"])

    @property
    def version(self) -> str:
        files = self.manifest.get("files", {})
        return files.get("crm-kg.nq", {}).get("sha256", "remote")[:16]

    def __len__(self) -> int:
        return int(self.info()["triples"])

    def ready(self) -> tuple[bool, str]:
        """(True, "") if the store answers ``ASK {}`` within two seconds."""
        try:
            self._fetch("ASK {}", False, None, timeout=min(self.timeout, 2.0))
        except (StoreError, Unavailable) as exc:
            return False, str(exc)
        return True, ""
