"""The lexical scan behind the SPARQL guard: forms, nesting, SERVICE in every disguise, FROM."""

from __future__ import annotations

import pytest

from crm_kg.sparql.scan import scan, unescape

LOOP = "PREFIX t: <http://127.0.0.1:9/> "


@pytest.mark.parametrize("text, form", [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX a: <http://x#> BASE <http://y/> ask{}", "ASK"),
    ("# a comment\nCONSTRUCT { ?s ?p ?o } WHERE { SELECT * { ?s ?p ?o } }", "CONSTRUCT"),
    ("DESCRIBE <http://x>", "DESCRIBE"),
    ("SELECT*{}", "SELECT"),
    ("CONSTRUCTWHERE{}", "CONSTRUCT"),          # pyoxigraph needs no space after a keyword
    ("?s ?p ?o", None),
])
def test_query_form(text, form):
    assert scan(text).form == form


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * where { service silent t:x {} }",
    # pyoxigraph matches keywords without a word boundary: all of these call a service
    "SELECT * WHERE { SERVICE:{ ?s ?p ?o } }",
    "SELECT * WHERE { SERVICEex:foo { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICESILENT t:e {} }",
    LOOP + "SELECT * WHERE { ?s ?p 1SERVICE t:j {} }",
    LOOP + "SELECT * WHERE { ?s ?p 'x'SERVICE t:k {} }",
    LOOP + "SELECT * WHERE { ?s ?p ?o FILTER(true)SERVICE t:l {} }",
    LOOP + "SELECT * WHERE { ?s ?p ?o . SERVICE\n# a comment\nt:n {} }",
    # a prefixed name whose IRI breaks when letters are appended falls back to the prefix alone
    LOOP + "PREFIX ex: <http://127.0.0.1:80> SELECT * WHERE { ?s ?p ex:SERVICE t:h {} }",
    # codepoint escapes (SPARQL 1.1 §19.2) are applied by some engines before parsing
    "SELECT * WHERE { \\u0053ERVICE <http://x/> {} }",
    # '<' inside parentheses may be less-than: then '#' starts a comment, not part of an IRI
    LOOP + 'SELECT * WHERE { ?s ?p ?o FILTER(?o<?s)#>"""\nSERVICE t:x {} BIND("""""" AS ?z) }',
    LOOP + 'SELECT * WHERE { ?s ?p ?o FILTER(?o<?s)#>"""\n'
           'FILTER(?x = <http://a#>) SERVICE t:x {} BIND("""""" AS ?z) }',
    "SELECT * WHERE { ?s ex:a\\#b ?o . SERVICE t:x {} }",
    "LATERAL { SERVICE t:i {} }",
])
def test_service_in_every_disguise(text):
    assert scan(text).service


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://x> {}" }',
    "SELECT * WHERE { ?s ?p '''SERVICE\n<http://x> {}''' }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x> {}",
    "SELECT ?service WHERE { ?service ?p $serviceType }",
    "PREFIX schema: <https://schema.org/> SELECT * WHERE { ?s schema:serviceType ?o }",
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * WHERE { ?s a sd:Service }",
    "SELECT * WHERE { ?s a ?c FILTER(?c = <http://www.w3.org/ns/sparql-service-description#Service>) }",
])
def test_service_in_data_is_no_service(text):
    assert not scan(text).service


@pytest.mark.parametrize("text, words", [
    ("INSERT DATA { <a> <b> <c> }", {"INSERT"}),
    ("DELETE WHERE { ?s ?p ?o }", {"DELETE"}),
    ("LOAD <http://127.0.0.1:9/data.ttl>", {"LOAD"}),
    ("clear all ; drop graph <g>", {"CLEAR", "DROP"}),
    ("SELECT * WHERE { ?s ?p ?o } ; WITH <g> INSERT { ?s ?p 1 } WHERE {}", {"WITH", "INSERT"}),
    ("SELECT ?insert ?delete WHERE { ?insert ?p 'DROP ALL' }", set()),
])
def test_update_words(text, words):
    assert scan(text).updates == words


def test_nesting_depth():
    assert scan("SELECT * WHERE " + "{" * 50 + "}" * 50).depth == 50
    assert scan("SELECT * WHERE { FILTER(" + "(" * 40 + "1" + ")" * 40 + ") }").depth == 42
    assert scan("SELECT * WHERE { " + "<< " * 40 + "<a> <b> <c>" + " >> <b> <c>" * 40 + " }").depth == 41
    assert scan('SELECT * WHERE { ?s ?p "{{{{{{{{" }').depth == 1          # in a string: no nesting
    assert scan("SELECT * WHERE {{{ # {{{{{\n }}}").depth == 3               # in a comment: none


def test_from_clauses_are_resolved():
    found = scan("PREFIX g: <https://w3id.org/crm-kg/graph/> SELECT * FROM g:zh-2024 "
                 "FROM NAMED <https://w3id.org/crm-kg/graph/nhfl-2025> FROM NAMED ex:x WHERE {}")
    assert found.datasets == [("FROM", "https://w3id.org/crm-kg/graph/zh-2024"),
                              ("FROM NAMED", "https://w3id.org/crm-kg/graph/nhfl-2025"),
                              ("FROM NAMED", None)]       # undeclared prefix: not a graph we know
    based = scan("BASE <https://w3id.org/crm-kg/graph/> SELECT * FROM <zh-2024> WHERE {}")
    assert based.datasets == [("FROM", "https://w3id.org/crm-kg/graph/zh-2024")]
    assert scan("SELECT * FROMNAMED <x> WHERE {}").odd_from == "FROMNAMED"
    assert not scan("SELECT ?from WHERE { ?from ?p 'FROM <x>' }").has_dataset


def test_unescape():
    assert unescape("\\u0053ELECT \\U0001F600") == "SELECT \U0001F600"
    assert unescape("\\uD800") == "\\uD800"       # a lone surrogate is no character


@pytest.mark.parametrize("text", [
    "'''" + "\\'''" * 5000, '"' + '\\"' * 10000, "a." * 10000, "<" + "a(" * 10000,
    ("(<a#>" + '"""' + "\n") * 2000, "?" * 20000, "\\u0053" * 5000, "\x00\ud7ff" * 1000,
])
def test_adversarial_text_is_scanned(text):
    """Unclosed strings, long runs and deep brackets: scanned without error or recursion."""
    found = scan(text)
    assert found.depth >= 0
