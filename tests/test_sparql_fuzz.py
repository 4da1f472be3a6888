"""Generated query strings thrown at the served endpoint: never a 5xx but the documented 503,
never a trace, never a connection out (a loopback listener watches)."""

from __future__ import annotations

import json

from conftest import Listener
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VALID = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3",
    "PREFIX crm: <https://w3id.org/crm-kg/ontology#> SELECT ?o WHERE { ?o a crm:Opportunity } ORDER BY ?o",
    "ASK { ?s a <https://w3id.org/crm-kg/ontology#Recommendation> }",
    "CONSTRUCT WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> }",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && STRLEN(STR(?s)) > 1) } LIMIT 2",
    "DESCRIBE <https://w3id.org/crm-kg/id/material/gallium>",
]
STATUSES = {200, 400, 403, 406, 413, 503}


def tokens(service_url: str) -> list[str]:
    return [
        "SELECT", "select", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "*", "{", "}", "(", ")", "[", "]",
        ".", ";", ",", "?s", "?p", "?o", "$x", "a", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH",
        "SERVICE", "service", "SILENT", "LATERAL", "FROM", "NAMED", "PREFIX", "BASE", "ex:", "ex:x", ":",
        "<http://example.org/y>", f"<{service_url}>", f"PREFIX ex: <{service_url}#>",
        "<https://w3id.org/crm-kg/graph/zh-2024>", '"lit"', "'''long'''", '"""', "'", '"', "@en", "^^",
        "1", "2.5", "1e3", "true", "<", ">", "<<", ">>", "=", "!", "&&", "||", "+", "-", "/", "|", "^",
        "#", "\n", "\\u0053", "\\u0022", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "HAVING", "COUNT",
        "AS", "BIND", "VALUES", "INSERT", "DELETE", "DATA", "LOAD", "CLEAR", "DROP", "ALL", "EXISTS",
        "NOT", "STR", "REGEX", "<script>", "</textarea>", "\x00", "é", "\U0001F600",
    ]


def queries(service_url: str):
    vocabulary = st.sampled_from(tokens(service_url))
    return st.one_of(
        st.lists(vocabulary, max_size=40).map(" ".join),
        st.lists(vocabulary, max_size=40).map("".join),
        st.text(max_size=300),
        st.builds(lambda q, i, t: q[:i] + t + q[i:], st.sampled_from(VALID), st.integers(0, 120), vocabulary),
        st.builds(lambda q, i, j: q[:i] + q[j:], st.sampled_from(VALID), st.integers(0, 120), st.integers(0, 120)),
    )


ACCEPTS = ["application/sparql-results+json", "text/csv", "text/tab-separated-values", "text/turtle",
           "application/ld+json", "text/html", "*/*", "image/png", ""]


def test_generated_queries_never_break_the_endpoint(pool_app):
    client = pool_app.test_client()
    listener = Listener()
    try:
        @settings(max_examples=300, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(query=queries(listener.url), accept=st.sampled_from(ACCEPTS),
               how=st.sampled_from(["get", "form", "body"]))
        def check(query, accept, how):
            headers = {"Accept": accept}
            if how == "get":
                r = client.get("/sparql", query_string={"query": query}, headers=headers)
            elif how == "form":
                r = client.post("/sparql", data={"query": query}, headers=headers)
            else:
                r = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"), headers=headers,
                                content_type="application/sparql-query")
            body = r.get_data(as_text=True)
            assert r.status_code in STATUSES, (r.status_code, query, body)
            assert "Traceback" not in body
            if r.status_code == 503:
                assert r.headers["Retry-After"].isdigit()
            if r.status_code == 200 and r.mimetype == "application/sparql-results+json":
                json.loads(body)

        check()
        assert listener.untouched(), listener.received
    finally:
        listener.close()
