"""Provenance per statement (README, "Provenance"): every statement of the graph names
its source, answered by the saved query ``statement-sources`` on the real build.

Report statements cite passages through a ``crm:Statement`` beside the triple
(both editions when both state it); reference data names its sources
(``dct:source``: Wikidata, the government's TOOI lists, EUR-Lex/ELI, the EU list);
the unsourced-statement check and the ``shapes:Statement`` shape keep it so.
"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, URIRef

from crm_kg.iri import CRM, PROV
from crm_kg.quality.checks import load_check, run_check
from crm_kg.sparql.library import QueryLibrary
from crm_kg.sparql.terms import from_ox, to_ox

ID = "https://w3id.org/crm-kg/id/"
GRAPH = "https://w3id.org/crm-kg/graph/"
RECORDS = (CRM.Passage, CRM.Section, CRM.Edition, CRM.Statement)   # the provenance records themselves


@pytest.fixture(scope="module")
def sources(settings, store):
    query = QueryLibrary(settings.queries_dir).get("statement-sources")   # the saved query by name

    def run(subject: str) -> list[dict]:
        return store.query(query.text, query.bind({"subject": subject})).rows

    return run


def test_200_sampled_statements_each_have_a_source(quads, sources):
    """200 statements drawn with a fixed seed from every named graph (not rdf:type, not the
    passage, section, edition and statement records, not the blank nodes of OWL axioms):
    each is answered with at least one passage or source."""
    records = {s for s, p, o, _g in quads if p == RDF.type and o in RECORDS}
    bibliographic = {s for s, p, o, _g in quads if p == RDF.type and o in (CRM.Report, CRM.Person)}
    population = sorted((q for q in quads if q[1] != RDF.type and q[0] not in records
                         and not isinstance(q[0], BNode)), key=lambda q: tuple(t.n3() for t in q))
    sample = random.Random(22).sample(population, 200)
    assert {str(g).rsplit("/", 1)[1] for *_, g in sample} >= {"nhfl-2025", "zh-2024", "reference", "inferred"}
    answers: dict = {}
    for s, p, o, g in sample:
        if s not in answers:
            answers[s] = sources(str(s))
        rows = [r for r in answers[s] if r["predicate"] == p and r["graph"] == g and (
            r["object"] == o or isinstance(o, BNode) and isinstance(r["object"], BNode))]   # a blank node
        # (an OWL union's list) has no identity across stores and answers: any blank object matches
        assert rows, f"statement-sources does not answer {s.n3()} {p.n3()} {o.n3()} in {g}"
        assert all(r.get("passage") is not None or r.get("source") is not None for r in rows), rows
        if str(g).endswith(("nhfl-2025", "zh-2024")) and p != PROV.wasDerivedFrom and s not in bibliographic:
            assert all(r.get("passage") is not None and r["start"].toPython() <= r["end"].toPython()
                       for r in rows), f"a report statement without its passage: {rows}"


def test_a_statement_in_both_editions_cites_both(sources):
    """Organisation AEB Amsterdam recycles: the English and the Dutch table both say it."""
    rows = [r for r in sources(ID + "organisation/aeb-amsterdam")
            if r["predicate"] == CRM.activity and r["object"] == URIRef(ID + "activity/recycling-collection")]
    editions = {str(r["edition"]).rsplit("/", 1)[1] for r in rows}
    assert editions == {"nhfl-2025-en", "nhfl-2025-nl"}
    assert len({r["passage"] for r in rows}) >= 4   # the table row and the other passages naming it, per edition


def test_each_statement_of_a_recommendation_has_its_own_sources(sources):
    """Recommendation 3 (NH/FL Table 5, line 737 of the English edition): the time frame and the
    actor are stated in both editions' tables; the opportunities it serves by the English ticks."""
    rows = sources(ID + "recommendation/nhfl-2025/3")

    def passages(pred, obj):
        return {str(r["passage"]).split("/id/passage/")[1] for r in rows
                if r["predicate"] == pred and r["object"] == URIRef(ID + obj)}

    assert "nhfl-2025-en/737" in passages(CRM.timeFrame, "time-frame/within-1-year")
    assert any(p.startswith("nhfl-2025-nl/") for p in passages(CRM.responsibleActorType, "actor-type/municipalities"))
    for opportunity in (1, 2, 3, 5):
        assert "nhfl-2025-en/737" in passages(CRM.servesOpportunity, f"opportunity/nhfl-2025/{opportunity}")
    assert not passages(CRM.servesOpportunity, "opportunity/nhfl-2025/4")


@pytest.mark.parametrize("subject, predicate, source", [
    ("material/gallium", "http://www.w3.org/2004/02/skos/core#exactMatch", "http://www.wikidata.org/entity/Q861"),
    ("material/gallium", str(CRM.onList), ID + "list/eu-crm-2023"),
    ("place/amsterdam", str(CRM.cbsCode), "https://identifier.overheid.nl/tooi/id/gemeente/gm0363"),
    ("policy/critical-raw-materials-act", str(CRM.celex),
     "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1252"),
    ("policy/critical-raw-materials-act", str(CRM.celex), "http://data.europa.eu/eli/reg/2024/1252/oj"),
    ("report/nhfl-2025", str(CRM.publicationYear), ID + "edition/nhfl-2025-nl"),
])
def test_reference_statements_name_their_reference_source(sources, subject, predicate, source):
    rows = [r for r in sources(ID + subject) if str(r["predicate"]) == predicate]
    assert rows, f"no statement {predicate} about {subject}"
    assert URIRef(source) in {r.get("source") for r in rows}


def test_every_statement_node_cites_a_triple_of_its_own_graph(quads):
    nodes = 0
    for report in ("nhfl-2025", "zh-2024"):
        g = Graph()
        for s, p, o, graph in quads:
            if graph == URIRef(GRAPH + report):
                g.add((s, p, o))
        for node in g.subjects(RDF.type, CRM.Statement):
            nodes += 1
            triple = (g.value(node, CRM.statementSubject), g.value(node, CRM.statementPredicate),
                      g.value(node, CRM.statementObject))
            assert triple in g, f"{node} cites a triple its graph does not hold: {triple}"
            assert str(node).startswith(f"{ID}statement/{report}/")
            assert all((p, RDF.type, CRM.Passage) in g for p in g.objects(node, PROV.wasDerivedFrom))
    assert nodes > 2000


def test_a_statement_losing_its_passage_is_caught(settings, quads):
    """The check on the real graph: clean, then one statement's passages removed → exactly that triple."""
    check = load_check(settings.queries_dir / "checks" / "unsourced-statement-violation.rq")
    store = ox.Store()
    store.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for s, p, o, g in quads])
    assert run_check(store, check) == []
    subject, target = ox.NamedNode(ID + "organisation/aeb-amsterdam"), ox.NamedNode(ID + "activity/recycling-collection")
    [node] = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(CRM.statementObject)), target)
              if ox.Quad(q.subject, ox.NamedNode(str(CRM.statementSubject)), subject, q.graph_name) in store]
    for quad in list(store.quads_for_pattern(node, ox.NamedNode(str(PROV.wasDerivedFrom)), None)):
        store.remove(quad)
    rows = run_check(store, check)
    assert len(rows) == 1, [r.message for r in rows]
    assert from_ox(rows[0].focus) == URIRef(subject.value)
    assert "activity" in rows[0].message and "no statement cites a passage" in rows[0].message


def test_served_like_every_saved_query(client):
    response = client.get("/api/queries/statement-sources?subject=organisation/aeb-amsterdam",
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert {"predicate", "object", "passage", "edition", "start", "end", "source"} <= set(body["head"]["vars"])
    editions = {b["edition"]["value"].rsplit("/", 1)[1] for b in body["results"]["bindings"] if "edition" in b}
    assert editions == {"nhfl-2025-en", "nhfl-2025-nl"}
    default = client.get("/api/queries/statement-sources", headers={"Accept": "application/sparql-results+json"})
    assert default.status_code == 200 and default.get_json()["results"]["bindings"][0]["subject"]["value"] \
        == ID + "recommendation/nhfl-2025/3"
    bad = client.get("/api/queries/statement-sources?subject=a%20b")
    assert bad.status_code == 400 and "subject" in bad.text
