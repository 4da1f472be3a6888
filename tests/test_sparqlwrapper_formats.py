"""SPARQLWrapper against the served endpoint (query workers, real HTTP on a loopback port):
every query form in every result format it asks for, by GET, POST form and POST direct
(SPARQL 1.1 Protocol §2.1.1-2.1.3), and the errors it maps. Part of the client conformance
suite (test_client_conformance.py)."""

from __future__ import annotations

import csv
import io
import urllib.error
import warnings

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

CRM = "https://w3id.org/crm-kg/ontology#"
OPPS = [f"https://w3id.org/crm-kg/id/opportunity/nhfl-2025/{n}" for n in range(1, 6)]
NHFL = "<https://w3id.org/crm-kg/id/report/nhfl-2025>"   # its five opportunities
SELECT = f"PREFIX crm: <{CRM}> SELECT ?o ?n WHERE {{ ?o a crm:Opportunity ; crm:number ?n ; crm:inReport {NHFL} }} ORDER BY ?n"
CONSTRUCT = f"PREFIX crm: <{CRM}> CONSTRUCT {{ ?o a crm:Opportunity ; crm:number ?n }} " \
            f"WHERE {{ ?o a crm:Opportunity ; crm:number ?n ; crm:inReport {NHFL} }}"


def client(url: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(url + "/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(fmt)
    wrapper.setMethod("POST" if method == "POST direct" else method)
    if method == "POST direct":                     # the query as the body (application/sparql-query)
        wrapper.setRequestMethod(POSTDIRECTLY)
    wrapper.setTimeout(30)
    return wrapper


METHODS = ["GET", "POST", "POST direct"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_format(pool_live_server, fmt, method):
    wrapper = client(pool_live_server, SELECT, fmt, method)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # SPARQLWrapper: type not what it asked for
        result = wrapper.queryAndConvert()
    if fmt == JSON:
        rows = [(b["o"]["value"], b["n"]["value"]) for b in result["results"]["bindings"]]
    elif fmt == XML:
        rows = []
        for r in result.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.getElementsByTagName("*")[0].firstChild.data
                      for b in r.getElementsByTagName("binding")}
            rows.append((values["o"], values["n"]))
    else:
        text = result.decode("utf-8")
        if fmt == CSV:
            rows = [tuple(r) for r in list(csv.reader(io.StringIO(text)))[1:]]
        else:
            lines = text.splitlines()
            assert lines[0] == "?o\t?n"
            rows = [(o.strip("<>"), n.split('"')[1] if '"' in n else n)
                    for o, n in (line.split("\t") for line in lines[1:])]
    assert rows == [(iri, str(i)) for i, iri in enumerate(OPPS, start=1)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("number, expected", [(3, True), (99, False)])
def test_ask(pool_live_server, fmt, method, number, expected):
    query = f"ASK {{ ?o a <{CRM}Opportunity> ; <{CRM}number> {number} ; <{CRM}inReport> {NHFL} }}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = client(pool_live_server, query, fmt, method).queryAndConvert()
    if fmt == JSON:
        value = result["boolean"]
    elif fmt == XML:
        value = result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:                                           # Jena's form: one column _askResult, one row
        rows = list(csv.reader(io.StringIO(result.decode("utf-8")), delimiter="," if fmt == CSV else "\t"))
        assert rows[0] == ["_askResult" if fmt == CSV else "?_askResult"] and len(rows) == 2
        value = rows[1] == ["true"]
        assert rows[1] in (["true"], ["false"])
    assert value is expected


def _graph(result) -> Graph:
    if isinstance(result, bytes):
        return Graph().parse(data=result.decode("utf-8"), format="turtle")
    graph = Graph()
    for triple in result.triples((None, None, None)):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, JSONLD])
def test_construct_in_every_format(pool_live_server, fmt, method):
    wrapper = client(pool_live_server, CONSTRUCT, fmt, method)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = wrapper.queryAndConvert()
    if isinstance(result, bytes):
        graph = Graph().parse(data=result.decode("utf-8"), format="turtle")
    else:
        graph = Graph()
        for triple in result.triples((None, None, None)):
            graph.add(triple)
    assert sorted(str(s) for s in set(graph.subjects())) == OPPS and len(graph) == 10
    assert sorted(int(n) for n in graph.objects(None, URIRef(CRM + "number"))) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, RDFXML, JSONLD])
def test_describe(pool_live_server, fmt, method):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = client(pool_live_server, f"DESCRIBE <{OPPS[0]}>", fmt, method).queryAndConvert()
    graph = _graph(result)
    assert {int(n) for n in graph.objects(URIRef(OPPS[0]), URIRef(CRM + "number"))} == {1}


def test_errors_reach_the_client(pool_live_server):
    with pytest.raises(QueryBadFormed, match="1:25"):
        client(pool_live_server, "SELECT * WHERE { ?s ?p }", JSON, "GET").query()
    with pytest.raises(QueryBadFormed, match="SERVICE is not allowed"):
        client(pool_live_server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
               JSON, "POST").query()
    with pytest.raises(urllib.error.HTTPError) as caught:
        client(pool_live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
               JSON, "GET").query()
    assert caught.value.code == 503 and caught.value.headers["Retry-After"] == "2"
