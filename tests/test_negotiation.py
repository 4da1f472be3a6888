"""Content negotiation by RFC 9110 §12.5.1, the same on every surface (issue 23).

Parameters other than q never stop a match; q, wildcards and ties resolve one way, from the
one media-type table; /id/… and /ontology agree (README, "Content negotiation")."""

from __future__ import annotations

import pytest
from rdflib import Graph

from crm_kg.media import CSV, HTML, JSON, JSONLD, N3, NTRIPLES, RDFXML, SPARQL_JSON, SPARQL_XML, TSV, TURTLE
from crm_kg.web.endpoint import GRAPHS, RESULTS
from crm_kg.web.negotiation import NotAcceptable, choose, parse_accept, prefers_html
from crm_kg.web.rdfdoc import DOCUMENT

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SELECT = "SELECT ?m WHERE { ?m a <https://w3id.org/crm-kg/ontology#Material> } LIMIT 2"
ASK = "ASK { ?m a <https://w3id.org/crm-kg/ontology#Material> }"
CONSTRUCT = "CONSTRUCT { ?m a <https://w3id.org/crm-kg/ontology#Material> } WHERE { ?m a " \
            "<https://w3id.org/crm-kg/ontology#Material> } LIMIT 2"


@pytest.mark.parametrize("accept, offers, expected", [
    ("text/turtle; charset=utf-8", DOCUMENT, TURTLE),
    ("text/turtle;charset=UTF-8;q=0.4, application/ld+json; profile=\"x\";q=0.5", DOCUMENT, JSONLD),
    (f"{SPARQL_JSON}; charset=utf-8", RESULTS, SPARQL_JSON),
    ("*/*", DOCUMENT, TURTLE),
    ("*/*", RESULTS, SPARQL_JSON),
    ("*/*", GRAPHS, TURTLE),
    (BROWSER, DOCUMENT, HTML),
    ("text/turtle, text/html", DOCUMENT, TURTLE),             # equal q: the client's first
    ("text/html, text/turtle", DOCUMENT, HTML),
    ("application/*", DOCUMENT, JSONLD),                      # not HTML through XHTML
    ("text/*", DOCUMENT, TURTLE),
    ("text/*;q=0.5, text/html", DOCUMENT, HTML),              # the named type beats its range
    ("text/html;q=0, */*", DOCUMENT, TURTLE),
    ("*/*;q=0.1, text/turtle;q=0", DOCUMENT, HTML),           # q=0: never, whatever */* says
    ("text/n3", DOCUMENT, TURTLE),                            # the table's equivalents
    ("application/json", DOCUMENT, JSONLD),
    ("application/xhtml+xml", DOCUMENT, HTML),
    ("application/json", RESULTS, JSON),                      # offered as itself: named exactly
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", RESULTS, SPARQL_XML),
    ("text/*;q=0.3, text/tab-separated-values;q=0.8", RESULTS, TSV),
    ("TEXT/CSV", RESULTS, CSV),
    ("", DOCUMENT, TURTLE), (None, RESULTS, SPARQL_JSON), ("nonsense;;;q=x", RESULTS, SPARQL_JSON),
])
def test_one_rule(accept, offers, expected):
    assert choose(accept, offers) == expected


def test_nothing_acceptable():
    with pytest.raises(NotAcceptable):
        choose("image/png", DOCUMENT)
    with pytest.raises(NotAcceptable):
        choose("text/turtle;q=0", DOCUMENT)
    assert choose("image/png", GRAPHS, fallback=True) == TURTLE
    assert choose(f"{SPARQL_JSON}, {SPARQL_XML}", GRAPHS, fallback=True) == TURTLE
    assert choose(None, RESULTS, ["turtle"], fallback=True) == SPARQL_JSON


def test_format_parameter_overrides_and_knows_equivalents():
    assert choose(BROWSER, DOCUMENT, "nt") == NTRIPLES
    assert choose(None, DOCUMENT, "text/n3") == TURTLE
    assert choose(None, DOCUMENT, ["application/rdf+xml"]) == RDFXML


def test_accept_parsing():
    ranges = parse_accept('text/html;level=1;q=0.5;ext="a,b", */*;q=0.1')
    assert ranges is None or ranges[0].q == 0.5      # a quoted comma breaks the naive split: no crash
    assert [r.q for r in parse_accept("a/b;q=0.25, c/d;Q=1, e/f;charset=x")] == [0.25, 1.0, 1.0]
    assert parse_accept("  ") is None and parse_accept("not a type") is None
    assert prefers_html(BROWSER) and not prefers_html("*/*") and not prefers_html(None)
    assert prefers_html("text/html; charset=utf-8")
    assert N3 in DOCUMENT.aliases and DOCUMENT.aliases[N3] == TURTLE


# -- every surface, over HTTP --------------------------------------------------------------

SURFACES = ["/id/material/gallium", "/ontology", "/dataset", "/.well-known/void", "/graph/nhfl-2025"]


@pytest.mark.parametrize("path", SURFACES)
@pytest.mark.parametrize("accept, expected", [
    ("text/turtle; charset=utf-8", TURTLE),
    ("application/ld+json; charset=utf-8", JSONLD),
    ("application/n-triples;charset=utf-8;q=0.9, text/html;q=0.1", NTRIPLES),
    ("application/json", JSONLD),
    ("text/n3", TURTLE),
    ("application/*", JSONLD),
    (BROWSER, HTML),
])
def test_documents_negotiate_alike(client, path, accept, expected):
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 200, (path, accept, r.status_code)
    assert r.mimetype == expected, (path, accept)
    if expected == TURTLE:
        assert len(Graph().parse(data=r.get_data(as_text=True), format="turtle")) > 0


@pytest.mark.parametrize("path", ["/id/material/gallium", "/ontology", "/graph/nhfl-2025", "/.well-known/void"])
def test_star_star_is_the_default_rdf_on_documents(client, path):
    assert client.get(path, headers={"Accept": "*/*"}).mimetype == TURTLE
    assert client.get(path).mimetype == TURTLE                        # no Accept is */*


@pytest.mark.parametrize("path", ["/id/material/gallium", "/ontology"])
def test_documents_refuse_what_they_cannot_give(client, path):
    r = client.get(path, headers={"Accept": "image/png"})
    assert r.status_code == 406 and TURTLE in r.get_data(as_text=True)


@pytest.mark.parametrize("query, accept, expected", [
    (SELECT, f"{SPARQL_JSON}; charset=utf-8", SPARQL_JSON),
    (SELECT, "text/csv; charset=utf-8; header=present", CSV),
    (ASK, f"{SPARQL_XML}; charset=utf-8", SPARQL_XML),
    (CONSTRUCT, "text/turtle; charset=utf-8", TURTLE),
    (CONSTRUCT, "application/n-triples; charset=utf-8", NTRIPLES),
    # nothing acceptable for the form: its default, as Fuseki answers
    (CONSTRUCT, f"{SPARQL_JSON}, {SPARQL_XML};q=0.8, text/csv;q=0.5", TURTLE),
    (SELECT, "text/turtle", SPARQL_JSON),
    (ASK, "image/png", SPARQL_JSON),
])
def test_sparql_endpoint(client, query, accept, expected):
    for method in ("GET", "POST"):
        kwargs = {"query_string": {"query": query}} if method == "GET" else {"data": {"query": query}}
        r = client.open("/sparql", method=method, headers={"Accept": accept}, **kwargs)
        assert r.status_code == 200, r.data
        assert r.mimetype == expected


def test_saved_queries_take_parameters_too(client):
    r = client.get("/api/queries/materials-on-crm-list", headers={"Accept": "application/json; charset=utf-8"})
    assert r.status_code == 200 and r.mimetype == JSON and r.get_json()["results"]["bindings"]
    r = client.get("/api/queries/materials-on-crm-list", headers={"Accept": "text/csv; charset=utf-8"})
    assert r.status_code == 200 and r.mimetype == CSV and len(r.get_data(as_text=True).splitlines()) > 1
