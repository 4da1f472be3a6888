"""Comunica (@comunica/query-sparql from npm, package-lock.json) against a running server
(issue 23's client conformance suite): it queries /sparql as a SPARQL endpoint and reads /id/…
documents as linked data, negotiating by its own Accept header."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

ROOT = Path(__file__).resolve().parents[1]
COMUNICA = ROOT / "node_modules" / ".bin" / "comunica-sparql"
CRM = "https://w3id.org/crm-kg/ontology#"
NHFL = "<https://w3id.org/crm-kg/id/report/nhfl-2025>"
OPPS = [f"https://w3id.org/crm-kg/id/opportunity/nhfl-2025/{n}" for n in range(1, 6)]
GALLIUM = "https://w3id.org/crm-kg/id/material/gallium"


def comunica(source: str, query: str, media_type: str) -> str:
    if not COMUNICA.exists():
        pytest.fail("Comunica is not installed: run `make setup` (npm ci)")
    done = subprocess.run([str(COMUNICA), source, query, "-t", media_type], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_select_through_the_endpoint(pool_live_server):
    query = f"SELECT ?o WHERE {{ ?o a <{CRM}Opportunity> ; <{CRM}inReport> {NHFL} }}"
    out = json.loads(comunica(f"sparql@{pool_live_server}/sparql", query, "application/sparql-results+json"))
    assert sorted(b["o"]["value"] for b in out["results"]["bindings"]) == OPPS


def test_ask_through_the_endpoint(pool_live_server):
    yes = comunica(f"sparql@{pool_live_server}/sparql", f"ASK {{ ?o a <{CRM}Opportunity> }}",
                   "application/sparql-results+json")
    no = comunica(f"sparql@{pool_live_server}/sparql", f"ASK {{ ?o <{CRM}number> 999 ; a <{CRM}Opportunity> }}",
                  "application/sparql-results+json")
    assert json.loads(yes)["boolean"] is True and json.loads(no)["boolean"] is False


def test_construct_through_the_endpoint(pool_live_server):
    query = (f"CONSTRUCT {{ ?o a <{CRM}Opportunity> }} WHERE {{ ?o a <{CRM}Opportunity> ; "
             f"<{CRM}inReport> {NHFL} }}")
    out = comunica(f"sparql@{pool_live_server}/sparql", query, "application/n-triples")
    graph = Graph().parse(data=out, format="nt")
    assert sorted(str(s) for s in graph.subjects()) == OPPS


def test_reads_an_id_document(pool_live_server):
    """Comunica dereferences the page (its Accept prefers N-Quads, TriG, JSON-LD…) and queries it."""
    query = f"SELECT ?label WHERE {{ <{GALLIUM}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    out = json.loads(comunica(f"{pool_live_server}/id/material/gallium", query,
                              "application/sparql-results+json"))
    labels = {(b["label"]["value"], b["label"].get("xml:lang")) for b in out["results"]["bindings"]}
    assert ("Gallium", "en") in labels


def test_reads_an_id_document_as_rdf(pool_live_server):
    query = f"CONSTRUCT {{ <{GALLIUM}> ?p ?o }} WHERE {{ <{GALLIUM}> ?p ?o }}"
    out = comunica(f"{pool_live_server}/id/material/gallium.ttl", query, "application/n-triples")
    graph = Graph().parse(data=out, format="nt")
    assert (URIRef(GALLIUM), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Gallium", lang="en")) \
        in graph
