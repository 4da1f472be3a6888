"""Linked data: every minted IRI dereferences; label search; a useful 404.

``/id/{kind}/{slug…}`` (and the concept-scheme IRIs ``/id/{kind}``) answer
with an HTML page for browsers and Turtle, JSON-LD, RDF/XML or N-Triples for
machines — by ``Accept`` (RFC 9110 §12.5.1, q-values honoured) or by
extension (``.ttl``, ``.jsonld``, ``.rdf``, ``.nt``, ``.html``) — following
W3C "Cool URIs for the Semantic Web" §4.3 with 200 + ``Content-Location``
instead of a 303 round trip, ``Link: rel="alternate"`` to every variant,
ETags and ``Vary``. The RDF is the ``document.rq`` CONSTRUCT with the IRI
bound by the engine. IRIs map to paths under ``settings.base_iri``
(:mod:`.paths`). Unknown IRIs are a 404 page with a search box and
suggestions. ``/search`` searches labels in both languages (hidden labels
match misprints) and groups the results by type.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import Blueprint, Response, abort, g, jsonify, render_template, request
from rdflib import Graph, URIRef

from . import state
from .blocks import Blocks
from .entity import Describer
from .geo import load_provinces
from .index import GraphIndex, Hit
from .negotiation import NotAcceptable, prefers_html
from .paths import IriMap, is_iri
from .rdfdoc import BY_EXTENSION, FORMATS, HTML, negotiate, not_acceptable, rdf_response
from .texts import SourceTexts

bp = Blueprint("ld", __name__)
_LOCK = threading.Lock()
EXTENSIONS = set(BY_EXTENSION) | {"html"}

TEXT = {
    "search": {"en": "Search", "nl": "Zoeken"},
    "not_found": {"en": "Not found", "nl": "Niet gevonden"},
}


# -- per-app services -------------------------------------------------------------

def services() -> dict:
    """Blocks, index and source texts of this app, built on first use of each graph version
    (a reload swaps the graph: :mod:`crm_kg.store.serving`)."""
    return state.per_version("ld", _services)


def _services() -> dict:
    settings = state.settings()
    blocks = Blocks(settings.queries_dir / "describe")
    return {"blocks": blocks, "index": GraphIndex(state.store(), blocks, IriMap(settings.base_iri)),
            "texts": SourceTexts(settings.sources)}


def iri_map() -> IriMap:
    return IriMap(state.settings().base_iri, request.script_root)


def describer() -> Describer:
    s = services()
    return Describer(state.store(), s["blocks"], s["index"], iri_map(), s["texts"],
                     state.library().queries.get("statement-sources"),   # each statement's sources
                     load_provinces(state.settings().root / "node_modules"))


def _etag(*parts: str) -> str:
    store = state.store()
    version = getattr(store, "version", "") or ""
    return hashlib.sha256("\x1f".join((version, *parts)).encode("utf-8")).hexdigest()[:32]


def alternates(path: str) -> "OrderedDict[str, str]":
    root = request.script_root
    out = OrderedDict([(HTML, f"{root}{path}.html")])
    for fmt in FORMATS:
        out[fmt.media_type] = f"{root}{path}.{fmt.extension}"
    return out


# -- entities ----------------------------------------------------------------------

@bp.route("/id/<kind>", defaults={"rest": ""})
@bp.route("/id/<kind>/<path:rest>")
def entity(kind: str, rest: str):
    d = describer()
    path = request.path
    iri = d.iris.iri(path)
    extension = None
    if not is_iri(iri):          # a%20b, %3Cx%3E, %00…: no IRI, so none of ours (never a store error)
        abort(404)
    if not d.exists(iri):
        stem, dot, ext = path.rpartition(".")
        if not dot or ext not in EXTENSIONS or "/" in ext or not d.exists(d.iris.iri(stem)):
            abort(404)
        path, iri, extension = stem, d.iris.iri(stem), ext
    try:
        mime = negotiate(extension)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    variants = alternates(path)
    if mime != HTML:
        graph = Graph()
        query = d.blocks["document"]
        for triple in d.store.query(query.text, query.bind({"entity": URIRef(iri)})).triples:
            graph.add(triple)
        response = rdf_response(graph, mime, d.iris.prefixes, variants, variants[mime])
    else:
        view = d.describe(iri, g.lang)
        html = render_template("entity.html", view=view, lang=g.lang, alternates=variants,
                               formats=FORMATS, path=path)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Location"] = variants[HTML]
        response.headers["Link"] = ", ".join(
            f'<{href}>; rel="alternate"; type="{m}"' for m, href in variants.items() if m != HTML)
        response.vary.add("Cookie")
    response.set_etag(_etag(iri, mime, g.lang if mime == HTML else "", request.script_root))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


# -- search ------------------------------------------------------------------------

def search_groups(text: str, type_filter: str | None, lang: str, limit: int = 500) -> list[dict]:
    """Hits grouped by their most specific type, best group first."""
    s = services()
    index: GraphIndex = s["index"]
    iris = iri_map()
    if text:
        hits = index.search(text, limit=limit * 2)
    elif type_filter:
        members = sorted((iri for iri, types in index.types.items() if type_filter in types and iris.is_ours(iri)),
                         key=lambda i: index.label(i, lang).casefold())
        hits = [Hit(i, 0, None) for i in members]
    else:
        return []
    d = describer()
    groups: OrderedDict[str, dict] = OrderedDict()
    for hit in hits:
        types = index.main_types(hit.iri)
        if type_filter and type_filter not in index.all_types(hit.iri):
            continue
        key = types[0] if types else ""
        group = groups.setdefault(key, {"type": d.term(URIRef(key), lang) if key else None,
                                        "iri": key, "results": [], "best": hit.score})
        if sum(len(gr["results"]) for gr in groups.values()) >= limit:
            break
        group["results"].append({"iri": hit.iri, "label": d.name(hit.iri, lang), "href": iris.href(hit.iri),
                                 "matched": hit.matched, "score": hit.score})
    return sorted(groups.values(), key=lambda gr: (gr["best"], gr["type"].text.casefold() if gr["type"] else ""))


@bp.route("/search")
def search():
    text = (request.args.get("q") or "").strip()[:200]
    type_filter = (request.args.get("type") or "").strip() or None
    lang = g.lang
    groups = search_groups(text, type_filter, lang)
    wants_json = request.args.get("format") == "json" or (
        request.accept_mimetypes.best_match([HTML, "application/json"]) == "application/json")
    if wants_json:
        return jsonify({"q": text, "type": type_filter, "lang": lang, "groups": [
            {"type": gr["iri"] or None, "label": gr["type"].text if gr["type"] else None,
             "results": [{"iri": r["iri"], "label": r["label"], "matched": r["matched"]} for r in gr["results"]]}
            for gr in groups]})
    type_term = describer().term(URIRef(type_filter), lang) if type_filter else None
    overview = [] if (text or type_filter) else type_overview(lang)
    return render_template("search.html", q=text, groups=groups, lang=lang, type_term=type_term,
                           total=sum(len(gr["results"]) for gr in groups), overview=overview)


def type_overview(lang: str) -> list[dict]:
    """Every main type with its number of entities (for browsing)."""
    s = services()
    index: GraphIndex = s["index"]
    iris = iri_map()
    counts: dict[str, int] = {}
    for iri in index.types:
        if not iris.is_ours(iri):
            continue
        for t in index.main_types(iri)[:1]:
            counts[t] = counts.get(t, 0) + 1
    d = describer()
    rows = [{"type": d.term(URIRef(t), lang), "iri": t, "count": n} for t, n in counts.items()]
    return sorted(rows, key=lambda r: r["type"].text.casefold())


# -- language ----------------------------------------------------------------------

@bp.after_app_request
def _remember_language(response):
    """The EN/NL switch sticks: ``?lang=`` is kept in a cookie that i18n reads."""
    chosen = request.args.get("lang")
    if chosen in ("en", "nl") and request.cookies.get("lang") != chosen:
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if response.mimetype == HTML:
        response.vary.add("Cookie")
    return response


# -- 404 ---------------------------------------------------------------------------

@bp.app_errorhandler(404)
def not_found(error):
    path = request.path
    wants_html = prefers_html(request.headers.get("Accept")) or not request.accept_mimetypes
    if not wants_html:
        return Response(f"not found: {path}\n", status=404, mimetype="text/plain")
    guess = ""
    if path.startswith("/id/"):
        guess = path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ")
    lang = getattr(g, "lang", "en")
    suggestions = []
    try:
        # the whole guess, else its words, longest first ("cleantron bv" → "cleantron")
        for attempt in [guess] + sorted((w for w in guess.split() if len(w) >= 3), key=len, reverse=True):
            suggestions = search_groups(attempt, None, lang, limit=10) if attempt else []
            if suggestions:
                break
    except Exception:  # the 404 page must not fail because the index cannot be built
        suggestions = []
    iri = iri_map().iri(path) if path.startswith(("/id/", "/graph/")) else None
    return render_template("not_found.html", lang=lang, q=guess, groups=suggestions, iri=iri,
                           path=path), 404
