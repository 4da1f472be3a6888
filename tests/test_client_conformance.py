"""The clients people use, against a running server (a free loopback port), first time
(issue 23): rdflib's SPARQLStore with each returnFormat and each method, every query
form; ASK in CSV/TSV as Jena writes it on every surface. SPARQLWrapper:
test_sparqlwrapper_formats.py; the W3C protocol cases: test_sparql_protocol.py;
Comunica: test_comunica.py."""

from __future__ import annotations

import io
import urllib.parse
import urllib.request
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore

CRM = "https://w3id.org/crm-kg/ontology#"
OPPS = [f"https://w3id.org/crm-kg/id/opportunity/nhfl-2025/{n}" for n in range(1, 6)]
NHFL = "<https://w3id.org/crm-kg/id/report/nhfl-2025>"
SELECT = f"SELECT ?o ?n WHERE {{ ?o a <{CRM}Opportunity> ; <{CRM}number> ?n ; <{CRM}inReport> {NHFL} }} ORDER BY ?n"
ASK_TRUE = f"ASK {{ ?o a <{CRM}Opportunity> ; <{CRM}inReport> {NHFL} }}"
ASK_FALSE = f"ASK {{ ?o a <{CRM}Opportunity> ; <{CRM}number> 999 }}"
CONSTRUCT = f"CONSTRUCT {{ ?o a <{CRM}Opportunity> ; <{CRM}number> ?n }} " \
            f"WHERE {{ ?o a <{CRM}Opportunity> ; <{CRM}number> ?n ; <{CRM}inReport> {NHFL} }}"
DESCRIBE = f"DESCRIBE <{OPPS[0]}>"
FORMATS = ["xml", "json", "csv", "tsv"]
METHODS = ["GET", "POST", "POST_FORM"]


def store(url: str, fmt: str, method: str) -> Graph:
    return Graph(store=SPARQLStore(url + "/sparql", returnFormat=fmt, method=method))


def ask_value(result) -> bool:
    """An ASK answer as rdflib reads it: a boolean (XML, JSON) or, from CSV/TSV, the one row
    of Jena's ``_askResult`` column (rdflib's CSV/TSV readers know only tables)."""
    if result.type == "ASK":
        return bool(result.askAnswer)
    rows = list(result)
    assert [str(v) for v in result.vars] == ["_askResult"] and len(rows) == 1, (result.vars, rows)
    value = rows[0][0]
    assert isinstance(value, Literal)
    return value.toPython() in (True, "true")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_sparqlstore_select(pool_live_server, fmt, method):
    rows = list(store(pool_live_server, fmt, method).query(SELECT))
    assert [str(r[0]) for r in rows] == OPPS
    assert [int(str(r[1])) for r in rows] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_sparqlstore_ask(pool_live_server, fmt, method):
    graph = store(pool_live_server, fmt, method)
    assert ask_value(graph.query(ASK_TRUE)) is True
    assert ask_value(graph.query(ASK_FALSE)) is False


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_sparqlstore_construct_and_describe(pool_live_server, fmt, method):
    """For json/csv/tsv SPARQLStore asks only for result-set types: the server answers the
    form's default RDF (Turtle), as Fuseki does, and rdflib reads it by its Content-Type."""
    graph = store(pool_live_server, fmt, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # rdflib's graph result reader
        constructed = graph.query(CONSTRUCT).graph
        described = graph.query(DESCRIBE).graph
    assert sorted({str(s) for s in constructed.subjects()}) == OPPS and len(constructed) == 10
    assert (URIRef(OPPS[0]), URIRef(CRM + "number"), None) in described


# -- ASK in CSV/TSV: one convention, Jena's, on every surface -----------------------------

JENA = {"text/csv": b"_askResult\r\n%s\r\n", "text/tab-separated-values": b"?_askResult\n%s\n"}


def _get(url: str, accept: str) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get_content_type(), response.read()


@pytest.mark.parametrize("media_type", sorted(JENA))
@pytest.mark.parametrize("query, word", [(ASK_TRUE, b"true"), (ASK_FALSE, b"false")])
def test_ask_csv_tsv_on_sparql(pool_live_server, media_type, query, word):
    url = pool_live_server + "/sparql?" + urllib.parse.urlencode({"query": query})
    assert _get(url, media_type) == (media_type, JENA[media_type] % word)


@pytest.fixture(scope="module")
def saved_ask_server(built, store, tmp_path_factory):
    """A server whose library holds one saved ASK query (written here)."""
    from conftest import serving

    from crm_kg.web import create_app

    build_settings, _ = built
    root = tmp_path_factory.mktemp("root")
    (root / "queries").mkdir()
    (root / "queries" / "describe").symlink_to(build_settings.queries_dir / "describe")
    (root / "queries" / "has-opportunity.rq").write_text(
        "#+ title: {en: 'Has nhfl-2025 an opportunity N?', nl: 'Heeft nhfl-2025 een kans N?'}\n"
        "#+ tags: [opportunities]\n"
        "#+ params:\n"
        "#+   n: {type: integer, default: 5, label: {en: Number, nl: Nummer}}\n"
        f"ASK {{ ?o a <{CRM}Opportunity> ; <{CRM}number> $n ; <{CRM}inReport> {NHFL} }}\n", encoding="utf-8")
    app = create_app({"TESTING": True, "SETTINGS": build_settings.with_(root=root), "STORE": store})
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("media_type", sorted(JENA))
@pytest.mark.parametrize("n, word", [(4, b"true"), (999, b"false")])
def test_ask_csv_tsv_on_saved_queries(saved_ask_server, media_type, n, word):
    """/api/queries writes ASK as /sparql does; rdflib's reader takes it back."""
    from rdflib.query import Result

    got = _get(f"{saved_ask_server}/api/queries/has-opportunity?n={n}", media_type)
    assert got == (media_type, JENA[media_type] % word)
    result = Result.parse(io.BytesIO(got[1]), content_type=media_type)
    assert ask_value(result) is (word == b"true")
