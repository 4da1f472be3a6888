"""The Zuid-Holland report in the built graph, answered by the saved queries.

Expected values are what the report says (read by hand), not copied from the
graph: the province leads recommendations 1-4, recommendation 6 has five
sub-recommendations, the challenges table has 2/1/1/4/4 rows per category,
China's gallium licences were announced in July 2023 and required from August,
Figure 4 lists 35 collectors and pre-treaters, and so on.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from crm_kg.pipeline.sources import read_sources
from crm_kg.sparql.library import QueryLibrary

ID = "https://w3id.org/crm-kg/id/"
PREFIX = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@pytest.fixture(scope="module")
def ask(store, settings):
    library = QueryLibrary(settings.queries_dir)

    def run(name: str, **params):
        query = library.get(name)
        return store.query(query.text, query.bind({k: str(v) for k, v in params.items()})).rows

    return run


def tail(term) -> str:
    return str(term).rsplit("/", 1)[-1]


# -- recommendations -----------------------------------------------------------------------

def test_recommendations_the_province_leads(ask):
    rows = ask("recommendations-by-province-role", role="leading")
    assert [str(r["notation"]) for r in rows] == ["1", "1.1", "1.2", "2", "2.1", "2.2", "3", "3.1", "3.2",
                                                  "3.3", "4"]
    parents = {str(r["notation"]): str(r["parentNotation"]) for r in rows if r.get("parentNotation")}
    assert parents == {"1.1": "1", "1.2": "1", "2.1": "2", "2.2": "2", "3.1": "3", "3.2": "3", "3.3": "3"}


def test_recommendations_the_province_supports_in_dutch(ask):
    rows = ask("recommendations-by-province-role", role="supporting", lang="nl")
    assert [str(r["notation"]) for r in rows] == ["5", "5.1", "5.2", "6", "6.1", "6.2", "6.3", "6.4", "6.5",
                                                  "7", "8", "9"]
    assert all(r["title"].language == "nl" for r in rows)
    assert {str(r["title"]) for r in rows if str(r["notation"]) == "6.2"} == {"Productpaspoorten ondersteunen"}


def test_sub_recommendations_of_6_with_instruments(ask):
    rows = {str(r["notation"]): r for r in ask("sub-recommendations", parent="6")}
    assert list(rows) == ["6.1", "6.2", "6.3", "6.4", "6.5"]
    assert str(rows["6.3"]["instruments"]) == "Carbon Border Adjustment Mechanism"
    assert str(rows["6.4"]["instruments"]) == "Corporate Sustainability Due Diligence Directive"
    assert str(rows["6.2"]["instruments"]) == "Product passports"
    assert set(str(rows["6.5"]["parties"]).split("; ")) == {"Rijksoverheid", "Politie"}


def test_sub_recommendations_of_1_and_3_name_their_parties(ask):
    one = {str(r["notation"]): r for r in ask("sub-recommendations", parent="1")}
    assert list(one) == ["1.1", "1.2"]
    assert set(str(one["1.1"]["parties"]).split("; ")) == {"Havenbedrijf Rotterdam", "Gemeente Rotterdam"}
    three = {str(r["notation"]): r for r in ask("sub-recommendations", parent="3")}
    assert list(three) == ["3.1", "3.2", "3.3"]
    assert set(str(three["3.2"]["parties"]).split("; ")) == {
        "Ministerie van Infrastructuur en Waterstaat", "Ministerie van Economische Zaken en Klimaat",
        "Ministerie van Buitenlandse Zaken", "Rijksoverheid"}
    assert "Interprovinciaal Overleg" in str(three["3.1"]["parties"]) or "IPO" in str(three["3.1"]["parties"])
    assert ask("sub-recommendations", parent="4") == []


def test_recommendation_links(store):
    def objects(notation, prop):
        rows = store.query(PREFIX + f"""SELECT ?o WHERE {{
            <{ID}recommendation/zh-2024/{notation}> crm:{prop} ?o }}""").rows
        return {tail(r["o"]) for r in rows}

    assert objects("1.1", "subRecommendationOf") == {"1"}
    assert objects("6", "hasSubRecommendation") == {"6.1", "6.2", "6.3", "6.4", "6.5"}   # inferred inverse
    # 5.1's lead (the province, crm:leadParty) is a party too: crm:involvesParty is the super-property
    assert objects("5.1", "involvesParty") == {"innovationquarter", "tno", "universiteit-leiden", "tu-delft",
                                               "provincie-zuid-holland"}
    assert objects("5.1", "leadParty") == {"provincie-zuid-holland"}
    assert objects("8", "involvesParty") == {"nwo", "european-union"}
    assert objects("1.2", "usesInstrument") == {"groeifondsvoorstel-circulaire-kritieke-grondstoffen",
                                                "nationaal-groeifonds"}
    assert objects("5.2", "usesInstrument") == {"public-procurement"}
    assert objects("6", "responsibleActorType") == {"provinces", "national-government", "eu", "industry"}
    assert objects("6", "addressesChallenge") == {"6"}
    # the report links no recommendation to an opportunity: none is invented
    served = store.query(PREFIX + f"""ASK {{ ?r crm:inReport <{ID}report/zh-2024> ; crm:servesOpportunity ?o }}""")
    assert served.boolean is False


def test_every_zh_item_cites_a_passage_that_starts_with_it(store, settings):
    """Each recommendation and opportunity cites the passage that states it (besides curated ones)."""
    rows = store.query(PREFIX + f"""
        SELECT ?x ?notation ?start WHERE {{
          VALUES ?type {{ crm:Recommendation crm:Opportunity }}
          ?x a ?type ; crm:inReport <{ID}report/zh-2024> ; crm:notation ?notation ; prov:wasDerivedFrom ?p .
          ?p crm:startLine ?start ; crm:inEdition/crm:sha256 ?sha .
        }}""").rows
    doc = read_sources(settings.sources, only=["zh-2024-nl"])["zh-2024-nl"]
    stated: dict[str, int] = Counter()
    for row in rows:
        notation, first = str(row["notation"]), doc.line(int(row["start"]))
        stated[str(row["x"])] += first.lstrip().startswith(notation + " ") or first.lstrip().startswith(notation + ".") \
            or f"({notation})" in first
    assert len(stated) == 23 + 4
    assert all(n >= 1 for n in stated.values()), [k for k, n in stated.items() if n < 1]
    recs = {k: n for k, n in stated.items() if "/recommendation/" in k}
    assert sum(recs.values()) == 23 + 9                 # section 6 plus the summary's list 1-9
    opps = {k: n for k, n in stated.items() if "/opportunity/" in k}
    assert min(opps.values()) >= 3                      # paragraph, summary list, section 4 list


# -- challenges ------------------------------------------------------------------------------

@pytest.mark.parametrize("category, expected", [
    ("social", 2), ("environmental", 1), ("ethical", 1), ("economic", 4), ("political", 4)])
def test_challenges_by_category(ask, category, expected):
    rows = ask("challenges-by-category", category=category)
    assert len(rows) == expected
    assert all(int(r["startLine"]) >= 1091 and int(r["endLine"]) <= 1320 for r in rows)


def test_challenges_have_titles_and_responses(ask):
    rows = {tail(r["challenge"]): r for r in ask("challenges-by-category", category="political", lang="nl")}
    assert str(rows["11"]["title"]) == "Omslachtige vergunningverlening"
    assert str(rows["11"]["addressedBy"]) == "2.1"
    assert set(str(rows["9"]["addressedBy"]).split(", ")) == {"1", "1.1"}
    economic = {tail(r["challenge"]): r for r in ask("challenges-by-category", category="economic")}
    assert (int(economic["6"]["startLine"]), int(economic["6"]["endLine"])) == (1211, 1217)


# -- trade measures (Figure 2) -----------------------------------------------------------------

def test_trade_measures_on_gallium(ask):
    rows = ask("trade-measures-by-material", material="gallium")
    # Figure 2's 2023 licences, and the 2025 controls the Noord-Holland report describes
    assert [tail(r["event"]) for r in rows] == ["china-gallium-germanium-licences-2023",
                                                 "china-export-controls-crm-2025"]
    assert tail(rows[1]["report"]) == "nhfl-2025"
    row = rows[0]
    assert tail(row["event"]) == "china-gallium-germanium-licences-2023"
    assert (str(row["announced"]), str(row["effective"])) == ("2023-07-01", "2023-08-01")
    assert tail(row["actor"]) == "china" and tail(row["measure"]) == "export-licensing"
    assert tail(row["report"]) == "zh-2024"


def test_trade_measures_on_graphite_and_rare_earths(ask):
    natural = ask("trade-measures-by-material", material="natural-graphite")
    assert [(str(r["announced"]), str(r["effective"])) for r in natural] == [("2023-10-01", "2023-12-01")]
    ree = ask("trade-measures-by-material", material="rare-earth-elements")
    assert [tail(r["measure"]) for r in ree] == ["reporting-requirement", "export-restriction"]
    assert ask("trade-measures-by-material", material="gallium", **{"from": 2024, "to": 2024}) == []


def test_timeline_2022_to_2024(ask):
    rows = ask("trade-measures-timeline", **{"from": 2022, "to": 2024})
    assert len(rows) == 10
    assert [str(r["announced"]) for r in rows] == sorted(str(r["announced"]) for r in rows)
    by = {tail(r["event"]): r for r in rows}
    assert Decimal(str(by["us-chips-and-science-act-2022"]["amount"])) == Decimal(52000000000)
    assert Decimal(str(by["china-industry-subsidy-package-2022"]["amount"])) == Decimal(143000000000)
    assert str(by["china-industry-subsidy-package-2022"]["currency"]) == "USD"
    assert set(str(by["us-nl-japan-lithography-agreement-2023"]["actors"]).split(", ")) == {
        "United States", "Netherlands", "Japan"}
    assert str(by["nl-asml-export-restrictions-2023"]["effective"]) == "2023-09-01"
    assert str(by["nl-asml-licence-revocation-2024"]["targets"]) == "China"
    only_2023 = ask("trade-measures-timeline", **{"from": 2023, "to": 2023})
    assert len(only_2023) == 5          # January, June, July, October, November


# -- organisations (Figure 4 and the text) -------------------------------------------------------

def test_figure4_counts_per_activity(store):
    """Organisations listed in figure text of zh-2024, per activity: the counts of Figure 4."""
    rows = store.query(PREFIX + f"""
        SELECT ?activity (COUNT(DISTINCT ?org) AS ?n) WHERE {{
          GRAPH <https://w3id.org/crm-kg/graph/zh-2024> {{ ?org crm:activity ?activity ; prov:wasDerivedFrom ?p }}
          ?p crm:passageKind <{ID}passage-kind/figure-text> ; crm:startLine ?start .
          FILTER(?start >= 703 && ?start <= 791)
        }} GROUP BY ?activity""").rows
    assert {tail(r["activity"]): int(r["n"]) for r in rows} == {
        "manufacturing": 13, "refining": 2, "recycling-collection": 35, "research-and-development": 15,
        "services-and-trade": 21, "black-mass-production": 1, "metal-recovery": 1}


def test_organisation_counts_query(ask):
    counts = {tail(r["activity"]): int(r["organisations"]) for r in ask("organisation-counts-by-activity")}
    # Figure 4 plus the text: ASML makes lithography machines, Leiden and Delft do research
    assert counts == {"manufacturing": 14, "refining": 2, "recycling-collection": 35,
                      "research-and-development": 17, "services-and-trade": 21, "black-mass-production": 1,
                      "metal-recovery": 1}


def test_organisations_by_activity_follow_the_hierarchy(ask):
    refining = ask("organisations-by-activity", activity="refining", report="zh-2024")
    assert sorted(str(r["name"]) for r in refining) == ["Climax Molybdenum", "Sibelco"]
    recycling = ask("organisations-by-activity", activity="recycling", report="zh-2024")
    assert len({r["organisation"] for r in recycling}) == 36          # 35 collectors + TES
    tes = {tail(r["listedAs"]) for r in recycling if tail(r["organisation"]) == "tes"}
    assert tes == {"black-mass-production", "metal-recovery"}
    delft = {tail(r["organisation"]): tail(r["place"]) for r in
             ask("organisations-by-activity", activity="research-and-development",
                                                                 report="zh-2024")}
    assert delft["asml-delft"] == "delft" and delft["ihe-delft"] == "delft"


def test_organisations_both_reports_name(ask):
    rows = ask("organisations-in-both-reports")
    shared = {tail(r["organisation"]) for r in rows}
    # the author of both reports, and a province named in both (commissioner / party)
    assert {"hcss", "provincie-noord-holland"} <= shared
    hcss = next(r for r in rows if tail(r["organisation"]) == "hcss")
    assert str(hcss["activitiesInB"]) == "research-and-development"


def test_shared_organisations_are_one_iri(store):
    """Names the NHFL report prints for organisations of zh-2024 resolve to the IRIs zh-2024 uses."""
    from crm_kg.config import load_settings
    from crm_kg.pipeline.rdf.reference import Reference

    settings = load_settings()
    orgs = Reference.load(settings.data_dir / "reference").organisations
    nhfl = read_sources(settings.sources, only=["nhfl-2025-en"])["nhfl-2025-en"]
    text = "\n".join(nhfl.lines)
    for printed, slug in [("TES", "tes"), ("Stichting OPEN", "stichting-open"), ("TNO", "tno"),
                          ("HCSS", "hcss"), ("EMR", "emr")]:
        assert printed in text, printed                     # the NHFL report prints the name
        assert orgs.resolve(printed).slug == slug
        used = store.query(PREFIX + f"""ASK {{ GRAPH <https://w3id.org/crm-kg/graph/zh-2024> {{
            <{ID}organisation/{slug}> prov:wasDerivedFrom ?p }} }}""")
        assert used.boolean, slug                           # and zh-2024 uses that same IRI


# -- the CRM list, Figure 1, targets, narrative facts -------------------------------------------------

def test_crm_list_entries_are_the_listed_materials(store):
    rows = store.query(PREFIX + f"""
        SELECT DISTINCT ?m WHERE {{
          ?m a crm:Material ; prov:wasDerivedFrom ?p .
          ?p crm:inEdition <{ID}edition/zh-2024-nl> ; crm:startLine ?s . FILTER(?s >= 327 && ?s <= 349)
        }}""").rows
    materials = {tail(r["m"]) for r in rows}
    on_list = {tail(r["m"]) for r in store.query(PREFIX + f"""
        SELECT ?m WHERE {{ ?m crm:onList <{ID}list/eu-crm-2023> }}""").rows}
    assert len(materials) == 34 and materials == on_list
    labels = store.query(PREFIX + f"""SELECT ?l WHERE {{ <{ID}material/tungsten> rdfs:label ?l }}""").rows
    assert {(str(r["l"]), r["l"].language) for r in labels} == {("Tungsten", "en"), ("Wolfraam", "nl")}


def test_figure1_mentions(store):
    rows = store.query(PREFIX + f"""
        SELECT ?sector (COUNT(DISTINCT ?x) AS ?n) WHERE {{
          GRAPH <https://w3id.org/crm-kg/graph/zh-2024> {{ ?p crm:mentions ?x }}
          ?p crm:passageKind <{ID}passage-kind/figure-text> .
          ?x a crm:Product ; crm:inSector ?sector .
        }} GROUP BY ?sector""").rows
    counts = {tail(r["sector"]): int(r["n"]) for r in rows}
    assert counts["medical"] == 11 and counts["defence"] == 11
    assert counts["renewable-energy"] == 5      # wind, solar, EV, storage, and batteries (also digital)
    assert counts["digital"] == 7
    germanium = store.query(PREFIX + f"""ASK {{ <{ID}passage/zh-2024-nl/390> crm:mentions <{ID}material/germanium> }}""")
    assert germanium.boolean


def test_processing_benchmarks_disagree(ask):
    rows = {tail(r["target"]): r for r in ask("policy-targets-by-report", policy="critical-raw-materials-act")}
    zh, nhfl = rows["crma-2030-processing-zh"], rows["crma-2030-processing-nhfl"]
    assert (Decimal(str(zh["value"])), Decimal(str(nhfl["value"]))) == (Decimal(40), Decimal(45))
    assert int(zh["targetYear"]) == 2030 and (int(zh["startLine"]), int(zh["endLine"])) == (171, 175)
    # one claim per report: the nhfl-2025 target is one node citing both editions
    assert {tail(t) for t in str(zh["disagreesWith"]).split()} == {"crma-2030-processing-nhfl"}
    assert tail(str(nhfl["disagreesWith"])) == "crma-2030-processing-zh"      # symmetric, inferred
    assert not rows["crma-2030-recycling-zh"]["disagreesWith"]          # 25% in both reports


def test_a_fund_is_not_typed_as_a_research_project(store):
    """zh-2024-nl 1384 names the Nationaal Groeifonds: a national government fund, not a project."""
    types = {str(r["t"]) for r in store.query(PREFIX + f"SELECT ?t WHERE {{ <{ID}organisation/nationaal-groeifonds> a ?t }}").rows}
    assert "https://w3id.org/crm-kg/ontology#GovernmentBody" in types
    assert "https://w3id.org/crm-kg/ontology#ResearchProject" not in types


def test_province_targets(store):
    rows = store.query(PREFIX + f"""
        SELECT ?t ?v ?y ?metric WHERE {{
          ?t crm:setBy <{ID}policy/omgevingsvisie-zuid-holland> ; crm:value ?v ; crm:targetYear ?y ;
             crm:metric ?metric }}""").rows
    assert {(tail(r["metric"]), int(Decimal(str(r["v"]))), int(r["y"])) for r in rows} == {
        ("primary-material-reduction", 50, 2030), ("circularity", 100, 2050)}


def test_capabilities_of_the_opportunities(store):
    def builds_on(n):
        return {tail(r["c"]) for r in store.query(PREFIX + f"""
            SELECT ?c WHERE {{ <{ID}opportunity/zh-2024/{n}> crm:buildsOn ?c }}""").rows}

    assert builds_on(1) == {"rotterdam-metal-trade-hub", "ara-trade-cluster"}
    assert "arrra-chemical-cluster" in builds_on(2) and "dutch-scrap-pretreatment" in builds_on(2)
    assert builds_on(4) >= {"leiden-delft-universities", "innovationquarter", "nationaal-groeifonds"}
    places = {tail(r["p"]) for r in store.query(PREFIX + f"""
        SELECT ?p WHERE {{ <{ID}capability/zh-2024/ara-trade-cluster> crm:forRegion ?p }}""").rows}
    assert places == {"ara"}
    abroad = store.query(PREFIX + f"""
        SELECT ?s ?e WHERE {{ <{ID}capability/zh-2024/main-recycling-treatment-abroad> prov:wasDerivedFrom ?p .
                              ?p crm:startLine ?s ; crm:endLine ?e }}""").rows
    assert {(int(r["s"]), int(r["e"])) for r in abroad} == {(644, 650), (888, 894)}
    scrap = {tail(r["m"]) for r in store.query(PREFIX + f"""
        SELECT ?m WHERE {{ <{ID}capability/zh-2024/dutch-scrap-pretreatment> crm:concernsMaterial ?m }}""").rows}
    assert {"scrap", "iron", "aluminium"} <= scrap


def test_products_contain_materials(store):
    def contains(product):
        return {tail(r["m"]) for r in store.query(PREFIX + f"""
            SELECT ?m WHERE {{ GRAPH <https://w3id.org/crm-kg/graph/zh-2024> {{
              <{ID}product/{product}> crm:containsMaterial ?m }} }}""").rows}

    assert contains("mobile-phone") == {"gallium", "germanium"}
    assert contains("electric-vehicle") == {"lithium", "cobalt", "graphite"}
    assert contains("cable") == {"copper", "aluminium"}
    assert contains("mri-scanner") == {"rare-earth-elements"}


def test_china_investment_figure(store):
    rows = store.query(PREFIX + f"""
        SELECT ?v ?q ?u WHERE {{ <{ID}figure/zh-2024/china-raw-materials-investment-h1-2023>
            crm:value ?v ; crm:qualifier ?q ; crm:unit ?u }}""").rows
    assert [(Decimal(str(r["v"])), tail(r["q"]), tail(r["u"])) for r in rows] == [
        (Decimal(10000000000), "more-than", "usd")]


def test_saved_query_over_http(client):
    r = client.get("/api/queries/recommendations-by-province-role?role=supporting&lang=nl",
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    notations = [b["notation"]["value"] for b in r.get_json()["results"]["bindings"]]
    assert notations[:3] == ["5", "5.1", "5.2"] and notations[-1] == "9"
    bad = client.get("/api/queries/challenges-by-category?category=<x>")
    assert bad.status_code == 400 and "category" in bad.get_data(as_text=True)
