"""errors: every exception crm-kg raises on purpose, in one module at the bottom.

It imports nothing of the package, so every layer (pipeline, quality,
sparql, store, web, cli) can raise and catch the same classes without an
import pointing upwards. The tree:

* :class:`CrmKgError` — an error the user can act on; the CLI prints it as
  one line (``crm-kg: error: …``).
* :class:`StoreError` — a store cannot be opened or cannot answer (HTTP 502);
  :class:`QuerySyntaxError` (400), :class:`QueryEvaluationError`,
  :class:`NotSerializable` (the answer cannot be written in the wanted media
  type), :class:`GraphError` (the built graph is missing, partial or corrupt).
* :class:`Unavailable` — the engine cannot answer *now*: HTTP ``status``
  (503) with ``Retry-After``. The query pool raises :class:`QueryTimeout`,
  :class:`EngineBusy` and :class:`EngineFailed`; a remote store raises
  :class:`UpstreamError` and its kinds (:mod:`crm_kg.store.upstream` maps
  what SPARQLWrapper and urllib raise onto them).

A query worker sends an error back by class name; :func:`store_error_class`
turns the name into the class again.
"""

from __future__ import annotations


class CrmKgError(Exception):
    """An error the user can act on; the CLI prints it as one line."""


# -- the store cannot answer ---------------------------------------------------------
class StoreError(CrmKgError):
    """The store cannot be opened or cannot answer."""


class QuerySyntaxError(StoreError):
    """The query text does not parse; the message says where."""


class QueryEvaluationError(StoreError):
    """The engine parsed the query but failed while answering it."""


class NotSerializable(StoreError):
    """The answer cannot be written in the wanted media type (``kind``: select, ask, graph)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message, kind)
        self.kind = kind

    def __str__(self) -> str:
        return self.args[0]


class GraphError(StoreError):
    """The built graph is missing, partial or corrupt; the message says which file and why."""


def store_error_class(name: str) -> type[StoreError]:
    """The :class:`StoreError` class called ``name`` (a worker's reply names it), else StoreError."""
    found = globals().get(name)
    return found if isinstance(found, type) and issubclass(found, StoreError) else StoreError


# -- the engine cannot answer now --------------------------------------------------------
class Unavailable(CrmKgError):
    """The engine cannot answer now (HTTP ``status``, 503 here); ``retry_after`` in seconds."""

    status = 503

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message, retry_after)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.args[0]


class QueryTimeout(Unavailable):
    """The query ran past its deadline and was stopped."""


class EngineBusy(Unavailable):
    """Every worker stayed busy for the whole wait."""


class EngineFailed(Unavailable):
    """The worker died while answering (crash or memory limit) and was replaced."""


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
