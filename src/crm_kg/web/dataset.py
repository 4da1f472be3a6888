"""The dataset describes itself: ``/dataset``, graph pages and downloads.

``/dataset`` and ``/.well-known/void`` (VoID §7.2, RFC 8615) answer with the
VoID + DCAT description of :mod:`.void` — HTML for browsers, Turtle,
JSON-LD, RDF/XML or N-Triples by Accept or extension; ``/.well-known/void``
prefers RDF. Named-graph IRIs (``/graph/{name}``)
dereference to their subset's description. ``/downloads`` lists and serves
the files of ``data/ttl`` with the checksums of its manifest (each file is
checked against its digest before it is served) and the ontology in RDF/XML
(``ontology/crm.owl``) when it has been generated.
"""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, g, render_template, request, send_file
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCAT, FOAF, VOID

from ..media import JSON, Offers
from ..store.snapshot import read_manifest
from . import state
from .ld import describer, iri_map, services
from .negotiation import NotAcceptable, choose
from .rdfdoc import BY_EXTENSION, FORMATS, HTML, not_acceptable, rdf_response
from .void import (
    DESCRIPTION,
    SD,
    SPDX,
    Description,
    as_int,
    build_description,
    downloads,
    sha256_file,
)

bp = Blueprint("dataset", __name__)

def describe_dataset() -> Description:
    """VoID + DCAT for this app's store; computed once per graph version (a reload swaps it)."""
    return state.per_version("void", lambda: build_description(
        state.settings(), state.store(), services()["blocks"], iri_map().base))


# -- responses ---------------------------------------------------------------------------

_RDF = [f.media_type for f in FORMATS]
_DESCRIPTION = Offers(HTML, *_RDF, JSON)
_DESCRIPTION_RDF_FIRST = Offers(*_RDF, HTML, JSON)


def _negotiate(prefer_rdf: bool, extension: str | None = None) -> str:
    if extension:
        return HTML if extension == "html" else BY_EXTENSION[extension].media_type
    offers = _DESCRIPTION_RDF_FIRST if prefer_rdf else _DESCRIPTION
    return offers.canonical(choose(request.headers.get("Accept"), offers, request.args.get("format")))


def _variants(path: str) -> dict[str, str]:
    root = request.script_root
    return {HTML: root + path} | {f.media_type: f"{root}{path}.{f.extension}" for f in FORMATS}


def _subset(graph: Graph, subject: URIRef) -> Graph:
    """The triples about ``subject`` and the blank nodes under them."""
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    todo, seen = [subject], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            out.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return out


@bp.route("/dataset", defaults={"extension": None})
@bp.route("/dataset.<extension>")
@bp.route("/.well-known/void", defaults={"extension": None}, endpoint="void")
def dataset(extension: str | None):
    if extension is not None and extension not in BY_EXTENSION and extension != "html":
        abort(404)
    desc = describe_dataset()
    try:
        mime = _negotiate(request.path.startswith("/.well-known/"), extension)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    variants = _variants("/dataset")
    if mime != HTML:
        response = rdf_response(desc.graph, mime, iri_map().prefixes | {"void": str(VOID), "dcat": str(DCAT),
                                                                          "sd": str(SD), "spdx": str(SPDX),
                                                                          "foaf": str(FOAF)},
                                {m: h for m, h in variants.items() if m != HTML}, variants[mime])
        return response
    d = describer()
    lang = g.lang
    classes = sorted(({"term": d.term(URIRef(c["iri"]), lang), **c} for c in desc.classes),
                     key=lambda c: -c["entities"])
    properties = sorted(({"term": d.term(URIRef(p["iri"]), lang), **p} for p in desc.properties),
                        key=lambda p: -p["triples"])
    sources = [{"report": d.term(URIRef(s["report"]), lang), "year": s["year"],
                "regions": [d.term(URIRef(r), lang) for r in sorted(s["regions"])],
                "editions": [{"term": d.term(URIRef(e), lang), **info,
                              "title": services()["texts"].edition_title(info.get("file"))}
                             for e, info in sorted(s["editions"].items())]} for s in desc.sources]
    iris = iri_map()
    return render_template("dataset.html", desc=desc, lang=lang, classes=classes, properties=properties,
                           sources=sources, variants=variants, formats=FORMATS, iris=iris, texts=DESCRIPTION)


@bp.route("/graph/<name>", defaults={"extension": None})
@bp.route("/graph/<name>.<extension>")
def named_graph(name: str, extension: str | None):
    desc = describe_dataset()
    iris = iri_map()
    part = next((p for p in desc.graphs if p["name"] == name), None)
    if part is None or (extension is not None and extension not in BY_EXTENSION and extension != "html"):
        abort(404)
    try:
        mime = _negotiate(True, extension)          # a graph IRI: */* gets RDF, as /id/…
    except NotAcceptable as exc:
        return not_acceptable(exc)
    variants = _variants(f"/graph/{name}")
    if mime != HTML:
        return rdf_response(_subset(desc.graph, URIRef(part["iri"])), mime,
                            iris.prefixes | {"void": str(VOID), "dcat": str(DCAT)},
                            {m: h for m, h in variants.items() if m != HTML}, variants[mime])
    d = describer()
    lang = g.lang
    store = state.store()
    q = services()["blocks"]["void-graph-classes"]
    classes = [{"term": d.term(row["class"], lang), "iri": str(row["class"]), "entities": as_int(row["entities"])}
               for row in store.query(q.text, q.bind({"graph": URIRef(part["iri"])})).rows]
    report = iris.base + "id/report/" + name
    report_term = d.term(URIRef(report), lang) if any(s["report"] == report for s in desc.sources) else None
    return render_template("graph.html", part=part, classes=classes, lang=lang, variants=variants,
                           formats=FORMATS, report=report_term, desc=desc)


# -- downloads ---------------------------------------------------------------------------

_verified: dict[tuple, bool] = {}


@bp.route("/downloads")
def downloads_page():
    settings = state.settings()
    files = downloads(settings)
    manifest = read_manifest(settings.ttl_dir)
    lang = g.lang
    return render_template("downloads.html", files=files, lang=lang, manifest=manifest,
                           owl_missing=not any(f.name == "crm.owl" for f in files))


@bp.route("/downloads/SHA256SUMS")
def checksums():
    files = downloads(state.settings())
    body = "".join(f"{f.sha256}  {f.name}\n" for f in files)
    return Response(body, mimetype="text/plain", headers={"Access-Control-Allow-Origin": "*"})


@bp.route("/downloads/<name>")
def download(name: str):
    settings = state.settings()
    f = next((f for f in downloads(settings) if f.name == name), None)
    if f is None or not f.path.is_file():
        abort(404)
    stat = f.path.stat()
    key = (str(f.path), stat.st_mtime_ns, stat.st_size, f.sha256)
    if key not in _verified:
        _verified[key] = stat.st_size == f.bytes and sha256_file(f.path) == f.sha256
    if not _verified[key]:
        return Response(f"{name} on this server does not match the checksum of manifest.json; "
                        "rebuild with `crm-kg build`\n", status=500, mimetype="text/plain")
    response = send_file(f.path, mimetype=f.media_type, etag=f.sha256, conditional=True, max_age=300,
                         download_name=name)
    response.headers["Access-Control-Allow-Origin"] = "*"
    # RFC 9530 representation digest: clients can check what they received
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(f.sha256)).decode() + ":"
    return response
