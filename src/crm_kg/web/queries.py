"""Saved queries as web pages (``/queries``) and an API (``/api/queries``).

* ``/queries`` — the library grouped by topic (tag), searchable with ``?q=``
  (a plain GET form: works without script) and ``?tag=``, in English or Dutch.
* ``/queries/<name>`` — the question, its parameters as a form (drop-downs for
  closed lists, named in the reader's language), the answer as a table with
  links and names, its count and pages (``offset``/``limit``), a chart where
  the header asks for one, the SPARQL on demand with a link that opens it in
  the SPARQL editor, and downloads (CSV, JSON, Turtle). A bad value is a 400
  page naming the parameter. ``/queries/<name>/chart.svg`` is the chart alone.
* ``/api/queries`` — the library with every parameter (type, default, bounds,
  closed list with names); ``/api/queries/<name>`` — the answer as SPARQL 1.1
  Query Results JSON, CSV or Turtle by ``Accept`` or ``format=``, in pages:
  ``limit`` (default :data:`~.openapi.DEFAULT_PAGE`) and ``offset``, the total
  in ``X-Total-Count``, the other pages in ``Link`` (RFC 8288). A bad value is
  a JSON 400 naming the parameter.

Parameters are typed, checked against their closed lists and bound as RDF
terms (:mod:`crm_kg.sparql.library`); the query text is never edited.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from rdflib import Graph

from ..errors import StoreError, Unavailable
from ..media import CSV, JSON, JSONLD, NTRIPLES, SPARQL_JSON, TSV, TURTLE, Offers
from ..sparql import keyset
from ..sparql.library import ParamError, SavedQuery, UnknownQuery
from ..sparql.results import write_answer
from . import answers, state
from .cache import cached
from .charts import Chart
from .i18n import pick
from .negotiation import NotAcceptable, choose
from .openapi import DEFAULT_PAGE
from .rdfdoc import serialize
from .wording import t, tag_name

bp = Blueprint("queries", __name__)

PAGE_ROWS = 100                      # rows per page of the HTML table
CONTROL = {"format", "lang", "limit", "offset", "q", "page"}
# what each query form is answered in, best first (Turtle of a SELECT: the W3C result-set vocabulary)
SELECT_OFFERS = Offers(SPARQL_JSON, JSON, CSV, TSV, TURTLE)
ASK_OFFERS = Offers(SPARQL_JSON, JSON, CSV, TSV)
GRAPH_OFFERS = Offers(TURTLE, NTRIPLES, JSONLD)
EXPOSED = "Link, X-Total-Count, X-Result-Truncated, Retry-After, Content-Type"


def _library():
    return state.library()


def _settings():
    return state.settings()


def _get(name: str) -> SavedQuery | None:
    try:
        return _library().get(name)
    except UnknownQuery:
        return None


def _raw(query: SavedQuery) -> dict:
    """The query's parameters from the query string; ``lang`` defaults to the page's language."""
    raw = {k: v for k, v in request.args.items() if k not in CONTROL or query.param(k)}
    if query.param("lang") and "lang" not in raw:
        raw["lang"] = g.lang
    return raw


def bound(query: SavedQuery, raw: dict) -> dict:
    """Typed bindings, checked against the closed lists; ParamError names a bad parameter."""
    bindings = query.bind(raw)
    answers.choices().check(query, bindings)
    return bindings


def paging(default: int) -> tuple[int, int]:
    """``offset`` and ``limit`` from the query string (ParamError when malformed)."""
    top = _settings().max_result_rows
    out = []
    for name, fallback, low in (("offset", 0, 0), ("limit", default, 1)):
        text = request.args.get(name, "").strip()
        if not text:
            out.append(fallback)
            continue
        if not text.isdigit() or len(text) > 9:
            raise ParamError(name, f"{text!r} is not a whole number")
        value = int(text)
        if value < low or (name == "limit" and value > top):
            raise ParamError(name, f"{value} is outside {low}–{top if name == 'limit' else '∞'}")
        out.append(value)
    return out[0], out[1]


def _url(path: str, params: dict) -> str:
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    return path + ("?" + query if query else "")


@bp.after_request
def _cors(response: Response) -> Response:
    """API answers are public and read-only: any origin may read them (no credentials)."""
    if request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


# -- the library ---------------------------------------------------------------------

@bp.route("/queries")
def index():
    lang = g.lang
    library = _library()
    text = request.args.get("q", "").strip()[:200]
    tag = request.args.get("tag", "").strip()
    found = library.search(text) if text else list(library)
    if tag:
        found = [q for q in found if tag in q.tags]
    groups = library.by_tag(found)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "other", tag_name(kv[0], lang).casefold()))
    groups = {k: sorted(v, key=lambda q: q.label(lang).casefold()) for k, v in ordered}
    all_tags = sorted(library.by_tag(), key=lambda k: tag_name(k, lang).casefold())
    return render_template("queries.html", groups=groups, lang=lang, pick=pick, t=t, tag_name=tag_name,
                           text=text, tag=tag, found=len(found), total=len(library), all_tags=all_tags)


# -- one question as a page ------------------------------------------------------------

@bp.route("/queries/<name>")
@cached
def page(name: str):
    query = _get(name)
    if query is None:
        abort(404)
    lang = g.lang
    raw = _raw(query)
    options = answers.form_choices(query, lang)
    values = answers.form_values(query, raw)
    errors = answers.form_errors(query, raw, lang, options)   # every bad field at once, beside it
    context = {"query": query, "lang": lang, "pick": pick, "t": t, "error": None, "answer": None,
               "options": options, "values": values, "errors": errors,
               "dependencies": {p.name: answers.depends_on(query, p) for p in query.params}}
    try:
        if errors:
            raise ParamError(next(iter(errors)), errors[next(iter(errors))])
        bindings = bound(query, raw)
        offset, limit = paging(PAGE_ROWS)
    except ParamError as exc:
        context["error"] = exc
        if exc.param not in errors:
            errors[exc.param] = exc.detail
        return render_template("query.html", **context), 400
    context["answer"] = _answer_view(query, answers.page(query, bindings, offset, limit),
                                     bindings, raw, lang, offset, limit)
    return render_template("query.html", **context)


def _answer_view(query, page, bindings, raw, lang, offset, limit) -> dict:
    result, page_rows, total = page.result, page.rows, page.total
    view = {"kind": result.kind, "total": total, "more": page.more, "truncated": result.truncated,
            "limit": _settings().max_result_rows, "first": offset + 1 if page_rows else 0,
            "last": offset + len(page_rows), "boolean": result.boolean}
    if result.kind == "select":
        view["table"] = answers.table(query, result, bindings, lang, page_rows)
    elif result.kind == "graph":
        graph_index = answers.index()
        view["table"] = {"headings": ["subject", "predicate", "object"], "rows": [
            [answers.cell(term, None, lang, graph_index) for term in triple] for triple in page_rows]}
    if query.chart and result.kind == "select":
        labels = {iri: name for name, iri in answers.label_columns(query, result.variables, set()).items()}
        svg = Chart(query.chart, result, labels, answers.index(), lang, query.label(lang)).svg()
        view["chart"] = Markup(svg) if svg else None  # noqa: S704 — charts.py escapes every text
        # a keyed answer's chart is its page's: the SVG link names the same page
        view["chart_href"] = _url(url_for("queries.chart", name=query.name),
                                  {**raw, "offset": offset or None, "limit": limit if limit != PAGE_ROWS else None}
                                  if query.pages else raw)
    base = url_for("queries.page", name=query.name)
    if offset > 0:
        view["prev"] = _url(base, {**raw, "offset": max(0, offset - limit) or None,
                                   "limit": limit if limit != PAGE_ROWS else None})
    if page.more:
        view["next"] = _url(base, {**raw, "offset": offset + limit, "limit": limit if limit != PAGE_ROWS else None})
    api = url_for("queries.api_query", name=query.name)
    # a download holds the whole answer: its rows when known, else up to max_result_rows
    whole = (total if total > DEFAULT_PAGE else None) if total is not None else _settings().max_result_rows
    formats = [("csv", "CSV"), ("json", "JSON"), ("ttl", "Turtle")] if result.kind != "ask" else [
        ("csv", "CSV"), ("json", "JSON")]
    view["downloads"] = [(label, _url(api, {**raw, "format": fmt, "limit": whole})) for fmt, label in formats]
    view["api"] = _url(api, raw)
    view["editor"] = "/sparql?" + urlencode({"query": query.editor_text(bindings), "format": "html"})
    return view


@bp.route("/queries/<name>/chart.svg")
def chart(name: str):
    query = _get(name)
    if query is None or not query.chart:
        abort(404)
    lang = g.lang
    try:
        bindings = bound(query, _raw(query))
    except ParamError as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    try:
        offset, limit = paging(PAGE_ROWS)
    except ParamError as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    # the chart of the page's answer: the whole answer, or a keyed answer's page (as on the page)
    result = answers.page(query, bindings, offset, limit).result
    labels = {iri: name for name, iri in answers.label_columns(query, result.variables, set()).items()}
    svg = Chart(query.chart, result, labels, answers.index(), lang, query.label(lang)).svg()
    if svg is None:
        return Response("no data to draw\n", status=404, mimetype="text/plain")
    sheets = "".join(f'<?xml-stylesheet type="text/css" href="{url_for("static", filename=name)}"?>\n'
                     for name in ("style.css", "queries.css"))   # the page's colours, from this server
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + sheets + svg, mimetype="image/svg+xml")


# -- the API ---------------------------------------------------------------------------

@bp.route("/api/queries")
def api_index():
    out = []
    for q in _library():
        params = []
        for p in q.params:
            listed = answers.choices().get(q, p)
            params.append({
                "name": p.name, "type": p.type, "label": p.label, "default": p.default,
                "required": p.required, "optional": p.may_be_empty, "min": p.min, "max": p.max,
                "class": p.cls, "base": p.base,
                "values": None if listed is None else [
                    {"value": c.value, "label": c.labels or None} for c in listed]})
        out.append({"name": q.name, "title": q.title, "description": q.description, "tags": list(q.tags),
                    "url": url_for("queries.api_query", name=q.name),
                    "page": url_for("queries.page", name=q.name), "form": q.form,
                    "variables": list(q.variables), "chart": q.chart, "params": params})
    return jsonify(out)


def _json_error(message: str, status: int, **extra) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


@bp.route("/api/queries/<name>")
@cached
def api_query(name: str):
    query = _get(name)
    if query is None:
        return _json_error(f"no saved query named {name!r} (see /api/queries)", 404)
    try:
        bindings = bound(query, _raw(query))
        # an answer computed a page at a time (keyset) comes in the HTML page's smaller pages
        offset, limit = paging(keyset.PAGE if query.pages else DEFAULT_PAGE)
    except ParamError as exc:
        return _json_error(str(exc), 400, param=exc.param, detail=exc.detail)
    offers = {"construct": GRAPH_OFFERS, "describe": GRAPH_OFFERS, "ask": ASK_OFFERS}.get(query.form, SELECT_OFFERS)
    try:
        mime = choose(request.headers.get("Accept"), offers, request.args.getlist("format"))
    except NotAcceptable as exc:
        return Response("not acceptable; this answer is available as: " + ", ".join(exc.supported) + "\n",
                        status=406, mimetype="text/plain")
    try:
        page = answers.page(query, bindings, offset, limit)
    except Unavailable as exc:          # 503 busy or timed out; 502/504 from a remote store
        response = _json_error(str(exc), exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except StoreError as exc:
        return _json_error(str(exc), 502)
    result, rows = page.result, page.rows
    # a keyed answer's total is known once its last key is evaluated; until then: no count, no last
    headers = {"X-Total-Count": str(page.total)} if page.total is not None else {}
    links = _links(page.total, offset, limit, page.more)
    if links:
        headers["Link"] = links
    if result.truncated:
        headers["X-Result-Truncated"] = "true"
    if result.kind == "graph":
        graph = Graph()
        for triple in rows:
            graph.add(triple)
        body = serialize(graph, mime, _prefixes())
    elif mime == CSV:
        body = answers.csv_body(result, rows)
    elif mime == TSV:                  # ASK as Jena writes it, as /sparql does (sparql.results)
        body = write_answer(result, TSV, rows)
    elif mime == "text/turtle":
        body = answers.turtle_body(query, result, rows, offset)
    else:
        body = answers.json_body(result, rows)
    return Response(body, mimetype=mime, headers=headers)


def _prefixes() -> dict:
    from .paths import IriMap

    return IriMap(_settings().base_iri).prefixes


def _links(total: int | None, offset: int, limit: int, more: bool) -> str | None:
    """RFC 8288 ``Link`` header to the other pages of an answer (None when it has one page);
    ``last`` only when the total is known."""
    if offset == 0 and not more:
        return None
    args = request.args.to_dict()
    base = request.base_url

    def at(start: int) -> str:
        return _url(base, {**args, "offset": start, "limit": limit})

    links = [f'<{at(0)}>; rel="first"']
    if offset > 0:
        links.append(f'<{at(max(0, offset - limit))}>; rel="prev"')
    if more:
        links.append(f'<{at(offset + limit)}>; rel="next"')
    if total is not None:
        links.append(f'<{at(max(0, (total - 1) // limit * limit))}>; rel="last"')
    return ", ".join(links)
