"""Sites, rankings, flows, forecasts, horizons, dates and roles (issue 22, part 2).

Two halves: the curated sections (``data/curated/<report>/sites.yaml``) map to the right
triples and bad entries fail loudly naming file and line; and the real build holds
what the three reports say, read back through the saved queries an analyst uses
(values checked against the reports by hand; the test texts are our own).
"""

from __future__ import annotations

import textwrap

import pytest
from rdflib import RDF, XSD, Literal

from crm_kg.iri import CRM, GRAPH, PROV, mint
from crm_kg.pipeline.curated import load_report
from crm_kg.pipeline.sources import read_sources
from crm_kg.pipeline.stages import emit_facts
from crm_kg.sparql.library import Choices, QueryLibrary
from crm_kg.yamlio import InputError

ID = "https://w3id.org/crm-kg/id/"
PREFIX = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# Line numbers cite real lines of the editions; the labels are our own.
GOOD = """
sites:
  - id: test-park
    label: {en: Test park, nl: Testpark}
    kind: onshore-wind-park
    place: zeewolde
    status: repowering
    assets: [wind-turbine]
    figures: [turbines-out]
    source: nhfl-2025-en:366
    also: [nhfl-2025-nl:1182-1192]
rankings:
  - id: test-park-largest
    label: {en: Largest test park, nl: Grootste testpark}
    subject: site:test-park
    kind: largest
    among: [site-kind:onshore-wind-park]
    scope: netherlands
    source: nhfl-2025-en:366
  - id: test-port-fourth
    label: {en: Fourth test port, nl: Vierde testhaven}
    subject: place:port-of-amsterdam-area
    kind: nth-largest
    position: 4
    scope: europe
    source: nhfl-2025-en:601
flows:
  - id: test-reuse
    label: {en: Test turbines abroad, nl: Testturbines naar het buitenland}
    kind: reuse-export
    from: [site:test-park]
    to: [place:georgia]
    of: [product:wind-turbine]
    likelihood: possible
    horizon_from: 2026
    source: nhfl-2025-en:366
forecasts:
  - id: test-deficit
    label: {en: Test copper deficit, nl: Testtekort aan koper}
    of: [material:copper]
    variable: supply-balance
    direction: deficit
    scope: [world]
    horizon_to: 2035
    source: nhfl-2025-en:137
    also: [nhfl-2025-nl:397-401]
horizons:
  - subject: opportunity:1
    horizon_from: 2035
    source: nhfl-2025-en:653
dates:
  - policy: kamerbrief-voorraadvormingsprogramma-kritieke-grondstoffen-2024
    presented: "2024-10"
    source: nhfl-2025-en:269
roles:
  - notation: "9"
    lead: [provincie-noord-holland]
    partners: [provincie-flevoland]
    source: nhfl-2025-en:760
"""


@pytest.fixture(scope="module")
def documents(settings):
    return read_sources(settings.sources)


def write(tmp_path, text):
    folder = tmp_path / "nhfl-2025"
    folder.mkdir(exist_ok=True)
    (folder / "sites.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_sections_map_to_triples(settings, documents, tmp_path):
    facts = load_report(write(tmp_path, GOOD), "nhfl-2025", documents)
    assert len(facts) == 8
    g = emit_facts(settings, documents, facts).graph(GRAPH["nhfl-2025"])
    site = mint("site", "test-park")                          # a real thing: no report in its IRI
    assert (site, RDF.type, CRM.Site) in g
    assert g.value(site, CRM.siteKind) == mint("site-kind", "onshore-wind-park")
    assert g.value(site, CRM.locatedIn) == mint("place", "zeewolde")
    assert g.value(site, CRM.siteStatus) == mint("site-status", "repowering")
    assert (mint("figure", "nhfl-2025", "turbines-out"), CRM.about, site) in g
    assert {p.rsplit("/", 2)[-2] for p in map(str, g.objects(site, PROV.wasDerivedFrom))} == \
        {"nhfl-2025-en", "nhfl-2025-nl"}                       # one node, both editions
    largest = mint("ranking", "nhfl-2025", "test-park-largest")
    assert g.value(largest, CRM.ranks) == site and g.value(largest, CRM.rankingPosition) is None
    assert g.value(largest, CRM.rankingScope) == mint("place", "netherlands")
    fourth = mint("ranking", "nhfl-2025", "test-port-fourth")
    assert g.value(fourth, CRM.rankingPosition) == Literal(4)
    flow = mint("flow", "nhfl-2025", "test-reuse")
    assert (g.value(flow, CRM.flowFrom), g.value(flow, CRM.flowTo)) == (site, mint("place", "georgia"))
    assert g.value(flow, CRM.likelihood) == mint("likelihood", "possible")
    assert g.value(flow, CRM.horizonFromYear) == Literal(2026) and g.value(flow, CRM.horizonToYear) is None
    forecast = mint("forecast", "nhfl-2025", "test-deficit")
    assert g.value(forecast, CRM.forecastOf) == mint("material", "copper")
    assert g.value(forecast, CRM.trendDirection) == mint("trend-direction", "deficit")
    assert g.value(forecast, CRM.likelihood) == mint("likelihood", "expected")     # the default
    assert g.value(mint("opportunity", "nhfl-2025", 1), CRM.horizonFromYear) == Literal(2035)
    letter = mint("policy", "kamerbrief-voorraadvormingsprogramma-kritieke-grondstoffen-2024")
    assert g.value(letter, CRM.presentedOn) == Literal("2024-10", datatype=XSD.gYearMonth)   # the month, no day
    rec = mint("recommendation", "nhfl-2025", "9")
    assert set(g.objects(rec, CRM.leadParty)) == {mint("organisation", "provincie-noord-holland")}
    assert set(g.objects(rec, CRM.partnerParty)) == {mint("organisation", "provincie-flevoland")}
    assert len(set(g.objects(rec, CRM.involvesParty))) == 2    # the super-property, for older queries


@pytest.mark.parametrize("text, message", [
    ("rankings:\n  - id: r\n    label: {en: a, nl: b}\n    subject: site:x\n    kind: largest\n"
     "    scope: netherlands\n    position: 0\n    source: nhfl-2025-en:366\n", "position is 1 or more"),
    ("flows:\n  - id: f\n    label: {en: a, nl: b}\n    kind: reuse-export\n    source: nhfl-2025-en:366\n",
     "needs from or to"),
    ("forecasts:\n  - id: f\n    label: {en: a, nl: b}\n    variable: demand\n    direction: increase\n"
     "    horizon_from: 2050\n    horizon_to: 2035\n    source: nhfl-2025-en:137\n", "after horizon_to"),
    ("horizons:\n  - subject: opportunity:1\n    source: nhfl-2025-en:653\n", "needs horizon_from or horizon_to"),
    ("horizons:\n  - subject: figure:x\n    horizon_to: 2030\n    source: nhfl-2025-en:653\n",
     "opportunity or a recommendation"),
    ("dates:\n  - policy: x\n    presented: December 2022\n    source: nhfl-2025-en:269\n", "YYYY"),
    ("roles:\n  - notation: '1'\n    source: nhfl-2025-en:760\n", "needs lead or partners"),
])
def test_loader_errors_name_file_and_line(documents, tmp_path, text, message):
    with pytest.raises(InputError, match=message) as info:
        load_report(write(tmp_path, text), "nhfl-2025", documents)
    assert "sites.yaml:" in str(info.value)


@pytest.mark.parametrize("text, message", [
    ("sites:\n  - id: s\n    label: {en: a, nl: b}\n    kind: volcano\n    place: zeewolde\n"
     "    source: nhfl-2025-en:366\n", "no concept 'volcano'"),
    ("sites:\n  - id: s\n    label: {en: a, nl: b}\n    kind: solar-park\n    place: atlantis\n"
     "    source: nhfl-2025-en:366\n", "unknown place 'atlantis'"),
    ("rankings:\n  - id: r\n    label: {en: a, nl: b}\n    subject: place:india\n    kind: nth-largest\n"
     "    scope: world\n    source: nhfl-2025-en:233\n", "gives a position"),
    ("flows:\n  - id: f\n    label: {en: a, nl: b}\n    kind: reuse-export\n    to: [material:copper]\n"
     "    source: nhfl-2025-en:366\n", "between places or sites"),
    ("forecasts:\n  - id: f\n    label: {en: a, nl: b}\n    variable: demand\n    direction: sideways\n"
     "    source: nhfl-2025-en:137\n", "no concept 'sideways'"),
])
def test_unknown_references_fail_the_build(settings, documents, tmp_path, text, message):
    facts = load_report(write(tmp_path, text), "nhfl-2025", documents)
    with pytest.raises(InputError, match=message):
        emit_facts(settings, documents, facts)


# -- the real graph, through the saved queries -------------------------------------------------

@pytest.fixture(scope="module")
def ask(settings, store):
    library, choices = QueryLibrary(settings.queries_dir), Choices(store)

    def run(name: str, **params):
        query = library.get(name)
        bindings = query.bind({k: str(v) for k, v in params.items()})
        choices.check(query, bindings)
        return store.query(query.text, bindings).rows
    return run


def tail(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_sites_in_a_province(ask):
    """nhfl-2025-en 366 (Zeewolde, the largest onshore wind park in the Netherlands), 424 (parks being
    built at Espel, Rutten, Zwanenburg), 458 (a hyperscale data centre at Middenmeer)."""
    flevoland = {tail(r["site"]): r for r in ask("sites-in-place", place="flevoland")}
    assert set(flevoland) == {"windpark-zeewolde", "solar-park-espel", "solar-park-rutten"}
    zeewolde = flevoland["windpark-zeewolde"]
    assert (str(zeewolde["kindLabel"]), str(zeewolde["statusLabel"])) == ("onshore wind park", "being repowered")
    assert "largest onshore wind park in the Netherlands" in str(zeewolde["rankings"])
    assert set(str(zeewolde["sources"]).split()) == {"nhfl-2025-en:366", "nhfl-2025-nl:1182-1192"}
    nh = {tail(r["site"]): r for r in ask("sites-in-place", place="noord-holland", lang="nl")}
    assert {"hyperscale-data-centre-middenmeer", "solar-park-zwanenburg", "tata-steel-ijmuiden-works"} <= set(nh)
    assert str(nh["hyperscale-data-centre-middenmeer"]["kindLabel"]) == "hyperscale-datacenter"
    assert ask("sites-in-place", place="zuid-holland") == []          # zh-2024 names no single site


def test_flows_out_of_the_region(ask):
    """nhfl-2025-en 366: old Zeewolde turbines go to Ireland and Poland, possibly Georgia."""
    flows = {tail(r["flow"]): r for r in ask("flows-from-place", place="flevoland")}
    assert set(flows) == {"zeewolde-turbines-to-ireland-and-poland", "zeewolde-turbines-to-georgia"}
    sure = flows["zeewolde-turbines-to-ireland-and-poland"]
    assert set(str(sure["destinations"]).split(", ")) == {"Ireland", "Poland"}
    assert (str(sure["likelihoodLabel"]), int(sure["horizonFrom"])) == ("stated", 2026)
    assert str(flows["zeewolde-turbines-to-georgia"]["likelihoodLabel"]) == "possible"
    # nhfl-2025-en 261 and zh-2024-nl 422-430: the EU's ties to other regions, in both reports
    eu = {tail(r["flow"]): r for r in ask("flows-from-place", place="european-union")}
    mou = eu["eu-mous-with-africa-and-latin-america"]
    assert str(mou["kindLabel"]) == "memorandum of understanding"
    assert set(str(mou["destinations"]).split(", ")) == {"Africa", "Latin America"}
    china = {tail(r["flow"]): tail(r["report"]) for r in ask("flows-from-place", place="china")}
    assert china == {"eu-imports-from-china": "zh-2024", "clean-tech-capacity-in-china": "zh-2024",
                     "eu-solar-panels-from-china": "nhfl-2025"}


def test_forecasts_by_material_and_horizon(ask):
    """nhfl-2025-en 137: copper and nickel likely short by 2035, REE and cobalt not expected to be;
    480: copper and aluminium demand up by 2050 (with its figures); zh-2024-nl 363-367: world demand
    up over the next 10-15 years."""
    copper = {tail(r["forecast"]): r for r in ask("forecasts")}                # default: copper
    assert set(copper) == {"copper-nickel-deficit-2035", "copper-aluminium-demand-rise-2050"}
    deficit = copper["copper-nickel-deficit-2035"]
    assert (str(deficit["directionLabel"]), int(deficit["horizonTo"]), str(deficit["scope"])) == \
        ("deficit", 2035, "World")
    assert set(str(deficit["sources"]).split()) == {"nhfl-2025-en:137", "nhfl-2025-nl:397-401"}
    cobalt = ask("forecasts", subject="material/cobalt", lang="nl")
    assert [(tail(r["forecast"]), str(r["directionLabel"])) for r in cobalt] == \
        [("ree-cobalt-no-shortage", "geen tekort verwacht")]
    every = ask("forecasts", subject="")                  # one row per forecast and thing it is about
    assert {(tail(r["forecast"]), tail(r["subject"])) for r in every} >= {
        ("copper-nickel-deficit-2035", "nickel"), ("cbam-extended-towards-2030", "carbon-border-adjustment-mechanism"),
        ("clean-tech-end-of-life-10-15-years", "electric-vehicle")}
    assert {tail(r["report"]) for r in every} == {"nhfl-2025", "zh-2024"}
    end_of_life = next(r for r in every if tail(r["forecast"]) == "clean-tech-end-of-life-10-15-years")
    assert (int(end_of_life["horizonFrom"]), int(end_of_life["horizonTo"])) == (2034, 2039)
    solar = {tail(r["forecast"]) for r in ask("forecasts", subject="product/solar-panel")}
    assert solar == {"solar-pv-fastest-growing-eu", "discarded-solar-panels-rise-2035-2045",
                     "clean-tech-end-of-life-10-15-years"}
    assert {tail(r["forecast"]) for r in ask("forecasts", subject="product/solar-panel", until=2030)} == \
        {"solar-pv-fastest-growing-eu"}                   # the other two start in 2035 and 2034
    early = {tail(r["forecast"]) for r in ask("forecasts", subject="", until=2030)}
    assert "discarded-solar-panels-rise-2035-2045" not in early and "copper-nickel-deficit-2035" in early


def test_rankings_keep_their_scope(store):
    """zh-2024-nl 658-664: Rotterdam is Europe's largest port; nhfl-2025-en 601: Amsterdam its fourth."""
    rows = store.query(PREFIX + """
        SELECT ?item ?kind ?position ?scope WHERE {
          ?r a crm:Ranking ; crm:ranks ?item ; crm:rankingKind ?kind ; crm:rankingScope ?scope
          OPTIONAL { ?r crm:rankingPosition ?position }
          FILTER(?scope = <https://w3id.org/crm-kg/id/place/europe>) }""").rows
    ports = {tail(r["item"]): (tail(r["kind"]), r["position"] and int(r["position"])) for r in rows}
    assert ports["port-of-rotterdam-area"] == ("largest", None)
    assert ports["port-of-amsterdam-area"] == ("nth-largest", 4)


def test_policy_dates_keep_the_month(store):
    """zh-2024-nl 145: the national raw-materials strategy was presented in December 2022."""
    rows = store.query(PREFIX + f"""SELECT ?d WHERE {{
        <{ID}policy/nationale-grondstoffenstrategie> crm:presentedOn ?d }}""").rows
    assert [(str(r["d"]), str(r["d"].datatype)) for r in rows] == [("2022-12", str(XSD.gYearMonth))]


def test_lead_and_partner_are_different_statements(store):
    """zh-2024-nl 1455-1467 (3.1): the province leads within the IPO, Noord-Holland and Overijssel are
    partners; 1469-1493 (3.2): the economy ministry holds the main responsibility."""
    def parties(notation, prop):
        return {tail(r["o"]) for r in store.query(PREFIX + f"""SELECT ?o WHERE {{
            <{ID}recommendation/zh-2024/{notation}> crm:{prop} ?o }}""").rows}
    assert parties("3.1", "leadParty") == {"provincie-zuid-holland"}
    assert parties("3.1", "partnerParty") == {"ipo", "provincie-noord-holland", "provincie-overijssel"}
    assert parties("3.2", "leadParty") == {"ministerie-van-economische-zaken-en-klimaat"}
    assert not parties("3.2", "leadParty") & parties("3.2", "partnerParty")
    assert {"provincie-zuid-holland"} == parties("1", "leadParty") == parties("4", "leadParty")


def test_opportunity_horizon_beyond_the_time_frames(store):
    """zh-2024-nl 973-977: processing and recycling (opportunity 2) pay off from 2035."""
    rows = store.query(PREFIX + f"""SELECT ?y ?a ?b WHERE {{
        <{ID}opportunity/zh-2024/2> crm:horizonFromYear ?y ; prov:wasDerivedFrom ?p .
        ?p crm:startLine ?a ; crm:endLine ?b }}""").rows
    assert {int(r["y"]) for r in rows} == {2035} and (973, 977) in {(int(r["a"]), int(r["b"])) for r in rows}


def test_every_new_claim_cites_its_passages_in_every_edition(store):
    """One node per claim: each NHFL site, ranking, flow and forecast cites the English and the Dutch
    passage; every one in both reports cites at least one."""
    rows = store.query(PREFIX + """
        SELECT ?x (GROUP_CONCAT(DISTINCT STR(?e); SEPARATOR=" ") AS ?editions) WHERE {
          VALUES ?class { crm:Site crm:Ranking crm:Flow crm:Forecast }
          ?x a ?class . OPTIONAL { ?x prov:wasDerivedFrom/crm:inEdition ?e } } GROUP BY ?x""").rows
    assert len(rows) == 6 + 17 + 11 + 11
    for r in rows:
        editions = {tail(e) for e in str(r["editions"]).split()}
        assert editions, f"{r['x']} cites no passage"
        if "/zh-2024/" not in str(r["x"]):
            assert editions == {"nhfl-2025-en", "nhfl-2025-nl"}, r["x"]
