"""RDF documents for linked-data responses: formats, extensions, serialisation.

The RDF formats a page can be had in (Turtle, JSON-LD, RDF/XML, N-Triples;
W3C Recommendations), taken from the one media-type table
(:mod:`crm_kg.media`) with their file extensions (``/id/material/gallium.ttl``). JSON-LD carries its ``@context`` inline — a
JSON-LD processor never has to fetch one (nothing from the network). Triples
come from the store as rdflib terms, so any store behind the
:class:`~crm_kg.store.interface.Store` interface can answer.
"""

from __future__ import annotations

from flask import Response, request
from rdflib import Graph

from ..media import BY_TYPE, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Offers
from .negotiation import NotAcceptable, choose

#: the RDF a page can be had in, in the order pages list them
FORMATS = tuple(BY_TYPE[t] for t in (TURTLE, JSONLD, RDFXML, NTRIPLES))
BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
# What an RDF document (/id/…, /ontology, /graph/…) offers, best first (README, "Content
# negotiation"): */* gets Turtle, a browser (text/html listed, */* with a lower q) HTML;
# text/n3, application/json and application/xhtml+xml ask for Turtle, JSON-LD and HTML.
DOCUMENT = Offers(TURTLE, HTML, JSONLD, RDFXML, NTRIPLES)


def negotiate(extension: str | None = None) -> str:
    """The media type to answer with: the extension wins, then ``format=``, then Accept.

    Raises :class:`NotAcceptable` when nothing offered is acceptable.
    """
    if extension:
        if extension == "html":
            return HTML
        return BY_EXTENSION[extension].media_type
    return DOCUMENT.canonical(choose(request.headers.get("Accept"), DOCUMENT, request.args.get("format")))


def serialize(graph: Graph, media_type: str, prefixes: dict[str, str]) -> bytes:
    fmt = BY_TYPE[media_type]
    for prefix, ns in prefixes.items():
        graph.bind(prefix, ns, override=True, replace=True)
    if media_type == JSONLD:  # the context inline: nothing to fetch
        text = graph.serialize(format="json-ld", context=dict(prefixes), auto_compact=True)
    else:
        text = graph.serialize(format=fmt.rdflib)
    return text.encode("utf-8") if isinstance(text, str) else text


def rdf_response(graph: Graph, media_type: str, prefixes: dict[str, str],
                 alternates: dict[str, str] | None = None, location: str | None = None) -> Response:
    """An RDF answer with CORS, the variant's location and links to the other formats."""
    body = serialize(graph, media_type, prefixes)
    mimetype = media_type + ("; charset=utf-8" if media_type != "application/rdf+xml" else "")
    response = Response(body, content_type=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if location:
        response.headers["Content-Location"] = location
    if alternates:
        response.headers["Link"] = link_header(alternates)
    return response


def link_header(alternates: dict[str, str]) -> str:
    """RFC 8288 ``Link`` values: ``<href>; rel="alternate"; type="…"`` per variant."""
    return ", ".join(f'<{href}>; rel="alternate"; type="{mime}"' for mime, href in alternates.items())


def not_acceptable(exc: NotAcceptable) -> Response:
    offered = [HTML] + [f.media_type for f in FORMATS]
    return Response("not acceptable; this resource is available as: " + ", ".join(offered) + "\n",
                    status=406, mimetype="text/plain")
