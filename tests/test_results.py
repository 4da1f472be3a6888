"""The writers used for capped answers write what pyoxigraph writes (read back and compared)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

QUERIES = [
    "SELECT ?o ?label WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?o ?label",
    "SELECT ?s ?n WHERE { ?s <https://w3id.org/crm-kg/ontology#number> ?n } ORDER BY ?s LIMIT 50",
    """SELECT ?plain ?quoted ?multi ?tab ?typed ?b ?unbound ?triple ?dir ?empty WHERE {
         BIND("a, b" AS ?plain) BIND('say "hi"' AS ?quoted) BIND("line 1\\nline 2\\r\\n" AS ?multi)
         BIND("a\\tb" AS ?tab) BIND("2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> AS ?typed)
         BIND(BNODE("x") AS ?b) BIND("" AS ?empty)
         BIND(<<( <http://a> <http://b> "c"@en )>> AS ?triple) BIND(STRLANGDIR("x", "ar", "rtl") AS ?dir) }""",
    "SELECT * WHERE { VALUES (?x ?y) { (1 UNDEF) (UNDEF <http://e/a&b>) (\"<&>\" 2.5) (true 1e3) } }",
    "SELECT * WHERE {}",
    "SELECT ?x WHERE { FILTER(false) }",
]
PARSEABLE = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
             "application/sparql-results+xml": ox.QueryResultsFormat.XML,
             "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def solutions(body: bytes, fmt) -> tuple[list[str], list[tuple]]:
    parsed = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in parsed.variables]
    return names, [tuple(solution[v] for v in names) for solution in parsed]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("media_type", list(PARSEABLE) + ["text/csv"])
def test_capped_writer_matches_pyoxigraph(store, query, media_type):
    native = store.serialize(query, media_type)                 # no cap: pyoxigraph writes it
    capped = store.serialize(query, media_type, limit=1000)     # cap: crm_kg.results writes it
    assert not capped.truncated and capped.rows is not None
    if media_type == "text/csv":
        assert capped.body == native.body
    else:
        assert solutions(capped.body, PARSEABLE[media_type]) == solutions(native.body, PARSEABLE[media_type])


def test_cap_cuts_and_says_so(store):
    capped = store.serialize(QUERIES[1], "application/sparql-results+json", limit=4)
    names, rows = solutions(capped.body, ox.QueryResultsFormat.JSON)
    assert capped.truncated and capped.rows == 4 and len(rows) == 4
    full = solutions(store.serialize(QUERIES[1], "application/sparql-results+json").body,
                     ox.QueryResultsFormat.JSON)[1]
    assert rows == full[:4]
