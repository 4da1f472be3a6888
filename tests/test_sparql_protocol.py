"""/sparql as served (query workers with a deadline): the SPARQL 1.1 Protocol, the result
formats, graph selection, the service description and the editor, read back and checked."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from crm_kg.web import state

CRM = "https://w3id.org/crm-kg/ontology#"
OPP = "https://w3id.org/crm-kg/id/opportunity/nhfl-2025/"
OPPS = [f"{OPP}{n}" for n in range(1, 6)]
NHFL = "<https://w3id.org/crm-kg/id/report/nhfl-2025>"   # the report with opportunities 1-5 of OPPS
SELECT_OPPS = f"SELECT ?o WHERE {{ ?o a <{CRM}Opportunity> ; <{CRM}inReport> {NHFL} }} ORDER BY ?o"
CONSTRUCT_OPPS = f"CONSTRUCT {{ ?o a <{CRM}Opportunity> }} WHERE {{ ?o a <{CRM}Opportunity> ; <{CRM}inReport> {NHFL} }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPH = "https://w3id.org/crm-kg/graph/"
RES = "{http://www.w3.org/2005/sparql-results#}"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
JSON_TYPE = "application/sparql-results+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def bindings(response, var="o"):
    return [b[var]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def count(client, **params):
    r = client.get("/sparql", query_string={"query": COUNT, **params}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200, r.data
    return int(bindings(r, "n")[0])


# -- queries by GET, POST form and POST body ------------------------------------------
def test_query_by_get_post_form_and_post_body(pool_client):
    get = pool_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": JSON_TYPE})
    form = pool_client.post("/sparql", data={"query": SELECT_OPPS}, headers={"Accept": JSON_TYPE})
    body = pool_client.post("/sparql", data=SELECT_OPPS.encode(), headers={"Accept": JSON_TYPE},
                            content_type="application/sparql-query; charset=utf-8")
    for r in (get, form, body):
        assert r.status_code == 200 and r.mimetype == JSON_TYPE
        assert bindings(r) == OPPS


@pytest.mark.parametrize("accept", [JSON_TYPE, "application/json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_select_in_every_results_format(pool_client, accept):
    r = pool_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    text = r.get_data(as_text=True)
    if "json" in accept:
        values = bindings(r)
    elif accept.endswith("xml"):
        root = ET.fromstring(text)
        assert [v.get("name") for v in root.iter(RES + "variable")] == ["o"]
        values = [u.text for u in root.iter(RES + "uri")]
    elif accept == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["o"] and text.endswith("\r\n")
        values = [row[0] for row in rows[1:]]
    else:
        lines = text.splitlines()
        assert lines[0] == "?o"
        values = [line.strip("<>") for line in lines[1:]]
    assert values == OPPS


@pytest.mark.parametrize("accept, expected", [
    (JSON_TYPE, '{"head":{},"boolean":true}'),
    ("application/sparql-results+xml", "<boolean>true</boolean>"),
    ("text/csv", "true"), ("text/tab-separated-values", "true"),
])
def test_ask_in_every_results_format(pool_client, accept, expected):
    r = pool_client.get("/sparql", query_string={"query": f"ASK {{ ?o a <{CRM}Opportunity> }}"},
                        headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert expected in r.get_data(as_text=True)


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
])
def test_construct_and_describe_in_every_rdf_format(pool_client, accept, rdflib_format):
    r = pool_client.get("/sparql", query_string={"query": CONSTRUCT_OPPS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    graph = Graph().parse(data=r.get_data(as_text=True), format=rdflib_format)
    assert sorted(str(s) for s in graph.subjects()) == OPPS and len(graph) == 5
    r = pool_client.get("/sparql", query_string={"query": f"DESCRIBE <{OPPS[2]}>"}, headers={"Accept": accept})
    described = Graph().parse(data=r.get_data(as_text=True), format=rdflib_format)
    assert (URIRef(OPPS[2]), None, URIRef(CRM + "Opportunity")) in described
    assert {str(s) for s in described.subjects()} == {OPPS[2]}


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    (f"{JSON_TYPE};q=0, */*;q=0.1", "application/sparql-results+xml"),
    ("text/*;q=0.3, text/tab-separated-values;q=0.8", "text/tab-separated-values"),
    ("*/*", JSON_TYPE), ("", JSON_TYPE), ("nonsense;;;q=x", JSON_TYPE),
])
def test_accept_with_q_values(pool_client, accept, expected):
    r = pool_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == expected


def test_nothing_acceptable_gets_the_forms_default_format(pool_client):
    """As Fuseki: a SELECT asked for as image/png or Turtle is SPARQL JSON, a CONSTRUCT asked
    for as result-set types (rdflib's SPARQLStore with returnFormat json) is Turtle."""
    r = pool_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": "image/png"})
    assert r.status_code == 200 and r.mimetype == JSON_TYPE and len(r.get_json()["results"]["bindings"]) == 5
    r = pool_client.get("/sparql", query_string={"query": CONSTRUCT_OPPS}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert len(Graph().parse(data=r.get_data(as_text=True), format="turtle")) > 0
    r = pool_client.get("/sparql", query_string={"query": SELECT_OPPS, "format": "turtle"})
    assert r.status_code == 200 and r.mimetype == JSON_TYPE


@pytest.mark.parametrize("params, expected", [
    ([("format", "csv")], "text/csv"),
    ([("format", "tsv"), ("format", "text/tab-separated-values")], "text/tab-separated-values"),
    ([("format", "no-such"), ("format", "xml")], "application/sparql-results+xml"),
    ([("output", "json")], JSON_TYPE),
])
def test_format_parameter_overrides_accept(pool_client, params, expected):
    r = pool_client.get("/sparql", query_string=[("query", SELECT_OPPS)] + params,
                        headers={"Accept": "text/csv;q=0.1, application/sparql-results+json"})
    assert r.status_code == 200 and r.mimetype == expected


@pytest.mark.parametrize("fmt, expected", [("xml", "application/rdf+xml"), ("json", "application/ld+json"),
                                           ("nt", "application/n-triples"), ("ttl", "text/turtle")])
def test_format_names_for_graphs(pool_client, fmt, expected):
    r = pool_client.get("/sparql", query_string={"query": CONSTRUCT_OPPS, "format": fmt})
    assert r.status_code == 200 and r.mimetype == expected


# -- the dataset: default-graph-uri, named-graph-uri, FROM ------------------------------
def test_graph_selection(pool_client, pool):
    sizes = pool.info()["graph_sizes"]
    assert count(pool_client) == len(pool)                      # union default graph
    assert count(pool_client, **{"default-graph-uri": GRAPH + "zh-2024"}) == sizes[GRAPH + "zh-2024"]
    two = pool_client.get("/sparql", headers={"Accept": JSON_TYPE}, query_string=[
        ("query", COUNT), ("default-graph-uri", GRAPH + "zh-2024"), ("default-graph-uri", GRAPH + "nhfl-2025")])
    assert int(bindings(two, "n")[0]) == sizes[GRAPH + "zh-2024"] + sizes[GRAPH + "nhfl-2025"]
    r = pool_client.post("/sparql", data={"query": SELECT_OPPS, "default-graph-uri": GRAPH + "zh-2024"},
                         headers={"Accept": JSON_TYPE})
    assert bindings(r) == []
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    r = pool_client.get("/sparql", headers={"Accept": JSON_TYPE},
                        query_string={"query": graphs, "named-graph-uri": GRAPH + "nhfl-2025"})
    assert bindings(r, "g") == [GRAPH + "nhfl-2025"]
    # SPARQL application/sparql-query POST: the dataset comes in the URL
    r = pool_client.post("/sparql?default-graph-uri=" + GRAPH + "zh-2024", data=COUNT,
                         content_type="application/sparql-query", headers={"Accept": JSON_TYPE})
    assert int(bindings(r, "n")[0]) == sizes[GRAPH + "zh-2024"]


def test_from_clauses_and_protocol_dataset_wins(pool_client, pool):
    sizes = pool.info()["graph_sizes"]
    from_zh = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}zh-2024> WHERE {{ ?s ?p ?o }}"
    r = pool_client.get("/sparql", query_string={"query": from_zh}, headers={"Accept": JSON_TYPE})
    assert int(bindings(r, "n")[0]) == sizes[GRAPH + "zh-2024"]
    r = pool_client.get("/sparql", headers={"Accept": JSON_TYPE},
                        query_string={"query": from_zh, "default-graph-uri": GRAPH + "ontology"})
    assert int(bindings(r, "n")[0]) == sizes[GRAPH + "ontology"]   # the protocol's dataset wins
    named = f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{GRAPH}zh-2024> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    r = pool_client.get("/sparql", query_string={"query": named}, headers={"Accept": JSON_TYPE})
    assert bindings(r, "g") == [GRAPH + "zh-2024"]


@pytest.mark.parametrize("where", ["default-graph-uri", "named-graph-uri", "FROM", "FROM NAMED"])
def test_graphs_outside_the_store_are_refused_and_never_fetched(pool_client, listener, where):
    if where.startswith("FROM"):
        params = {"query": f"SELECT * {where} <{listener.url}> WHERE {{ ?s ?p ?o }}"}
    else:
        params = {"query": COUNT, where: listener.url}
    r = pool_client.get("/sparql", query_string=params)
    assert r.status_code == 400 and "not a graph of this store" in r.get_data(as_text=True)
    assert listener.untouched()


# -- no outbound requests, read-only -----------------------------------------------------
@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ service <{url}> {{ ?s ?p ?x }} }} }}",
    "PREFIX : <{url}> SELECT * WHERE {{ SERVICE:{{ ?s ?p ?o }} }}",
    "PREFIX ex: <{url}#> SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_service_is_refused_before_evaluation(pool_client, listener, template, method):
    query = template.format(url=listener.url)
    if method == "GET":
        r = pool_client.get("/sparql", query_string={"query": query})
    else:
        r = pool_client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert r.status_code == 400 and "SERVICE is not allowed" in r.get_data(as_text=True)
    assert listener.untouched()


@pytest.mark.parametrize("kwargs", [
    {"method": "GET", "query_string": {"update": "DROP ALL"}},
    {"method": "POST", "data": {"update": "CLEAR ALL"}},
    {"method": "POST", "data": b"INSERT DATA { <http://a> <http://b> <http://c> }",
     "content_type": "application/sparql-update"},
    {"method": "GET", "query_string": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}},
    {"method": "GET", "query_string": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    {"method": "POST", "data": {"query": "CLEAR ALL"}},
    {"method": "POST", "data": {"query": "DROP GRAPH <https://w3id.org/crm-kg/graph/zh-2024>"}},
    {"method": "POST", "data": b"LOAD <LISTENER>", "content_type": "application/sparql-query"},
])
def test_updates_are_refused_and_nothing_changes(pool_client, pool, listener, kwargs):
    before = count(pool_client)
    if isinstance(kwargs.get("data"), bytes):
        kwargs = {**kwargs, "data": kwargs["data"].replace(b"LISTENER", listener.url.encode())}
    r = pool_client.open("/sparql", **kwargs)
    assert r.status_code == 403 and "read-only" in r.get_data(as_text=True)
    assert count(pool_client) == before == len(pool)
    assert listener.untouched()


# -- limits --------------------------------------------------------------------------------
def test_query_length_and_body_size(pool_client, pool_app):
    limit = state.of(pool_app).settings.max_query_bytes
    long = "ASK {} #" + "x" * limit
    for r in (pool_client.get("/sparql", query_string={"query": long}),
              pool_client.post("/sparql", data={"query": long}),
              pool_client.post("/sparql", data=long.encode(), content_type="application/sparql-query")):
        assert r.status_code == 413 and f"at most {limit}" in r.get_data(as_text=True)
    r = pool_client.post("/sparql", data=b"ASK {} #" + b"x" * (5 * limit),
                         content_type="application/sparql-query")
    assert r.status_code == 413 and "larger than" in r.get_data(as_text=True)
    just = "ASK {} #" + "x" * (limit - 9)
    assert pool_client.post("/sparql", data={"query": just}, headers={"Accept": JSON_TYPE}).status_code == 200


def test_deep_nesting_is_a_400_not_a_crash(pool_client):
    r = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE " + "{" * 50 + "}" * 50})
    assert r.status_code == 400 and "50 levels deep" in r.get_data(as_text=True)
    r = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE { FILTER(" + "(" * 60 + "1" + ")" * 60 + ") }"})
    assert r.status_code == 400
    ok = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE " + "{" * 20 + "}" * 20},
                         headers={"Accept": JSON_TYPE})
    assert ok.status_code == 200 and ok.get_json()["results"]["bindings"] == [{}]


@pytest.fixture()
def capped_client(built, pool):
    from crm_kg.web import create_app

    build_settings, _ = built
    return create_app({"TESTING": True, "STORE": pool,
                       "SETTINGS": build_settings.with_(max_result_rows=3)}).test_client()


def test_row_cap_is_signalled(capped_client):
    r = capped_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": JSON_TYPE})
    assert bindings(r) == OPPS[:3]
    assert r.headers["X-Result-Truncated"] == "true" and r.headers["X-Result-Limit"] == "3"
    r = capped_client.get("/sparql", query_string={"query": SELECT_OPPS}, headers={"Accept": "text/csv"})
    assert r.get_data(as_text=True).splitlines()[1:] == OPPS[:3] and r.headers["X-Result-Truncated"] == "true"
    r = capped_client.get("/sparql", query_string={"query": CONSTRUCT_OPPS}, headers={"Accept": "text/turtle"})
    assert len(Graph().parse(data=r.get_data(as_text=True), format="turtle")) == 3
    assert r.headers["X-Result-Truncated"] == "true"
    page = capped_client.post("/sparql", data={"query": SELECT_OPPS}, headers={"Accept": BROWSER})
    html = page.get_data(as_text=True)
    assert page.headers["X-Result-Truncated"] == "true" and 'id="truncated"' in html and "3 rows" in html
    assert '<span id="row-count">3</span>' in html
    exact = capped_client.get("/sparql", query_string={"query": SELECT_OPPS + " LIMIT 3"},
                              headers={"Accept": JSON_TYPE})
    assert len(bindings(exact)) == 3 and "X-Result-Truncated" not in exact.headers


# -- errors -------------------------------------------------------------------------------
def test_malformed_query_is_400_with_position(pool_client):
    r = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and r.mimetype == "text/plain"
    assert "syntax error" in text and "line 1, column 24" in text and "Traceback" not in text
    assert "a triple needs a subject, a predicate and an object" in text
    page = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p\n}"},
                           headers={"Accept": BROWSER})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and 'role="alert"' in html and "Line 3, column 1" in html
    assert "SELECT * WHERE {\n  ?s ?p\n}</textarea>" in html       # the query stays in the editor


@pytest.mark.parametrize("kwargs, status, needle", [
    ({"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "more than one query"),
    ({"method": "POST", "query_string": {"query": "ASK {}"}, "data": {"query": "ASK {}"}}, 400,
     "more than one query"),
    ({"method": "POST", "query_string": {"query": "ASK {}"}, "data": b"ASK {}",
      "content_type": "application/sparql-query"}, 400, "more than one query"),
    ({"method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415, "Content-Type"),
    ({"method": "POST", "data": b"ASK {}"}, 415, "Content-Type"),
    ({"method": "POST", "data": {"query": "ASK {}"}, "content_type": "multipart/form-data"}, 415, "Content-Type"),
    ({"method": "POST", "data": "ASK { FILTER('é') }".encode("latin-1"),
      "content_type": "application/sparql-query"}, 400, "not UTF-8"),
    ({"method": "POST", "data": b"ASK {}", "content_type": "application/sparql-query; charset=ISO-8859-1"},
     400, "UTF-8"),
    ({"method": "POST", "data": b"query=ASK%20%7B%7D%23%FF", "content_type": "application/x-www-form-urlencoded"},
     400, "not UTF-8"),
    ({"query_string": "query=ASK%20%7B%7D%23%E9"}, 400, "not UTF-8"),
    ({"query_string": {"query": "   "}}, 400, "empty"),
    ({"method": "POST", "data": {"format": "json"}}, 400, "needs a query"),
    ({"method": "PUT", "data": b"ASK {}", "content_type": "application/sparql-query"}, 405, ""),
])
def test_protocol_errors(pool_client, kwargs, status, needle):
    method = kwargs.pop("method", "GET")
    r = pool_client.open("/sparql", method=method, **kwargs)
    assert r.status_code == status, r.data
    assert needle in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)


# -- service description, editor, CORS --------------------------------------------------------
def test_service_description(pool_client, pool):
    r = pool_client.get("/sparql")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    sd = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    service = URIRef("http://localhost/sparql")
    assert (service, SD.endpoint, service) in sd
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (service, SD.feature, SD.UnionDefaultGraph) in sd
    assert len(set(sd.objects(service, SD.resultFormat))) == 8
    sizes = {}
    for named in sd.objects(next(sd.objects(service, SD.defaultDataset)), SD.namedGraph):
        sizes[str(sd.value(named, SD.name))] = int(sd.value(sd.value(named, SD.graph), VOID.triples))
    assert sizes == pool.info()["graph_sizes"]
    for accept, fmt in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                        ("application/n-triples", "nt")):
        other = pool_client.get("/sparql", headers={"Accept": accept})
        assert other.mimetype == accept
        assert isomorphic(Graph().parse(data=other.get_data(as_text=True), format=fmt), sd)
    assert pool_client.get("/sparql", headers={"Accept": JSON_TYPE}).status_code == 406


def test_service_description_survives_a_hostile_host_header(pool_client):
    r = pool_client.get("/sparql", headers={"Host": "evil> <x"})
    assert r.status_code == 200
    Graph().parse(data=r.get_data(as_text=True), format="turtle")     # still valid Turtle


def test_editor_page_for_browsers(pool_client):
    r = pool_client.get("/sparql", headers={"Accept": BROWSER})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "PREFIX crm: &lt;https://w3id.org/crm-kg/ontology#&gt;" in html      # prefixes filled in
    assert '<textarea name="query"' in html and 'action="/sparql"' in html
    assert 'href="/sparql?example=recommendations-for-opportunity"' in html    # examples from queries/
    assert 'href="/queries/recommendations-for-opportunity"' in html
    assert 'value="https://w3id.org/crm-kg/graph/zh-2024"' in html            # graph choice
    assert '<script src="/static/sparql.js" defer></script>' in html
    assert pool_client.get("/static/sparql.js").status_code == 200
    example = pool_client.get("/sparql?example=recommendations-for-opportunity", headers={"Accept": BROWSER})
    text = example.get_data(as_text=True)
    assert "crm:servesOpportunity" in text and "$opportunity: integer, default 3" in text


def test_results_table_links_and_escaping(pool_client):
    query = """# </textarea><script>alert('q')</script>
SELECT ?label ?bad ?web ?ours ?n WHERE {
  BIND("<script>alert(1)</script>" AS ?label)
  BIND(IRI("javascript:alert(1)") AS ?bad)
  BIND(IRI("https://example.org/x?a=1&b=2") AS ?web)
  BIND(<https://w3id.org/crm-kg/id/material/gallium> AS ?ours)
  BIND(42 AS ?n)
}"""
    r = pool_client.post("/sparql", data={"query": query, "format": "html"}, headers={"Accept": BROWSER})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert" not in html and "</textarea><script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and ">javascript:alert(1)<" in html   # shown, not linked
    assert '<a href="https://example.org/x?a=1&amp;b=2">' in html
    assert '<a href="/id/material/gallium" title="https://w3id.org/crm-kg/id/material/gallium">Gallium</a>' in html
    assert "<th>label</th>" in html and ">42<" in html
    assert '<span id="row-count">1</span>' in html and 'id="permalink"' in html
    policy = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    # no inline script ever; YASGUI's widgets set inline styles (style-src only)
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    import re
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script in the page"


def test_ask_and_construct_pages(pool_client):
    ask = pool_client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": BROWSER})
    assert '<p class="boolean" id="boolean">true</p>' in ask.get_data(as_text=True)
    graph = pool_client.post("/sparql", data={"query": CONSTRUCT_OPPS}, headers={"Accept": BROWSER})
    html = graph.get_data(as_text=True)
    assert "<th>subject</th>" in html and '<span id="row-count">5</span>' in html


def test_cors(pool_client):
    r = pool_client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Truncated" in r.headers["Access-Control-Expose-Headers"]
    bad = pool_client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://x.example"})
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == "*"
    pre = pool_client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


# -- the deadline, seen by clients ------------------------------------------------------------
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_time_limit_is_503_and_others_keep_being_served(pool_live_server, pool):
    import threading
    import urllib.error
    import urllib.parse
    import urllib.request

    def get(query, accept=JSON_TYPE):
        url = pool_live_server + "/sparql?" + urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(url, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    import time

    end = time.monotonic() + 30
    while len(pool.pids()) < 2 and time.monotonic() < end:   # both workers up (earlier tests kill some)
        time.sleep(0.02)
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(answer=get(EXPENSIVE)))
    timeouts = pool.info()["pool"]["timeouts"]
    thread.start()
    for _ in range(3):                                  # other clients, served meanwhile
        status, _, body = get(SELECT_OPPS)
        assert status == 200 and [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]] == OPPS
    assert thread.is_alive(), "the cheap queries waited for the expensive one"
    thread.join(30)
    status, headers, body = slow["answer"]
    assert status == 503 and headers["Retry-After"] == "2"
    assert "stopped after 1.5 s" in body and "Traceback" not in body
    assert pool.info()["pool"]["timeouts"] == timeouts + 1


def test_engine_crash_is_503_and_the_endpoint_lives_on(pool_client):
    r = pool_client.get("/sparql", query_string={"query": "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }"})
    assert r.status_code == 503 and "Retry-After" in r.headers
    assert "stopped while answering" in r.get_data(as_text=True)
    assert count(pool_client) > 0


def test_saved_queries_through_the_pool(pool_client):
    r = pool_client.get("/api/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities")
    assert [int(b["number"]["value"]) for b in r.get_json()["results"]["bindings"]] == [1, 3, 5, 9, 10]
    assert pool_client.get("/").status_code == 200


def test_unavailable_store_is_503_everywhere(built):
    from crm_kg.errors import QueryTimeout
    from crm_kg.store.embedded import EmbeddedStore
    from crm_kg.web import create_app

    build_settings, _ = built

    class Stalling(EmbeddedStore):
        def query(self, *args, **kwargs):
            raise QueryTimeout("the query was stopped after 10 s", 10)

    client = create_app({"TESTING": True, "SETTINGS": build_settings,
                         "STORE": Stalling.from_directory(build_settings.ttl_dir)}).test_client()
    r = client.get("/api/queries/recommendations-for-opportunity")
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    r = client.post("/sparql", data={"query": "ASK {}"}, headers={"Accept": BROWSER})
    assert r.status_code == 503 and r.headers["Retry-After"] == "10" and "stopped after 10 s" in r.get_data(as_text=True)
