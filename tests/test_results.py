"""The writers used for capped answers write what pyoxigraph writes (read back and compared),
and SELECT answers read back from pyoxigraph's TSV hold the terms its objects convert to."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from crm_kg.sparql.terms import from_ox
from crm_kg.store import embedded as store_module

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
# fields the TSV reader must decode: string escapes, control and non-ASCII characters,
# language tags, datatypes written in full and Turtle's bare numbers and booleans
ESCAPES = r"""SELECT * WHERE { VALUES (?a ?b ?c ?d ?e ?f ?g) {
  ("back\\slash \"q\" 'single'" "x\u0001y\u00e9\U0001F600" "colour"@en-GB -7 -0.5 "INF"^^<http://www.w3.org/2001/XMLSchema#double> false)
  ("\\u0041 is no escape" "\\t" "t\tab"@nl 0 3.0e-2 "x"^^<http://e/dt> <http://e/é?q=1#f>) } }"""
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
    capped = store.serialize(query, media_type, limit=1000)     # cap: crm_kg.sparql.results writes it
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


def reference_rows(store, query) -> list[dict]:
    """The rows as the term-by-term path converts them (pyoxigraph objects through from_ox)."""
    raw = store._raw(query)
    names = [v.value for v in raw.variables]
    return [{v: from_ox(solution[v]) for v in names} for solution in raw]


@pytest.mark.parametrize("query", QUERIES + [ESCAPES])
def test_rows_read_from_tsv_are_the_terms_of_the_objects(store, query):
    """store.PackedRows: every field read back from pyoxigraph's TSV is the rdflib term that
    from_ox makes of the same solution — type, lexical form, language and datatype."""
    rows = store.query(query).rows
    expected = reference_rows(store, query)
    assert rows == expected
    assert [[(type(t), t.language if hasattr(t, "language") else None,
              getattr(t, "datatype", None)) for t in r.values()] for r in rows] == \
        [[(type(t), t.language if hasattr(t, "language") else None,
           getattr(t, "datatype", None)) for t in r.values()] for r in expected]


def test_the_escapes_are_decoded(store):
    row = store.query(ESCAPES).rows[0]
    assert str(row["a"]) == 'back\\slash "q" \'single\''
    assert str(row["b"]) == "x\x01y\u00e9\U0001F600"
    assert row["c"].language == "en-gb" or row["c"].language == "en-GB"
    assert int(row["d"]) == -7 and str(row["e"]) == "-0.5"
    assert str(store.query(ESCAPES).rows[1]["a"]) == "\\u0041 is no escape"


ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.mark.parametrize("limit", [0, 1, 999, 5000])
def test_a_capped_select_stops_the_writer_and_keeps_the_first_rows(store, monkeypatch, limit):
    """A cap stops pyoxigraph's TSV writer after the rows wanted (store._Lines), long before
    the whole answer is written, and keeps exactly the first ``limit`` rows."""
    written = []

    class Counting(store_module._Lines):
        def write(self, data):
            written.append(len(data))
            return super().write(data)

    monkeypatch.setattr(store_module, "_Lines", Counting)
    capped = store.query(ALL, limit=limit)
    full = store.query(ALL)
    assert len(full.rows) > 20000                   # the answer is many times the cap
    assert capped.truncated and len(capped.rows) == limit
    assert capped.rows == full.rows[:limit]
    assert sum(written) < len(store.serialize(ALL, "text/tab-separated-values").body) / 2


def test_a_cap_the_answer_fits_is_not_a_cut(store):
    full = store.query(QUERIES[1])
    n = len(full.rows)
    assert n > 10
    for limit in (n, n + 1):
        exact = store.query(QUERIES[1], limit=limit)
        assert not exact.truncated and exact.rows == full.rows
    short = store.query(QUERIES[1], limit=n - 1)
    assert short.truncated and short.rows == full.rows[:-1]
    assert store.query("SELECT * WHERE {}", limit=1).rows == [{}]
    assert store.query("SELECT * WHERE {}", limit=0).truncated


# -- the JSON of a Result, written from rdflib terms (results._json_of_terms) --------------

def _reference_json(result) -> bytes:
    """The term-by-term path: every cell converted to pyoxigraph and written by the writer of
    pyoxigraph terms (results._json)."""
    from crm_kg.sparql.results import write
    from crm_kg.sparql.terms import to_ox

    rows = [[None if row.get(v) is None else to_ox(row[v]) for v in result.variables] for row in result.rows]
    return write("application/sparql-results+json", result.variables, rows)


@pytest.mark.parametrize("query", QUERIES + [ESCAPES])
def test_json_of_a_result_is_the_writers_to_the_byte(store, query):
    """write_answer writes a Result's JSON from memoised terms: the same bytes as converting
    and writing cell by cell, the first time and again (from the memo), whole or a page."""
    from crm_kg.sparql.results import write_answer

    result = store.query(query)
    expected = _reference_json(result)
    assert write_answer(result, "application/sparql-results+json") == expected
    assert write_answer(result, "application/sparql-results+json") == expected
    assert write_answer(result, "application/json") == expected
    page = result.rows[1:3]
    assert write_answer(result, "application/sparql-results+json", page) == \
        _reference_json(type(result)("select", result.variables, page))


def test_the_json_memo_keys_terms_by_what_is_written():
    """rdflib takes Literal("x", lang="EN") and lang="en" for equal, and pyoxigraph writes both
    as "en"; a literal and an IRI of the same text, or a typed and a plain literal, are not
    mixed up; long terms are written but not kept, and the memo empties when full."""
    from rdflib import XSD, BNode, Literal, URIRef

    from crm_kg.sparql import results

    def json_of(*terms):
        result = results.Result("select", ["v"], [{"v": t} for t in terms])
        return results.write_answer(result, "application/json")

    upper, lower = Literal("x", lang="EN"), Literal("x", lang="en")
    assert json_of(upper, lower) == _reference_json(results.Result("select", ["v"], [{"v": upper}, {"v": lower}]))
    assert json_of(upper, lower).count(b'"xml:lang":"en"}') == 2
    mixed = [URIRef("http://e/x"), Literal("http://e/x"), Literal("1"), Literal("1", datatype=XSD.integer),
             Literal("1", datatype=XSD.string), BNode("x"), Literal("x")]
    assert json_of(*mixed) == _reference_json(results.Result("select", ["v"], [{"v": t} for t in mixed]))

    memo = results._Memo(str.upper, entries=3, longest=5)
    assert [memo[k] for k in ("a", "b", "c")] == ["A", "B", "C"] and len(memo) == 3
    assert memo["toolong"] == "TOOLONG" and "toolong" not in memo
    assert memo["d"] == "D" and dict(memo) == {"d": "D"}          # full: emptied, then kept


def test_answers_read_one_after_another_share_their_terms(store):
    """The TSV reader keeps the terms it made for the next answers (results._TSV_TERMS): the
    same term in two answers is one object, and the answers are what they were."""
    query = QUERIES[0]
    first, second = store.query(query).rows, store.query(query).rows
    assert first == second == reference_rows(store, query)
    assert all(a[v] is b[v] for a, b in zip(first, second) for v in a)
