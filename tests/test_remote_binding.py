"""Parameters of a remote query are bound by a VALUES block: the same answers as pyoxigraph's
substitution, for every saved query and page block (checked on the embedded engine itself)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from crm_kg.queries import QueryLibrary
from crm_kg.remote import is_distinct, values_block, where_start, with_values
from crm_kg.store import StoreError
from crm_kg.web.blocks import Blocks

sys.path.insert(0, str(Path(__file__).parent))
from saved_query_cases import cases, rowset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = QueryLibrary(ROOT / "queries")
ID = "https://w3id.org/crm-kg/id/"
ENTITIES = ["material/gallium", "material/rare-earth-elements", "organisation/cleantron", "place/flevoland",
            "report/nhfl-2025", "policy/critical-raw-materials-act", "product/wind-turbine",
            "opportunity/nhfl-2025/3", "passage/nhfl-2025-en/398"]


def _multiset(result) -> list:
    if result.kind == "ask":
        return [result.boolean]
    if result.kind == "graph":
        return sorted(tuple(t.n3() for t in triple) for triple in result.triples)
    return sorted(tuple(sorted((k, v.n3()) for k, v in row.items() if v is not None)) for row in result.rows)


@pytest.mark.parametrize("name", sorted(LIBRARY.queries))
def test_values_block_answers_like_substitution(name, store):
    query = LIBRARY.get(name)
    for raw in cases(query, store):
        bindings = query.bind(raw)
        substituted = store.query(query.text, bindings)
        bound = store.query(with_values(query.text, bindings))
        assert _multiset(bound) == _multiset(substituted), f"{name} {raw}"
        assert rowset(query, bound) == rowset(query, substituted)


def test_values_block_answers_like_substitution_in_page_blocks(store, settings):
    blocks = Blocks(settings.root / "queries" / "describe")
    checked = 0
    for block in blocks.queries.values():
        values = {"entity": None, "lang": Literal("en"), "graph": URIRef("https://w3id.org/crm-kg/graph/nhfl-2025"),
                  "inferred": URIRef("https://w3id.org/crm-kg/graph/inferred"),
                  "class": URIRef("https://w3id.org/crm-kg/ontology#Material"), "space": Literal(ID + "material/")}
        for entity in (ENTITIES if "entity" in block.params else [None]):
            values["entity"] = URIRef(ID + entity) if entity else None
            bindings = block.bind({k: v for k, v in values.items() if v is not None})
            if not bindings:
                continue
            substituted, bound = store.query(block.text, bindings), store.query(with_values(block.text, bindings))
            assert _multiset(bound) == _multiset(substituted), f"{block.name} {entity}"
            checked += 1
    assert checked > 100


def test_substitution_stays_out_of_sub_selects():
    """What the VALUES binding relies on: pyoxigraph does not substitute inside a sub-SELECT
    either (each is its own scope), so the two agree there too."""
    store = ox.Store()
    node = lambda x: ox.NamedNode("http://example.org/" + x)  # noqa: E731
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for report, value in (("a", 1), ("a", 5), ("b", 9)):
        figure = node(f"f{value}")
        store.add(ox.Quad(figure, node("report"), node(report)))
        store.add(ox.Quad(figure, node("value"), ox.Literal(str(value), datatype=integer)))
    text = ("SELECT ?top $r WHERE { { SELECT (MAX(?v) AS ?top) WHERE { "
            "?f <http://example.org/report> $r ; <http://example.org/value> ?v } } }")
    substituted = [s["top"].value for s in store.query(text, substitutions={ox.Variable("r"): node("a")})]
    bound = [s["top"].value for s in store.query(with_values(text, {"r": URIRef("http://example.org/a")}))]
    assert substituted == bound == ["9"]


def test_where_start_finds_the_outermost_group():
    select = 'PREFIX : <http://x/#{}>\n# a comment { \nSELECT ?a (CONCAT("{", ?b) AS ?c) WHERE { ?a ?p ?b }'
    assert select[where_start(select) - 1] == "{" and select[where_start(select):].startswith(" ?a ?p ?b")
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert construct[where_start(construct):].strip() == "?s ?p ?o }"
    ask = "ASK { ?s ?p ?o }"
    assert with_values(ask, {"s": URIRef("http://x/1")}) == "ASK { VALUES (?s) { (<http://x/1>) }\n ?s ?p ?o }"
    no_where = "SELECT ?x { ?x ?p 1 }"
    assert no_where[where_start(no_where):] == " ?x ?p 1 }"
    with pytest.raises(StoreError, match="short form"):
        where_start("CONSTRUCT WHERE { ?s ?p ?o }")
    with pytest.raises(StoreError, match="no WHERE"):
        where_start("DESCRIBE <http://x/1>")
    assert with_values(select, {}) == select


def test_values_are_terms_in_ntriples_syntax():
    block = values_block({"b": Literal('say "hi"\n} UNION {', lang="en"), "a": URIRef("http://x/a"),
                          "n": Literal(3), "s": Literal("plain")})
    assert block == ('VALUES (?a ?b ?n ?s) { (<http://x/a> "say \\"hi\\"\\n} UNION {"@en '
                     '"3"^^<http://www.w3.org/2001/XMLSchema#integer> "plain") }')
    with pytest.raises(StoreError, match="blank node"):
        values_block({"x": BNode("b0")})
    with pytest.raises(StoreError):
        values_block({"bad name": Literal("x")})


def test_distinct_is_read_from_the_outer_select():
    assert is_distinct("PREFIX a: <http://x/>\nSELECT DISTINCT ?x WHERE { ?x ?p ?o }")
    assert not is_distinct("SELECT ?x WHERE { { SELECT DISTINCT ?x WHERE { ?x ?p ?o } } }")
    assert not is_distinct("ASK { ?x ?p ?o }")
