"""reasoning: HermiT (through owlready2) finds the ontology with the data consistent, and catches what is not."""

from __future__ import annotations

import json
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from crm_kg.cli import main
from crm_kg.iri import CRM, GEO, GRAPH, ID
from crm_kg.quality import reasoning
from crm_kg.quality.reasoning import check, for_hermit, split
from crm_kg.quality.release import load, source_path
from crm_kg.sparql.terms import dataset_quads

FIXTURES = Path(__file__).parent / "owl"
INCONSISTENT = sorted(FIXTURES.glob("inconsistent-*.ttl"))


@pytest.fixture(scope="module")
def ontology_graph(settings):
    return load(source_path(settings))


def _fixture(path: Path) -> tuple[Graph, str | None]:
    text = path.read_text(encoding="utf-8")
    expect = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                   if line.startswith("# expect:")), None)
    return Graph().parse(data=text, format="turtle"), expect


def test_built_graph_with_a_dated_event_is_consistent_without_unsatisfiable_classes(built, settings):
    """The whole built graph, plus a trade measure with xsd:date values, through HermiT."""
    _, result = built
    onto, data = split(result.dataset, settings)
    event, _ = _fixture(FIXTURES / "consistent-dated-event.ttl")
    report = check(onto, data + event)
    assert report.error is None, report.error
    assert report.problems == []
    assert report.consistent is True and report.unsatisfiable == [], report.text()
    assert report.conforms
    # every WKT point of the places, every xsd:date and xsd:gYearMonth of the data and the fixture's dates
    # went to HermiT as strings
    wkt = sum(1 for _ in data.objects(None, GEO.asWKT))
    dates = sum(1 for o in data.objects()                     # and months (xsd:gYearMonth, issue 22)
                if getattr(o, "datatype", None) in (XSD.date, XSD.gYearMonth, XSD.gYear))
    assert wkt > 50 and report.as_strings == wkt + dates + 3


@pytest.mark.parametrize("path", INCONSISTENT, ids=[p.stem for p in INCONSISTENT])
def test_inconsistent_fixture_is_caught_and_explained(ontology_graph, path):
    data, expect = _fixture(path)
    report = check(ontology_graph, data)
    assert report.consistent is False and not report.conforms
    assert expect and any(expect in s for s in report.suspects), report.suspects
    assert "INCONSISTENT" in report.text() and expect in report.text()


def test_unsatisfiable_class_is_reported(ontology_graph):
    onto = Graph()
    for triple in ontology_graph:
        onto.add(triple)
    broken = CRM.MaterialPlace
    onto.add((broken, RDF.type, OWL.Class))
    onto.add((broken, RDFS.subClassOf, CRM.Material))
    onto.add((broken, RDFS.subClassOf, CRM.Place))
    for lang, text in (("en", "material place"), ("nl", "materiaalplaats")):
        onto.add((broken, RDFS.label, Literal(text, lang=lang)))
    onto.add((broken, URIRef("http://www.w3.org/2004/02/skos/core#definition"),
              Literal("A class that cannot have members.", lang="en")))
    onto.add((broken, RDFS.isDefinedBy, URIRef("https://w3id.org/crm-kg/ontology")))
    report = check(onto, Graph())
    assert report.consistent is True  # no individual is in it, so the whole is still consistent
    assert report.unsatisfiable == [str(broken)]
    assert not report.conforms and "unsatisfiable class" in report.text()


def test_literals_outside_the_owl2_datatype_map_become_strings():
    g = Graph()
    x = ID["event/x"]
    g.add((x, CRM.announcedOn, Literal("2023-07-03", datatype=XSD.date)))
    g.add((x, CRM.year, Literal("2023", datatype=XSD.gYear)))
    g.add((x, GEO.asWKT, Literal("POINT(1 2)", datatype=GEO.wktLiteral)))
    g.add((x, CRM.value, Literal("2.5", datatype=XSD.decimal)))
    g.add((x, CRM.targetYear, Literal(2030)))
    g.add((x, RDFS.label, Literal("x", lang="en")))
    out, converted = for_hermit(g)
    assert converted == 3
    assert (x, CRM.announcedOn, Literal("2023-07-03")) in out
    assert (x, CRM.year, Literal("2023")) in out
    assert (x, GEO.asWKT, Literal("POINT(1 2)")) in out
    assert (x, CRM.value, Literal("2.5", datatype=XSD.decimal)) in out
    assert (x, CRM.targetYear, Literal(2030)) in out and len(out) == len(g)


def test_missing_java_is_a_clear_error(ontology_graph, monkeypatch):
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    report = check(ontology_graph, Graph())
    assert report.consistent is None and not report.conforms
    assert "Java is not installed" in report.error and "--no-owl" in report.error


@pytest.fixture(scope="module")
def broken_file(built, tmp_path_factory):
    """The built dataset with one wrong link: gallium "has part" a battery, so by the domain of
    crm:hasPart it is a product, disjoint with material. SHACL-valid (no shape infers a type
    from a domain), OWL-inconsistent: what only the reasoner finds."""
    _, result = built
    graph = result.dataset.graph(GRAPH["reference"])
    wrong = (ID["material/gallium"], CRM.hasPart, ID["product/battery"])
    graph.add(wrong)
    try:
        path = tmp_path_factory.mktemp("owl") / "broken.nq"
        path.write_bytes(ox.serialize(dataset_quads(result.dataset), format=ox.RdfFormat.N_QUADS))
    finally:
        graph.remove(wrong)
    return path


def test_cli_validate_runs_hermit_and_fails_on_an_inconsistent_graph(broken_file, capsys):
    assert main(["validate", "--input", str(broken_file), "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["violations"] == 0  # SHACL has nothing against it …
    assert body["conforms"] is False and body["owl"]["consistent"] is False  # … the reasoner has
    assert any(str(ID["material/gallium"]) in s and "crm:Product" in s for s in body["owl"]["suspects"])


def test_cli_validate_no_owl_skips_the_reasoner(broken_file, capsys):
    assert main(["validate", "--input", str(broken_file), "--no-owl"]) == 0
    out = capsys.readouterr().out
    assert "valid: no violations" in out and "owl:" not in out


def test_split_takes_the_ontology_graph(built, settings):
    _, result = built
    onto, data = split(result.dataset, settings)
    assert (CRM.Material, RDF.type, OWL.Class) in onto and (CRM.Material, RDF.type, OWL.Class) not in data
    assert len(onto) == len(result.dataset.graph(GRAPH["ontology"]))
    others = {t for name in ("reference", "nhfl-2025", "zh-2024", "inferred")
              for t in result.dataset.graph(GRAPH[name])}
    assert set(data) == others
    assert reasoning.OWL2_DATATYPES >= {XSD.integer, XSD.decimal, XSD.string, XSD.dateTime}
    assert XSD.date not in reasoning.OWL2_DATATYPES and XSD.gYear not in reasoning.OWL2_DATATYPES
