"""What the built graph holds about the Noord-Holland & Flevoland report.

Reads the session build (tests/conftest.py) back with SPARQL and checks facts,
labels, provenance in both editions, entity resolution and disagreements
against what the report says (values read from the report by hand).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

PREFIX = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX id: <https://w3id.org/crm-kg/id/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
ID = "https://w3id.org/crm-kg/id/"
REPORT = f"<{ID}report/nhfl-2025>"


def rows(store, sparql):
    return store.query(PREFIX + sparql).rows


def slugs(result, var):
    return {str(r[var]).rsplit("/", 1)[-1] for r in result}


def editions_of(store, iri):
    return {str(r["e"]).rsplit("/", 1)[-1] for r in rows(store, f"""
        SELECT DISTINCT ?e WHERE {{ <{iri}> prov:wasDerivedFrom/crm:inEdition ?e }}""")}


def test_build_resolves_every_name(built):
    _, result = built
    assert [w for w in result.warnings if "nhfl-2025" in w] == []


# --------------------------------------------------------------------------
# Labels in both languages; passages in both editions
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cls, expected", [
    ("crm:Recommendation", 10), ("crm:Opportunity", 5)])
def test_numbered_items_have_dutch_labels_and_both_editions(store, cls, expected):
    items = rows(store, f"""
        SELECT DISTINCT ?x ?nl WHERE {{
          ?x a {cls} ; crm:inReport {REPORT} ; rdfs:label ?nl . FILTER(LANG(?nl) = "nl") }}""")
    assert len(items) == expected
    for item in items:
        assert editions_of(store, item["x"]) == {"nhfl-2025-en", "nhfl-2025-nl"}


def test_every_goods_category_activity_and_policy_has_a_dutch_label(store):
    missing = rows(store, f"""
        SELECT DISTINCT ?x WHERE {{
          {{ ?x a crm:GoodsCategory }} UNION {{ ?x a crm:Activity }}
          UNION {{ ?x a crm:Policy ; crm:namedIn {REPORT} }}
          FILTER NOT EXISTS {{ ?x rdfs:label ?l . FILTER(LANG(?l) = "nl") }} }}""")
    assert missing == []
    count = rows(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a crm:Policy ; crm:namedIn {REPORT} }}")
    # 20 policies are discussed; the EU CRM list 2023 is a crm:MaterialList, not a policy
    assert int(count[0]["n"]) == 19
    assert rows(store, """SELECT ?l WHERE { id:list\\/eu-crm-2023 rdfs:label ?l FILTER(LANG(?l) = "nl") }""")


def test_every_nhfl_policy_is_cited_in_both_editions_with_issuer(store):
    policies = rows(store, f"""
        SELECT DISTINCT ?p ?issuer WHERE {{ ?p a crm:Policy ; crm:namedIn {REPORT} .
                                   OPTIONAL {{ ?p crm:issuedBy ?issuer }} }}""")
    for row in policies:
        assert {"nhfl-2025-en", "nhfl-2025-nl"} <= editions_of(store, row["p"]), row["p"]
        if row.get("issuer") is not None:     # an issuer is a described organisation
            assert store.query(PREFIX + f"ASK {{ <{row['issuer']}> a crm:Organisation ; rdfs:label ?l }}").boolean
    applies = rows(store, """SELECT ?x WHERE { id:policy\\/eu-battery-waste-codes-update crm:appliesTo ?x }""")
    assert slugs(applies, "x") == {"battery", "black-mass"}


def test_recommendation_4_is_cited_in_every_printing(store):
    passages = rows(store, """
        SELECT ?e ?s WHERE { <https://w3id.org/crm-kg/id/recommendation/nhfl-2025/4>
            prov:wasDerivedFrom ?p . ?p crm:inEdition ?e ; crm:startLine ?s }""")
    got = {(str(r["e"]).rsplit("/", 1)[-1], int(r["s"])) for r in passages}
    # Table 1 and Table 5 rows, the detailed text; Tabel 1, Tabel 5 and the Dutch detail
    assert got == {("nhfl-2025-en", 121), ("nhfl-2025-en", 738), ("nhfl-2025-en", 755),
                   ("nhfl-2025-nl", 316), ("nhfl-2025-nl", 2554), ("nhfl-2025-nl", 2616)}
    actors = rows(store, """SELECT ?a WHERE { id:recommendation\\/nhfl-2025\\/4 crm:responsibleActorType ?a }""")
    assert slugs(actors, "a") == {"municipalities"}   # from Table 5, not the empty Table 1 cell


# --------------------------------------------------------------------------
# Disagreements
# --------------------------------------------------------------------------

def test_table1_rows_that_differ_from_table5(store):
    found = rows(store, """
        SELECT ?s ?t ?c WHERE { ?p crm:disagreesWith ?q ; crm:startLine ?s ; rdfs:comment ?c .
            ?q crm:startLine ?t . FILTER(STRSTARTS(STR(?c), "Table 1 row")) }""")
    assert sorted((int(r["s"]), int(r["t"])) for r in found) == [(120, 737), (121, 738), (122, 739), (124, 741)]


def test_edition_disagreements_are_in_the_graph(store):
    pairs = rows(store, """
        SELECT ?a ?b WHERE { ?a crm:disagreesWith ?b ; crm:inEdition id:edition\\/nhfl-2025-en .
                             ?b crm:inEdition id:edition\\/nhfl-2025-nl }""")
    got = {(str(r["a"]).rsplit("/", 1)[-1], str(r["b"]).rsplit("/", 1)[-1]) for r in pairs}
    assert {("300", "995-1001"), ("396", "1241-1245"), ("563", "1721-1727"), ("346", "1113"),
            ("661", "2220-2224"), ("758", "2667-2680"), ("93", "233-234")} <= got
    ytterbium = store.query(PREFIX + """ASK { id:figure\\/nhfl-2025\\/automotive-share-ytterbium
                                         crm:disagreesWith id:figure\\/nhfl-2025\\/automotive-share-yttrium }""")
    assert ytterbium.boolean
    note = rows(store, """SELECT ?c WHERE { ?p crm:inEdition id:edition\\/nhfl-2025-en ; crm:startLine 300 ;
                                            rdfs:comment ?c . FILTER(LANG(?c) = "nl") }""")
    assert "2040" in str(note[0]["c"])


# --------------------------------------------------------------------------
# Entity resolution
# --------------------------------------------------------------------------

def test_one_iri_per_organisation_whatever_the_spelling(store):
    labels = rows(store, """SELECT ?p ?l WHERE { id:organisation\\/hks-metals ?p ?l .
                                                  FILTER(?p IN (skos:altLabel, skos:hiddenLabel)) }""")
    alt = {str(r["l"]) for r in labels if str(r["p"]).endswith("altLabel")}
    hidden = {str(r["l"]) for r in labels if str(r["p"]).endswith("hiddenLabel")}
    assert {"HKS The metal Company", "HKS - The metal Company", "HKS Metals Amsterdam"} <= alt
    assert hidden == {"HKS Metalen Amsterdam"}                  # a mistranslation, never shown
    # no organisation carries a Dutch word from the translated table as its name
    words = rows(store, """SELECT ?o WHERE { ?o a crm:Organisation ; rdfs:label|skos:prefLabel|skos:altLabel ?l .
                           FILTER(STR(?l) IN ("Energie", "Terugkeren", "Schone troon", "Wetenschapspark")) }""")
    assert words == []
    # nor as a hidden label: label search for the word "energie" must not find Energyra (the
    # parsers still read the translated table cell through organisations.yaml)
    assert rows(store, """SELECT ?o WHERE { ?o skos:hiddenLabel ?l .
                           FILTER(STR(?l) IN ("Energie", "Terugkeren")) }""") == []
    assert "energyra" in slugs(rows(store, """SELECT ?o WHERE {
        ?p crm:inEdition id:edition\\/nhfl-2025-nl ; crm:mentions ?o ; crm:passageKind ?k }"""), "o")
    hitachi = rows(store, """SELECT ?a ?t WHERE { id:organisation\\/hitachi-construction-machinery
                             crm:activity ?a ; crm:locatedIn ?t }""")
    assert slugs(hitachi, "a") == {"manufacturing"} and "amsterdam" in slugs(hitachi, "t")


def test_organisations_named_only_in_the_text(store):
    facts = rows(store, """
        SELECT ?o ?d WHERE { ?o crm:description ?d . FILTER(LANG(?d) = "en")
          VALUES ?o { id:organisation\\/dops-recycling-technologies id:organisation\\/tes
                      id:organisation\\/mirec id:organisation\\/stichting-open id:organisation\\/carester
                      id:organisation\\/vestas id:organisation\\/ketjen-netherlands id:organisation\\/google } }""")
    assert slugs(facts, "o") == {"dops-recycling-technologies", "tes", "mirec", "stichting-open", "carester",
                                 "vestas", "ketjen-netherlands", "google"}
    chemreclaim = rows(store, "SELECT ?m WHERE { id:organisation\\/chemreclaim crm:worksOnMaterial ?m }")
    assert slugs(chemreclaim, "m") == {"scandium", "palladium", "platinum"}
    partners = store.query(PREFIX + "ASK { id:organisation\\/mirec crm:partnerOf id:organisation\\/stichting-open }")
    assert partners.boolean
    asm = store.query(PREFIX + "ASK { id:organisation\\/asm-international crm:headquarteredIn id:place\\/almere }")
    assert asm.boolean


# --------------------------------------------------------------------------
# Narrative facts
# --------------------------------------------------------------------------

def _figure(store, slug):
    found = rows(store, f"""SELECT ?v ?u ?m ?q ?place ?stage WHERE {{
        <{ID}figure/nhfl-2025/{slug}> crm:value ?v ; crm:unit ?u .
        OPTIONAL {{ <{ID}figure/nhfl-2025/{slug}> crm:metric ?m }}
        OPTIONAL {{ <{ID}figure/nhfl-2025/{slug}> crm:qualifier ?q }}
        OPTIONAL {{ <{ID}figure/nhfl-2025/{slug}> crm:inPlace ?place }}
        OPTIONAL {{ <{ID}figure/nhfl-2025/{slug}> crm:supplyStage ?stage }} }}""")
    assert len(found) == 1, slug
    return {k: (str(v).rsplit("/", 1)[-1] if k != "v" else Decimal(str(v))) for k, v in found[0].items()
            if v is not None}


@pytest.mark.parametrize("slug, expected", [
    ("china-share-tungsten", {"v": 86, "u": "percent", "m": "share-of-global-supply", "place": "china"}),
    ("china-share-heavy-rare-earths", {"v": 100, "q": "up-to", "place": "china"}),
    ("china-share-ree-refining", {"v": 91, "place": "china", "stage": "refining"}),
    ("china-share-ree-mining", {"v": 70, "q": "almost", "stage": "extraction"}),
    ("brazil-share-niobium-mining", {"v": 90, "q": "more-than", "place": "brazil", "stage": "extraction"}),
    ("zeewolde-turbines-removed", {"v": 200, "u": "count", "place": "zeewolde"}),
    ("zeewolde-turbines-new", {"v": 83, "place": "zeewolde"}),
    ("solar-parks-region", {"v": 143, "place": "noord-holland-and-flevoland"}),
    ("solar-parks-netherlands", {"v": 1077, "place": "netherlands"}),
    ("data-centres-region", {"v": 95, "q": "about"}),
    ("e-waste-collected-2024", {"v": 239000000, "u": "kilogram", "m": "mass"}),
    ("e-waste-collection-growth-2024", {"v": 15, "u": "percent"}),
    ("copper-demand-growth-2050", {"v": 35, "m": "demand-growth"}),
    ("aluminium-demand-growth-2050", {"v": 33, "m": "demand-growth"}),
    ("turkey-ferrous-scrap-from-netherlands", {"v": Decimal("16.6"), "place": "netherlands"}),
    ("turkey-ferrous-scrap-from-united-states", {"v": Decimal("22.2"), "place": "united-states"}),
    ("tata-steel-material-use", {"v": 8820, "u": "megatonne-per-year", "place": "nzkg"}),
])
def test_figures_hold_the_reports_numbers(store, slug, expected):
    got = _figure(store, slug)
    for key, value in expected.items():
        assert got[key] == value, (slug, key, got)


def test_every_figure_cites_the_english_edition_and_most_both(store):
    figures = rows(store, f"SELECT DISTINCT ?f WHERE {{ ?f a crm:Figure ; crm:inReport {REPORT} }}")
    both = 0
    for row in figures:
        editions = editions_of(store, row["f"])
        assert "nhfl-2025-en" in editions or "nhfl-2025-nl" in editions
        both += editions == {"nhfl-2025-en", "nhfl-2025-nl"}
    # every figure but the English-only ytterbium one is printed in both editions
    assert len(figures) - both == 1


def test_targets_are_one_claim_citing_both_editions(store):
    """nhfl-2025-en 249 / nhfl-2025-nl 853-859: the CRMA 2030 benchmarks, one node each (not one per
    edition), so counting the report's targets counts each once."""
    targets = rows(store, f"SELECT ?t WHERE {{ ?t a crm:Target ; crm:inReport {REPORT} }}")
    assert len(targets) == 8 and not any(str(r["t"]).endswith("-nl") for r in targets)
    for r in targets:
        assert editions_of(store, r["t"]) == {"nhfl-2025-en", "nhfl-2025-nl"}
    lines = rows(store, """SELECT ?e ?a ?b WHERE { id:target\\/crma-2030-single-supplier-nhfl
        prov:wasDerivedFrom [ crm:inEdition ?e ; crm:startLine ?a ; crm:endLine ?b ] }""")
    assert {(str(r["e"]).rsplit("/", 1)[-1], int(r["a"]), int(r["b"])) for r in lines} == {
        ("nhfl-2025-en", 249, 249), ("nhfl-2025-nl", 853, 859)}


def test_swot_points(store):
    counts = rows(store, f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        ?s a crm:SwotItem ; crm:inReport {REPORT} ; crm:swotCategory ?c }} GROUP BY ?c""")
    assert {str(r["c"]).rsplit("/", 1)[-1]: int(r["n"]) for r in counts} == \
        {"strength": 5, "weakness": 8, "threat": 3}


def test_opportunity_details(store):
    def concerns(n, prop):
        return slugs(rows(store, f"SELECT ?x WHERE {{ <{ID}opportunity/nhfl-2025/{n}> {prop} ?x }}"), "x")
    assert concerns(4, "crm:concernsMaterial") == {"iridium"}
    assert concerns(4, "crm:concernsProduct") == {"machinery", "electrical-appliance"}
    assert {"ytterbium", "yttrium", "gallium", "black-mass"} <= concerns(2, "crm:concernsMaterial")
    assert {"wind-turbine", "solar-park", "data-centre", "grid-component"} <= concerns(1, "crm:concernsProduct")
    assert concerns(5, "crm:buildsOn") == {"knowledge-hub", "innovative-ecosystem"}


def test_events(store):
    ban = rows(store, """SELECT ?d ?p WHERE { id:event\\/eu-black-mass-export-ban-2025 crm:effectiveOn ?d ;
                                                crm:datePrecision ?p }""")
    assert str(ban[0]["d"]) == "2025-04-01" and str(ban[0]["p"]).endswith("/month")
    china = rows(store, "SELECT ?m WHERE { id:event\\/china-export-controls-crm-2025 crm:concernsMaterial ?m }")
    assert slugs(china, "m") == {"gallium", "germanium", "antimony", "rare-earth-elements"}
