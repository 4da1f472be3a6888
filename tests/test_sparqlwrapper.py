"""A real client (SPARQLWrapper) against a real server on a free loopback port."""

from __future__ import annotations

from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

QUERY = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
SELECT ?n WHERE {
  ?o a crm:Opportunity ; crm:number 3 ; crm:inReport <https://w3id.org/crm-kg/id/report/nhfl-2025> .
  ?r crm:servesOpportunity ?o ; crm:number ?n ;
     crm:responsibleActorType <https://w3id.org/crm-kg/id/actor-type/municipalities> .
} ORDER BY ?n"""


def test_sparqlwrapper_json_and_xml(live_server):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert [int(b["n"]["value"]) for b in result["results"]["bindings"]] == [1, 3, 5, 9, 10]
    client.setReturnFormat(XML)
    doc = client.queryAndConvert()
    values = [int(node.firstChild.data) for node in doc.getElementsByTagName("literal")]
    assert values == [1, 3, 5, 9, 10]
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode().split()[1:] == ["1", "3", "5", "9", "10"]


def test_sparqlwrapper_post_and_construct(live_server):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod("POST")
    client.setQuery("CONSTRUCT { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> } WHERE { "
                    "?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
                    "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")
    client.setReturnFormat(TURTLE)
    graph_text = client.queryAndConvert().decode()
    assert graph_text.count("Opportunity") == 5


def test_saved_query_api_over_http(live_server):
    import json
    import urllib.request

    with urllib.request.urlopen(live_server + "/api/queries/recommendations-for-opportunity"
                                "?opportunity=3&actor=municipalities", timeout=10) as response:
        payload = json.load(response)
    assert [int(b["number"]["value"]) for b in payload["results"]["bindings"]] == [1, 3, 5, 9, 10]
