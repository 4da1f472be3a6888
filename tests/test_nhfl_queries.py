"""The saved queries of the Noord-Holland & Flevoland area answer from the graph.

Each query runs with its parameters bound as RDF terms (queries.py), on the
session build; the expected answers were read from the report by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_kg.sparql.library import ParamError, QueryLibrary


@pytest.fixture(scope="module")
def library(settings):
    return QueryLibrary(settings.queries_dir)


def run(library, store, name, **params):
    query = library.get(name)
    return store.query(query.text, query.bind({k: str(v) for k, v in params.items()})).rows


def tail(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_new_queries_are_in_the_library(library):
    for name in ("organisations-by-activity", "organisations-in-place", "materials-in-product",
                 "largest-goods-category-per-province", "figures-with-source", "supply-concentration"):
        query = library.get(name)
        assert query.title["en"] and query.title["nl"] and query.description["nl"]


def test_organisations_by_activity_with_their_town(library, store):
    result = run(library, store, "organisations-by-activity")          # default: metal recovery
    towns = {tail(r["organisation"]): tail(r["place"]) if r.get("place") else None for r in result}
    assert towns["hks-metals"] == "amsterdam" and towns["riwald-recycling-beverwijk"] == "beverwijk"
    assert {"dops-recycling-technologies", "carester", "tes"} <= set(towns)   # named in the text only
    assert len(result) == len(towns)                                         # one row each
    processing = run(library, store, "organisations-by-activity", activity="processing", lang="nl")
    assert {tail(r["organisation"]) for r in processing} >= {"chemreclaim", "tata-steel-ijmuiden", "vecomach"}
    assert {str(r["placeLabel"]) for r in processing} >= {"IJmuiden", "Emmeloord"}


def test_organisations_in_a_place(library, store):
    result = run(library, store, "organisations-in-place")             # default: IJmuiden
    found = {tail(r["organisation"]): str(r["activities"]) for r in result}
    assert found["holland-batteries"] == "services and trade"
    assert found["metaalhandel-broersen"] == "services and trade"
    assert found["tata-steel-ijmuiden"] == "processing"
    flevoland = run(library, store, "organisations-in-place", place="flevoland")
    names = {tail(r["organisation"]) for r in flevoland}
    # Table 6 towns in Flevoland: Emmeloord, Almere, Marknesse, Urk, Lelystad
    assert {"vecomach", "metaal-recycling-smink", "alfen", "spamecon", "trimey-metalen", "van-peperzeel"} <= names
    assert "chemreclaim" not in names
    with pytest.raises(ParamError):
        run(library, store, "organisations-in-place", place="<not an iri>")


def test_materials_in_a_product_follow_its_parts(library, store):
    result = run(library, store, "materials-in-product")                # default: wind turbine
    by_part = {}
    for r in result:
        by_part.setdefault(tail(r["part"]), set()).add(tail(r["material"]))
    assert by_part == {"wind-turbine-tower": {"nickel", "manganese", "niobium", "titanium", "vanadium"},
                       "permanent-magnet": {"rare-earth-elements"}}
    solar = {tail(r["material"]) for r in run(library, store, "materials-in-product", product="solar-panel")}
    assert solar == {"silicon", "antimony", "copper", "nickel", "titanium"}
    grid = run(library, store, "materials-in-product", product="grid-component", lang="nl")
    assert {str(r["materialLabel"]) for r in grid} == {"Koper", "Aluminium"}
    car = {(tail(r["part"]), tail(r["material"])) for r in run(library, store, "materials-in-product", product="car")}
    assert ("permanent-magnet", "rare-earth-elements") in car             # through its magnets
    assert ("products-of-the-automotive-industry", "niobium") in car      # through its goods category


def test_largest_goods_category_per_province(library, store):
    result = run(library, store, "largest-goods-category-per-province")
    got = {tail(r["province"]): (tail(r["category"]), Decimal(str(r["share"])), str(r["sources"]))
           for r in result}
    assert set(got) == {"noord-holland", "flevoland"}
    assert got["flevoland"][:2] == ("products-of-the-automotive-industry", Decimal("38.5"))
    assert got["noord-holland"][:2] == ("products-of-the-automotive-industry", Decimal("37.5"))
    # printed in Table 3 (line 342) and Tabel 3 (line 1105)
    assert set(got["flevoland"][2].split()) == {"nhfl-2025-en:342", "nhfl-2025-nl:1105"}
    dutch = run(library, store, "largest-goods-category-per-province", lang="nl")
    assert {str(r["categoryLabel"]) for r in dutch} == {"Producten van de auto-industrie"}


def test_recommendations_for_opportunity_and_actor(library, store):
    result = run(library, store, "recommendations-for-opportunity", opportunity=4, actor="national-government")
    assert [int(r["number"]) for r in result] == [5]
    result = run(library, store, "recommendations-for-opportunity", opportunity=1, actor="provinces")
    assert [int(r["number"]) for r in result] == [1, 2, 5, 8, 9, 10]


def test_figures_with_their_source(library, store):
    result = run(library, store, "figures-with-source", subject="", report="nhfl-2025")
    tungsten = [(tail(r["edition"]), int(r["startLine"]), int(r["endLine"])) for r in result
                if tail(r["figure"]) == "china-share-tungsten"]
    assert sorted(tungsten) == [("nhfl-2025-en", 223, 223), ("nhfl-2025-nl", 688, 690)]
    dutch = run(library, store, "figures-with-source", subject="", edition="nhfl-2025-nl", lang="nl")
    assert dutch and {tail(r["edition"]) for r in dutch} == {"nhfl-2025-nl"}
    solar = [r for r in dutch if tail(r["figure"]) == "solar-parks-region"]
    assert int(solar[0]["value"]) == 143 and str(solar[0]["unitLabel"]) == "aantal"
    lifespan = [r for r in result if tail(r["figure"]) == "data-centre-lifespan"][0]
    assert (int(lifespan["value"]), int(lifespan["upperValue"])) == (15, 20)


def test_figures_about_a_material(library, store):
    result = run(library, store, "figures-with-source")                    # default: niobium
    got = {tail(r["figure"]): r for r in result}
    assert {"brazil-share-niobium-mining", "brazil-share-niobium-processing",
            "automotive-share-niobium"} <= set(got)
    mining = got["brazil-share-niobium-mining"]
    assert int(mining["value"]) == 90 and str(mining["placeLabel"]) == "Brazil"
    assert {(tail(r["edition"]), int(r["startLine"]), int(r["endLine"])) for r in result
            if tail(r["figure"]) == "brazil-share-niobium-mining"} == {("nhfl-2025-en", 398, 398),
                                                                         ("nhfl-2025-nl", 1267, 1269)}
    waste = run(library, store, "figures-with-source", subject="material/electronic-waste")
    assert {int(r["value"]) for r in waste} == {239000000, 15}


def test_supply_concentration(library, store):
    ree = run(library, store, "supply-concentration", material="material/rare-earth-elements")
    assert [(tail(r["country"]), int(r["share"])) for r in ree] == [("china", 91), ("china", 70)]
    everything = run(library, store, "supply-concentration")
    shares = [Decimal(str(r["share"])) for r in everything]
    assert shares == sorted(shares, reverse=True) and len(everything) >= 9
    assert {tail(r["country"]) for r in everything} >= {"china", "brazil"}


def test_largest_goods_category_over_http(client):
    r = client.get("/api/queries/largest-goods-category-per-province?lang=nl")
    assert r.status_code == 200
    rows = r.get_json()["results"]["bindings"]
    flevoland = [b for b in rows if b["province"]["value"].endswith("/flevoland")][0]
    assert flevoland["share"]["value"] in ("38.5", "38.50")
    assert flevoland["categoryLabel"] == {"type": "literal", "value": "Producten van de auto-industrie",
                                          "xml:lang": "nl"}
    bad = client.get("/api/queries/organisations-in-place?place=%3Cbad%3E")
    assert bad.status_code == 400 and bad.get_json()["param"] == "place"
