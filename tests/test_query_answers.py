"""The competency questions of the library answered on the real graph.

Each saved query runs with its parameters bound as RDF terms on the session
build; the expected values were read from the reports by hand (line numbers
of the English edition nhfl-2025-en, the Dutch nhfl-2025-nl and zh-2024-nl
are given where they help a reviewer), not copied from the graph. The older
queries are checked in test_nhfl_queries.py, test_zh_graph.py and
test_reference.py; test_every_query_has_a_test_of_its_answer keeps it so.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from crm_kg.sparql.library import Choices, ParamError, QueryLibrary


@pytest.fixture(scope="module")
def library(settings):
    return QueryLibrary(settings.queries_dir)


@pytest.fixture(scope="module")
def ask(library, store):
    choices = Choices(store)

    def run(name: str, **params):
        query = library.get(name)
        bindings = query.bind({k: str(v) for k, v in params.items()})
        choices.check(query, bindings)
        return store.query(query.text, bindings).rows

    return run


def tail(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_every_query_has_a_test_of_its_answer(library):
    """Every saved query is run by name in a test that checks values."""
    here = Path(__file__).parent
    texts = "".join((here / f).read_text(encoding="utf-8") for f in (
        "test_query_answers.py", "test_nhfl_queries.py", "test_zh_graph.py", "test_reference.py",
        "test_sites_graph.py", "test_statement_sources.py"))
    untested = [q.name for q in library if f'"{q.name}"' not in texts]
    assert not untested, untested
    assert len(library) >= 25


# -- materials ----------------------------------------------------------------------------

def test_what_contains_neodymium(ask):
    """nhfl-2025-en 398: the generator's permanent magnet contains REE; zh-2024-nl 159: MRI
    scanners need rare earths. Neodymium is a (light) rare earth element."""
    rows = ask("products-containing-material")                      # default: neodymium
    found = {(tail(r["container"]), tail(r["part"]), tail(r["named"])) for r in rows}
    assert ("permanent-magnet", "permanent-magnet", "rare-earth-elements") in found
    assert ("mri-scanner", "mri-scanner", "rare-earth-elements") in found
    assert ("wind-turbine", "permanent-magnet", "rare-earth-elements") in found   # through its parts
    assert {c for c, _, _ in found} == {"permanent-magnet", "mri-scanner", "wind-turbine", "generator",
                                         "car", "electric-vehicle"}
    # asking for the group also finds what contains its members (Figure 5: yttrium in automotive goods)
    group = {(tail(r["container"]), tail(r["named"])) for r in ask("products-containing-material",
                                                                   material="rare-earth-elements")}
    assert ("products-of-the-automotive-industry", "yttrium") in group
    copper = {tail(r["container"]) for r in ask("products-containing-material", material="copper", lang="nl")}
    assert {"cable", "grid-component", "data-centre", "solar-panel"} <= copper


def test_supply_concentrated_in_one_country(ask):
    """nhfl-2025-en 223: China up to 100% of heavy rare earths, 86% tungsten, 79% phosphorus, 56%
    lithium; 398: more than 90% of niobium mined and processed in Brazil, 91% of REE refining and
    almost all magnet production in China."""
    at_90 = ask("supply-concentration", minimum=90)
    assert {(tail(r["material"]), tail(r["country"]), int(r["share"])) for r in at_90} == {
        ("heavy-rare-earth-elements", "china", 100), ("permanent-magnet", "china", 100),
        ("rare-earth-elements", "china", 91), ("niobium", "brazil", 90)}
    assert len(at_90) == 5                                           # niobium: mining and processing
    brazil = ask("supply-concentration", country="brazil", minimum=0)
    assert {str(r["stageLabel"]) for r in brazil} == {"extraction (mining)", "processing"}
    assert {str(r["qualifierLabel"]) for r in brazil} == {"more than"}
    tungsten = ask("supply-concentration", material="material/tungsten")
    assert [(int(r["share"]), sorted(str(r["sources"]).split())) for r in tungsten] == \
        [(86, ["nhfl-2025-en:223", "nhfl-2025-nl:688-690"])]      # concatenated in the engine's order
    assert ask("supply-concentration", material="material/lithium", minimum="56.5") == []
    with pytest.raises(ParamError, match="material"):
        ask("supply-concentration", material="material/gallium")   # no supply figure about gallium
    with pytest.raises(ParamError, match="above the maximum"):
        ask("supply-concentration", minimum=101)


def test_who_works_on_rare_earths(ask):
    """nhfl-2025-en 400: CARESTER in the South of France; 537: Chemreclaim refines scandium,
    palladium and platinum; footnote 120: Solvay's partnership with Carester."""
    rows = ask("organisations-working-on-material")                 # default: rare earth elements
    assert {(tail(r["organisation"]), tail(r["worksOn"])) for r in rows} == {
        ("carester", "rare-earth-elements"), ("solvay", "rare-earth-elements"), ("chemreclaim", "scandium")}
    carester = next(r for r in rows if tail(r["organisation"]) == "carester")
    assert str(carester["place"]) == "South of France" and tail(carester["report"]) == "nhfl-2025"
    # the most specific place: the science park, not Amsterdam, Noord-Holland or the Netherlands
    # it lies in (inferred graph), nor any other place stated for it
    assert {str(r["place"]) for r in rows if tail(r["organisation"]) == "chemreclaim"} == {"Amsterdam Science Park"}
    pgm = ask("organisations-working-on-material", material="platinum-group-metals", lang="nl")
    assert {tail(r["worksOn"]) for r in pgm} == {"palladium", "platinum"}
    assert {str(r["name"]) for r in pgm} == {"Chemreclaim"}


# -- products and goods categories ----------------------------------------------------------

def test_products_of_a_sector(ask):
    """zh-2024-nl 155: smartphones need gallium and germanium; Figure 1 lists eleven medical products."""
    digital = {tail(r["product"]): r for r in ask("products-in-sector")}   # default: digital
    assert set(str(digital["mobile-phone"]["materials"]).split(", ")) == {"Gallium", "Germanium"}
    assert {"lithography-machine", "semiconductor", "laptop"} <= set(digital)
    medical = ask("products-in-sector", sector="medical", lang="nl")
    assert len(medical) == 11
    mri = next(r for r in medical if tail(r["product"]) == "mri-scanner")
    assert str(mri["materials"]) == "Zeldzame aardmetalen" and str(mri["productLabel"]) == "MRI-scanner"


def test_goods_category_shares(ask):
    """nhfl-2025-en 342-346 (Table 3): automotive 37.5% / 38.5%, machinery 15.5 / 17.5, basic
    chemicals 9 / 8, electrical 8 / 7, then non-ferrous metals 7 (Noord-Holland) and glass 6.5
    (Flevoland)."""
    rows = ask("goods-category-shares")
    table = {(tail(r["province"]), int(r["rank"])): (tail(r["category"]), Decimal(str(r["share"]))) for r in rows}
    assert table[("noord-holland", 1)] == ("products-of-the-automotive-industry", Decimal("37.5"))
    assert table[("flevoland", 2)] == ("other-machinery-and-machine-tools", Decimal("17.5"))
    assert table[("noord-holland", 5)] == ("non-ferrous-metals-and-products-thereof", Decimal(7))
    assert table[("flevoland", 5)] == ("glass-and-glassware-ceramic-products", Decimal("6.5"))
    assert len(table) == 10
    flevoland = ask("goods-category-shares", province="flevoland")
    assert [Decimal(str(r["share"])) for r in flevoland] == [Decimal(x) for x in ("38.5", "17.5", "8", "7", "6.5")]
    assert sorted(str(flevoland[0]["sources"]).split()) == ["nhfl-2025-en:342", "nhfl-2025-nl:1105"]
    with pytest.raises(ParamError, match="province"):
        ask("goods-category-shares", province="zuid-holland")     # no goods shares for it


# -- organisations -----------------------------------------------------------------------

def test_organisations_a_report_names_by_kind(ask):
    """zh-2024-nl 768 (Figure 4): the research projects Water-Mining H2020 and ZERO BRINE; the
    Nationaal Groeifonds (1052-1058) is a national government fund, not a research project."""
    rows = ask("organisations-named-in-report", kind="ResearchProject")
    assert {str(r["name"]) for r in rows} == {"Water-Mining H2020", "ZERO BRINE"}
    assert "Nationaal Groeifonds" in {str(r["name"]) for r in ask("organisations-named-in-report",
                                                                  kind="GovernmentBody")}
    assert {str(r["activities"]) for r in rows if str(r["name"]) == "ZERO BRINE"} == {"research and development"}
    everyone = ask("organisations-named-in-report")                  # every kind
    counts = [int(r["passages"]) for r in everyone]
    assert counts == sorted(counts, reverse=True)
    assert tail(everyone[0]["organisation"]) == "provincie-zuid-holland"     # the report's subject
    with pytest.raises(ParamError, match="kind"):
        ask("organisations-named-in-report", kind="Material")


# -- policies, targets, figures -------------------------------------------------------------

def test_where_the_reports_disagree(ask):
    """nhfl-2025-en 249: a 45% processing goal; zh-2024-nl 171-175: 40%. nhfl-2025-en 456: over
    200 Dutch data centres; 460: the cited source's title says 192."""
    rows = ask("disagreements")
    targets = {(tail(r["statement"]), tail(r["other"])): r for r in rows if str(r["kind"]).endswith("#Target")}
    pair = targets[("crma-2030-processing-nhfl", "crma-2030-processing-zh")]
    assert (int(pair["value"]), int(pair["otherValue"])) == (45, 40)
    assert (tail(pair["report"]), tail(pair["otherReport"])) == ("nhfl-2025", "zh-2024")
    # one claim citing both editions of nhfl-2025 (GROUP_CONCAT's order is the engine's)
    assert set(str(pair["sources"]).split()) == {"nhfl-2025-en:249", "nhfl-2025-nl:853-857"}
    assert str(pair["otherSources"]) == "zh-2024-nl:171-175"
    figures = {tail(r["statement"]): r for r in rows if str(r["kind"]).endswith("#Figure")}
    centres = figures["data-centres-netherlands"]
    assert (int(centres["value"]), int(centres["otherValue"])) == (200, 192)
    only_targets = ask("disagreements", kind="Target", lang="nl")
    # one pair: the nhfl-2025 target is one node for both editions (it was two, one per edition)
    assert len(only_targets) == 1 and all("40%" in str(r["note"]) for r in only_targets)
    assert str(only_targets[0]["kindLabel"]) == "doel of streefwaarde"


def test_policies_by_level(ask):
    """nhfl-2025-nl 54: the National Raw Materials Strategy (NGS) of 2022; zh-2024-nl 205 cites it too."""
    national = {tail(r["policy"]): r for r in ask("policies-by-level")}    # default: national
    ngs = national["nationale-grondstoffenstrategie"]
    assert (int(ngs["year"]), str(ngs["shortName"])) == (2022, "NGS")
    assert set(str(ngs["reports"]).split(", ")) == {"zh-2024", "nhfl-2025"}
    assert len(national) == len(ask("policies-by-level")) == 8              # one row per policy
    eu = {tail(r["policy"]): r for r in ask("policies-by-level", level="eu", lang="nl")}
    crma = eu["critical-raw-materials-act"]
    assert str(crma["kind"]) == "verordening" and int(crma["year"]) == 2024
    assert int(crma["targets"]) == 8            # 10% / 40-45% / 25% / 65%, once per report (not per edition)


# -- opportunities and recommendations -------------------------------------------------------

def test_recommendation_opportunity_matrix(ask):
    """nhfl-2025-en 735-744 (Table 5): an X per recommendation and opportunity."""
    rows = ask("recommendation-opportunity-matrix")
    marks = {(int(r["number"]), int(r["opportunityNumber"])) for r in rows}
    assert len(rows) == len(marks) == 32
    assert {o for n, o in marks if n == 7} == {5}
    assert {o for n, o in marks if n == 3} == {1, 2, 3, 5}
    assert all({o for n, o in marks if n == k} == {1, 2, 3, 4} for k in (5, 9, 10))
    national = {(int(r["number"]), int(r["opportunityNumber"])) for r in
                ask("recommendation-opportunity-matrix", actor="national-government")}
    assert national == {(5, 1), (5, 2), (5, 3), (5, 4), (6, 1), (6, 2), (6, 5)}


def test_recommendations_by_time_frame(ask):
    """Table 5: '<1 year' for recommendations 1-5, '1-3 years' for 6-10; recommendation 6 names
    the national government and municipalities."""
    assert [int(r["number"]) for r in ask("recommendations-by-time-frame")] == [1, 2, 3, 4, 5]
    later = ask("recommendations-by-time-frame", frame="1-3-years")
    assert [int(r["number"]) for r in later] == [6, 7, 8, 9, 10]
    six = ask("recommendations-by-time-frame", frame="1-3-years", actor="national-government", lang="nl")
    assert [int(r["number"]) for r in six] == [6]
    assert set(str(six[0]["actors"]).split(", ")) == {"Rijksoverheid", "gemeenten"}
    assert set(str(six[0]["opportunities"]).split(", ")) == {"1", "2", "5"}


def test_opportunities_and_what_they_build_on(ask):
    """zh-2024-nl 805-821: opportunity 1 builds on the Rotterdam metal hub and the ARA cluster;
    Table 5: opportunity 3 of nhfl-2025 has an X from recommendations 1, 2, 3, 5, 8, 9, 10."""
    zh = {int(r["number"]): r for r in ask("opportunities")}         # default: zh-2024
    assert sorted(zh) == [1, 2, 3, 4]
    assert "ARA" in str(zh[1]["buildsOn"]) and "Rotterdam" in str(zh[1]["buildsOn"])
    assert "lithography machine" in str(zh[3]["concerns"])
    nhfl = {int(r["number"]): int(r["recommendations"]) for r in ask("opportunities", report="nhfl-2025")}
    assert nhfl == {1: 9, 2: 9, 3: 7, 4: 4, 5: 3}


# -- challenges ------------------------------------------------------------------------------

def test_swot_strengths(ask):
    """nhfl-2025-en 635: waste streams, well-organised pre-treatment, logistics, large users
    (Tata Steel), innovative firms; 639 onwards: the weaknesses."""
    strengths = ask("swot-items")                                    # default: nhfl-2025, strengths
    assert {tail(r["item"]) for r in strengths} == {"waste-streams", "organised-pre-treatment",
                                                     "logistics-and-trade", "large-material-users",
                                                     "innovative-companies"}
    assert all("nhfl-2025-en:635" in str(r["sources"]).split() for r in strengths)
    everything = ask("swot-items", category="", lang="nl")
    kinds = {tail(r["category"]) for r in everything}
    assert kinds == {"strength", "weakness", "threat"} and len(everything) == 16
    slow = next(r for r in everything if tail(r["item"]) == "slow-permitting")
    assert str(slow["title"]) == "Trage en omslachtige vergunningverlening"


# -- provenance ------------------------------------------------------------------------------

def test_what_the_graph_says_about_a_recommendation(ask):
    """Table 5 row 3 (nhfl-2025-en 737): municipalities, <1 year, opportunities 1, 2, 3 and 5; the
    recommendation is also Table 1 row 3 (line 120) and described at 750-753."""
    rows = ask("statements-about")                                   # default: recommendation 3
    out = {(tail(r["property"]), tail(r["value"])) for r in rows if str(r["direction"]) == "→"}
    assert {v for p, v in out if p == "ontology#servesOpportunity"} == {"1", "2", "3", "5"}
    assert ("ontology#responsibleActorType", "municipalities") in out
    assert ("ontology#timeFrame", "within-1-year") in out
    serves = next(r for r in rows if str(r["property"]).endswith("#servesOpportunity"))
    assert {"nhfl-2025-en:120", "nhfl-2025-en:737", "nhfl-2025-en:750-753"} <= set(str(serves["sources"]).split())
    incoming = {tail(r["value"]) for r in rows if str(r["direction"]) == "←"}
    assert incoming == {"1", "2", "3", "5"}                           # the opportunities it serves
    inferred = ask("statements-about", subject="recommendation/nhfl-2025/3", graph="inferred")
    assert inferred and not any(r.get("sources") and str(r["sources"]) for r in inferred)
    with pytest.raises(ParamError, match="graph"):
        ask("statements-about", graph="elsewhere")


def test_the_graph_list_is_every_named_graph(library, store):
    """statements-about lists the graphs from the reports and the three graphs every build
    makes, not by scanning every statement: the list is still the store's named graphs."""
    query = library.get("statements-about")
    listed = Choices(store).get(query, next(p for p in query.params if p.name == "graph"))
    assert sorted(str(c.value) for c in listed) == sorted(g.rsplit("/", 1)[1] for g in store.graphs())
