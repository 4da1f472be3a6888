"""Entity summaries on a small fixture graph under a NON-default base IRI.

The real graph has few products, figures and mentions yet; this fixture has
them (written for this test, in the ontology's terms) so the summary queries
are exercised end to end: an organisation's activities, places (transitive
located-in, not materialised here), reports, materials and products; a
material's products (through a component), supply concentration, list status
through its group and mentions. All IRIs live under another base, so the test
also proves that pages map IRIs to local paths by configuration.
"""

from __future__ import annotations

import html as html_module
import re

import pyoxigraph as ox
import pytest
from conftest import ROOT
from rdflib import Dataset, Graph, URIRef

from crm_kg.pipeline.sources import Span, read_sources
from crm_kg.sparql.terms import add_quads
from crm_kg.store.embedded import EmbeddedStore
from crm_kg.web import create_app
from crm_kg.web.blocks import BlockDefinitionError, Blocks, parse_block

BASE = "https://data.example.org/kg/"
EDITION_FILE = "002_99edad7c3c8ce4b6.txt"
EDITION_SHA = "ba454dcd552cbdc8fe5e5c25367272b571a49bd4b0241fe1299f4dad25a41925"

FIXTURE = """
@prefix crm: <https://w3id.org/crm-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <BASE/id/> .
@prefix gr: <BASE/graph/> .

gr:reference {
  id:organisation\\/acme a crm:Company ; rdfs:label "Acme Metals" ; skos:prefLabel "Acme Metals" ;
      skos:hiddenLabel "Akme Metaal" ; crm:locatedIn id:place\\/ijmuiden .
  id:place\\/ijmuiden a crm:Town ; rdfs:label "IJmuiden"@en , "IJmuiden"@nl ; crm:locatedIn id:place\\/velsen ;
      geo:hasGeometry id:geometry\\/ijmuiden .
  id:geometry\\/ijmuiden geo:asWKT "POINT(4.6 52.46)"^^geo:wktLiteral .
  id:place\\/velsen a crm:Municipality ; rdfs:label "Velsen" ; crm:locatedIn id:place\\/noord-holland .
  id:place\\/noord-holland a crm:Province ; rdfs:label "North Holland"@en , "Noord-Holland"@nl ;
      geo:hasGeometry id:geometry\\/noord-holland .
  id:geometry\\/noord-holland geo:asWKT "POINT(4.85 52.6)"^^geo:wktLiteral .
  id:place\\/china a crm:Country ; rdfs:label "China"@en , "China"@nl .
  id:material\\/neodymium a crm:ChemicalElement ; rdfs:label "Neodymium"@en , "Neodymium"@nl ;
      crm:memberOfGroup id:material\\/rare-earth-elements ; crm:notOnList id:list\\/eu-srm-2024 .
  id:material\\/rare-earth-elements a crm:ElementGroup ; rdfs:label "Rare earth elements"@en , "Zeldzame aardmetalen"@nl ;
      crm:onList id:list\\/eu-crm-2023 .
  id:material\\/cobalt a crm:ChemicalElement ; rdfs:label "Cobalt"@en , "Kobalt"@nl ; crm:onList id:list\\/eu-crm-2023 .
  id:list\\/eu-crm-2023 a crm:CriticalRawMaterialsList ; rdfs:label "EU CRM list 2023"@en ; crm:listYear 2023 .
  id:list\\/eu-srm-2024 a crm:StrategicRawMaterialsList ; rdfs:label "EU SRM list 2024"@en ; crm:listYear 2024 .
  id:activity\\/recycling a crm:Activity ; rdfs:label "recycling"@en , "recycling"@nl .
  id:activity\\/refining a crm:Activity ; rdfs:label "refining"@en , "raffinage"@nl .
  id:unit\\/percent a crm:Unit ; rdfs:label "percent"@en , "procent"@nl .
}

gr:r1 {
  id:report\\/r1 a crm:Report ; rdfs:label "Fixture report"@en , "Testrapport"@nl ; crm:publicationYear 2025 ;
      crm:hasEdition id:edition\\/nhfl-2025-en .
  id:edition\\/nhfl-2025-en a crm:Edition ; crm:editionOf id:report\\/r1 ; crm:fileName "EDFILE" ; crm:sha256 "EDSHA" .
  id:passage\\/nhfl-2025-en\\/782 a crm:Passage ; crm:inEdition id:edition\\/nhfl-2025-en ;
      crm:startLine 782 ; crm:endLine 782 ; crm:mentions id:material\\/neodymium .
  id:passage\\/nhfl-2025-en\\/790-791 a crm:Passage ; crm:inEdition id:edition\\/nhfl-2025-en ;
      crm:startLine 790 ; crm:endLine 791 .
  id:organisation\\/acme crm:activity id:activity\\/recycling ; crm:namedIn id:report\\/r1 ;
      prov:wasDerivedFrom id:passage\\/nhfl-2025-en\\/782 ;
      crm:worksOnProduct id:product\\/wind-turbine ; crm:worksOnMaterial id:material\\/cobalt .
  id:product\\/wind-turbine a crm:Product ; rdfs:label "Wind turbine"@en , "Windturbine"@nl ;
      crm:hasPart id:product\\/generator .
  id:product\\/generator a crm:Component ; rdfs:label "Generator"@en , "Generator"@nl ;
      crm:containsMaterial id:material\\/neodymium .
  id:figure\\/r1\\/nd-refining-china a crm:Figure ; crm:about id:material\\/neodymium ; crm:inPlace id:place\\/china ;
      crm:supplyStage id:activity\\/refining ; crm:value 90.0 ; crm:unit id:unit\\/percent ; crm:rank 1 ;
      crm:referenceYear 2023 ; prov:wasDerivedFrom id:passage\\/nhfl-2025-en\\/790-791 .
}
"""


@pytest.fixture(scope="module")
def fixture_app(settings):
    dataset = Dataset()
    text = FIXTURE.replace("BASE/", BASE).replace("EDFILE", EDITION_FILE).replace("EDSHA", EDITION_SHA)
    add_quads(dataset, ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TRIG))
    # the ontology (labels, class tree) in its own graph, as in the real build
    ontology = dataset.graph(URIRef(BASE + "graph/ontology"))
    ontology.parse(ROOT / "ontology" / "crm.ttl", format="turtle")
    store = EmbeddedStore.from_dataset(dataset)
    return create_app({"TESTING": True, "STORE": store,
                       "SETTINGS": settings.with_(base_iri=BASE)})


@pytest.fixture()
def fc(fixture_app):
    client = fixture_app.test_client()
    client.environ_base["HTTP_ACCEPT"] = "text/html"   # as a browser asks (*/* alone gets Turtle)
    return client


def block(html: str, name: str) -> str:
    start = html.index(f'id="block-{name}"')
    return html[start:html.index("</section>", start)]


def rows(section: str) -> list[list[str]]:
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td>(.*?)</td>", tr, re.S)
        if cells:
            out.append([html_module.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return out


def hrefs(text: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', text)


def test_pages_map_a_configured_base_to_local_paths(fc):
    r = fc.get("/id/organisation/acme", headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'<code id="iri">{BASE}id/organisation/acme</code>' in html
    links = hrefs(html)
    assert "/id/place/ijmuiden" in links and "/id/report/r1" in links and "/graph/r1" in links
    assert not [h for h in links if h.startswith(BASE)]  # never the published IRI for our own things
    turtle = Graph().parse(data=fc.get("/id/organisation/acme.ttl").data, format="turtle")
    assert (URIRef(BASE + "id/organisation/acme"), URIRef("https://w3id.org/crm-kg/ontology#locatedIn"),
            URIRef(BASE + "id/place/ijmuiden")) in turtle
    # the default base is not ours here
    assert fc.get("/id/material/gallium", headers={"Accept": "text/html"}).status_code == 404


def test_pages_under_a_script_root(fc):
    html = fc.get("/id/organisation/acme", base_url="http://localhost/kg/",
                  headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/kg/id/place/ijmuiden"' in html and 'href="/id/place/ijmuiden"' not in html


def test_organisation_summary(fc):
    html = fc.get("/id/organisation/acme?lang=en").get_data(as_text=True)
    assert rows(block(html, "organisation-activities")) == [["recycling", "Fixture report"]]   # the graph by its report
    # transitive located-in through property paths (nothing materialised in the fixture), nearest first
    assert rows(block(html, "organisation-location")) == [
        ["IJmuiden", "town or village"], ["Velsen", "municipality"], ["North Holland", "province"]]
    assert rows(block(html, "named-in-reports")) == [["Fixture report", "2025", "1"]]
    things = rows(block(html, "organisation-materials"))
    assert ["Cobalt", "works on material"] in [r[:2] for r in things]
    assert ["Wind turbine", "works on product"] in [r[:2] for r in things]
    assert ["Neodymium", "contains material", "Wind turbine"] in things  # through the turbine's generator
    assert 'id="map-focus"' in html and "Located in" in html


def test_material_summary_in_dutch(fc):
    html = fc.get("/id/material/neodymium?lang=nl").get_data(as_text=True)
    # product, via (the component), organisations working on the product
    assert rows(block(html, "material-products")) == [
        ["Generator", "", ""], ["Windturbine", "Generator", "Acme Metals"]]
    supply = rows(block(html, "material-supply"))
    assert supply == [["raffinage", "China", "90", "procent", "1", "2023", "r1/nd-refining-china",
                       "nhfl-2025-en, regels 790–791"]]
    lists = rows(block(html, "material-lists"))
    assert ["EU CRM list 2023", "staat op lijst", "Zeldzame aardmetalen"] in lists
    assert ["EU SRM list 2024", "staat niet op lijst", ""] in lists
    assert rows(block(html, "named-in-reports")) == [["Testrapport", "2025", "1"]]  # the passage mentioning it
    # the generic figures block appears because there is a figure
    assert "r1/nd-refining-china" in block(html, "figures")


def test_mentions_show_the_passage_text(fc, settings):
    doc = read_sources(settings.sources, only=["nhfl-2025-en"])["nhfl-2025-en"]
    html = fc.get("/id/material/neodymium?lang=en").get_data(as_text=True)
    mentions = html[html.index('id="mentions"'):]
    quote = re.search(r'class="passage-text">(.*?)</blockquote>', mentions, re.S).group(1)
    assert html_module.unescape(quote) == doc.text(Span("nhfl-2025-en", 782, 782))
    assert 'href="/id/passage/nhfl-2025-en/782"' in mentions and "line 782" in mentions


def test_search_finds_misprints_without_showing_them(fc):
    payload = fc.get("/search?q=akme&format=json").get_json()
    assert [r["iri"] for g in payload["groups"] for r in g["results"]] == [BASE + "id/organisation/acme"]
    assert payload["groups"][0]["type"] == "https://w3id.org/crm-kg/ontology#Company"
    html = fc.get("/search?q=akme").get_data(as_text=True)
    assert "Akme" not in html.replace('value="akme"', "")
    assert 'href="/id/organisation/acme"' in html


def test_search_groups_by_type_in_both_languages(fc):
    payload = fc.get("/search?q=zeldzame&format=json").get_json()
    assert [g["type"] for g in payload["groups"]] == ["https://w3id.org/crm-kg/ontology#ElementGroup"]
    payload = fc.get("/search?q=n&format=json&lang=en").get_json()  # one letter: name starts
    types = {g["type"] for g in payload["groups"]}
    assert "https://w3id.org/crm-kg/ontology#ChemicalElement" in types   # Neodymium
    assert "https://w3id.org/crm-kg/ontology#Province" in types          # North/Noord-Holland


def test_block_files_are_checked(tmp_path):
    Blocks(ROOT / "queries" / "describe")  # the shipped ones load
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ title: {en: x, nl: y}\n#+ applies_to: [crm:Material]\n#+ columns: {a: {en: A, nl: A}}\n"
                   "SELECT ?a WHERE { $entity ?p ?a }\n", encoding="utf-8")
    with pytest.raises(BlockDefinitionError, match="projection"):
        parse_block(bad)
    bad.write_text("#+ title: {en: x, nl: y}\nSELECT ?entity WHERE { $entity ?p $user }\n", encoding="utf-8")
    with pytest.raises(BlockDefinitionError, match=r"\$user"):
        parse_block(bad)
    bad.write_text("#+ title: {en: x}\nASK {}\n", encoding="utf-8")
    with pytest.raises(BlockDefinitionError, match="English and Dutch"):
        parse_block(bad)
    bad.write_text("#+ title: {en: x, nl: y}\nSELECT WHERE {\n", encoding="utf-8")
    with pytest.raises(BlockDefinitionError, match="does not parse"):
        parse_block(bad)
    bad.write_text("#+ title: {en: x, nl: y}\n#+ applies_to: [crm:Material]\n#+ columns: {a: {en: A, nl: A}}\n"
                   "#+ merge_on: b\nSELECT ?entity ?a WHERE { $entity ?p ?a }\n", encoding="utf-8")
    with pytest.raises(BlockDefinitionError, match="merge_on 'b' is not one of its columns"):
        parse_block(bad)


def test_query_result_links_follow_the_configured_base(fixture_app):
    from crm_kg.web.render import local_href

    with fixture_app.test_request_context("/queries"):
        assert local_href(BASE + "id/material/cobalt") == "/id/material/cobalt"
        assert local_href("https://w3id.org/crm-kg/ontology#Material") == "/ontology#Material"
        assert local_href("https://w3id.org/crm-kg/id/material/cobalt") == "https://w3id.org/crm-kg/id/material/cobalt"
        assert local_href("javascript:alert(1)") is None


def test_a_dutch_page_names_terms_and_graphs_in_words_a_reader_knows(client):
    """Help text names an ontology term by its label in the page's language ("ligt in", not
    the English "located in"), and a report's graph by the report's title, not its id."""
    dutch = client.get("/id/organisation/asml?lang=nl", headers={"Accept": "text/html"}).text
    assert "ligt in" in dutch and "located in" not in dutch
    assert "CRM in Zuid-Holland (HCSS, 2024)" in dutch and ">zh-2024<" not in dutch
    english = client.get("/id/organisation/asml?lang=en", headers={"Accept": "text/html"}).text
    assert "located in" in english and ">zh-2024<" not in english
