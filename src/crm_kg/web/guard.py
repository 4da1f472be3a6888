"""Checks on a SPARQL request before any engine sees it: read-only, nothing fetched.

:func:`read_request` reads a request the way the SPARQL 1.1 Protocol (W3C
Recommendation, 2013, §2.1) defines it — ``GET ?query=``, ``POST`` of an HTML
form, ``POST application/sparql-query`` — and refuses, with the status the
W3C protocol tests expect, what is not a query request: an update (403), two
``query`` parameters (400), another content type (415), a body that is not
UTF-8 (400), a query or body over the size limit (413).

:func:`check_query` looks at the text with :mod:`crm_kg.sparql.scan` (linear,
no recursion) and refuses an update (403), ``SERVICE`` (400), a ``FROM`` /
``FROM NAMED`` graph or a ``default-graph-uri`` / ``named-graph-uri`` that is
not a graph of the store (400: graphs are names, never fetched), and nesting
deeper than the limit (400; pyoxigraph's parser overflows its stack at a few
thousand levels). Both rdflib and pyoxigraph would fetch a ``SERVICE`` IRI;
the query workers cannot open sockets either (:mod:`crm_kg.store.pool`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import CrmKgError
from ..sparql.scan import scan
from ..store.interface import Dataset

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
MAX_FIELDS = 200
FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"


class Refused(CrmKgError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class SparqlRequest:
    """The protocol parameters of one request."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)      # format= then output= values
    params: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs; anything but UTF-8 is refused."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                         errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise Refused(f"the {where} is not UTF-8 (SPARQL 1.1 Protocol §2.1)") from None
    except ValueError:
        raise Refused(f"the {where} has more than {MAX_FIELDS} parameters") from None


def _body(request) -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Refused(f"the request body is larger than {request.max_content_length} bytes", 413) from None


def _charset_is_utf8(request) -> bool:
    charset = request.mimetype_params.get("charset")
    return charset is None or charset.lower() in ("utf-8", "utf8", "us-ascii")


def read_request(request, max_query_bytes: int) -> SparqlRequest:
    """The protocol parameters of a GET or POST request to the endpoint, or :class:`Refused`."""
    if request.content_length is not None and request.max_content_length is not None \
            and request.content_length > request.max_content_length:
        raise Refused(f"the request body is larger than {request.max_content_length} bytes", 413)
    pairs = _pairs(request.query_string, "query string")
    direct: str | None = None
    if request.method == "POST":
        ctype = request.mimetype
        if ctype == UPDATE:
            raise Refused(READ_ONLY, 403)
        if ctype == FORM:
            if not _charset_is_utf8(request):
                raise Refused("a form must be sent in UTF-8 (SPARQL 1.1 Protocol §2.1.2)", 415)
            pairs += _pairs(_body(request), "form body")
        elif ctype == DIRECT:
            if not _charset_is_utf8(request):
                raise Refused("the query must be sent in UTF-8 (SPARQL 1.1 Protocol §2.1.3)")
            raw = _body(request)
            try:
                direct = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Refused(f"the query is not UTF-8 (byte {exc.start}; SPARQL 1.1 Protocol §2.1.3)") \
                    from None
        else:
            raise Refused(f"a POST must have Content-Type {FORM} or {DIRECT}, not "
                          f"{ctype or 'none'} (SPARQL 1.1 Protocol §2.1)", 415)
    params: dict[str, list[str]] = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    if "update" in params:
        raise Refused(READ_ONLY, 403)
    queries = params.get("query", []) + ([direct] if direct is not None else [])
    if len(queries) > 1:
        raise Refused("more than one query in the request (SPARQL 1.1 Protocol §2.1)")
    query = queries[0] if queries else None
    if query is not None:
        size = len(query.encode("utf-8"))
        if size > max_query_bytes:
            raise Refused(f"the query is {size} bytes long; this endpoint takes at most "
                          f"{max_query_bytes}", 413)
        if not query.strip():
            raise Refused("the query is empty")
    return SparqlRequest(query=query, default_graphs=params.get("default-graph-uri", []),
                         named_graphs=params.get("named-graph-uri", []),
                         formats=params.get("format", []) + params.get("output", []), params=params)


def check_dataset(request: SparqlRequest, graphs: set[str]) -> Dataset | None:
    """The protocol's dataset (Protocol §2.1.4), if the request names one."""
    if not request.default_graphs and not request.named_graphs:
        return None
    for name in request.default_graphs + request.named_graphs:
        if name not in graphs:
            raise Refused(f"<{name}> is not a graph of this store; graphs are never fetched. "
                          f"Graphs: {', '.join(sorted(graphs))}")
    return Dataset(tuple(request.default_graphs), tuple(request.named_graphs))


def check_query(text: str, graphs: set[str], max_nesting: int = 32) -> str | None:
    """The query form (select, ask, graph; None if the text shows none), or :class:`Refused`
    unless ``text`` is a read-only query that touches only graphs of the store."""
    found = scan(text)
    if found.depth > max_nesting:
        raise Refused(f"the query nests brackets {found.depth} levels deep; this endpoint allows "
                      f"{max_nesting}")
    if found.updates:
        raise Refused(f"{READ_ONLY} ({', '.join(sorted(found.updates))})", 403)
    if found.service:
        hint = "" if found.service.upper() == "SERVICE" else (
            f" ({found.service!r} counts: some engines read SERVICE inside a name as the keyword)")
        raise Refused(f"SERVICE is not allowed: this endpoint does not query other services{hint}")
    if found.odd_from is not None:
        raise Refused(f"{found.odd_from!r}: write FROM <graph> or FROM NAMED <graph>")
    for clause, iri in found.datasets:
        if iri is None:
            raise Refused(f"{clause} must name a graph of this store by its IRI")
        if iri not in graphs:
            raise Refused(f"{clause} <{iri}> is not a graph of this store; graphs are never "
                          f"fetched. Graphs: {', '.join(sorted(graphs))}")
    return FORMS.get(found.form) if found.form else None
