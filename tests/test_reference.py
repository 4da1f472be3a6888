"""Reference data: the gazetteers (data/reference/*.yaml), their graph, and the inferred graph."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest

from crm_kg.iri import ID
from crm_kg.pipeline.rdf.reference import Reference
from crm_kg.pipeline.sources import read_sources
from crm_kg.sparql.library import QueryLibrary
from crm_kg.yamlio import InputError

PREFIX = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
"""
GRAPH = "https://w3id.org/crm-kg/graph/"
CRM_2023 = f"<{ID}list/eu-crm-2023>"


@pytest.fixture(scope="module")
def reference(settings):
    return Reference.load(settings.data_dir / "reference")


def slugs(rows, key):
    return {str(r[key]).rsplit("/", 1)[1] for r in rows}


# -- materials -----------------------------------------------------------------------

def test_the_2023_list_has_exactly_34_entries(reference, store):
    listed = [e["id"] for e in reference.materials.entries.values() if e["eu_crm_2023"]]
    assert len(listed) == 34
    rows = store.query(PREFIX + f"SELECT DISTINCT ?m WHERE {{ ?m crm:onList {CRM_2023} }}").rows
    assert slugs(rows, "m") == set(listed)
    rows = store.query(PREFIX + f"SELECT DISTINCT ?m WHERE {{ {CRM_2023} crm:listsMaterial ?m }}").rows
    assert slugs(rows, "m") == set(listed)  # the inverse, inferred


def test_molybdenum_aluminium_zinc_tin_and_steel_are_not_on_the_list(store):
    for slug in ("molybdenum", "aluminium", "zinc", "tin", "steel"):
        iri = f"<{ID}material/{slug}>"
        assert store.query(PREFIX + f"ASK {{ GRAPH <{GRAPH}reference> {{ {iri} crm:notOnList {CRM_2023} }} }}").boolean
        assert not store.query(PREFIX + f"ASK {{ {iri} crm:onList {CRM_2023} }}").boolean
    # listed through a group: neither on nor off the list themselves
    for slug in ("lanthanum", "rhodium", "rare-earth-elements"):
        iri = f"<{ID}material/{slug}>"
        assert not store.query(PREFIX + f"ASK {{ {iri} crm:notOnList|crm:onList {CRM_2023} }}").boolean


def test_report_spellings_resolve_to_one_material(reference):
    for names, slug in [(["Wolfraam", "Tungsten", "tungsten"], "tungsten"),
                        (["Antimoon", "Antimony"], "antimony"),
                        (["Zeldzame aardmetalen", "Rare earth elements", "REE", "rare earths"], "rare-earth-elements"),
                        (["Boron/Borate", "Borium/boraat", "Boor"], "boron"),
                        (["Siliciummetaal", "Silicium Metaal", "Silicon metal"], "silicon"),
                        (["Fluoriet", "Vloeispaat", "Fluorspar"], "fluorspar"),
                        (["Metalen uit de platinagroep", "Platinametalen"], "platinum-group-metals")]:
        for name in names:
            match = reference.materials.resolve(name)
            assert match.slug == slug and match.how != "unlisted", name


def test_elements_have_symbol_and_atomic_number(reference):
    elements = [e for e in reference.materials.entries.values() if e["kind"] == "element"]
    assert all(re.fullmatch(r"[A-Z][a-z]?", e["symbol"]) and 1 <= e["atomic_number"] <= 118 for e in elements)
    assert len({e["atomic_number"] for e in elements}) == len(elements)
    assert {e["symbol"]: e["atomic_number"] for e in elements if e["symbol"] in ("Ga", "W", "Sb", "Nd", "Y")} == \
        {"Ga": 31, "W": 74, "Sb": 51, "Nd": 60, "Y": 39}


def test_group_membership(reference, store):
    def members(group):
        return {e.get("symbol") for e in reference.materials.entries.values() if group in (e.get("member_of") or [])}
    assert members("light-rare-earth-elements") == {"La", "Ce", "Pr", "Nd", "Sm"}
    assert members("heavy-rare-earth-elements") == {"Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y"}
    assert members("platinum-group-metals") == {"Ru", "Rh", "Pd", "Os", "Ir", "Pt"}
    assert len(members("rare-earth-elements") - {None}) == 17  # 15 lanthanides, Sc, Y (and LREE, HREE)
    rows = store.query(PREFIX + f"""SELECT ?m WHERE {{ <{ID}material/heavy-rare-earth-elements>
                                      crm:hasGroupMember ?m }}""").rows
    assert "dysprosium" in slugs(rows, "m")  # inverse of memberOfGroup, inferred


def test_wikidata_links_are_well_formed_and_unique(reference, store):
    seen = Counter()
    for gazetteer in (reference.materials, reference.places, reference.organisations):
        for e in gazetteer.entries.values():
            if e.get("wikidata"):
                assert re.fullmatch(r"Q[1-9][0-9]*", e["wikidata"]), e["id"]
                seen[e["wikidata"]] += 1
    assert [q for q, n in seen.items() if n > 1] == []
    row = store.query(PREFIX + f"SELECT ?wd WHERE {{ <{ID}material/tungsten> skos:exactMatch ?wd }}").rows
    assert [str(r["wd"]) for r in row] == ["http://www.wikidata.org/entity/Q743"]
    assert not store.query(PREFIX + "ASK { ?x <http://www.w3.org/2002/07/owl#sameAs> ?y }").boolean


# -- places --------------------------------------------------------------------------------

def test_municipalities_and_provinces_carry_cbs_and_tooi(reference):
    for e in reference.places.entries.values():
        if e["kind"] in ("municipality", "province") and e.get("located_in") != "netherlands" \
                and e["kind"] == "province":
            raise AssertionError(f"{e['id']}: a province lies in the Netherlands")
        if e["kind"] == "municipality" and (reference.places.get(e["located_in"]) or {}).get("kind") == "province":
            assert re.fullmatch(r"GM[0-9]{4}", e["cbs"]), e["id"]
            assert e["tooi"] == f"https://identifier.overheid.nl/tooi/id/gemeente/{e['cbs'].lower()}"
        if e["kind"] == "province":
            assert re.fullmatch(r"PV[0-9]{2}", e["cbs"]), e["id"]
            assert e["tooi"] == f"https://identifier.overheid.nl/tooi/id/provincie/{e['cbs'].lower()}"
    assert reference.places.get("flevoland")["cbs"] == "PV24"
    assert reference.places.get("almere")["cbs"] == "GM0034"


def test_every_dutch_place_reaches_a_province_and_has_a_point_in_the_netherlands(reference):
    places = reference.places.entries

    def chain(slug):
        out = []
        while slug:
            out.append(slug)
            slug = places[slug].get("located_in")
        return out

    for e in places.values():
        if e["kind"] in ("town", "municipality") and "netherlands" in chain(e["id"]):
            assert any(places[p]["kind"] == "province" for p in chain(e["id"])), e["id"]
            assert 50.7 < e["lat"] < 53.6 and 3.3 < e["lon"] < 7.3, e["id"]


def test_reports_place_spellings_resolve(reference):
    for name, slug in [("Ijmuiden", "ijmuiden"), ("IJmuiden", "ijmuiden"), ("Zee Wolde", "zeewolde"),
                       ("Den Haag", "den-haag"), ("The Hague", "den-haag"), ("Noord Holland", "noord-holland"),
                       ("Verenigde Staten", "united-states"), ("VS", "united-states")]:
        assert reference.places.resolve(name).slug == slug, name


def test_points_are_geosparql_wkt(store):
    rows = store.query(PREFIX + f"""SELECT ?wkt WHERE {{ <{ID}place/almere> geo:hasGeometry/geo:asWKT ?wkt }}""").rows
    assert [str(r["wkt"]) for r in rows] == ["POINT(5.2647 52.3508)"]


def test_organisations_in_flevoland_come_from_the_inferred_graph(store):
    flevoland = f"<{ID}place/flevoland>"
    rows = store.query(PREFIX + f"""
        SELECT DISTINCT ?o WHERE {{ ?o a crm:Organisation ; crm:locatedIn {flevoland} }}""").rows
    found = slugs(rows, "o")
    assert {"alfen", "vecomach", "trimey-metalen", "spamecon", "van-peperzeel", "provincie-flevoland"} <= found
    assert "energyra" not in found and "cleantron" not in found  # Noord-Holland
    # no report and no gazetteer says Vecomach is in Flevoland: the inferred graph does
    asserted = store.query(PREFIX + f"""ASK {{ GRAPH ?g {{ <{ID}organisation/vecomach> crm:locatedIn {flevoland} }}
                                          FILTER(?g != <{GRAPH}inferred>) }}""")
    assert asserted.boolean is False
    inferred = store.query(PREFIX + f"""ASK {{ GRAPH <{GRAPH}inferred> {{
                                          <{ID}organisation/vecomach> crm:locatedIn {flevoland} }} }}""")
    assert inferred.boolean is True


# -- policies ----------------------------------------------------------------------------

def test_crma_is_regulation_2024_1252(store):
    crma = f"<{ID}policy/critical-raw-materials-act>"
    rows = store.query(PREFIX + f"SELECT ?celex ?eli ?year WHERE {{ {crma} crm:celex ?celex ; crm:eli ?eli ; crm:year ?year }}").rows
    assert [(str(r["celex"]), str(r["eli"]), int(r["year"])) for r in rows] == [
        ("32024R1252", "http://data.europa.eu/eli/reg/2024/1252/oj", 2024)]


def test_celex_and_eli_agree(reference):
    kinds = {"R": "reg", "L": "dir"}
    for e in reference.policies.entries.values():
        if e.get("celex"):
            assert re.fullmatch(r"[0-9]{5}(R|L|DC|PC)[0-9]{4}", e["celex"]), e["id"]
        if e.get("eli"):
            sector, year, kind, number = re.fullmatch(r"([0-9])([0-9]{4})([RL])([0-9]{4})", e["celex"]).groups()
            assert e["eli"] == f"http://data.europa.eu/eli/{kinds[kind]}/{year}/{int(number)}/oj", e["id"]
            assert e["year"] == int(year) and e["level"] == "eu"


def test_every_policy_has_issuer_level_and_year_or_a_reason(reference):
    no_single_issuer = {"programma-circulaire-zon-pv",            # the report names no issuer
                        "product-passports", "public-procurement"}  # generic instruments
    for e in reference.policies.entries.values():
        assert e.get("level"), e["id"]
        assert e.get("issuer") or e["id"] in no_single_issuer, e["id"]


# -- organisations: one IRI across reports, editions and spellings ---------------------------

def test_spellings_across_editions_give_one_iri(reference):
    orgs = reference.organisations
    for names, slug in [(["Tata Steel Ijmuiden", "Tata Steel IJmuiden"], "tata-steel-ijmuiden"),
                        (["Cleantron", "Schone troon"], "cleantron"),
                        (["HKS The metal Company", "HKS - The metal Company", "HKS Metalen Amsterdam"], "hks-metals"),
                        (["Second Metal Recycling", "Second Metals Recycling", "Tweede metaalrecycling"],
                         "second-metals-recycling"),
                        (["Victron Energy B.V", "Victron Energy BV", "Victron Energy"], "victron-energy"),
                        (["EZK", "Ministerie van Economische Zaken en Klimaat"],
                         "ministerie-van-economische-zaken-en-klimaat")]:
        assert {orgs.resolve(n).slug for n in names} == {slug}, names


def test_every_row_of_both_table6_editions_names_a_listed_organisation(reference, settings):
    """The English Table 6 has tabs; the Dutch one lost them (name, activity and town on one line)."""
    from crm_kg.pipeline.mentions import Tagger
    docs = read_sources(settings.sources, only=["nhfl-2025-en", "nhfl-2025-nl"])
    tagger = Tagger.from_reference(reference)
    for edition, start in (("nhfl-2025-en", "Company\tSupply chain activity\tLocation"),
                           ("nhfl-2025-nl", "Bedrijf Activiteit in de toeleveringsketen Plaats")):
        doc = docs[edition]
        first = doc.find("^" + re.escape(start))
        last = doc.find("^Vrije Universiteit Amsterdam", first)  # the last row in both editions
        rows = [(n, doc.line(n)) for n in range(first + 1, last + 1)
                if doc.line(n).strip() and not doc.line(n).strip().startswith(start.split()[0])]
        for n, line in rows:
            mentions = tagger.tag(line.strip(), row=True)
            orgs = [m for m in mentions if any("/organisation/" in str(i) for i in m.iris)]
            places = [m for m in mentions if any("/place/" in str(i) for i in m.iris)]
            assert orgs and orgs[0].start == 0 and places, (edition, n, line)
        assert len(rows) == 65, edition


def test_dangling_references_are_input_errors(settings, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(settings.data_dir / "reference", root / "reference")
    shutil.copy(settings.data_dir / "sources.yaml", root / "sources.yaml")
    path = root / "reference" / "organisations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    located_in: emmeloord\n", "    located_in: emmelord\n", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"organisations\.yaml:\d+: located_in refers to unknown place 'emmelord'"):
        Reference.load(root / "reference")
    path.write_text(text.replace("    cell_only: [Return, Terugkeren]", "    cell_only: [Retour]"), encoding="utf-8")
    with pytest.raises(InputError, match="'Retour' is not a name, alias or misprint of 'return'"):
        Reference.load(root / "reference")


# -- graphs and inference ---------------------------------------------------------------------

def test_reference_data_lives_in_its_own_graph(store):
    assert store.query(PREFIX + f"""ASK {{ GRAPH <{GRAPH}reference> {{
        <{ID}material/gallium> a crm:ChemicalElement ; crm:elementSymbol "Ga" }} }}""").boolean
    assert not store.query(PREFIX + f"""ASK {{ GRAPH ?g {{ <{ID}material/gallium> crm:elementSymbol ?s }}
        FILTER(?g != <{GRAPH}reference>) }}""").boolean


def test_querying_a_superclass_finds_its_members_through_the_inferred_graph(store):
    inferred = f"<{GRAPH}inferred>"
    for member, cls in [("organisation/vecomach", "org:Organization"),
                        ("organisation/provincie-flevoland", "org:Organization"),
                        ("organisation/european-commission", "crm:Organisation"),
                        ("policy/critical-raw-materials-act", "crm:Policy"),
                        ("material/gallium", "crm:Material"),
                        ("place/emmeloord", "crm:Place")]:
        assert store.query(PREFIX + f"ASK {{ GRAPH {inferred} {{ <{ID}{member}> a {cls} }} }}").boolean, member
    rows = store.query(PREFIX + "SELECT DISTINCT ?x WHERE { ?x a crm:GovernmentBody }").rows
    assert {"provincie-flevoland", "european-commission", "gemeente-amsterdam"} <= slugs(rows, "x")
    rows = store.query(PREFIX + "SELECT DISTINCT ?x WHERE { ?x a org:Organization }").rows
    assert {"vecomach", "provincie-flevoland", "tno"} <= slugs(rows, "x")


def test_headquarters_imply_location(store):
    """crm:headquarteredIn is a sub-property of crm:locatedIn (property hierarchy)."""
    assert store.query(PREFIX + f"""ASK {{ GRAPH <{GRAPH}inferred> {{
        <{ID}organisation/asm-international> crm:locatedIn <{ID}place/flevoland> }} }}""").boolean


# -- saved queries of this area --------------------------------------------------------------------

def run(store, settings, name, **params):
    query = QueryLibrary(settings.queries_dir).get(name)
    return store.query(query.text, query.bind(params)).rows


def test_saved_query_where_is_gallium_mentioned(store, settings):
    rows = run(store, settings, "where-is-material-mentioned", material="gallium")
    assert {str(r["edition"]).rsplit("/", 1)[1] for r in rows} == {"nhfl-2025-en", "nhfl-2025-nl", "zh-2024-nl"}
    rows = run(store, settings, "where-is-material-mentioned", material="heavy-rare-earth-elements", lang="nl")
    named = slugs(rows, "named")
    assert {"heavy-rare-earth-elements", "yttrium", "europium"} <= named
    assert {str(r["namedLabel"]) for r in rows if str(r["named"]).endswith("/yttrium")} == {"Yttrium"}


def test_saved_query_materials_with_export_restrictions(store, settings):
    rows = run(store, settings, "materials-mentioned-with-export-restrictions")
    found = {str(r["material"]).rsplit("/", 1)[1]: int(r["passages"]) for r in rows}
    assert {"gallium", "germanium", "antimony", "rare-earth-elements"} <= set(found)
    assert "zuid" not in "".join(found) and "molybdenum" not in found
    gallium = next(r for r in rows if str(r["material"]).endswith("/gallium"))
    # GROUP_CONCAT's order is the engine's (SPARQL 1.1 §18.5.1.7): the reports, in any order
    assert sorted(str(gallium["reports"]).split(", ")) == ["nhfl-2025", "zh-2024"]


def test_saved_query_organisations_in_province(store, settings):
    rows = run(store, settings, "organisations-in-place", place="flevoland", report="")
    by_name = {str(r["name"]): str(r["townLabel"]) for r in rows}
    assert by_name["Vecomach"] == "Emmeloord" and by_name["Trimey Metalen"] == "Urk"
    assert len(rows) == len(by_name) == 14
    assert {str(r["kind"]) for r in rows if str(r["name"]) == "Provincie Flevoland"} == {"government body"}


def test_saved_queries_on_and_not_on_the_list(store, settings):
    rows = run(store, settings, "materials-on-crm-list")
    assert len(rows) == 34
    silicon = next(r for r in rows if str(r["material"]).endswith("/silicon"))
    assert (str(silicon["entryLabel"]), str(silicon["symbol"]), int(silicon["atomicNumber"])) == \
        ("Silicon metal", "Si", 14)
    rows = run(store, settings, "materials-not-on-crm-list", lang="nl")
    labels = {str(r["label"]) for r in rows}
    assert {"Molybdeen", "Aluminium", "Zink", "Tin", "Staal"} <= labels
    assert "Gallium" not in labels and "Zeldzame aardmetalen" not in labels


def test_only_deliberately_shared_names_are_shared(reference):
    """A name printed for two entries of one gazetteer is tagged for both and resolves to the
    first: allowed only where one phrase names both (checked by hand)."""
    shared = {kind: g.shared_labels() for kind, g in reference.gazetteers().items()}
    assert shared == {
        "material": {"natural and synthetic graphite": ["natural-graphite", "synthetic-graphite"],
                     "natuurlijk en synthetisch grafiet": ["natural-graphite", "synthetic-graphite"]},
        "organisation": {}, "place": {}, "list": {},
        "policy": {label: ["end-of-life-vehicles-directive-2000", "end-of-life-vehicles-directive-2005"]
                   for label in ("elv", "elv directives", "end of life vehicles directives")},
    }


def test_saved_query_over_http_checks_the_province(client):
    body = client.get("/api/queries/organisations-in-place?place=flevoland&report=&lang=nl").get_json()
    names = {b["name"]["value"] for b in body["results"]["bindings"]}
    assert len(names) == 14 and "Vecomach" in names
    response = client.get("/api/queries/organisations-in-place?place=gallium")     # not a place
    assert response.status_code == 400 and response.get_json()["param"] == "place"
