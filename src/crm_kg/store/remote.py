"""remote: the store interface over any SPARQL 1.1 endpoint, through SPARQLWrapper.

:class:`RemoteStore` answers ``query()``, ``serialize()``, ``graphs()``,
``info()`` and ``version`` like :class:`~crm_kg.store.embedded.EmbeddedStore` and
:class:`~crm_kg.store.pool.WorkerPool`, so the pages, the saved queries and
``/sparql`` run unchanged on Virtuoso (the store the tests start), QLever,
GraphDB or Fuseki. It speaks the SPARQL 1.1 Protocol (W3C Recommendation,
2013) only: a POSTed form, the answer chosen by ``Accept``.

**The dataset.** Our store's default graph is the union of its named graphs.
A remote store's default graph is whatever it decides (Virtuoso's: every
graph it holds, its own system graphs included). So unless the request or
the query names a dataset, every query is sent with ``default-graph-uri`` and
``named-graph-uri`` set to the graphs of our build (Protocol §2.1.4): the
default graph is then their merge and ``GRAPH ?g`` sees exactly them, as on
the embedded store. The graphs and the build version come from the *load
record* that ``crm-kg load`` writes last (:mod:`crm_kg.store.load`); without one,
from the local manifest, checked against the store.

**Parameters** are bound as on the embedded store, by :func:`crm_kg.sparql.binding.bind`:
a ``VALUES`` block of RDF terms first in the outer ``WHERE`` group and in each
sub-``SELECT`` that names them. Both stores run the same text.

**Faults** are mapped by :mod:`crm_kg.store.upstream` (its table: 502 for a store
that is unreachable, fails or sends what does not parse; 504 for no whole
answer within the deadline, or a partial "anytime" answer; 400 for a query the
store refuses), with ``Retry-After``; a :class:`~crm_kg.store.upstream.Breaker`
stops asking a store that keeps failing for a few seconds. The client has a
deadline (``timeout``, the endpoint's ``query_timeout``) for the whole answer,
checked between reads, so a store that trickles its answer is cut off too.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from ..errors import (
    BadGateway,
    GatewayTimeout,
    NotSerializable,
    QuerySyntaxError,
    StoreError,
    Unavailable,
)
from ..media import oxigraph_format
from ..sparql.binding import FORMS, bind, keywords
from ..sparql.results import Result, Serialized, write_boolean
from ..sparql.results import write as write_results
from ..sparql.scan import scan
from ..sparql.terms import RDF_LANG_STRING, XSD_STRING, from_ox
from .interface import Dataset
from .snapshot import DATASET_FILE, read_manifest
from .upstream import Breaker, check_complete, remote_errors

# Virtuoso turns every geo:wktLiteral it loads into its own geometry type (and rounds the
# coordinates: openlink/virtuoso-opensource#456, #803, #808); read it back as what was loaded
DATATYPE_ALIASES = {"http://www.openlinksw.com/schemas/virtrdf#Geometry":
                    "http://www.opengis.net/ont/geosparql#wktLiteral"}
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
LOAD_GRAPH = "graph/load"          # under base_iri: the record crm-kg load writes last

RECORD_QUERY = """SELECT ?version ?modified ?graph ?triples WHERE {
  GRAPH $record { $record <http://purl.org/dc/terms/identifier> ?version ;
                    <http://purl.org/dc/terms/hasPart> ?graph .
                  OPTIONAL { $record <http://purl.org/dc/terms/modified> ?modified }
                  OPTIONAL { ?graph <http://rdfs.org/ns/void#triples> ?triples } }
}"""
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH $graph { ?s ?p ?o } }"


# -- the connection ----------------------------------------------------------------------------
class _WithoutDatasetEcho:
    """A response stream that leaves out Virtuoso's echo of the request's dataset.

    Virtuoso answers one ``X-SPARQL-default-graph`` / ``-named-graph`` header per graph
    of the request; CPython's http.client refuses an answer with more than 100 headers
    ("got more than 100 headers"), so a build of more than ~48 graphs would be unreadable.
    The echo says nothing we did not send, so it is dropped while the headers are read —
    for this store's connections only, instead of raising ``http.client._MAXHEADERS`` for
    the whole process."""

    ECHO = (b"x-sparql-default-graph", b"x-sparql-named-graph")

    def __init__(self, fp):
        self._fp, self._headers = fp, True

    def readline(self, limit: int = -1) -> bytes:
        while True:
            line = self._fp.readline(limit)
            if self._headers:
                if line in (b"\r\n", b"\n", b""):
                    self._headers = False
                elif line[:22].lower().startswith(self.ECHO):
                    continue
            return line

    def __getattr__(self, name):
        return getattr(self._fp, name)


class _Response(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp = _WithoutDatasetEcho(self.fp)


class _Connection(http.client.HTTPConnection):
    response_class = _Response


class _TLSConnection(http.client.HTTPSConnection):
    response_class = _Response


class _Handler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_Connection, req)


class _TLSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_TLSConnection, req, context=self._context)


_OPENER = urllib.request.build_opener(_Handler, _TLSHandler)
# SPARQLWrapper's mapping of HTTP errors onto its exceptions (SPARQLWrapper.Wrapper._query)
_HTTP_ERRORS = {400: QueryBadFormed, 401: Unauthorized, 404: EndPointNotFound, 414: URITooLong,
                500: EndPointInternalError}


def _send(client: SPARQLWrapper):
    """The request SPARQLWrapper builds, sent through this module's connections; HTTP errors
    become SPARQLWrapper's exceptions, as its own ``query()`` raises them."""
    request = client._createRequest()
    try:
        return _OPENER.open(request, timeout=client.timeout)
    except urllib.error.HTTPError as exc:
        error = _HTTP_ERRORS.get(exc.code)
        if error is None:
            raise
        raise error(exc.read()) from None


def is_distinct(text: str) -> bool:
    """True if the query is ``SELECT DISTINCT`` (its outermost SELECT)."""
    words = keywords(text)
    for word in words:
        if word in FORMS:
            return word == "SELECT" and next(words, "") == "DISTINCT"
    return False


# -- reading answers ------------------------------------------------------------------
def ox_term(binding: dict):
    """A term of SPARQL Results JSON as pyoxigraph term (SPARQL 1.0 ``typed-literal`` too)."""
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if kind in ("literal", "typed-literal"):
        lang = binding.get("xml:lang")
        if lang:
            return ox.Literal(value, language=lang)
        datatype = DATATYPE_ALIASES.get(binding.get("datatype"), binding.get("datatype"))
        if datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)
    if kind == "triple":
        v = binding["value"]
        return ox.Triple(ox_term(v["subject"]), ox_term(v["predicate"]), ox_term(v["object"]))
    raise ValueError(f"unknown term type {kind!r}")


@dataclass
class _Answer:
    kind: str                       # select | ask | graph
    variables: list[str]
    rows: list[list]                # pyoxigraph terms or None, per variable
    boolean: bool | None
    triples: list
    truncated: bool                 # the store cut the answer at its own row limit


class RemoteStore:
    """The store interface over the SPARQL 1.1 endpoint ``endpoint``."""

    def __init__(self, endpoint: str, *, timeout: float = 10.0, graphs: list[str] | None = None,
                 version: str | None = None, user: str | None = None, password: str | None = None,
                 graph_sizes: dict[str, int] | None = None, loaded: str | None = None,
                 breaker: Breaker | None = None):
        self.endpoint, self.timeout = endpoint, float(timeout)
        self.breaker = breaker or Breaker()
        self.retry_after = max(1, round(self.breaker.cooldown))
        self.user, self.password = user, password
        self._graphs = sorted(graphs or [])
        self._version = version
        self._sizes = dict(graph_sizes or {})
        self._loaded = loaded

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, endpoint: str, *, base_iri: str, ttl_dir: Path | None = None,
             timeout: float = 10.0, user: str | None = None,
             password: str | None = None) -> "RemoteStore":
        """Connect and find out what the store holds: the load record, else the local
        manifest's graphs checked against the store. Unreachable: an UpstreamError."""
        probe = cls(endpoint, timeout=timeout, user=user, password=password)
        record = URIRef(base_iri + LOAD_GRAPH)
        rows = probe._ask_rows(RECORD_QUERY, {"record": record})
        if rows:
            sizes = {str(r["graph"]): int(r["triples"]) for r in rows if r.get("triples") is not None}
            graphs = sorted({str(r["graph"]) for r in rows})
            version = str(rows[0]["version"])
            loaded = next((str(r["modified"]) for r in rows if r.get("modified") is not None), None)
            return cls(endpoint, timeout=timeout, graphs=graphs, version=version, user=user,
                       password=password, graph_sizes=sizes, loaded=loaded)
        manifest = read_manifest(ttl_dir) if ttl_dir is not None else {}
        expected = {g["iri"]: g.get("triples") for g in manifest.get("graphs", {}).values()}
        sizes = {}
        for graph in sorted(expected):
            count = probe._ask_rows(COUNT_QUERY, {"graph": URIRef(graph)})
            n = int(count[0]["n"]) if count else 0
            if n:
                sizes[graph] = n
        if not sizes:
            raise StoreError(f"{endpoint} holds none of the graphs of this build and no "
                             "load record; run `crm-kg load --endpoint …` first")
        digest = hashlib.sha256(json.dumps(sorted(sizes.items())).encode()).hexdigest()[:16]
        same = all(sizes.get(g) == n for g, n in expected.items())
        version = (manifest.get("files", {}).get(DATASET_FILE, {}).get("sha256", "")[:16]
                   if same else "") or "remote-" + digest
        return cls(endpoint, timeout=timeout, graphs=sorted(sizes), version=version, user=user,
                   password=password, graph_sizes=sizes)

    def _ask_rows(self, sparql: str, bindings: dict) -> list[dict]:
        """Rows of a bookkeeping query, run against the store's own dataset."""
        answer = self._run(bind(sparql, bindings), "select", dataset=None, own_dataset=True)
        return [{v: from_ox(t) for v, t in zip(answer.variables, row) if t is not None}
                for row in answer.rows]

    # -- the interface --------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self._version or "remote"

    def graphs(self) -> list[str]:
        return list(self._graphs)

    def __len__(self) -> int:
        return sum(self._sizes.values())

    def info(self) -> dict:
        info = {"store": f"remote SPARQL endpoint {self.endpoint}", "graphs": self.graphs(),
                "graph_sizes": dict(self._sizes) if self._sizes else None,
                "triples": len(self) if self._sizes else None, "version": self.version,
                "remote": {"endpoint": self.endpoint, "timeout": self.timeout}}
        if self._loaded:
            info["remote"]["loaded"] = self._loaded
        return info

    def query(self, sparql: str, bindings: dict[str, Node] | None = None,
              limit: int | None = None, dataset: Dataset | None = None) -> Result:
        answer = self._run(bind(sparql, bindings), _form(sparql), dataset)
        if answer.kind == "ask":
            return Result("ask", boolean=answer.boolean)
        items = answer.rows if answer.kind == "select" else answer.triples
        cut = limit is not None and len(items) > limit
        items = items[:limit] if cut else items
        truncated = cut or answer.truncated
        if answer.kind == "select":
            rows = [{v: from_ox(t) for v, t in zip(answer.variables, row)} for row in items]
            return Result("select", answer.variables, rows, truncated=truncated)
        triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in items]
        return Result("graph", triples=triples, truncated=truncated)

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None,
                  limit: int | None = None, dataset: Dataset | None = None) -> Serialized:
        """The answer in ``media_type``, written by the same writers as the embedded store's
        (the store's own serialisations differ in details such as ``typed-literal``)."""
        form = _form(sparql)
        answer = self._run(bind(sparql, bindings), form, dataset)
        kind = answer.kind
        fmt = oxigraph_format(media_type, "rdf" if kind == "graph" else "results")
        if fmt is None:
            raise NotSerializable(f"a {kind.upper() if kind != 'graph' else 'CONSTRUCT/DESCRIBE'} "
                                  f"answer cannot be written as {media_type}", kind)
        if kind == "ask":   # one writer of booleans for every store and surface
            return Serialized(write_boolean(media_type, bool(answer.boolean)), media_type, kind)
        items = answer.rows if kind == "select" else answer.triples
        cut = limit is not None and len(items) > limit
        items = items[:limit] if cut else items
        truncated = cut or answer.truncated
        if kind == "select":
            return Serialized(write_results(media_type, answer.variables, items), media_type, kind,
                              truncated, len(items))
        try:
            body = ox.serialize(items, format=fmt)
        except (OSError, ValueError) as exc:
            raise NotSerializable(f"this answer cannot be written as {media_type}: {exc}", kind) from None
        return Serialized(body, media_type, kind, truncated, len(items))

    # -- the protocol -----------------------------------------------------------------------
    def _client(self, sparql: str, form: str, dataset: Dataset | None, own_dataset: bool,
                timeout: float) -> SPARQLWrapper:
        client = SPARQLWrapper(self.endpoint, agent="crm-kg (SPARQLWrapper)")
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)          # Accept only: no format=/output= parameters
        client.timeout = timeout            # setTimeout() would round it to whole seconds
        client.setReturnFormat(TURTLE if form == "graph" else JSON)
        client.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9" if form == "graph"
                                   else "application/sparql-results+json")
        if self.user and self.password:
            client.setCredentials(self.user, self.password)
        if dataset is not None:
            for graph in dataset.default:
                client.addDefaultGraph(graph)
            for graph in dataset.named:
                client.addNamedGraph(graph)
        elif not own_dataset and not scan(sparql).has_dataset and self._graphs:
            for graph in self._graphs:     # our union default graph, and only our graphs
                client.addDefaultGraph(graph)
                client.addNamedGraph(graph)
        client.setQuery(sparql)
        return client

    def _run(self, sparql: str, form: str, dataset: Dataset | None,
             own_dataset: bool = False, timeout: float | None = None) -> _Answer:
        """One request: the whole answer read and parsed within the deadline, or an error
        (:mod:`crm_kg.store.upstream`); the breaker counts failures of the store, not of the query."""
        timeout = timeout or self.timeout
        self.breaker.before(self.endpoint)
        client = self._client(sparql, form, dataset, own_dataset, timeout)
        deadline = time.monotonic() + timeout
        try:
            with remote_errors(self.endpoint, timeout, self.retry_after):
                response = _send(client)
                with response:
                    check_complete(self.endpoint, response.status, response.headers, self.retry_after)
                    state = response.headers.get("X-SQL-State", "")
                    if state:      # Virtuoso reports another error with a success status
                        raise BadGateway(f"the SPARQL store at {self.endpoint} reported {state}: "
                                         f"{response.headers.get('X-SQL-Message', '')}", self.retry_after)
                    body = self._read(response, deadline, timeout)
                    content_type = response.headers.get("Content-Type", "")
                    truncated = response.headers.get("X-SPARQL-MaxRows") is not None
                answer = self._parse(body, content_type, form, truncated,
                                     distinct=form == "select" and is_distinct(sparql))
        except QuerySyntaxError:
            self.breaker.succeeded()            # the store is fine; the query is not
            raise
        except Unavailable:
            self.breaker.failed()
            raise
        self.breaker.succeeded()
        return answer

    def _read(self, response, deadline: float, timeout: float) -> bytes:
        chunks = []
        read = getattr(response, "read1", response.read)
        while True:
            if time.monotonic() > deadline:
                raise GatewayTimeout(f"the SPARQL store at {self.endpoint} did not finish its answer "
                                     f"within {timeout:g} s", self.retry_after)
            chunk = read(1 << 16)      # what has arrived: the deadline is checked between reads
            if not chunk:
                body = b"".join(chunks)
                if getattr(response, "length", None):      # read1 ends quietly at a dropped connection
                    raise http.client.IncompleteRead(body, response.length)
                return body
            chunks.append(chunk)

    def _parse(self, body: bytes, content_type: str, form: str, truncated: bool,
               distinct: bool = False) -> _Answer:
        mime = content_type.split(";")[0].strip().lower()
        try:
            if form == "graph":
                fmt = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                       "application/rdf+xml": ox.RdfFormat.RDF_XML}.get(mime, ox.RdfFormat.TURTLE)
                triples = [q.triple for q in ox.parse(body, format=fmt)]
                return _Answer("graph", [], [], None, triples, truncated)
            data = json.loads(body)
            if "boolean" in data:
                return _Answer("ask", [], [], bool(data["boolean"]), [], False)
            if form == "ask":    # Virtuoso 7.2: ASK as a row of ?__ASK_RETVAL (1), or no row
                rows = data["results"]["bindings"]
                value = next(iter(rows[0].values()), {}).get("value", "0") if rows else "0"
                return _Answer("ask", [], [], value not in ("0", "false", ""), [], False)
            variables = list(data["head"]["vars"])
            rows = [[ox_term(b[v]) if v in b else None for v in variables]
                    for b in data["results"]["bindings"]]
            if distinct:    # Virtuoso 7.2 can repeat rows of a SELECT DISTINCT (sub-selects over
                rows = list({tuple(map(_key, row)): row for row in rows}.values())   # several graphs)
            return _Answer("select", variables, rows, None, [], truncated)
        except (ValueError, KeyError, TypeError, SyntaxError) as exc:
            raise BadGateway(f"the SPARQL store at {self.endpoint} sent an answer that does not parse "
                             f"({type(exc).__name__}: {str(exc)[:200]}); nothing of it is served",
                             self.retry_after) from None

    def ready(self) -> tuple[bool, str]:
        """(True, "") if the store answers ``ASK {}`` within two seconds (``/readyz``)."""
        try:
            self._run("ASK {}", "ask", None, own_dataset=True, timeout=min(self.timeout, 2.0))
        except (StoreError, Unavailable) as exc:
            return False, str(exc)
        return True, ""

    def close(self) -> None:
        """Nothing to release: every call opens its own connection."""


def _key(term) -> str | None:
    return None if term is None else str(term)


def _form(sparql: str) -> str:
    form = scan(sparql).form
    return {"ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(form or "", "select")


def open_remote(settings) -> RemoteStore:
    """The remote store the settings name (``store = "remote"``, ``endpoint``)."""
    if not settings.endpoint:
        raise StoreError("store = remote needs an endpoint (--endpoint URL or CRM_KG_ENDPOINT)")
    ttl_dir = Path(settings.ttl_dir)
    return RemoteStore.open(settings.endpoint, base_iri=settings.base_iri,
                            ttl_dir=ttl_dir if (ttl_dir / "manifest.json").is_file() else None,
                            timeout=settings.query_timeout, user=settings.remote_user or None,
                            password=settings.remote_password or None)
