"""Curated narrative facts: every section maps to the right triples; mistakes fail loudly."""

from __future__ import annotations

import textwrap

import pytest
from rdflib import RDF, RDFS, XSD, Literal, URIRef

from crm_kg.iri import CRM, GRAPH, PROV, mint
from crm_kg.pipeline.curated import load_report
from crm_kg.pipeline.sources import read_sources
from crm_kg.pipeline.stages import emit_facts
from crm_kg.yamlio import InputError

# Line numbers cite real lines of the editions; the texts below are our own.
GOOD = """
contains:
  - product: wind-turbine-tower
    materials: [nickel, Manganese, niobium]
    source: nhfl-2025-en:402
    also: [nhfl-2025-nl:1290-1292]
  - goods_category: basic-chemical-products
    materials: [antimony, germanium]
    source: nhfl-2025-en:337
parts:
  - whole: wind-turbine
    part: permanent magnet
    source: nhfl-2025-en:402
figures:
  - id: china-share-tungsten
    label: {en: China's share of world tungsten output, nl: Aandeel van China in de wereldproductie van wolfraam}
    value: 86
    unit: percent
    metric: share-of-global-supply
    about: [material:tungsten]
    place: china
    stage: extraction
    source: nhfl-2025-en:235
organisations:
  - name: DOPS Recycling Technologies
    activities: [metal-recovery]
    description: {en: Designs thermochemical separation machinery, nl: Ontwerpt machines voor thermochemische scheiding}
    source: nhfl-2025-en:592
swot:
  - id: grid-congestion
    label: {en: Congested electricity grid, nl: Vol elektriciteitsnet}
    category: weakness
    source: nhfl-2025-en:638
events:
  - id: china-gallium-germanium-licences-2023
    label: {en: China requires export licences for gallium and germanium, nl: China eist exportvergunningen voor gallium en germanium}
    actor: place:china
    measure: export-licensing
    materials: [gallium, germanium]
    announced: 2023-07
    effective: 2023-08
    source: nhfl-2025-en:262
"""


@pytest.fixture(scope="module")
def documents(settings):
    return read_sources(settings.sources)


def write(tmp_path, text, name="facts.yaml"):
    folder = tmp_path / "nhfl-2025"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_sections_map_to_triples(settings, documents, tmp_path):
    facts = load_report(write(tmp_path, GOOD), "nhfl-2025", documents)
    assert len(facts) == 7
    g = emit_facts(settings, documents, facts).graph(GRAPH["nhfl-2025"])
    tower = mint("product", "wind-turbine-tower")
    assert {str(o).rsplit("/", 1)[-1] for o in g.objects(tower, CRM.containsMaterial)} == \
        {"nickel", "manganese", "niobium"}
    passages = {str(p).rsplit("/", 2)[-2:][0] for p in g.objects(tower, PROV.wasDerivedFrom)}
    assert passages == {"nhfl-2025-en", "nhfl-2025-nl"}  # cited in both editions
    assert (mint("product", "wind-turbine"), CRM.hasPart, mint("product", "permanent-magnet")) in g
    fig = mint("figure", "nhfl-2025", "china-share-tungsten")
    assert g.value(fig, CRM.value) == Literal("86", datatype=XSD.decimal)
    assert g.value(fig, CRM.inPlace) == mint("place", "china")
    assert g.value(fig, CRM.supplyStage) == URIRef("https://w3id.org/crm-kg/id/activity/extraction")
    assert g.value(fig, CRM.about) == mint("material", "tungsten")
    dops = next(g.subjects(CRM.description, None))
    assert (dops, CRM.activity, URIRef("https://w3id.org/crm-kg/id/activity/metal-recovery")) in g
    swot = mint("swot", "nhfl-2025", "grid-congestion")
    assert (swot, RDF.type, CRM.SwotItem) in g and g.value(swot, RDFS.label, default=None) is not None
    event = mint("event", "china-gallium-germanium-licences-2023")
    assert g.value(event, CRM.announcedOn) == Literal("2023-07-01", datatype=XSD.date)
    assert g.value(event, CRM.effectiveOn) == Literal("2023-08-01", datatype=XSD.date)
    assert g.value(event, CRM.datePrecision) == URIRef("https://w3id.org/crm-kg/id/date-precision/month")
    assert (event, RDF.type, CRM.TradeMeasure) in g


@pytest.mark.parametrize("text, message", [
    ("figurs:\n  - id: x\n", "unknown section 'figurs'"),
    ("contains:\n  - product: battery\n    materials: [lithium]\n    sorce: nhfl-2025-en:1\n", "unknown key 'sorce'"),
    ("contains:\n  - product: battery\n    materials: lithium\n    source: nhfl-2025-en:1\n", "'materials' must be list"),
    ("contains:\n  - product: battery\n    materials: [lithium]\n    source: nhfl-2025-en:99999\n", "outside"),
    ("contains:\n  - product: battery\n    materials: [lithium]\n    source: zh-2024-nl:10\n", "not an edition of nhfl-2025"),
    ("contains:\n  - product: battery\n    materials: [lithium]\n    source: page 12\n", "is not <edition>"),
    ("figures:\n  - id: f\n    label: {en: only English}\n    value: 1\n    unit: percent\n    source: nhfl-2025-en:1\n", "English and Dutch"),
    ("events:\n  - id: e\n    label: {en: a, nl: b}\n    announced: July 2023\n    source: nhfl-2025-en:1\n", "YYYY"),
])
def test_loader_errors_name_file_and_line(documents, tmp_path, text, message):
    with pytest.raises(InputError, match=message) as info:
        load_report(write(tmp_path, text), "nhfl-2025", documents)
    assert "facts.yaml:" in str(info.value)


@pytest.mark.parametrize("text, message", [
    ("contains:\n  - product: battery\n    materials: [unobtainium]\n    source: nhfl-2025-en:1\n", "unknown material 'unobtainium'"),
    ("contains:\n  - product: flux capacitor\n    materials: [lithium]\n    source: nhfl-2025-en:1\n", "unknown product"),
    ("figures:\n  - id: f\n    label: {en: a, nl: b}\n    value: 1\n    unit: parsecs\n    source: nhfl-2025-en:1\n", "no concept 'parsecs'"),
    ("swot:\n  - id: s\n    label: {en: a, nl: b}\n    category: blessing\n    source: nhfl-2025-en:1\n", "no concept 'blessing'"),
])
def test_unknown_references_fail_the_build(settings, documents, tmp_path, text, message):
    facts = load_report(write(tmp_path, text), "nhfl-2025", documents)
    with pytest.raises(InputError, match=message):
        emit_facts(settings, documents, facts)


def test_constituents_section(settings, documents, tmp_path):
    text = ("constituents:\n  - material: steel\n    constituents: [vanadium, Copper]\n"
            "    source: nhfl-2025-en:541\n")
    facts = load_report(write(tmp_path, text), "nhfl-2025", documents)
    g = emit_facts(settings, documents, facts).graph(GRAPH["nhfl-2025"])
    steel = mint("material", "steel")
    assert set(g.objects(steel, CRM.hasConstituent)) == {mint("material", "vanadium"), mint("material", "copper")}
    assert (steel, PROV.wasDerivedFrom, mint("passage", "nhfl-2025-en", 541)) in g
