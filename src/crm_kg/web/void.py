"""VoID + DCAT description of the dataset, computed from the graph and the manifest.

No hand-written figures: W3C VoID (triples, entities, classes, properties,
distinct subjects/objects, class and property partitions, one subset per
named graph, vocabularies, URI space, example resources, SPARQL endpoint,
data dumps), W3C DCAT 3 (distributions with media type, byte size and SPDX
SHA-256 checksum from ``data/ttl/manifest.json``; the endpoint as a
``dcat:DataService``), DCTERMS (licence and creator from the ontology header,
sources = the reports and their edition files, spatial coverage, languages,
modified date) and SPARQL 1.1 Service Description (named graphs). The
statistics are the ``void-*.rq`` / ``dataset-*.rq`` describe queries.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from ..pipeline.sources import sha256_file
from ..store.snapshot import read_manifest

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
        out.append(Download("crm.owl", owl, MEDIA_TYPES[".owl"], owl.stat().st_size, sha256_file(owl),
                            in_manifest=False))
    return out


def modified_date(ttl_dir: Path) -> dt.date:
    """When the built graph last changed: its last commit, else the manifest's mtime."""
    ttl_dir = Path(ttl_dir)
    try:
        proc = subprocess.run(["git", "-C", str(ttl_dir), "log", "-1", "--format=%cs", "--", "."],  # noqa: S603 S607
                              capture_output=True, text=True, timeout=5, check=False)
        stamp = proc.stdout.strip()
        status = subprocess.run(["git", "-C", str(ttl_dir), "status", "--porcelain", "--", "."],  # noqa: S603 S607
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


def as_int(value) -> int:
    return int(value) if value is not None else 0


def namespace_of(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def build_description(settings, store, blocks, base: str) -> Description:
    """The dataset's VoID/DCAT graph and the figures the HTML page shows."""
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
    desc.totals = {k: as_int(v) for k, v in totals.items()}
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
        part = {k: as_int(row.get(k)) for k in ("triples", "subjects", "properties", "objects", "classes")}
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
        cls, n = str(row["class"]), as_int(row["entities"])
        desc.classes.append({"iri": cls, "entities": n})
        node = BNode()
        g.add((ds, VOID.classPartition, node))
        g.add((node, VOID["class"], URIRef(cls)))
        g.add((node, VOID.entities, Literal(n, datatype=XSD.integer)))
        vocabularies.add(namespace_of(cls))
    for row in run("void-properties"):
        prop, n = str(row["property"]), as_int(row["triples"])
        desc.properties.append({"iri": prop, "triples": n, "subjects": as_int(row["subjects"]),
                                "objects": as_int(row["objects"])})
        node = BNode()
        g.add((ds, VOID.propertyPartition, node))
        g.add((node, VOID.property, URIRef(prop)))
        g.add((node, VOID.triples, Literal(n, datatype=XSD.integer)))
        g.add((node, VOID.distinctSubjects, Literal(as_int(row["subjects"]), datatype=XSD.integer)))
        g.add((node, VOID.distinctObjects, Literal(as_int(row["objects"]), datatype=XSD.integer)))
        vocabularies.add(namespace_of(prop))
    desc.vocabularies = sorted(v for v in vocabularies if v and not v.startswith(base + "id/"))
    for ns in desc.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for row in run("void-examples"):
        if row.get("example") is not None:
            g.add((ds, VOID.exampleResource, row["example"]))
    return desc
