"""IRI minting: the one function that turns kinds and slugs into IRIs.

Things: ``https://w3id.org/crm-kg/id/{kind}/{slug}`` (README, "IRIs and
graphs"); ontology terms: ``…/ontology#Term``; named graphs: ``…/graph/{name}``.
The published base is fixed here; a local server maps its own paths onto it.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/crm-kg/"
CRM = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
ONTOLOGY_IRI = URIRef(BASE + "ontology")

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
DCT = Namespace("http://purl.org/dc/terms/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "crm": str(CRM), "id": str(ID), "skos": str(SKOS), "prov": str(PROV),
    "org": str(ORG), "schema": str(SCHEMA), "geo": str(GEO), "dct": str(DCT),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "wd": str(WD),
}

KINDS = frozenset({
    "material", "product", "goods-category", "organisation", "person", "place",
    "policy", "target", "opportunity", "recommendation", "challenge", "swot",
    "capability", "event", "figure", "report", "edition", "section", "passage", "statement",
    "list", "activity", "actor-type", "time-frame", "province-role",
    "challenge-category", "level", "sector", "measure-type", "unit", "metric",
    "qualifier", "date-precision", "passage-kind", "geometry",
    # issue 22, part 2: sites and the claims about them, and their concept schemes
    "site", "ranking", "flow", "forecast", "site-kind", "site-status", "ranking-kind",
    "flow-kind", "trend-variable", "trend-direction", "likelihood",
})

_SLUG_PART = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


def slugify(text: str) -> str:
    """Readable, stable slug: ASCII, lower case, hyphens (``IJmuiden`` → ``ijmuiden``)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return re.sub(r"-{2,}", "-", text)


def mint(kind: str, *parts: str | int) -> URIRef:
    """The IRI of a thing: ``mint("material", "gallium")``, ``mint("recommendation", "nhfl-2025", 3)``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if not parts:
        raise ValueError("an IRI needs at least one slug part")
    segments = []
    for part in parts:
        segment = str(part)
        if not _SLUG_PART.match(segment):
            raise ValueError(f"not a slug: {segment!r} (use slugify)")
        segments.append(segment)
    return URIRef(f"{BASE}id/{kind}/{'/'.join(segments)}")


def graph_iri(name: str) -> URIRef:
    return GRAPH[name]


def local_path(iri: str) -> str | None:
    """``https://w3id.org/crm-kg/id/x/y`` → ``/id/x/y``; None for foreign IRIs."""
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else None
