"""The SHACL-to-SPARQL engine (crm_kg.quality.shacl_sparql), constraint by constraint.

Each case is a few triples and one shape written here; the sparql engine must give
exactly the results pyshacl (the reference) gives — rule, focus, path, value, severity
— and the results written out in the case. A shape the compiler cannot translate is
refused when the shapes are compiled, naming the shape.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import RDFS, BNode, Graph, Literal, URIRef

from crm_kg.quality import shacl_sparql
from crm_kg.quality.validate import (
    StoreGraph,
    ValidationSetupError,
    run_shacl,
    term_text,
    validate_graph,
)
from crm_kg.sparql.terms import from_ox

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
EX = "http://example.org/"


def short(term) -> str | None:
    """``ex:name`` for an IRI of the example, ``(path)`` for a blank node (a complex sh:path)."""
    if isinstance(term, URIRef) and term.startswith(EX):
        return "ex:" + term[len(EX):]
    return "(path)" if isinstance(term, BNode) else term_text(term)


def results(engine_rows) -> set[tuple]:
    """(severity, rule, focus, path, value) of every result, values as compact Turtle."""
    return {(sev, short(shape), str(focus).removeprefix(EX), short(path), term_text(value))
            for sev, shape, focus, path, value, _message in engine_rows}


def both(data: str, shapes_ttl: str) -> set[tuple]:
    """Validate with pyshacl and with the sparql engine; they must agree; the results."""
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    shapes.bind("ex", EX)
    store = _store(data)
    union = Graph()
    for quad in store:
        union.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    reference = results(run_shacl(union, shapes))
    fast = results(shacl_sparql.run(store, shacl_sparql.compile_shapes(shapes)))
    assert fast == reference, f"sparql only: {fast - reference}; pyshacl only: {reference - fast}"
    return fast


DATA = PREFIXES + """
ex:Thing rdfs:subClassOf ex:Top . ex:Sub rdfs:subClassOf ex:Thing .
ex:a a ex:Sub ; ex:p ex:b , "lit" ; ex:n "1.5"^^xsd:decimal , "1,5"^^xsd:decimal , "7"^^xsd:integer ;
    ex:label "a"@en , "b"@en-GB , "c"@nl , "d" ; ex:code "AB" , "ab" ; ex:start 5 ; ex:end 3 .
ex:b a ex:Thing ; ex:p ex:a .
ex:c a ex:Thing .
ex:g { ex:c ex:dup "x" . }
ex:h { ex:c ex:dup "x" . }
"""


@pytest.mark.parametrize("shape, expected", [
    # sh:class: an instance of a subclass passes, a literal fails
    ("[] sh:targetClass ex:Top ; sh:property ex:S . ex:S sh:path ex:p ; sh:class ex:Thing .",
     {("Violation", "ex:S", "a", "ex:p", '"lit"')}),
    # sh:datatype: the ill-typed "1,5"^^xsd:decimal and an integer fail; xsd:string is not a language string
    ("ex:S sh:targetNode ex:a ; sh:path ex:n ; sh:datatype xsd:decimal .",
     {("Violation", "ex:S", "a", "ex:n", '"1,5"^^xsd:decimal'), ("Violation", "ex:S", "a", "ex:n", '"7"^^xsd:integer')}),
    ("ex:S sh:targetNode ex:a ; sh:path ex:label ; sh:datatype xsd:string .",
     {("Violation", "ex:S", "a", "ex:label", v) for v in ('"a"@en', '"b"@en-gb', '"c"@nl')}),
    # sh:nodeKind on a node shape: the value is the focus node
    ("ex:S sh:targetObjectsOf ex:p ; sh:nodeKind sh:Literal .",
     {("Violation", "ex:S", "a", None, "<http://example.org/a>"),
      ("Violation", "ex:S", "b", None, "<http://example.org/b>")}),
    # sh:pattern
    ("ex:S sh:targetSubjectsOf ex:code ; sh:path ex:code ; sh:pattern \"^[A-Z]+$\" .",
     {("Violation", "ex:S", "a", "ex:code", '"ab"')}),
    # ranges: an incomparable value (ill-typed) is a result, 7 >= 5 passes
    ("ex:S sh:targetNode ex:a ; sh:path ex:n ; sh:minInclusive 5 .",
     {("Violation", "ex:S", "a", "ex:n", '"1.5"^^xsd:decimal'),
      ("Violation", "ex:S", "a", "ex:n", '"1,5"^^xsd:decimal')}),
    # sh:in compares terms: 7 is in, 1.5 is not 7.0
    ("ex:S sh:targetNode ex:a ; sh:path ex:n ; sh:in ( 7 \"7.0\"^^xsd:decimal ) .",
     {("Violation", "ex:S", "a", "ex:n", '"1.5"^^xsd:decimal'),
      ("Violation", "ex:S", "a", "ex:n", '"1,5"^^xsd:decimal')}),
    # sh:languageIn matches sub-tags (en-GB is en); a plain string has no language
    ("ex:S sh:targetNode ex:a ; sh:path ex:label ; sh:languageIn ( \"en\" ) .",
     {("Violation", "ex:S", "a", "ex:label", '"c"@nl'), ("Violation", "ex:S", "a", "ex:label", '"d"')}),
    # sh:minCount: a missing value; sh:maxCount counts terms, not the two graphs stating one
    ("ex:S sh:targetClass ex:Thing ; sh:path ex:p ; sh:minCount 1 .", {("Violation", "ex:S", "c", "ex:p", None)}),
    ("ex:S sh:targetNode ex:c ; sh:path ex:dup ; sh:maxCount 1 .", set()),
    ("ex:S sh:targetNode ex:a ; sh:path ex:code ; sh:maxCount 1 ; sh:severity sh:Warning .",
     {("Warning", "ex:S", "a", "ex:code", None)}),
    # sh:hasValue on a property shape (no value in the result)
    ("ex:S sh:targetClass ex:Thing ; sh:path ex:p ; sh:hasValue ex:a .",
     {("Violation", "ex:S", "a", "ex:p", None), ("Violation", "ex:S", "c", "ex:p", None)}),
    # sh:or and sh:not on a node shape: the focus node is the value
    ("ex:S sh:targetClass ex:Thing ; sh:or ( [ sh:path ex:p ; sh:minCount 2 ] [ sh:not [ sh:class ex:Top ] ] ) .",
     {("Violation", "ex:S", "b", None, "<http://example.org/b>"),
      ("Violation", "ex:S", "c", None, "<http://example.org/c>")}),
    # sh:or on values: each value conforms to one of the member shapes
    ("ex:S sh:targetNode ex:a ; sh:path ex:n ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:decimal ] ) .",
     {("Violation", "ex:S", "a", "ex:n", '"1,5"^^xsd:decimal')}),
    # a qualified count along a one-or-more path (ex:b reaches ex:a, an ex:Sub; ex:c reaches nothing)
    ("ex:S sh:targetClass ex:Thing ; sh:path [ sh:oneOrMorePath ex:p ] ; "
     "sh:qualifiedValueShape [ sh:class ex:Sub ] ; sh:qualifiedMinCount 1 .",
     {("Violation", "ex:S", "c", "(path)", None)}),
    # inverse and sequence paths
    ("ex:S sh:targetNode ex:b ; sh:path [ sh:inversePath ex:p ] ; sh:class ex:Thing .", set()),
    ("ex:S sh:targetNode ex:a ; sh:path ( ex:p ex:p ) ; sh:nodeKind sh:BlankNode .",
     {("Violation", "ex:S", "a", "(path)", "<http://example.org/a>")}),
    # property pairs
    ("ex:S sh:targetNode ex:a ; sh:path ex:start ; sh:lessThan ex:end .",
     {("Violation", "ex:S", "a", "ex:start", '"5"^^xsd:integer')}),
    ("ex:S sh:targetNode ex:a ; sh:path ex:code ; sh:disjoint ex:label .", set()),
    ("ex:S sh:targetNode ex:b ; sh:path ex:p ; sh:equals ex:q .",
     {("Violation", "ex:S", "b", "ex:p", "<http://example.org/a>")}),
])
def test_each_constraint_gives_pyshacls_results(shape, expected):
    assert both(DATA, shape) == expected


def test_unique_lang_reports_each_doubled_tag_once():
    data = PREFIXES + 'ex:a ex:l "x"@en , "y"@en , "z"@EN , "p"@nl , "q"@nl , "r"@de .'
    found = both(data, "ex:S sh:targetNode ex:a ; sh:path ex:l ; sh:uniqueLang true .")
    assert found == {("Violation", "ex:S", "a", "ex:l", None)}
    rows = shacl_sparql.run(_store(data), shacl_sparql.compile_shapes(_shapes(
        "ex:S sh:targetNode ex:a ; sh:path ex:l ; sh:uniqueLang true .")))
    assert len(rows) == 2                      # en and nl, as pyshacl


def _shapes(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def _store(data: str) -> ox.Store:
    store = ox.Store()
    store.load(data.encode(), format=ox.RdfFormat.TRIG)
    return store


@pytest.mark.parametrize("shape, why", [
    ("ex:Closed sh:targetClass ex:Thing ; sh:closed true .", "sh:closed"),
    ("ex:Closed sh:targetClass ex:Thing ; sh:xone ( [ sh:class ex:A ] [ sh:class ex:B ] ) .", "sh:xone"),
    ("ex:Closed sh:targetClass ex:Thing ; sh:sparql [ sh:select \"SELECT $this WHERE {}\" ] .", "sh:sparql"),
    ("ex:Closed sh:targetClass ex:Thing ; sh:path ex:p ; sh:datatype xsd:nonNegativeInteger .",
     "xsd:nonNegativeInteger"),
    ("ex:Closed sh:targetClass ex:Thing ; sh:node ex:Closed .", "recursive"),
    ("ex:Closed sh:targetClass ex:Thing ; sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:A ] ; "
     "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true .", "qualifiedValueShapesDisjoint"),
])
def test_an_unsupported_shape_is_refused_naming_it(shape, why):
    with pytest.raises(shacl_sparql.UnsupportedShapeError, match=rf"SHACL shape ex:Closed: .*{why}"):
        shacl_sparql.compile_shapes(_shapes(shape))


def test_an_unsupported_feature_in_an_anonymous_helper_shape_names_its_owner():
    shapes = _shapes("ex:Owner sh:targetClass ex:Thing ; sh:or ( [ sh:path ex:p ; sh:closed true ] ) .")
    with pytest.raises(shacl_sparql.UnsupportedShapeError, match=r"anonymous shape in ex:Owner: sh:closed"):
        shacl_sparql.compile_shapes(shapes)


def test_the_gate_refuses_an_unsupported_shape_and_validates_nothing():
    shapes = _shapes("ex:Closed sh:targetClass ex:Thing ; sh:closed true .")
    data = Graph().parse(data=DATA.split("ex:g {")[0], format="turtle")
    with pytest.raises(ValidationSetupError, match="ex:Closed|example.org/Closed"):
        validate_graph(data, shapes, engine="sparql")


def test_store_graph_reads_the_union_of_the_graphs():
    store = _store(DATA)
    view = StoreGraph(store)
    assert len(view) == len(store)
    assert set(view.objects(URIRef(EX + "c"), URIRef(EX + "dup"))) == {Literal("x")}
    assert view.value(URIRef(EX + "b"), URIRef(EX + "p")) == URIRef(EX + "a")
    assert view.value(URIRef(EX + "b"), RDFS.label) is None
