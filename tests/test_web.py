"""HTTP: read the bodies back and check values, formats and errors."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph

API = "/api/queries/recommendations-for-opportunity"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
COUNT_OPPS = ("SELECT (COUNT(?o) AS ?n) WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
              "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")
NHFL_OPPS = ("CONSTRUCT { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> } WHERE { "
             "?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
             "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")


def numbers(payload):
    return [int(b["number"]["value"]) for b in payload["results"]["bindings"]]


def test_api_answer_for_opportunity_3_and_municipalities(client):
    r = client.get(API + "?opportunity=3&actor=municipalities")
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
    payload = r.get_json()
    assert numbers(payload) == [1, 3, 5, 9, 10]
    first = payload["results"]["bindings"][0]
    assert first["recommendation"] == {"type": "uri", "value": "https://w3id.org/crm-kg/id/recommendation/nhfl-2025/1"}
    assert first["title"]["xml:lang"] == "en"


def test_api_other_values_and_dutch_titles(client):
    r = client.get(API + "?opportunity=5&actor=national-government&lang=nl")
    payload = r.get_json()
    assert numbers(payload) == [6]
    assert payload["results"]["bindings"][0]["title"]["xml:lang"] == "nl"


@pytest.mark.parametrize("query, param", [
    ("opportunity=abc", "opportunity"), ("opportunity=-1", "opportunity"),
    ("actor=mayors", "actor"), ("lang=de", "lang"), ("colour=red", "colour"),
])
def test_api_bad_parameter_is_400_naming_it(client, query, param):
    r = client.get(f"{API}?{query}")
    assert r.status_code == 400
    assert r.get_json()["param"] == param and param in r.get_json()["error"]


def test_api_csv(client):
    r = client.get(API + "?opportunity=3&actor=municipalities", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [row["number"] for row in rows] == ["1", "3", "5", "9", "10"]


def test_query_page_lists_and_form(client):
    r = client.get("/queries")
    assert r.status_code == 200 and b"/queries/recommendations-for-opportunity" in r.data
    page = client.get("/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="opportunity"' in html and '<select name="actor"' in html
    for n in (1, 3, 5, 9, 10):
        assert f"/id/recommendation/nhfl-2025/{n}\"" in html
    assert "/id/recommendation/nhfl-2025/2\"" not in html
    assert '<span id="row-count">5</span>' in html


def test_query_page_bad_value_is_400_with_message(client):
    page = client.get("/queries/recommendations-for-opportunity?opportunity=x")
    assert page.status_code == 400 and 'id="error-opportunity">“x” is not a whole number.' in page.get_data(as_text=True)


def test_dutch_page_by_accept_language(client):
    page = client.get("/queries/recommendations-for-opportunity", headers={"Accept-Language": "nl"})
    assert "Aanbevelingen die een kans dienen" in page.get_data(as_text=True)


@pytest.mark.parametrize("query, cookie, accept, expected", [
    ("lang=nl", "lang=en", "en", "nl"),               # ?lang= wins
    ("", "lang=nl", "en", "nl"),                      # then the cookie
    ("lang=", "lang=nl", "en", "nl"),                 # an empty ?lang= does not count
    ("lang=fr", "lang=nl", "nl", "nl"),               # an unknown one: not the cookie, Accept-Language
    ("lang=fr", "lang=nl", "de, en;q=0.5", "en"),
    ("", "other=1", "nl-NL, nl;q=0.9, en;q=0.8", "nl"),
    ("", "", "en-GB;q=0.3, nl-BE;q=0.7", "nl"),
    ("", "", "de", "en"),                              # nothing of ours: English
    ("", "", None, "en"),
])
def test_the_language_of_a_request(query, cookie, accept, expected):
    """i18n.pick_language: ?lang=, the cookie, Accept-Language (read once per distinct header),
    English; the same answer the second time, from the memo."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from crm_kg.web.i18n import pick_language

    headers = {k: v for k, v in (("Cookie", cookie), ("Accept-Language", accept)) if v}
    for _ in range(2):
        request = Request(EnvironBuilder(path="/", query_string=query, headers=headers).get_environ())
        assert pick_language(request) == expected


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_sparql_select_formats(client, accept):
    r = client.get("/sparql", query_string={"query": COUNT_OPPS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    body = r.get_data(as_text=True)
    if accept.endswith("json"):
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "5"
    elif accept.endswith("xml"):
        literal = ET.fromstring(body).find(f".//{RESULTS_NS}literal")
        assert literal.text == "5"
    else:
        assert body.splitlines()[1].strip().startswith("5") or "\"5\"" in body.splitlines()[1]


def test_sparql_post_forms_and_construct(client):
    r = client.post("/sparql", data={"query": COUNT_OPPS}, headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["results"]["bindings"][0]["n"]["value"] == "5"
    r = client.post("/sparql", data=COUNT_OPPS, content_type="application/sparql-query")
    assert r.get_json()["results"]["bindings"][0]["n"]["value"] == "5"
    r = client.get("/sparql", headers={"Accept": "text/turtle"}, query_string={
        "query": NHFL_OPPS})
    assert r.mimetype == "text/turtle"
    assert len(Graph().parse(data=r.get_data(as_text=True), format="turtle")) == 5


@pytest.mark.parametrize("kwargs, status", [
    ({"query_string": {"query": "DROP ALL"}}, 403),
    ({"method": "POST", "data": {"update": "CLEAR ALL"}}, 403),
    ({"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ({"query_string": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}}, 400),
])
def test_sparql_refusals(client, kwargs, status):
    method = kwargs.pop("method", "GET")
    r = client.open("/sparql", method=method, **kwargs)
    assert r.status_code == status, r.data
    after = client.get("/sparql", query_string={"query": COUNT_OPPS},
                       headers={"Accept": "application/sparql-results+json"})
    assert after.get_json()["results"]["bindings"][0]["n"]["value"] == "5"  # data unchanged


def test_html_escaped_and_csp(client):
    r = client.get("/queries/recommendations-for-opportunity?opportunity=<script>alert(1)</script>")
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
