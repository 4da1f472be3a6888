"""The embedded store runs saved queries and page blocks with each OPTIONAL evaluated row by row
(crm_kg.hints): the same answers as the text as written, for every saved query (every parameter
case) and every page block, on the real graph; and where the hint goes and where it does not."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from crm_kg.binding import bind
from crm_kg.hints import lateral_optionals
from crm_kg.queries import QueryLibrary
from crm_kg.store import from_ox
from crm_kg.web.blocks import Blocks

sys.path.insert(0, str(Path(__file__).parent))
from saved_query_cases import cases, rowset  # noqa: E402
from test_binding import ENTITIES, ID, _multiset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = QueryLibrary(ROOT / "queries")


class _Answer:
    """What _multiset reads, from a raw pyoxigraph answer."""

    def __init__(self, raw):
        self.kind = ("ask" if isinstance(raw, ox.QueryBoolean) else
                     "select" if isinstance(raw, ox.QuerySolutions) else "graph")
        self.boolean = bool(raw) if self.kind == "ask" else None
        if self.kind == "select":
            names = [v.value for v in raw.variables]
            self.rows = [{n: from_ox(s[n]) for n in names} for s in raw]
        elif self.kind == "graph":
            self.triples = [tuple(from_ox(t) for t in (q.subject, q.predicate, q.object)) for q in raw]


def _both(store, text: str, bindings: dict):
    """(as written, with the hint): both through pyoxigraph with the parameters bound alike."""
    run = lambda t: _Answer(store._store.query(bind(t, bindings), use_default_graph_as_union=True))  # noqa: E731
    return run(text), run(lateral_optionals(text))


@pytest.mark.parametrize("name", sorted(LIBRARY.queries))
def test_saved_queries_answer_alike_with_the_hint(name, store):
    query = LIBRARY.get(name)
    for raw in cases(query, store):
        plain, hinted = _both(store, query.text, query.bind(raw))
        assert rowset(query, hinted) == rowset(query, plain), f"{name} {raw}"   # concatenations as sets
        assert len(hinted.rows) == len(plain.rows)


def test_page_blocks_answer_alike_with_the_hint(store, settings):
    blocks = Blocks(settings.root / "queries" / "describe")
    checked = 0
    for block in blocks.queries.values():
        if "OPTIONAL" not in block.text.upper():
            continue
        values = {"entity": None, "lang": Literal("en"), "graph": URIRef("https://w3id.org/crm-kg/graph/nhfl-2025"),
                  "inferred": URIRef("https://w3id.org/crm-kg/graph/inferred"),
                  "class": URIRef("https://w3id.org/crm-kg/ontology#Material"), "space": Literal(ID + "material/")}
        for entity in (ENTITIES if "entity" in block.params else [None]):
            values["entity"] = URIRef(ID + entity) if entity else None
            bindings = block.bind({k: v for k, v in values.items() if v is not None})
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


def test_sparql_endpoint_queries_are_run_as_written(store):
    """Only texts that come with bindings (saved queries, page blocks) get the hint: a query sent
    to /sparql in LATERAL-free SPARQL 1.1 is what the engine runs."""
    text = "SELECT ?s WHERE { ?s a ?c OPTIONAL { ?s <http://example.org/none> ?x } } LIMIT 1"
    assert store.query(text).rows == store.query(text, {}).rows
