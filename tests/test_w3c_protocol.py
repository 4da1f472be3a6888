"""The W3C SPARQL 1.1 Protocol test cases that apply to a read-only endpoint, as a table, over
real HTTP against a running server (issue 23's client conformance suite).

Names follow the W3C test suite's protocol manifest
(https://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest): query by GET,
POST form and POST direct, the dataset parameters, the content type of each query form, and
the bad requests a server must refuse with 4xx. The update cases do not apply: this endpoint
is read-only and refuses every update (403, test_sparql_protocol.py). Where the suite uses its
own data (``<http://kasei.us/2009/09/sparql/data/data1.rdf>``…), the graphs are this store's;
graphs outside it are refused (400), as a read-only endpoint that fetches nothing must.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest
from rdflib import Graph

CRM = "https://w3id.org/crm-kg/ontology#"
GRAPH = "https://w3id.org/crm-kg/graph/"
ZH, NHFL = GRAPH + "zh-2024", GRAPH + "nhfl-2025"
COUNT_OPPS = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{CRM}Opportunity> }}"
ASK = f"ASK {{ ?o a <{CRM}Opportunity> }}"
CONSTRUCT = f"CONSTRUCT {{ ?o a <{CRM}Opportunity> }} WHERE {{ ?o a <{CRM}Opportunity> }}"
DESCRIBE = "DESCRIBE <https://w3id.org/crm-kg/id/opportunity/nhfl-2025/1>"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
RESULT_TYPES = ("application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")


def request(base: str, method: str, params=(), body: bytes | None = None, content_type: str | None = None,
            accept: str | None = None):
    """(status, content type, body); http.client, so no Content-Type is added unasked."""
    path = "/sparql" + ("?" + urllib.parse.urlencode(list(params)) if params else "")
    headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v}
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers.get_content_type(), response.read()
    finally:
        connection.close()


def form(**fields) -> bytes:
    pairs = [(k.replace("_", "-"), v) for k, vs in fields.items() for v in ([vs] if isinstance(vs, str) else vs)]
    return urllib.parse.urlencode(pairs).encode()


def count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


JSON_ = "application/sparql-results+json"

# (W3C test name, request, expected status, a check of the answer or None)
CASES = [
    ("query_get", dict(method="GET", params=[("query", COUNT_OPPS)], accept=JSON_), 200,
     lambda ct, b: ct == JSON_ and count(b) > 0),
    ("query_post_form", dict(method="POST", body=form(query=COUNT_OPPS), content_type=FORM, accept=JSON_), 200,
     lambda ct, b: count(b) > 0),
    ("query_post_direct", dict(method="POST", body=COUNT_OPPS.encode(), content_type=DIRECT, accept=JSON_), 200,
     lambda ct, b: count(b) > 0),
    ("query_post_direct charset", dict(method="POST", body=COUNT_OPPS.encode(),
                                       content_type=DIRECT + "; charset=UTF-8", accept=JSON_), 200, None),
    ("query_dataset_default_graph", dict(method="GET", params=[("query", COUNT_OPPS), ("default-graph-uri", ZH)],
                                         accept=JSON_), 200, lambda ct, b: count(b) == 4),
    ("query_dataset_default_graphs_get", dict(method="GET", params=[
        ("query", COUNT_OPPS), ("default-graph-uri", ZH), ("default-graph-uri", NHFL)], accept=JSON_), 200,
     lambda ct, b: count(b) == 9),
    ("query_dataset_default_graphs_post", dict(method="POST", body=form(
        query=COUNT_OPPS, default_graph_uri=[ZH, NHFL]), content_type=FORM, accept=JSON_), 200,
     lambda ct, b: count(b) == 9),
    ("query_dataset_named_graphs_post", dict(method="POST", body=form(
        query=f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH ?g {{ ?o a <{CRM}Opportunity> }} }}",
        named_graph_uri=[ZH]), content_type=FORM, accept=JSON_), 200, lambda ct, b: count(b) == 4),
    ("query_dataset_named_graphs_get", dict(method="GET", params=[
        ("query", f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH ?g {{ ?o a <{CRM}Opportunity> }} }}"),
        ("named-graph-uri", NHFL)], accept=JSON_), 200, lambda ct, b: count(b) == 5),
    ("query_dataset_full", dict(method="GET", params=[
        ("query", f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{CRM}Opportunity> "
                  f"GRAPH ?g {{ ?x a <{CRM}Opportunity> }} }}"),
        ("default-graph-uri", ZH), ("named-graph-uri", NHFL)], accept=JSON_), 200, lambda ct, b: count(b) == 4),
    ("query_multiple_dataset (protocol dataset wins over FROM)", dict(method="GET", params=[
        ("query", f"SELECT (COUNT(DISTINCT ?o) AS ?n) FROM <{NHFL}> WHERE {{ ?o a <{CRM}Opportunity> }}"),
        ("default-graph-uri", ZH)], accept=JSON_), 200, lambda ct, b: count(b) == 4),
    ("query_content_type_select", dict(method="GET", params=[("query", COUNT_OPPS)]), 200,
     lambda ct, b: ct in RESULT_TYPES),
    ("query_content_type_ask", dict(method="GET", params=[("query", ASK)]), 200,
     lambda ct, b: ct in RESULT_TYPES and b"true" in b),
    ("query_content_type_describe", dict(method="GET", params=[("query", DESCRIBE)]), 200,
     lambda ct, b: ct in RDF_TYPES and len(Graph().parse(data=b, format="turtle")) > 0),
    ("query_content_type_construct", dict(method="GET", params=[("query", CONSTRUCT)]), 200,
     lambda ct, b: ct in RDF_TYPES and len(Graph().parse(data=b, format="turtle")) > 0),
    # bad requests: 4xx, nothing evaluated
    ("bad_query_method (PUT)", dict(method="PUT", body=COUNT_OPPS.encode(), content_type=DIRECT), 405, None),
    ("bad_multiple_queries", dict(method="GET", params=[("query", ASK), ("query", COUNT_OPPS)]), 400, None),
    ("bad_query_wrong_media_type", dict(method="POST", body=COUNT_OPPS.encode(), content_type="text/plain"),
     415, None),
    ("bad_query_missing_form_type", dict(method="POST", body=b"query=" + urllib.parse.quote(ASK).encode()),
     415, None),
    ("bad_query_missing_direct_type", dict(method="POST", body=ASK.encode()), 415, None),
    ("bad_query_non_utf8", dict(method="POST", body=COUNT_OPPS.encode() + b" #\xff\xfe",
                                content_type=DIRECT + "; charset=UTF-8"), 400, None),
    ("bad_query_syntax", dict(method="GET", params=[("query", "SELECT * WHERE { ?s ?p }")]), 400, None),
    ("bad_update_get (an update by GET)", dict(method="GET", params=[("update", "CLEAR ALL")]), 403, None),
    ("bad_query_unknown_default_graph", dict(method="GET", params=[
        ("query", COUNT_OPPS), ("default-graph-uri", "http://kasei.us/2009/09/sparql/data/data1.rdf")]), 400,
     None),
]


@pytest.mark.parametrize("name, req, status, check", CASES, ids=[c[0] for c in CASES])
def test_w3c_protocol_case(pool_live_server, name, req, status, check):
    got, content_type, body = request(pool_live_server, **req)
    assert got == status, (name, got, body[:300])
    if check is not None:
        assert check(content_type, body), (name, content_type, body[:300])
