"""Parameters are bound by a VALUES block (crm_kg.sparql.binding), the same text on every store:
where the block goes (the outer WHERE group, each sub-SELECT naming the parameter), how terms
are written, and that for queries without sub-queries the answers are those of pyoxigraph's own
substitution (SEP-0007), for every saved query and page block."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from crm_kg.sparql.binding import BindingError, bind, groups, values_block
from crm_kg.sparql.library import QueryLibrary
from crm_kg.sparql.results import unpack
from crm_kg.sparql.terms import to_ox
from crm_kg.store.embedded import EmbeddedStore
from crm_kg.store.interface import Dataset
from crm_kg.store.remote import is_distinct
from crm_kg.web.blocks import Blocks

sys.path.insert(0, str(Path(__file__).parent))
from saved_query_cases import block_cases, cases, rowset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = QueryLibrary(ROOT / "queries")


def _multiset(result) -> list:
    if result.kind == "ask":
        return [result.boolean]
    if result.kind == "graph":
        return sorted(tuple(t.n3() for t in triple) for triple in result.triples)
    return sorted(tuple(sorted((k, v.n3()) for k, v in row.items() if v is not None)) for row in result.rows)


def _substituted(store, text: str, bindings: dict):
    """The answer of pyoxigraph's own substitution (SEP-0007), in the store's form."""
    raw = store._store.query(text, substitutions={ox.Variable(k): to_ox(v) for k, v in bindings.items()},
                             use_default_graph_as_union=True)
    return unpack(EmbeddedStore._pack(raw, None))


def _sub_select_names_one(text: str, names) -> bool:
    return any(set(names) & named for _, named in groups(text)[1:])


@pytest.mark.parametrize("name", sorted(LIBRARY.queries))
def test_values_block_answers_like_substitution(name, store):
    query = LIBRARY.get(name)
    for raw in cases(query, store):
        bindings = query.bind(raw)
        if _sub_select_names_one(query.text, bindings):
            continue        # substitution does not reach a sub-SELECT; the VALUES block does, by design
        substituted = _substituted(store, query.text, bindings)
        bound = store.query(query.text, bindings)
        assert rowset(query, bound) == rowset(query, substituted), f"{name} {raw}"   # concatenations as sets
        assert len(bound.rows) == len(substituted.rows)


def test_values_block_answers_like_substitution_in_page_blocks(store, settings):
    checked = 0
    for block, entity, bindings in block_cases(Blocks(settings.root / "queries" / "describe")):
        if not bindings or _sub_select_names_one(block.text, bindings):
            continue
        substituted, bound = _substituted(store, block.text, bindings), store.query(block.text, bindings)
        assert _multiset(bound) == _multiset(substituted), f"{block.name} {entity}"
        checked += 1
    assert checked > 100


def test_a_sub_select_naming_the_parameter_is_narrowed_to_it():
    """Unlike substitution, which stops at a sub-SELECT's scope, the VALUES block goes into
    every sub-SELECT that names the parameter: the highest value *of report a*."""
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
    bound = [s["top"].value for s in store.query(bind(text, {"r": URIRef("http://example.org/a")}))]
    assert substituted == ["9"] and bound == ["5"]
    other = [s["top"].value for s in store.query(bind(text, {"r": URIRef("http://example.org/b")}))]
    assert other == ["9"]


def test_blocks_go_where_the_parameters_are_named():
    text = ("SELECT ?x ?n $p WHERE { ?x ?y $p . { SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?w ?o } GROUP BY ?x } "
            "{ SELECT ?x WHERE { ?x ?r $p . { SELECT ?x { ?x ?s $q } } } } }")
    bound = bind(text, {"p": URIRef("http://x/p"), "q": URIRef("http://x/q")})
    assert bound.count("VALUES") == 3
    assert "WHERE { VALUES (?p ?q) { (<http://x/p> <http://x/q>) }\n ?x ?y $p" in bound
    assert "WHERE { VALUES (?p ?q) { (<http://x/p> <http://x/q>) }\n ?x ?r $p" in bound  # $p, and $q below
    assert "?x ?r $p . { SELECT ?x { VALUES (?q) { (<http://x/q>) }\n ?x ?s $q" in bound
    assert "WHERE { ?x ?w ?o }" in bound                                    # names neither
    ox.Store().query(bound)                                                 # and it parses


def test_keywords_in_names_strings_and_comments_are_not_sub_selects():
    text = ('PREFIX ex: <http://x/#{ SELECT }>\nSELECT ?a WHERE { ?a ex:select "{ SELECT ?b WHERE {" . '
            '# SELECT { \n ?a ex:p $v }')
    assert len(groups(text)) == 1
    assert bind(text, {"v": Literal(1)}).count("VALUES") == 1


def test_the_outer_block_goes_first_in_the_outermost_group():
    select = 'PREFIX : <http://x/#{}>\n# a comment { \nSELECT ?a (CONCAT("{", ?b) AS ?c) WHERE { ?a ?p ?b }'
    outer = groups(select)[0][0]
    assert select[outer - 1] == "{" and select[outer:].startswith(" ?a ?p ?b")
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert construct[groups(construct)[0][0]:].strip() == "?s ?p ?o }"
    ask = "ASK { ?s ?p ?o }"
    assert bind(ask, {"s": URIRef("http://x/1")}) == "ASK { VALUES (?s) { (<http://x/1>) }\n ?s ?p ?o }"
    no_where = "SELECT ?x { ?x ?p 1 }"
    assert no_where[groups(no_where)[0][0]:] == " ?x ?p 1 }"
    with pytest.raises(BindingError, match="short form"):
        groups("CONSTRUCT WHERE { ?s ?p ?o }")
    with pytest.raises(BindingError, match="no WHERE"):
        groups("DESCRIBE <http://x/1>")
    assert bind(select, {}) == select


def test_values_are_terms_in_ntriples_syntax():
    block = values_block({"b": Literal('say "hi"\n} UNION {', lang="en"), "a": URIRef("http://x/a"),
                          "n": Literal(3), "s": Literal("plain")})
    assert block == ('VALUES (?a ?b ?n ?s) { (<http://x/a> "say \\"hi\\"\\n} UNION {"@en '
                     '"3"^^<http://www.w3.org/2001/XMLSchema#integer> "plain") }')
    with pytest.raises(BindingError, match="blank node"):
        values_block({"x": BNode("b0")})
    with pytest.raises(BindingError):
        values_block({"bad name": Literal("x")})


def test_distinct_is_read_from_the_outer_select():
    assert is_distinct("PREFIX a: <http://x/>\nSELECT DISTINCT ?x WHERE { ?x ?p ?o }")
    assert not is_distinct("SELECT ?x WHERE { { SELECT DISTINCT ?x WHERE { ?x ?p ?o } } }")
    assert not is_distinct("ASK { ?x ?p ?o }")


ZH_GRAPH = "https://w3id.org/crm-kg/graph/zh-2024"
OPPORTUNITY = URIRef("https://w3id.org/crm-kg/ontology#Opportunity")


def test_a_bound_query_keeps_its_own_dataset_and_is_scanned_once(store, monkeypatch):
    """The embedded store works out once per text (store.embedded.prepared) whether a saved
    query names its own dataset: with ``FROM`` it answers from that graph alone, without it
    from every graph (the union default graph), for any value bound — and a second request
    with another value scans no text again."""
    from crm_kg.store import embedded

    union = "SELECT (COUNT(*) AS ?n) WHERE { ?s a $type }"
    own = f"SELECT (COUNT(*) AS ?n) FROM <{ZH_GRAPH}> WHERE {{ ?s a $type }}"
    count = lambda text, value: int(store.query(text, {"type": value}).rows[0]["n"])  # noqa: E731
    everywhere, in_zh = count(union, OPPORTUNITY), count(own, OPPORTUNITY)
    assert 0 < in_zh < everywhere
    assert in_zh == int(store.query(union.replace("$type", f"<{OPPORTUNITY}>"),
                                    dataset=Dataset((ZH_GRAPH,), ())).rows[0]["n"])
    scans = []
    monkeypatch.setattr(embedded, "scan", lambda text: scans.append(text) or ox_scan(text))
    assert count(own, OPPORTUNITY) == in_zh and count(union, OPPORTUNITY) == everywhere
    other = URIRef("https://w3id.org/crm-kg/ontology#Report")
    assert count(own, other) <= count(union, other)
    assert scans == []                                  # bound texts: nothing scanned again
    store.query("ASK { ?s ?p ?o }")
    assert scans == ["ASK { ?s ?p ?o }"]               # a text without bindings is scanned


def ox_scan(text):
    from crm_kg.sparql.scan import scan

    return scan(text)
