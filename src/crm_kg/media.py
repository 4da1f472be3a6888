"""media: the one table of media types crm-kg reads and writes.

Every surface that negotiates (``/sparql``, ``/api/queries``, ``/id/…``,
``/ontology``, ``/dataset``…), every writer of SPARQL results or RDF, and the
CLI's ``--format`` take their facts from :data:`TABLE`: the media type, the
``format=`` names and file extensions that ask for it, the media types that
ask for the same thing (``text/n3`` for Turtle), what it carries (``results``:
a SELECT/ASK answer; ``rdf``: a graph; ``html``: a page), and the rdflib and
pyoxigraph serialisers that write it. A route lists what it serves, best
first, as an :class:`Offers`; names and equivalents come with it.

Sources: SPARQL 1.1 Query Results JSON, CSV/TSV, XML (W3C 2013); RDF 1.1
Turtle, N-Triples, RDF/XML, JSON-LD (W3C 2014); the format names Fuseki and
SPARQLWrapper send (``format=json``, ``output=tsv``).

May import: pyoxigraph only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class MediaType:
    media_type: str                       # written in Content-Type
    kind: str                             # results | rdf | html
    label: str                            # what a person calls it
    names: tuple[str, ...]                # format= values that ask for it (the first is canonical)
    extensions: tuple[str, ...] = ()      # file extensions (the first is the one links use)
    also: tuple[str, ...] = ()            # other media types that ask for the same thing
    rdflib: str | None = None             # rdflib serializer / parser name
    oxigraph: object = None               # pyoxigraph RdfFormat / QueryResultsFormat

    @property
    def extension(self) -> str | None:
        return self.extensions[0] if self.extensions else None


SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"
NQUADS = "application/n-quads"
TRIG = "application/trig"
HTML = "text/html"
JSON = "application/json"
XHTML = "application/xhtml+xml"
N3 = "text/n3"

TABLE: tuple[MediaType, ...] = (
    MediaType(SPARQL_JSON, "results", "JSON", ("json", "srj"), ("srj",), (JSON,),
              oxigraph=ox.QueryResultsFormat.JSON),
    MediaType(SPARQL_XML, "results", "XML", ("xml", "srx"), ("srx",),
              oxigraph=ox.QueryResultsFormat.XML),
    MediaType(CSV, "results", "CSV", ("csv",), ("csv",), oxigraph=ox.QueryResultsFormat.CSV),
    MediaType(TSV, "results", "TSV", ("tsv",), ("tsv",), oxigraph=ox.QueryResultsFormat.TSV),
    MediaType(TURTLE, "rdf", "Turtle", ("turtle", "ttl", "n3"), ("ttl",), (N3,), "turtle",
              ox.RdfFormat.TURTLE),
    MediaType(NTRIPLES, "rdf", "N-Triples", ("ntriples", "nt", "n-triples"), ("nt",), (), "nt",
              ox.RdfFormat.N_TRIPLES),
    MediaType(RDFXML, "rdf", "RDF/XML", ("rdfxml", "rdf", "xml", "rdf+xml", "owl"), ("rdf", "owl"),
              (), "pretty-xml", ox.RdfFormat.RDF_XML),
    MediaType(JSONLD, "rdf", "JSON-LD", ("jsonld", "json-ld", "json"), ("jsonld",), (JSON,),
              "json-ld", ox.RdfFormat.JSON_LD),
    MediaType(NQUADS, "dataset", "N-Quads", ("nquads", "nq"), ("nq",), (), "nquads",
              ox.RdfFormat.N_QUADS),
    MediaType(TRIG, "dataset", "TriG", ("trig",), ("trig",), (), "trig", ox.RdfFormat.TRIG),
    MediaType(HTML, "html", "HTML", ("html",), ("html",), (XHTML,)),
)
BY_TYPE = {m.media_type: m for m in TABLE}
RESULT_TYPES = tuple(m.media_type for m in TABLE if m.kind == "results")
RDF_TYPES = tuple(m.media_type for m in TABLE if m.kind == "rdf")


def lookup(media_type: str, kind: str | None = None) -> MediaType | None:
    """The table's entry for ``media_type`` (or a type that asks for the same thing) of
    ``kind``; None if the table has none."""
    for entry in TABLE:
        if (kind is None or entry.kind == kind) and (entry.media_type == media_type or media_type in entry.also):
            return entry
    return None


def oxigraph_format(media_type: str, kind: str):
    """pyoxigraph's writer for ``media_type`` as an answer of ``kind`` (results or rdf), else None."""
    entry = lookup(media_type, kind)
    return entry.oxigraph if entry is not None else None


def by_extension(extension: str, types: tuple[str, ...] | list[str] | None = None) -> MediaType | None:
    """The entry whose file extensions include ``extension`` (among ``types``, if given)."""
    for entry in TABLE:
        if extension in entry.extensions and (types is None or entry.media_type in types):
            return entry
    return None


class Offers:
    """What one route serves, best first: media types of the table, or their equivalents
    (``application/json`` where the route answers it as itself).

    ``types`` is the list to negotiate on; ``aliases`` maps the ``format=`` names of
    the offered types onto them (a name shared by two offered types goes to the first);
    :meth:`canonical` turns an equivalent into the table's own type.
    """

    def __init__(self, *types: str):
        self.types = list(types)
        self.aliases: dict[str, str] = {}
        for media_type in types:
            entry = BY_TYPE.get(media_type)
            if entry is None:
                continue
            for name in entry.names + entry.extensions + entry.also:
                self.aliases.setdefault(name, media_type)

    def __iter__(self):
        return iter(self.types)

    def __contains__(self, media_type: str) -> bool:
        return media_type in self.types

    def primary(self) -> list[str]:
        """The offered types that are the table's own (what an error lists as available)."""
        return [t for t in self.types if t in BY_TYPE]

    def canonical(self, media_type: str) -> str:
        """The table's type for an offered equivalent (``text/n3`` → ``text/turtle``)."""
        if media_type in BY_TYPE:
            return media_type
        for offered in self.types:
            entry = BY_TYPE.get(offered)
            if entry is not None and media_type in entry.also:
                return offered
        return media_type
