"""The SPARQL 1.1 Protocol endpoint (W3C Recommendation, 2013): ``/sparql``.

* Queries by ``GET ?query=``, ``POST`` form ``query=`` or ``POST
  application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri``
  select graphs of the store (never fetched). Requests are read and checked
  by :mod:`.guard` before any engine sees them.
* SELECT/ASK answers in SPARQL Results JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE
  in Turtle, N-Triples, RDF/XML, JSON-LD; HTML (the editor with a results
  table) for browsers. Chosen by ``Accept`` (q-values) or ``format=``
  (:mod:`.negotiation`, RFC 9110); when nothing acceptable fits the query
  form, the form's default (SPARQL JSON, Turtle), as Fuseki answers.
* ``GET /sparql`` without a query: the SPARQL 1.1 Service Description
  (Turtle, or by ``Accept``), or the query editor for a browser.
* Limits: answers are cut at ``max_result_rows`` (``X-Result-Truncated: true``
  and a note on the page); the store runs each query under a deadline
  (:mod:`crm_kg.store.pool`: 503 with ``Retry-After`` when it is stopped).
* Errors are short text (or the editor page for a browser), never a trace.
  CORS: any origin may read answers; POST with a SPARQL body is preflighted.
"""

from __future__ import annotations

from json import dumps
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, g, render_template, request
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from ..errors import (
    NotSerializable,
    QueryEvaluationError,
    QuerySyntaxError,
    StoreError,
    Unavailable,
)
from ..media import (
    BY_TYPE,
    CSV,
    HTML,
    JSON,
    JSONLD,
    NTRIPLES,
    RDFXML,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    Offers,
)
from ..sparql.explain import Problem, explain
from ..sparql.prologue import COMMON, complete_prefixes
from . import shares, state, vendor
from .guard import Refused, SparqlRequest, check_dataset, check_query, read_request
from .i18n import pick
from .negotiation import NotAcceptable, choose, prefers_html
from .render import cell, iri_map, local_href

bp = Blueprint("sparql", __name__)

# what each query form is answered in, best first (the media types of crm_kg.media)
RESULTS = Offers(SPARQL_JSON, SPARQL_XML, CSV, TSV, JSON, HTML)
GRAPHS = Offers(TURTLE, NTRIPLES, RDFXML, JSONLD, HTML)
DESCRIPTION = Offers(TURTLE, HTML, NTRIPLES, RDFXML, JSONLD)
EXPOSED = "X-Result-Truncated, X-Result-Limit, Retry-After, Content-Type"
EDITOR_FORMATS = [("html", "HTML table"), ("json", "JSON"), ("xml", "XML"), ("csv", "CSV"),
                  ("tsv", "TSV"), ("turtle", "Turtle"), ("ntriples", "N-Triples"),
                  ("rdfxml", "RDF/XML"), ("jsonld", "JSON-LD")]
DEFAULT_QUERY = """SELECT ?recommendation ?label WHERE {
  ?recommendation a crm:Recommendation ; rdfs:label ?label .
  FILTER(LANG(?label) = "en")
} LIMIT 20
"""

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DCT = Namespace("http://purl.org/dc/terms/")


def _settings():
    return state.settings()


def _store():
    return state.store()


@bp.after_request
def _cors(response: Response) -> Response:
    """Answers are public and read-only: any origin may read them (no credentials)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return vendor.allow_widget_styles(response)   # the editor page runs YASGUI


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint():
    if request.method == "OPTIONS":
        return _preflight()
    settings, store = _settings(), _store()
    try:
        req = read_request(request, settings.max_query_bytes)
    except Refused as exc:
        return _error(str(exc), exc.status, None, html=_wants_html(None))
    html = _wants_html(req)
    if req.query is None and request.method == "POST":
        return _error("a POST to this endpoint needs a query (SPARQL 1.1 Protocol §2.1)", 400, req, html=html)
    if req.query is None:
        return _describe(req)
    graphs = set(store.graphs())
    try:
        dataset = check_dataset(req, graphs)
        form = check_query(req.query, graphs, settings.max_query_nesting)
    except Refused as exc:
        return _error(str(exc), exc.status, req, html=html)
    offers = GRAPHS if form == "graph" else RESULTS
    try:
        mime = choose(request.headers.get("Accept"), offers, req.formats, fallback=True)
    except NotAcceptable as exc:
        return _error("not acceptable; this answer is available as: " + ", ".join(exc.supported),
                      406, req, html=html)
    limit = settings.max_result_rows
    completed = complete_prefixes(req.query)      # rdf:, crm:, skos:… need no declaration
    try:
        if mime == HTML:     # a table a browser can show, rendered well inside the deadline
            shown = min(limit, settings.html_result_rows)
            with shares.deadline(settings):
                result = store.query(completed.text, limit=shown, dataset=dataset)
            with shares.rendering(settings, _cells(result)):
                return _page(req, result=result, shown=shown), 200, _truncation(result.truncated, shown)
        with shares.deadline(settings):
            answer = store.serialize(completed.text, mime, limit=limit, dataset=dataset)
    except QuerySyntaxError as exc:
        problem = explain(req.query, str(exc), completed.shift, g.lang)   # the page's language
        return _error(str(problem), 400, req, html=html, problem=problem, json=_asked_json(req, mime))
    except QueryEvaluationError as exc:
        return _error(str(exc), 400, req, html=html, json=_asked_json(req, mime))
    except NotSerializable as exc:
        supported = list(GRAPHS if exc.kind == "graph" else RESULTS)
        return _error(f"{exc}; this answer is available as: {', '.join(supported)}", 406, req, html=html)
    except Unavailable as exc:
        return _error(str(exc), exc.status, req, html=html, headers={"Retry-After": str(exc.retry_after)})
    except StoreError as exc:
        return _error(str(exc), 502, req, html=html)
    return Response(answer.body, mimetype=mime, headers=_truncation(answer.truncated, limit))


def _cells(result) -> int:
    """How many cells an answer makes as an HTML table."""
    if result.kind == "graph":
        return 3 * len(result.triples)
    return len(getattr(result, "rows", None) or []) * max(1, len(getattr(result, "variables", None) or []))


def _asked_json(req: SparqlRequest, mime: str) -> bool:
    """The client asked for JSON by name (``Accept`` or ``format=``), not by default."""
    named = req.formats or [m for m, _ in request.accept_mimetypes]
    return mime in (SPARQL_JSON, JSON) and any("json" in m.lower() for m in named)


def _truncation(truncated: bool, limit: int) -> dict:
    return {"X-Result-Truncated": "true", "X-Result-Limit": str(limit)} if truncated else {}


def _preflight() -> Response:
    """CORS preflight (Fetch standard): GET and POST from any origin, with Accept and Content-Type."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _wants_html(req: SparqlRequest | None) -> bool:
    if req is not None and req.formats:
        return req.formats[0].lower() in ("html", HTML)
    return prefers_html(request.headers.get("Accept"))


def _error(message: str, status: int, req: SparqlRequest | None, html: bool,
           headers: dict | None = None, problem: Problem | None = None, json: bool = False):
    """The error as the editor page, as JSON (for a client that asked for JSON results:
    ``{"error", "message", "line", "column", …}``) or as one line of text."""
    if html:
        return _page(req, error=message, problem=problem), status, headers or {}
    if json:
        body = problem.to_json() if problem is not None else {"error": "request", "message": message}
        return Response(dumps(body, ensure_ascii=False) + "\n", status=status,
                        mimetype="application/json", headers=headers)
    return Response(message + "\n", status=status, mimetype="text/plain", headers=headers)


# -- the editor page ------------------------------------------------------------------
def _prefixes() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in COMMON.items())


def _declared(text: str) -> str:
    """The query for the editor: the common prefixes it uses declared on lines of their own
    (the endpoint adds them itself; the editor's syntax check wants them written)."""
    completed = complete_prefixes(text)
    return "".join(f"PREFIX {p}: <{COMMON[p]}>\n" for p in completed.added) + text


def _example_text(query, lang: str = "en") -> str:
    """A saved query as editor text: its parameters listed in comments (left unbound)."""
    lines = [f"# {query.label(lang)}"]
    if query.params:
        lines.append("# Parameters (unbound here, so every value matches; the form binds them):")
        lines += [f"#   ${p.name}: {p.type}" + (f", default {p.default}" if p.default is not None else "")
                  for p in query.params]
    return "\n".join(lines) + "\n" + query.text


def _named(term, index, lang: str, iris=None) -> dict:
    """A cell whose IRI shows its name (the IRI stays in the link's title)."""
    out = cell(term, iris)
    if out["kind"] == "iri" and index is not None and index.has_label(out["text"]):
        out["label"] = index.label(out["text"], lang)
    return out


def _table(result, lang: str = "en") -> dict:
    """The rows of a results table, each distinct term made a cell once (a table of 500 rows
    repeats most of its terms: this halves the time the web process spends on it)."""
    if result.kind == "ask":
        return {"boolean": result.boolean}
    index, iris, cells = _label_index(), iri_map(), {}

    def named(term):
        key = (type(term), term, getattr(term, "language", None), getattr(term, "datatype", None))
        found = cells.get(key)
        if found is None:
            found = cells[key] = _named(term, index, lang, iris)
        return found
    if result.kind == "graph":
        return {"variables": ["subject", "predicate", "object"],
                "rows": [[named(t) for t in triple] for triple in result.triples],
                "truncated": result.truncated}
    return {"variables": result.variables,
            "rows": [[named(row.get(v)) for v in result.variables] for row in result.rows],
            "truncated": result.truncated}


def _label_index():
    """The app's label index (:mod:`.index`), or None when it cannot be built."""
    from .ld import services

    try:
        return services()["index"]
    except StoreError:
        return None


def _context(text: str, problem: Problem | None) -> str:
    """The line of the query the problem is on, with a caret under its column."""
    if problem is None or not problem.line:
        return ""
    lines = text.split("\n")
    if problem.line > len(lines):
        return ""
    line = lines[problem.line - 1].rstrip("\r")
    caret = " " * (max(1, problem.column or 1) - 1) + "^"
    return f"{problem.line:>4} | {line}\n       {caret}"


@bp.route("/api/labels", methods=["GET", "POST"])
def labels():
    """Names of IRIs for the editor's result table: ``iri=`` (repeated, up to 1000) →
    ``{iri: {"label", "href"}}`` in the page's language; IRIs without a name are left out."""
    iris = (request.form.getlist("iri") if request.method == "POST" else request.args.getlist("iri"))[:1000]
    index, lang = _label_index(), g.lang
    out = {}
    for iri in iris:
        if index is not None and index.has_label(iri):
            out[iri] = {"label": index.label(iri, lang), "href": local_href(iri)}
    response = Response(dumps(out, ensure_ascii=False), mimetype="application/json")
    response.vary.add("Accept-Language")
    return response


def _page(req: SparqlRequest | None, result=None, error: str | None = None, problem: Problem | None = None,
          shown: int | None = None):
    settings, library = _settings(), state.library()
    text = req.query if req is not None and req.query is not None else None
    if text is None and req is not None and req.first("example"):
        saved = library.queries.get(req.first("example"))
        text = _example_text(saved) if saved is not None else None
    if text is None:
        text = _prefixes() + "\n" + DEFAULT_QUERY
    chosen = set(req.default_graphs) if req is not None else set()
    permalink = None
    if result is not None and len(text) <= 2000:
        permalink = "/sparql?" + urlencode([("query", text), ("format", "html")]
                                           + [("default-graph-uri", gr) for gr in sorted(chosen)])
    download = None         # a cut table links to the whole answer, in a machine format
    if result is not None and result.truncated and req is not None and req.query is not None:
        download = "/sparql?" + urlencode([("query", text), ("format", "turtle" if result.kind == "graph" else "csv")]
                                          + [("default-graph-uri", gr) for gr in sorted(chosen)])
    info = _store().info()
    return render_template(
        "sparql.html", lang=g.lang, pick=pick, query=text, error=error, problem=problem,
        editor_query=_declared(text),
        prefixes=COMMON, editor=vendor.available("yasgui"),
        table=_table(result, g.lang) if result is not None else None,
        problem_context=_context(text, problem), example_text=_example_text, declared=_declared, limit=settings.max_result_rows,
        timeout=settings.query_timeout, formats=EDITOR_FORMATS, shown=shown or settings.max_result_rows,
        download=download,
        chosen_format=(req.formats[0] if req is not None and req.formats else "html"),
        graphs=info.get("graph_sizes") or {gr: None for gr in info.get("graphs", [])},
        chosen_graphs=chosen, examples=list(library), permalink=permalink, triples=info.get("triples"))


# -- the service description --------------------------------------------------------
def _describe(req: SparqlRequest):
    try:
        mime = choose(request.headers.get("Accept"), DESCRIPTION, req.formats)
    except NotAcceptable as exc:
        return Response("not acceptable; the service description is available as: "
                        + ", ".join(exc.supported) + "\n", status=406, mimetype="text/plain")
    if mime == HTML:
        return _page(req)
    graph = service_description(_endpoint_iri(), _store().info(), _settings())
    return Response(graph.serialize(format=BY_TYPE[mime].rdflib, encoding="utf-8"), mimetype=mime)


def _endpoint_iri() -> str:
    """This endpoint's IRI from the request, percent-encoded so no Host header can break out."""
    return quote(request.base_url, safe=":/?#[]@!$&'()*+,;=%-._~")


def service_description(endpoint: str, info: dict, settings) -> Graph:
    """SPARQL 1.1 Service Description (W3C Recommendation, 2013) with VoID counts."""
    graph = Graph()
    for prefix, ns in (("sd", SD), ("void", VOID), ("formats", FORMATS), ("dct", DCT)):
        graph.bind(prefix, ns)
    service, dataset, default = URIRef(endpoint), URIRef(endpoint + "#dataset"), URIRef(endpoint + "#default-graph")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        graph.add((service, SD.resultFormat, FORMATS[name]))
    graph.add((service, DCT.title, Literal("crm-kg: critical raw materials in the Dutch provinces", lang="en")))
    graph.add((service, RDFS.comment, Literal(
        f"Read-only. Each query is stopped after {settings.query_timeout:g} s (HTTP 503 with Retry-After); "
        f"answers are cut at {settings.max_result_rows} rows (header X-Result-Truncated); queries up to "
        f"{settings.max_query_bytes} bytes. SERVICE, updates and graphs outside this store are refused. "
        "The default graph is the union of the named graphs.", lang="en")))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    if info.get("triples") is not None:
        graph.add((default, VOID.triples, Literal(int(info["triples"]), datatype=XSD.integer)))
    sizes = info.get("graph_sizes") or {name: None for name in info.get("graphs", [])}
    for name, size in sorted(sizes.items()):
        named, inner = URIRef(f"{endpoint}#graph-{quote(name, safe='')}"), URIRef(name)
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, inner))
        if size is not None:
            described = URIRef(f"{endpoint}#graph-{quote(name, safe='')}-description")
            graph.add((named, SD.graph, described))
            graph.add((described, RDF.type, SD.Graph))
            graph.add((described, VOID.triples, Literal(int(size), datatype=XSD.integer)))
    return graph
