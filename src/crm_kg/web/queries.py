"""Saved queries as a web page (``/queries``) and an API (``/api/queries``).

Parameters come from the query string, are typed and checked by
:mod:`crm_kg.queries` and, for IRI parameters of a class, against the class's
members in the graph (a closed list); a bad value is HTTP 400 naming the
parameter. Answers are SPARQL 1.1 Query Results JSON (or CSV by ``Accept``).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request
from rdflib import Literal, URIRef

from ..queries import ParamError, SavedQuery, UnknownQuery
from ..store import StoreError
from .cache import cached
from .i18n import pick
from .negotiation import NotAcceptable, choose
from .render import cell, csv_text

bp = Blueprint("queries", __name__)

MEMBERS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?value (SAMPLE(?l) AS ?label) ?class ?lang WHERE {
  ?value a ?class .
  OPTIONAL { ?value rdfs:label ?l . FILTER(LANG(?l) = STR(?lang) || LANG(?l) = "") }
} GROUP BY ?value ?class ?lang ORDER BY ?value"""


def _library():
    return current_app.extensions["crm_kg.queries"]


def _store():
    return current_app.extensions["crm_kg.store"]


def allowed_values(query: SavedQuery, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Closed lists per parameter: (value as typed in the form, label)."""
    out = {}
    for p in query.params:
        if p.allowed:
            out[p.name] = [(str(a), str(a)) for a in p.allowed]
        elif p.type == "iri" and p.cls:
            result = _store().query(MEMBERS, {"class": URIRef(p.cls), "lang": Literal(lang)})
            values = []
            for row in result.rows:
                iri = str(row["value"])
                shown = iri[len(p.base):] if p.base and iri.startswith(p.base) else iri
                values.append((shown, str(row.get("label") or shown)))
            out[p.name] = values
    return out


def run(query: SavedQuery, args: dict, lang: str):
    """Bind, check closed lists, run. Raises ParamError for bad input."""
    bindings = query.bind(args)
    closed = allowed_values(query, lang)
    for p in query.params:
        if p.type == "iri" and p.cls and p.name in bindings:
            members = {(p.base or "") + v if not v.startswith("http") else v for v, _ in closed.get(p.name, [])}
            if str(bindings[p.name]) not in members:
                raise ParamError(p.name, f"{args.get(p.name, p.default)!r} is not one of the allowed values")
    settings = current_app.extensions["crm_kg.settings"]
    return _store().query(query.text, bindings, limit=settings.max_result_rows), closed


def _args(query: SavedQuery) -> dict:
    args = {k: v for k, v in request.args.items() if k not in ("format", "lang") or query.param(k)}
    if query.param("lang") and "lang" not in args:
        args["lang"] = g.lang
    return args


def _param_error(exc: ParamError) -> Response:
    response = jsonify({"error": str(exc), "param": exc.param, "detail": exc.detail})
    response.status_code = 400
    return response


@bp.route("/queries")
def index():
    lang = g.lang
    groups = {tag: sorted(qs, key=lambda q: q.label(lang)) for tag, qs in _library().by_tag().items()}
    return render_template("queries.html", groups=groups, lang=lang, pick=pick)


@bp.route("/queries/<name>")
@cached
def page(name: str):
    try:
        query = _library().get(name)
    except UnknownQuery:
        abort(404)
    lang = g.lang
    args = _args(query)
    error, result, closed = None, None, allowed_values(query, lang)
    try:
        result, closed = run(query, args, lang)
    except ParamError as exc:
        error = exc
    except StoreError as exc:
        return Response(str(exc), status=502, mimetype="text/plain")
    values = {p.name: args.get(p.name, p.default) for p in query.params}
    table = None
    if result is not None:
        shown = [v for v in result.variables if not query.param(v)]
        table = {"variables": shown,
                 "rows": [[cell(row.get(v)) for v in shown] for row in result.rows],
                 "truncated": result.truncated}
    return render_template("query.html", query=query, lang=lang, pick=pick, values=values,
                           closed=closed, error=error, table=table), (400 if error else 200)


@bp.route("/api/queries")
def api_index():
    return jsonify([{
        "name": q.name, "title": q.title, "description": q.description, "tags": list(q.tags),
        "url": f"/api/queries/{q.name}",
        "params": [{"name": p.name, "type": p.type, "label": p.label, "default": p.default,
                    "class": p.cls, "allowed": list(p.allowed) or None} for p in q.params],
    } for q in _library()])


@bp.route("/api/queries/<name>")
@cached
def api_query(name: str):
    try:
        query = _library().get(name)
    except UnknownQuery as exc:
        return jsonify({"error": str(exc)}), 404
    try:
        result, _ = run(query, _args(query), g.lang)
    except ParamError as exc:
        return _param_error(exc)
    except StoreError as exc:
        return jsonify({"error": str(exc)}), 502
    offers = ["application/sparql-results+json", "application/json", "text/csv"]
    try:
        mime = choose(request.accept_mimetypes, offers, request.args.get("format"),
                      {"json": "application/sparql-results+json", "csv": "text/csv"})
    except NotAcceptable as exc:
        return Response("not acceptable; supported: " + ", ".join(exc.supported), 406)
    headers = {"X-Result-Truncated": "true"} if result.truncated else {}
    if mime == "text/csv":
        return Response(csv_text(result.variables, result.rows), mimetype="text/csv", headers=headers)
    response = jsonify(result.to_json())
    response.mimetype = mime
    response.headers.update(headers)
    return response
