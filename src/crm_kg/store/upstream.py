"""upstream: a remote SPARQL store's failures, mapped onto the store interface.

A remote store (Virtuoso, or any SPARQL 1.1 Protocol endpoint, reached with
SPARQLWrapper) fails in ways an embedded one cannot. :func:`remote_errors`
turns each into an :class:`~crm_kg.errors.Unavailable` whose ``status`` the
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

:class:`crm_kg.store.remote.RemoteStore`, the one remote store, sends every
request through :func:`remote_errors`, :func:`check_complete` and its
:class:`Breaker`.
"""

from __future__ import annotations

import ast
import http.client
import socket
import threading
import time
import urllib.error
from contextlib import contextmanager

from ..errors import (
    BadGateway,
    GatewayTimeout,
    PartialAnswer,
    QuerySyntaxError,
    StoreError,
    StoreUnreachable,
    Unavailable,
)

# how Virtuoso says it stopped a query for time (also "estimated execution time … exceeds")
TIMEOUT_WORDS = ("timed out", "timeout", "estimated execution time")


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
        if "S1TAT" in body or any(word in body.lower() for word in TIMEOUT_WORDS):
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
