"""The dataset describes itself: VoID + DCAT, graph pages and downloads.

``/dataset`` and ``/.well-known/void`` (VoID §7.2, RFC 8615) answer with a
description computed from the loaded graph and ``data/ttl/manifest.json`` —
no hand-written figures: W3C VoID (triples, entities, classes, properties,
distinct subjects/objects, class and property partitions, one subset per named
graph, vocabularies, URI space, example resources, SPARQL endpoint, data
dumps), W3C DCAT 3 (distributions with media type, byte size and SPDX
SHA-256 checksum; the endpoint as a ``dcat:DataService``), DCTERMS (licence
and creator from the ontology header, sources = the reports and their
edition files, spatial coverage, languages, modified date) and SPARQL 1.1
Service Description (named graphs). Named-graph IRIs (``/graph/{name}``)
dereference to their subset's description. ``/downloads`` lists and serves
the files of ``data/ttl`` with the checksums of its manifest (each file is
checked against its digest before it is served) and the ontology in RDF/XML
(``ontology/crm.owl``) when it has been generated.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, render_template, request, send_file
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from ..store import read_manifest
from .ld import describer, iri_map, services
from .negotiation import NotAcceptable, choose
from .rdfdoc import ALIASES, BY_EXTENSION, EQUIVALENT, FORMATS, HTML, not_acceptable, rdf_response

bp = Blueprint("dataset", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"
MEDIA_TYPES = {".trig": "application/trig", ".nq": "application/n-quads", ".ttl": "text/turtle",
               ".owl": "application/rdf+xml", ".rdf": "application/rdf+xml", ".json": "application/json"}
DESCRIPTION = {
    "title": {"en": "crm-kg: critical raw materials in the Dutch provinces",
              "nl": "crm-kg: kritieke grondstoffen in de Nederlandse provincies"},
    "description": {
        "en": "A knowledge graph of critical raw materials in Noord-Holland, Flevoland and Zuid-Holland: "
              "materials and the EU lists they are on, products, organisations and their activities, places, "
              "policies and targets, opportunities and recommendations, each fact linked to the report "
              "passage it comes from.",
        "nl": "Een kennisgraaf van kritieke grondstoffen in Noord-Holland, Flevoland en Zuid-Holland: "
              "materialen en de EU-lijsten waarop ze staan, producten, organisaties en hun activiteiten, "
              "plaatsen, beleid en doelen, kansen en aanbevelingen, elk feit gekoppeld aan de passage in "
              "het rapport waar het vandaan komt."},
    "keywords": {"en": ["critical raw materials", "supply chains", "Noord-Holland", "Flevoland", "Zuid-Holland"],
                 "nl": ["kritieke grondstoffen", "toeleveringsketens", "Noord-Holland", "Flevoland",
                        "Zuid-Holland"]},
}
_LOCK = threading.Lock()


# -- facts about the files ------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    name: str
    path: Path
    media_type: str
    bytes: int
    sha256: str
    graph: str | None = None       # named graph the file holds, if one
    triples: int | None = None
    in_manifest: bool = True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def downloads(settings) -> list[Download]:
    """The files of ``data/ttl`` (manifest checksums) and the ontology's RDF/XML if generated."""
    manifest = read_manifest(settings.ttl_dir)
    by_file = {v["file"]: (k, v) for k, v in manifest.get("graphs", {}).items()}
    out = []
    for name, entry in sorted(manifest.get("files", {}).items()):
        graph = by_file.get(name)
        out.append(Download(name, Path(settings.ttl_dir) / name,
                            MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream"),
                            int(entry["bytes"]), entry["sha256"], graph[1]["iri"] if graph else None,
                            int(graph[1]["triples"]) if graph else None))
    owl = settings.ontology_dir / "crm.owl"
    if owl.is_file():
        out.append(Download("crm.owl", owl, MEDIA_TYPES[".owl"], owl.stat().st_size, _sha256(owl),
                            in_manifest=False))
    return out


def modified_date(ttl_dir: Path) -> dt.date:
    """When the built graph last changed: its last commit, else the manifest's mtime."""
    ttl_dir = Path(ttl_dir)
    try:
        proc = subprocess.run(["git", "-C", str(ttl_dir), "log", "-1", "--format=%cs", "--", "."],
                              capture_output=True, text=True, timeout=5, check=False)
        stamp = proc.stdout.strip()
        status = subprocess.run(["git", "-C", str(ttl_dir), "status", "--porcelain", "--", "."],
                                capture_output=True, text=True, timeout=5, check=False)
        if proc.returncode == 0 and stamp and status.returncode == 0 and not status.stdout.strip():
            return dt.date.fromisoformat(stamp)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    manifest = ttl_dir / "manifest.json"
    return dt.datetime.fromtimestamp(manifest.stat().st_mtime, tz=dt.timezone.utc).date()


# -- the description -------------------------------------------------------------------

@dataclass
class Description:
    graph: Graph
    dataset: URIRef
    totals: dict = field(default_factory=dict)
    graphs: list[dict] = field(default_factory=list)
    classes: list[dict] = field(default_factory=list)
    properties: list[dict] = field(default_factory=list)
    files: list[Download] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    modified: dt.date | None = None
    languages: list[str] = field(default_factory=list)
    vocabularies: list[str] = field(default_factory=list)


def _int(value) -> int:
    return int(value) if value is not None else 0


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def describe_dataset() -> Description:
    """VoID + DCAT for this app's store; computed once per app."""
    ext = current_app.extensions
    if "crm_kg.void" in ext:
        return ext["crm_kg.void"]
    with _LOCK:
        if "crm_kg.void" not in ext:
            ext["crm_kg.void"] = _build(ext["crm_kg.settings"], ext["crm_kg.store"], services()["blocks"])
    return ext["crm_kg.void"]


def _build(settings, store, blocks) -> Description:
    base = iri_map().base
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("sd", SD),
                       ("spdx", SPDX), ("xsd", XSD)):
        g.bind(prefix, ns)

    def run(name, **values):
        q = blocks[name]
        return store.query(q.text, q.bind(values)).rows

    ds = URIRef(base + "dataset")
    endpoint = URIRef(base + "sparql")
    desc = Description(g, ds)
    totals = run("void-totals")[0]
    entities = run("void-entities", space=Literal(base + "id/"))
    totals["entities"] = entities[0]["entities"] if entities else 0
    desc.totals = {k: _int(v) for k, v in totals.items()}
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    for lang, text in DESCRIPTION["title"].items():
        g.add((ds, DCTERMS.title, Literal(text, lang=lang)))
    for lang, text in DESCRIPTION["description"].items():
        g.add((ds, DCTERMS.description, Literal(text, lang=lang)))
    for lang, words in DESCRIPTION["keywords"].items():
        for word in words:
            g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    for key, prop in (("triples", VOID.triples), ("entities", VOID.entities), ("classes", VOID.classes),
                      ("properties", VOID.properties), ("subjects", VOID.distinctSubjects),
                      ("objects", VOID.distinctObjects)):
        g.add((ds, prop, Literal(desc.totals[key], datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, Literal(base + "id/")))
    g.add((ds, VOID.sparqlEndpoint, endpoint))
    g.add((ds, DCAT.landingPage, URIRef(base)))
    g.add((ds, FOAF.homepage, URIRef(base)))
    # licence, creator, version: from the ontology header
    meta = run("dataset-meta")
    desc.meta = {k: str(v) for k, v in (meta[0].items() if meta else []) if v is not None}
    if desc.meta.get("license"):
        g.add((ds, DCTERMS.license, URIRef(desc.meta["license"])))
    publisher = URIRef(base + "dataset#publisher")
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCTERMS.creator, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(desc.meta.get("creator", "crm-kg"))))
    if desc.meta.get("version"):
        g.add((ds, URIRef(str(DCAT) + "version"), Literal(desc.meta["version"])))  # DCAT 3
    if desc.meta.get("ontology"):
        g.add((ds, DCTERMS.conformsTo, URIRef(desc.meta["ontology"])))
        g.add((ds, VOID.vocabulary, URIRef(desc.meta.get("namespace") or desc.meta["ontology"])))
    desc.modified = modified_date(settings.ttl_dir)
    g.add((ds, DCTERMS.modified, Literal(desc.modified.isoformat(), datatype=XSD.date)))
    desc.languages = [str(r["language"]) for r in run("dataset-languages")]
    for code in desc.languages:
        g.add((ds, DCTERMS.language, Literal(code, datatype=XSD.language)))
    # sources: the reports and the edition files, spatial coverage
    sources: dict[str, dict] = {}
    for row in run("dataset-sources"):
        report = str(row["report"])
        entry = sources.setdefault(report, {"report": report, "year": row.get("year"), "editions": {},
                                            "regions": set()})
        if row.get("region") is not None:
            entry["regions"].add(str(row["region"]))
        if row.get("edition") is not None:
            entry["editions"][str(row["edition"])] = {k: (str(row[k]) if row.get(k) is not None else None)
                                                      for k in ("file", "sha256", "language", "lines")}
    desc.sources = list(sources.values())
    for entry in desc.sources:
        report = URIRef(entry["report"])
        g.add((ds, DCTERMS.source, report))
        for region in sorted(entry["regions"]):
            g.add((ds, DCTERMS.spatial, URIRef(region)))
        for edition in entry["editions"]:
            g.add((ds, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), URIRef(edition)))
    # the SPARQL endpoint as a DCAT data service with its named graphs
    g.add((endpoint, RDF.type, DCAT.DataService))
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, DCAT.endpointURL, endpoint))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, DCAT.servesDataset, ds))
    g.add((endpoint, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    g.add((ds, DCAT.accessService, endpoint))
    # distributions (dumps)
    desc.files = downloads(settings)
    for f in desc.files:
        dist = URIRef(base + "downloads/" + f.name)
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.accessURL, URIRef(base + "downloads")))
        g.add((dist, DCAT.mediaType, URIRef(IANA + f.media_type)))
        g.add((dist, DCAT.byteSize, Literal(f.bytes, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.title, Literal(f.name)))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
        if desc.meta.get("license"):
            g.add((dist, DCTERMS.license, URIRef(desc.meta["license"])))
        if f.graph is None and f.name.endswith((".trig", ".nq")):
            g.add((ds, DCAT.distribution, dist))
            g.add((ds, VOID.dataDump, dist))
        elif f.graph is None:
            g.add((ds, DCAT.distribution, dist))
    # one subset per named graph
    files_by_graph = {f.graph: f for f in desc.files if f.graph}
    for row in run("void-graphs"):
        name = str(row["graph"])
        part = {k: _int(row.get(k)) for k in ("triples", "subjects", "properties", "objects", "classes")}
        part["iri"] = name
        part["name"] = name[len(base + "graph/"):] if name.startswith(base + "graph/") else name
        part["file"] = files_by_graph.get(name)
        desc.graphs.append(part)
        sub = URIRef(name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, DCTERMS.title, Literal(part["name"])))
        for key, prop in (("triples", VOID.triples), ("classes", VOID.classes), ("properties", VOID.properties),
                          ("subjects", VOID.distinctSubjects), ("objects", VOID.distinctObjects)):
            g.add((sub, prop, Literal(part[key], datatype=XSD.integer)))
        report = URIRef(base + "id/report/" + part["name"])
        if str(report) in sources:
            g.add((sub, DCTERMS.source, report))
        named = BNode()
        g.add((endpoint, SD.namedGraph, named))
        g.add((named, SD.name, sub))
        if part["file"] is not None:
            dump = URIRef(base + "downloads/" + part["file"].name)
            g.add((sub, VOID.dataDump, dump))
            g.add((ds, DCAT.distribution, dump))
    # class and property partitions, vocabularies
    vocabularies = set()
    for row in run("void-classes"):
        cls, n = str(row["class"]), _int(row["entities"])
        desc.classes.append({"iri": cls, "entities": n})
        node = BNode()
        g.add((ds, VOID.classPartition, node))
        g.add((node, VOID["class"], URIRef(cls)))
        g.add((node, VOID.entities, Literal(n, datatype=XSD.integer)))
        vocabularies.add(namespace_of(cls))
    for row in run("void-properties"):
        prop, n = str(row["property"]), _int(row["triples"])
        desc.properties.append({"iri": prop, "triples": n, "subjects": _int(row["subjects"]),
                                "objects": _int(row["objects"])})
        node = BNode()
        g.add((ds, VOID.propertyPartition, node))
        g.add((node, VOID.property, URIRef(prop)))
        g.add((node, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((node, VOID.distinctSubjects, Literal(_int(row["subjects"]), datatype=XSD.integer)))
        g.add((node, VOID.distinctObjects, Literal(_int(row["objects"]), datatype=XSD.integer)))
        vocabularies.add(namespace_of(prop))
    desc.vocabularies = sorted(v for v in vocabularies if v and not v.startswith(base + "id/"))
    for ns in desc.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for row in run("void-examples"):
        if row.get("example") is not None:
            g.add((ds, VOID.exampleResource, row["example"]))
    return desc


# -- responses ---------------------------------------------------------------------------

def _negotiate(prefer_rdf: bool, extension: str | None = None) -> str:
    if extension:
        return HTML if extension == "html" else BY_EXTENSION[extension].media_type
    rdf = [f.media_type for f in FORMATS]
    offers = rdf + [HTML] if prefer_rdf else [HTML] + rdf
    chosen = choose(request.accept_mimetypes, offers + ["application/json"], request.args.get("format"), ALIASES)
    return EQUIVALENT.get(chosen, chosen)


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
        mime = _negotiate(False, extension)
    except NotAcceptable as exc:
        return not_acceptable(exc)
    variants = _variants(f"/graph/{name}")
    if mime != HTML:
        return rdf_response(_subset(desc.graph, URIRef(part["iri"])), mime,
                            iris.prefixes | {"void": str(VOID), "dcat": str(DCAT)},
                            {m: h for m, h in variants.items() if m != HTML}, variants[mime])
    d = describer()
    lang = g.lang
    store = current_app.extensions["crm_kg.store"]
    q = services()["blocks"]["void-graph-classes"]
    classes = [{"term": d.term(row["class"], lang), "iri": str(row["class"]), "entities": _int(row["entities"])}
               for row in store.query(q.text, q.bind({"graph": URIRef(part["iri"])})).rows]
    report = iris.base + "id/report/" + name
    report_term = d.term(URIRef(report), lang) if any(s["report"] == report for s in desc.sources) else None
    return render_template("graph.html", part=part, classes=classes, lang=lang, variants=variants,
                           formats=FORMATS, report=report_term, desc=desc)


# -- downloads ---------------------------------------------------------------------------

_verified: dict[tuple, bool] = {}


@bp.route("/downloads")
def downloads_page():
    settings = current_app.extensions["crm_kg.settings"]
    files = downloads(settings)
    manifest = read_manifest(settings.ttl_dir)
    lang = g.lang
    return render_template("downloads.html", files=files, lang=lang, manifest=manifest,
                           owl_missing=not any(f.name == "crm.owl" for f in files))


@bp.route("/downloads/SHA256SUMS")
def checksums():
    files = downloads(current_app.extensions["crm_kg.settings"])
    body = "".join(f"{f.sha256}  {f.name}\n" for f in files)
    return Response(body, mimetype="text/plain", headers={"Access-Control-Allow-Origin": "*"})


@bp.route("/downloads/<name>")
def download(name: str):
    settings = current_app.extensions["crm_kg.settings"]
    f = next((f for f in downloads(settings) if f.name == name), None)
    if f is None or not f.path.is_file():
        abort(404)
    stat = f.path.stat()
    key = (str(f.path), stat.st_mtime_ns, stat.st_size, f.sha256)
    if key not in _verified:
        _verified[key] = stat.st_size == f.bytes and _sha256(f.path) == f.sha256
    if not _verified[key]:
        return Response(f"{name} on this server does not match the checksum of manifest.json; "
                        "rebuild with `crm-kg build`\n", status=500, mimetype="text/plain")
    response = send_file(f.path, mimetype=f.media_type, etag=f.sha256, conditional=True, max_age=300,
                         download_name=name)
    response.headers["Access-Control-Allow-Origin"] = "*"
    # RFC 9530 representation digest: clients can check what they received
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(f.sha256)).decode() + ":"
    return response
