"""The embedded store runs saved queries and page blocks with each OPTIONAL evaluated row by row
(crm_kg.sparql.hints): the same answers as the text as written, for every saved query (every parameter
case) and every page block, on the real graph; and where the hint goes and where it does not."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from crm_kg.sparql.binding import bind
from crm_kg.sparql.hints import hinted, lateral_graphs, lateral_optionals, lateral_unions
from crm_kg.sparql.library import QueryLibrary
from crm_kg.sparql.results import unpack
from crm_kg.store.embedded import EmbeddedStore
from crm_kg.web.blocks import Blocks

sys.path.insert(0, str(Path(__file__).parent))
from saved_query_cases import block_cases, cases, rowset  # noqa: E402
from test_binding import _multiset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = QueryLibrary(ROOT / "queries")


def _both(store, text: str, bindings: dict):
    """(as written, with the hint): both through pyoxigraph with the parameters bound alike."""
    run = lambda t: unpack(EmbeddedStore._pack(  # noqa: E731
        store._store.query(bind(t, bindings), use_default_graph_as_union=True), None))
    return run(text), run(hinted(text))


@pytest.mark.parametrize("name", sorted(LIBRARY.queries))
def test_saved_queries_answer_alike_with_the_hint(name, store):
    query = LIBRARY.get(name)
    for raw in cases(query, store):
        plain, hinted = _both(store, query.text, query.bind(raw))
        assert rowset(query, hinted) == rowset(query, plain), f"{name} {raw}"   # concatenations as sets
        assert len(hinted.rows) == len(plain.rows)


def test_page_blocks_answer_alike_with_the_hint(store, settings):
    checked = 0
    for block, entity, bindings in block_cases(Blocks(settings.root / "queries" / "describe")):
        if "OPTIONAL" not in block.text.upper() and "UNION" not in block.text.upper():
            continue
        plain, hinted = _both(store, block.text, bindings)
        assert _multiset(hinted) == _multiset(plain), f"{block.name} {entity}"
        checked += 1
    assert checked > 50


def test_the_hint_wraps_each_optional_but_not_one_holding_a_sub_select():
    text = ('SELECT * WHERE { ?a ?b ?c OPTIONAL { ?c ?d ?e OPTIONAL { ?e ?f "}" } } '
            'OPTIONAL { { SELECT ?c WHERE { ?c ?g ?h } } } # OPTIONAL { comment\n}')
    hinted = lateral_optionals(text)
    assert hinted == ('SELECT * WHERE { ?a ?b ?c LATERAL { OPTIONAL { ?c ?d ?e LATERAL { OPTIONAL { ?e ?f "}" } } } } '
                      'OPTIONAL { { SELECT ?c WHERE { ?c ?g ?h } } } # OPTIONAL { comment\n}')
    ox.Store().query(hinted)         # pyoxigraph reads it


def test_a_graph_named_by_an_earlier_bind_is_evaluated_row_by_row():
    """GRAPH ?g { P } after BIND(… AS ?g) in the same group: LATERAL; not when ?g comes from
    elsewhere, nor in a group of its own, nor after that group ended."""
    text = ('SELECT * WHERE { BIND(IRI(CONCAT("g:", STR($r))) AS ?g) GRAPH ?g { ?s ?p "}" } '
            '{ GRAPH ?g { ?x ?y ?z } } OPTIONAL { BIND(1 AS ?h) } GRAPH ?h { ?a ?b ?c } '
            'FILTER(COALESCE(?s, 1) AS ?k) }')
    assert lateral_graphs(text) == (
        'SELECT * WHERE { BIND(IRI(CONCAT("g:", STR($r))) AS ?g) LATERAL { GRAPH ?g { ?s ?p "}" } } '
        '{ GRAPH ?g { ?x ?y ?z } } OPTIONAL { BIND(1 AS ?h) } GRAPH ?h { ?a ?b ?c } '
        'FILTER(COALESCE(?s, 1) AS ?k) }')
    plain = "SELECT (COUNT(*) AS ?g) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert lateral_graphs(plain) == plain
    wrapped = LIBRARY.get("organisation-counts-by-activity").text
    assert "LATERAL { GRAPH ?graph { ?organisation crm:activity ?activity } }" in hinted(wrapped)
    query = LIBRARY.get("organisation-counts-by-activity")
    ox.Store().query(bind(hinted(wrapped), query.bind({})))     # pyoxigraph reads it


def test_sparql_endpoint_queries_are_run_as_written(store):
    """Only texts that come with bindings (saved queries, page blocks) get the hint: a query sent
    to /sparql in LATERAL-free SPARQL 1.1 is what the engine runs."""
    text = "SELECT ?s WHERE { ?s a ?c OPTIONAL { ?s <http://example.org/none> ?x } } LIMIT 1"
    assert store.query(text).rows == store.query(text, {}).rows


def test_a_union_opening_its_group_is_evaluated_row_by_row():
    """{ A } UNION { B } … first in a group: LATERAL (nested chains too); not a union after
    other patterns, a lone group, or a chain holding a sub-SELECT."""
    text = ('SELECT * WHERE { { ?a ?b "}" } UNION { ?a ?d ?e } UNION { GRAPH ?g { { ?k ?l ?m } UNION '
            '{ ?k ?n ?o } } } ?x ?y ?z }')
    assert lateral_unions(text) == (
        'SELECT * WHERE { LATERAL { { ?a ?b "}" } UNION { ?a ?d ?e } UNION { GRAPH ?g { LATERAL { { ?k ?l ?m } '
        'UNION { ?k ?n ?o } } } } } ?x ?y ?z }')
    for unchanged in ('SELECT * WHERE { ?q ?r ?s { ?a ?b ?c } UNION { ?a ?d ?e } }',
                      'SELECT * WHERE { { ?a ?b ?c } ?x ?y ?z }',
                      'SELECT * WHERE { { { SELECT ?a WHERE { ?a ?b ?c } } } UNION { ?a ?d ?e } }'):
        assert lateral_unions(unchanged) == unchanged
    ox.Store().query(lateral_unions(text))       # pyoxigraph reads it


def test_statement_sources_runs_its_union_once_per_subject(store):
    """The entity pages' sources query (a UNION of five kinds of source) with its subject bound:
    the hint puts the union after the VALUES row, and the answers stay the same."""
    query = LIBRARY.get("statement-sources")
    assert hinted(query.text).count("LATERAL { {") == 1
    bindings = query.bind({"subject": "organisation/asml"})
    plain, with_hint = _both(store, query.text, bindings)
    assert len(plain.rows) > 10 and _multiset(with_hint) == _multiset(plain)
