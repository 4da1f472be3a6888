"""Materialised inferences, kept in their own named graph (``graph/inferred``).

What a SPARQL user should not have to spell out: types implied by the class
hierarchy (a ``crm:Company`` is a ``crm:Organisation`` and an
``org:Organization``), super-properties, inverse and symmetric properties,
the transitive closure of ``crm:locatedIn`` / ``crm:partOf`` and friends, and
``crm:namedIn`` (which reports an entity comes from or is mentioned in).
Rules are SPARQL CONSTRUCT queries evaluated by pyoxigraph until nothing new
appears; only triples not asserted anywhere are returned.

Then, on the closure, ``crm:mostSpecificPlace``: the places a non-place is in
that hold no other place it is in. It is not a rule of the loop, since a place
found later inside it would take it back; saved queries and pages read it in
one step instead of searching each organisation's located-in chain per row
(at 1M triples that search was most of a query's time, issue 10).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph

from ..iri import PREFIXES

_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

RULES = {
    "types": """CONSTRUCT { ?x a ?super } WHERE {
        ?x a ?class . ?class rdfs:subClassOf+ ?super . FILTER(isIRI(?super)) }""",
    "subproperties": """CONSTRUCT { ?s ?super ?o } WHERE {
        ?p rdfs:subPropertyOf+ ?super . FILTER(isIRI(?super)) ?s ?p ?o }""",
    "inverses": """CONSTRUCT { ?o ?q ?s } WHERE {
        { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }
        ?s ?p ?o . FILTER(!isLiteral(?o)) }""",
    "symmetric": """CONSTRUCT { ?o ?p ?s } WHERE {
        ?p a owl:SymmetricProperty . ?s ?p ?o . FILTER(!isLiteral(?o)) }""",
    "named-in": """CONSTRUCT { ?x crm:namedIn ?report } WHERE {
        { ?x prov:wasDerivedFrom ?passage } UNION { ?passage crm:mentions ?x }
        ?passage a crm:Passage ; crm:inEdition/crm:editionOf ?report .
        FILTER NOT EXISTS { ?x a crm:Passage } }""",
}
TRANSITIVE = """CONSTRUCT { ?s <%s> ?o } WHERE { ?s <%s>/<%s>+ ?o }"""
MOST_SPECIFIC = """CONSTRUCT { ?x crm:mostSpecificPlace ?place } WHERE {
    ?x crm:locatedIn ?place .
    FILTER NOT EXISTS { ?x a crm:Place }
    FILTER NOT EXISTS { ?x crm:locatedIn ?inner . FILTER(?inner != ?place) ?inner crm:locatedIn ?place } }"""


def _to_store(dataset: Dataset) -> ox.Store:
    store = ox.Store()
    data = dataset.serialize(format="nquads", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_QUADS)
    return store


def infer(dataset: Dataset, max_rounds: int = 10) -> Graph:
    """Triples entailed by the rules above, and the most specific places, asserted in no graph."""
    store = _to_store(dataset)
    asserted = {(q.subject, q.predicate, q.object) for q in store}
    inferred: set = set()
    transitive = [str(row["p"].value) for row in store.query(
        _PREFIXES + "SELECT DISTINCT ?p WHERE { ?p a owl:TransitiveProperty }",
        use_default_graph_as_union=True)]
    queries = [_PREFIXES + q for q in RULES.values()]
    queries += [TRANSITIVE % (p, p, p) for p in transitive]
    target = ox.NamedNode("urn:crm-kg:inferred")
    for _ in range(max_rounds):
        new = set()
        for query in queries:
            for t in store.query(query, use_default_graph_as_union=True):
                key = (t.subject, t.predicate, t.object)
                if key not in asserted and key not in inferred:
                    new.add(key)
        if not new:
            break
        inferred |= new
        store.extend(ox.Quad(s, p, o, target) for s, p, o in new)
    inferred |= {(t.subject, t.predicate, t.object) for t in
                 store.query(_PREFIXES + MOST_SPECIFIC, use_default_graph_as_union=True)} - asserted
    graph = Graph()
    text = ox.serialize([ox.Triple(*t) for t in inferred], format=ox.RdfFormat.N_TRIPLES)
    if text:
        graph.parse(data=text.decode("utf-8"), format="nt")
    return graph
