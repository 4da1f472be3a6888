"""The NHFL parsers on the real report, both editions: counts read by hand.

Every expected number here was counted in the report text itself (English
edition nhfl-2025-en, Dutch edition nhfl-2025-nl), not copied from parser
output. Line numbers are those of the files in ../shared/sources.
"""

from __future__ import annotations

from collections import Counter

import pytest

from crm_kg.pipeline.extract import Run, extract_all, load_report, rule_data, rule_parser
from crm_kg.pipeline.extract.matrix import frame_key
from crm_kg.pipeline.rdf.reference import Reference
from crm_kg.pipeline.records import Disagreement, OrganisationListing, RecommendationRow
from crm_kg.pipeline.sources import Document, read_sources

EN, NL = "nhfl-2025-en", "nhfl-2025-nl"
# the rules of data/profiles/nhfl-2025.yaml that read each table, list and figure
summary_table1, recommendations_table5, crm_list_table2, goods_table3, activities_table4, organisations_table6 = (
    rule_parser(r) for r in ("table-1", "table-5", "table-2", "table-3", "table-4", "table-6"))
summary_tabel1, crm_list_tabel2, goods_tabel3, activities_tabel4, organisations_tabel6 = (
    rule_parser(r) for r in ("tabel-1", "tabel-2", "tabel-3", "tabel-4", "tabel-6"))
opportunities, kansen, opportunity_lists = (rule_parser(r) for r in ("opportunities", "kansen", "opportunity-lists"))
organisation_figures, organisation_figuren = rule_parser("figures"), rule_parser("figuren")


def compare_editions(documents):
    return Run(load_report("nhfl-2025"), documents).compare_records()


@pytest.fixture(scope="module")
def docs(settings):
    return read_sources(settings.sources, only=[EN, NL])


@pytest.fixture(scope="module")
def gazetteers(settings):
    return Reference.load(settings.data_dir / "reference")


def _split(records):
    return ([r for r in records if not isinstance(r, Disagreement)],
            [r for r in records if isinstance(r, Disagreement)])


# --------------------------------------------------------------------------
# Table 1 / Table 5 / Tabel 1 / Tabel 5
# --------------------------------------------------------------------------

def test_table1_rows_and_damage(docs):
    rows, disagreements = _split(summary_table1(docs[EN]))
    assert [r.number for r in rows] == list(range(1, 11))
    assert all(isinstance(r, RecommendationRow) and not r.asserts and r.table == "Table 1" for r in rows)
    by_number = {r.number: r for r in rows}
    assert by_number[3].actors == ("Municipalities",)            # read from the end of the text
    assert by_number[7].actors == ("Provinces", "Municipalities")
    assert by_number[4].actors == ()                              # no actor printed at all
    # what Table 1 ticks is what Table 5 ticks, row by row
    table5 = {r.number: r for r in recommendations_table5(docs[EN])}
    assert all(by_number[n].opportunities == table5[n].opportunities for n in range(1, 11))
    # rows 3, 4, 5 and 7 are damaged (lines 120, 121, 122, 124); each is reported
    details = {int(d.subject.split()[-1]): d for d in disagreements}
    assert sorted(details) == [3, 4, 5, 7]
    assert "merged into the recommendation text" in details[3].detail
    assert "no responsible actor in Table 1 but Municipalities in Table 5" in details[4].detail
    assert "number is missing" in details[5].detail
    assert "'rs'" in details[7].detail and "merged" in details[7].detail
    assert [d.sources[0].start for d in (details[n] for n in (3, 4, 5, 7))] == [120, 121, 122, 124]
    assert [d.sources[1].start for d in (details[n] for n in (3, 4, 5, 7))] == [737, 738, 739, 741]


@pytest.mark.parametrize("table, first_line", [("Tabel 1", 299), ("Tabel 5", 2537)])
def test_dutch_recommendation_tables(docs, table, first_line):
    printed = rule_data(docs[NL], table.lower().replace(" ", "-"))
    assert [p.row.number for p in printed] == list(range(1, 11))
    assert printed[0].row.source.start == first_line
    # ticks per row as printed (x x x …) = the number of opportunities in Table 5
    assert [p.marks for p in printed] == [3, 3, 4, 3, 4, 3, 1, 3, 4, 4]
    assert printed[4].row.actors == ("Rijksoverheid", "Provincies", "Gemeenten")   # over two lines
    assert printed[5].row.actors == ("Rijksoverheid", "gemeenten")
    assert Counter(frame_key(p.row.time_frame) for p in printed) == {"<1": 5, "1-3": 5}


def test_dutch_tabel1_agrees_with_tabel5(docs):
    rows, disagreements = _split(summary_tabel1(docs[NL]))
    assert len(rows) == 10 and disagreements == []


# --------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------

def test_opportunity_headings_both_editions(docs):
    en = opportunities(docs[EN])
    nl = kansen(docs[NL])
    assert [o.number for o in en] == [o.number for o in nl] == [1, 2, 3, 4, 5]
    assert [o.source.start for o in nl] == [2164, 2246, 2317, 2364, 2397]
    assert nl[-1].source.end < 2416   # stops before chapter 6


def test_opportunity_lists_both_editions(docs):
    # Summary and Section 6 each list the five opportunities, in both editions
    for edition, starts in ((EN, [104, 721]), (NL, [271, 2477])):
        items = opportunity_lists(docs[edition])
        assert [o.number for o in items] == [1, 2, 3, 4, 5] * 2
        assert [items[0].source.start, items[5].source.start] == starts
    assert opportunity_lists(docs[NL])[0].source.end == 273   # wrapped item


# --------------------------------------------------------------------------
# Table 2, Table 3, Table 4
# --------------------------------------------------------------------------

def test_table2_34_entries_in_both_editions(docs, gazetteers):
    en = crm_list_table2(docs[EN])
    nl = crm_list_tabel2(docs[NL])
    assert len(en) == len(nl) == 34
    assert Counter(r.source.start for r in en)[181] == 2               # last row: Copper, Nickel
    en_ids = [gazetteers.materials.resolve(r.label).slug for r in en]
    nl_ids = [gazetteers.materials.resolve(r.label).slug for r in nl]
    assert en_ids == nl_ids                                             # same grid, same order
    assert len(set(en_ids)) == 34
    assert all(gazetteers.materials.get(i)["eu_crm_2023"] for i in en_ids)
    assert {r.label for r in nl} >= {"Lichte zeldzame aardmetalen", "Silicium Metaal", "Fosfaat gesteente"}


@pytest.mark.parametrize("parser, edition", [(goods_table3, EN), (goods_tabel3, NL)])
def test_table3_shares_per_province(docs, parser, edition, gazetteers):
    rows = parser(docs[edition])
    shares = {p: [float(r.share) for r in sorted(rows, key=lambda r: r.rank) if r.province == p]
              for p in ("Noord-Holland", "Flevoland")}
    assert shares == {"Noord-Holland": [37.5, 15.5, 9, 8, 7], "Flevoland": [38.5, 17.5, 8, 7, 6.5]}
    from crm_kg.config import load_settings
    from crm_kg.pipeline.rdf.products import Products
    goods = Products.load(load_settings().data_dir / "reference" / "products.yaml").goods
    fifth = {r.province: goods.resolve(r.category).slug for r in rows if r.rank == 5}
    assert fifth == {"Noord-Holland": "non-ferrous-metals-and-products-thereof",
                     "Flevoland": "glass-and-glassware-ceramic-products"}


@pytest.mark.parametrize("parser, edition", [(activities_table4, EN), (activities_tabel4, NL)])
def test_table4_six_categories(docs, parser, edition):
    from crm_kg.config import load_settings
    from crm_kg.pipeline.resolve import ConceptIndex
    from crm_kg.pipeline.stages import load_ontology

    concepts = ConceptIndex(load_ontology(load_settings()))
    rows = parser(docs[edition])
    slugs = [str(concepts.require("activity", r.label)).rsplit("/", 1)[-1] for r in rows]
    assert slugs == ["processing", "manufacturing", "recycling-collection", "metal-recovery",
                     "services-and-trade", "research-and-development"]


# --------------------------------------------------------------------------
# Table 6 and the figures
# --------------------------------------------------------------------------

def test_dutch_table6_counts_and_same_organisations(docs, gazetteers):
    en = organisations_table6(docs[EN])
    nl = organisations_tabel6(docs[NL])
    assert Counter(r.activity for r in nl) == {
        "Verwerking": 3, "Productie": 14, "Recycling": 27, "Recycling (terugwinning van metalen)": 2,
        "Diensten en handel": 12, "Onderzoek en ontwikkeling": 7}
    assert len(nl) == 65
    orgs = gazetteers.organisations
    for row_en, row_nl in zip(en, nl):     # a translated name is the same organisation
        assert orgs.resolve(row_nl.name).slug == orgs.resolve(row_en.name).slug, (row_en.name, row_nl.name)
        assert orgs.resolve(row_nl.name).how != "unlisted"
        assert gazetteers.places.resolve(row_nl.location).slug == gazetteers.places.resolve(row_en.location).slug
    translated = {r.name: orgs.resolve(r.name) for r in nl}
    for printed, slug in [("Energie", "energyra"), ("Schone troon", "cleantron"), ("Terugkeren", "return"),
                          ("Wetenschapspark", "amsterdam-science-park"), ("ERTS Energie", "ore-energy"),
                          ("Hitachi Bouwmachines", "hitachi-construction-machinery")]:
        assert translated[printed].slug == slug and translated[printed].how == "misprint"


FIGURE_COUNTS = {"processing": 2, "manufacturing": 12, "recycling-collection": 27,
                 "metal-recovery": 2, "services-and-trade": 10, "research-and-development": 7}


def test_figures_1_and_10_in_both_editions(docs, gazetteers):
    from crm_kg.config import load_settings
    from crm_kg.pipeline.resolve import ConceptIndex
    from crm_kg.pipeline.stages import load_ontology

    concepts = ConceptIndex(load_ontology(load_settings()))
    orgs = gazetteers.organisations
    in_figures = set()
    for edition, parser in ((EN, organisation_figures), (NL, organisation_figuren)):
        listings, _ = _split(parser(docs[edition]))
        assert all(isinstance(x, OrganisationListing) for x in listings)
        assert len(listings) == 120                                   # 60 names in each figure
        counts = Counter(str(concepts.require("activity", x.activity)).rsplit("/", 1)[-1] for x in listings)
        assert counts == {k: 2 * v for k, v in FIGURE_COUNTS.items()}
        for x in listings:
            match = orgs.resolve(x.name)
            assert match.how != "unlisted", x.name
            in_figures.add(match.slug)
    in_table6 = {orgs.resolve(r.name).slug for r in organisations_table6(docs[EN])}
    assert in_figures - in_table6 == {"ketjen-netherlands"}
    assert in_table6 - in_figures == {"aito", "amsterdam-scientific-instruments", "elementis-minerals",
                                      "elementis-minerals-distribution", "metaal-recycling-smink",
                                      "spamecon", "vecomach"}
    # the spellings of one company: all one IRI
    for name in ("HKS The metal Company", "HKS - The metal Company", "HKS Metals Amsterdam", "HKS Metalen Amsterdam"):
        assert orgs.resolve(name).slug == "hks-metals"
    assert orgs.resolve("Tata Steel Ijmuiden").slug == orgs.resolve("Tata Steel IJmuiden").slug


def test_figure1_vs_figure10(docs):
    _, en = _split(organisation_figures(docs[EN]))
    _, nl = _split(organisation_figuren(docs[NL]))
    assert nl == []                                        # the Dutch figures are identical
    assert [(d.sources[0].start, d.sources[1].start) for d in en] == [(93, 528)]
    assert "'Farci Metala Recycling'" in en[0].detail and "'Farci Metaal Recycling'" in en[0].detail


# --------------------------------------------------------------------------
# The two editions compared
# --------------------------------------------------------------------------

def test_editions_agree_except_one_figure_spelling(docs):
    found = compare_editions(docs)
    assert [(d.sources[0].edition, d.sources[0].start, d.sources[1].edition) for d in found] == \
        [(EN, 93, NL)]                                    # EN Figure 1 'Farci Metala' vs NL Figuur 1


def _edited(doc: Document, changes: dict[int, str]) -> Document:
    lines = list(doc.raw_lines)
    for number, text in changes.items():
        lines[number - 1] = text
    return Document(doc.edition, "\n".join(lines) + "\n")


def test_edition_differences_are_reported(docs):
    nl = docs[NL]
    changed = _edited(nl, {
        2579: "Provincies, Gemeenten x x",                    # Tabel 5 row 7: one tick too many
        2571: "Provincies, ",                                 # Tabel 5 row 6: actor translated wrongly
        2852: "AST Amsterdam Schroot Terminal Diensten en handel Zaandam",   # a place changed
        1107: "2 Andere machines en gereedschapswerktuigen 15.5% Andere machines en gereedschapswerktuigen 18%",
    })
    found = compare_editions({EN: docs[EN], NL: changed})
    details = [d.detail for d in found]
    assert any("Tabel 5 row 7" in d and "2 opportunity marks" in d for d in details)
    assert any("Tabel 5 row 6" in d and "actors Provincies, gemeenten" in d for d in details)
    assert any("place 'Zaandam' in Tabel 6" in d for d in details)
    assert any("18" in d and "Flevoland" in d for d in details)


def test_extract_all_registers_both_editions(docs):
    facts = extract_all(docs)
    nl_rows = [f for f in facts if isinstance(f, RecommendationRow) and f.source.edition == NL]
    assert len(nl_rows) == 20 and not any(r.asserts for r in nl_rows)
    assert sum(1 for f in facts if isinstance(f, RecommendationRow) and f.asserts) == 10
