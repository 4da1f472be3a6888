"""terms: RDF terms between rdflib (build, pages, bindings) and pyoxigraph (the engine).

One conversion each way, used by every store and writer: :func:`from_ox` and
:func:`to_ox`. RDF 1.1 Concepts: a plain literal is an ``xsd:string``; rdflib
keeps it without a datatype, pyoxigraph with one. RDF 1.2 triple terms have no
rdflib form: they are shown in their N-Triples syntax.

May import: :mod:`crm_kg.errors`.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import StoreError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def from_ox(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    if isinstance(term, ox.Triple):   # RDF 1.2 triple term: rdflib has none, show its syntax
        return Literal(f"<<( {term.subject} {term.predicate} {term.object} )>>")
    raise StoreError(f"unsupported term {term!r}")


def to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot bind {term!r}")


# -- whole datasets, without rdflib's N-Quads reader and writer ------------------------------
# rdflib 7's N-Quads/TriG plugins call its own deprecated Dataset APIs (contexts,
# default_context, ConjunctiveGraph); these move quads between an rdflib Dataset and
# pyoxigraph directly, which is also several times faster.

def dataset_quads(dataset) -> list:
    """The quads of an rdflib ``Dataset`` as pyoxigraph quads (its default graph as the default graph)."""
    out = []
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        graph = ox.DefaultGraph() if name is None or str(name) == DEFAULT_GRAPH_ID else to_ox(name)
        out.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))
    return out


def add_quads(dataset, quads) -> None:
    """Add pyoxigraph quads to an rdflib ``Dataset``, each into its named graph."""
    graphs: dict = {}
    for quad in quads:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graph = graphs.get(name)
        if graph is None:
            graph = graphs[name] = dataset.graph(URIRef(name)) if name else dataset.default_graph
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))


DEFAULT_GRAPH_ID = "urn:x-rdflib:default"
