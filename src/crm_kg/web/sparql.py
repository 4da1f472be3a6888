"""The SPARQL 1.1 Protocol endpoint (W3C Recommendation, 2013): ``/sparql``.

Query by GET ``?query=``, POST form ``query=`` or POST
``application/sparql-query``; results chosen by ``Accept`` (q-values) or
``format=``. Read-only: updates are refused, ``SERVICE`` and foreign ``FROM``
graphs are refused before evaluation (:mod:`.guard`).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from ..iri import PREFIXES
from ..store import RDF_FORMATS, RESULT_FORMATS, QuerySyntaxError, StoreError
from .guard import Refused, check_query
from .negotiation import NotAcceptable, choose

bp = Blueprint("sparql", __name__)

RESULT_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json"]
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
assert set(RESULT_TYPES) <= set(RESULT_FORMATS) and set(GRAPH_TYPES) <= set(RDF_FORMATS)
FORMAT_ALIASES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
                  "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
                  "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}


def _error(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _query_text() -> str | None:
    if request.method == "POST":
        ctype = request.mimetype
        if ctype == "application/sparql-query":
            return request.get_data(as_text=True)
        if ctype == "application/sparql-update" or "update" in request.form:
            raise Refused("SPARQL Update is not allowed: this endpoint is read-only", 403)
        if ctype == "application/x-www-form-urlencoded":
            return request.form.get("query")
        raise Refused(f"unsupported content type {ctype!r}; use application/sparql-query "
                      "or application/x-www-form-urlencoded", 415)
    if "update" in request.args:
        raise Refused("SPARQL Update is not allowed: this endpoint is read-only", 403)
    return request.args.get("query")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    store = current_app.extensions["crm_kg.store"]
    try:
        text = _query_text()
    except Refused as exc:
        return _error(str(exc), exc.status)
    if not text:
        if request.accept_mimetypes.best_match(["text/html", "text/turtle"]) == "text/html":
            prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
            examples = list(current_app.extensions["crm_kg.queries"])
            return render_template("sparql.html", prefixes=prefixes, examples=examples)
        return Response(service_description(request.base_url), mimetype="text/turtle")
    try:
        form = check_query(text, set(store.graphs()))
    except Refused as exc:
        return _error(str(exc), exc.status)
    offers = GRAPH_TYPES if form == "graph" else RESULT_TYPES
    try:
        mime = choose(request.accept_mimetypes, offers, request.values.get("format"), FORMAT_ALIASES)
    except NotAcceptable as exc:
        return _error("not acceptable; supported: " + ", ".join(exc.supported), 406)
    try:
        body = store.serialize(text, mime)
    except QuerySyntaxError as exc:
        return _error(str(exc), 400)
    except StoreError as exc:
        return _error(str(exc), 502)
    return Response(body, mimetype=mime, headers={"Access-Control-Allow-Origin": "*"})


def service_description(endpoint: str) -> str:
    """SPARQL 1.1 Service Description (W3C Recommendation, 2013), in Turtle."""
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_XML> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV> ,
        <http://www.w3.org/ns/formats/SPARQL_Results_TSV> ,
        <http://www.w3.org/ns/formats/Turtle> , <http://www.w3.org/ns/formats/N-Triples> ,
        <http://www.w3.org/ns/formats/RDF_XML> , <http://www.w3.org/ns/formats/JSON-LD> ;
    sd:feature sd:UnionDefaultGraph .
"""
