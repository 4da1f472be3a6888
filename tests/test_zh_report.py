"""The Zuid-Holland parsers on the real report, against what we read in it by hand.

Every expected number, name and line below was read from
``../shared/sources/001_a062f07da275960c.txt`` (zh-2024-nl) before the parser
was run; the parser had to match it. Also: the curated facts agree with the
text where the text has structure (Figure 2's dates, the role headings of
section 6), and bad input gives a clear ExtractError.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from crm_kg.pipeline.curated import load_report
from crm_kg.pipeline.extract import load_report as load_profile
from crm_kg.pipeline.extract import rule_data, rule_parser
from crm_kg.pipeline.extract.tables import ExtractError
from crm_kg.pipeline.rdf.products import Products
from crm_kg.pipeline.rdf.reference import Reference
from crm_kg.pipeline.records import EventFact, RecommendationDetail
from crm_kg.pipeline.sources import Document, Edition, read_sources

crm_list, figure1, organisations_figure4 = (rule_parser(r) for r in ("crm-list", "figure-1", "figure-4"))
opportunities, challenges, recommendations = (rule_parser(r) for r in ("opportunities", "challenges",
                                                                       "recommendations"))


@pytest.fixture(scope="module")
def documents(settings):
    return read_sources(settings.sources)


@pytest.fixture(scope="module")
def doc(documents):
    return documents["zh-2024-nl"]


@pytest.fixture(scope="module")
def reference(settings):
    return Reference.load(settings.data_dir / "reference")


def test_registered_for_the_dutch_edition():
    rules = load_profile("zh-2024").editions["zh-2024-nl"]
    assert [r.id for r in rules] == ["crm-list", "figure-1", "figure-4", "opportunities", "challenges",
                                     "recommendations", "figure-2-dates"]


# -- recommendations -------------------------------------------------------------------

SECTION6 = ["1", "1.1", "1.2", "2", "2.1", "2.2", "3", "3.1", "3.2", "3.3", "4", "5", "5.1", "5.2",
            "6", "6.1", "6.2", "6.3", "6.4", "6.5", "7", "8", "9"]


def test_recommendations_of_section_6_and_the_summary(doc):
    items = recommendations(doc)
    in_six = [i for i in items if i.source.start > 1321]
    summary = [i for i in items if i.source.end < 142]
    assert [i.notation for i in in_six] == SECTION6
    assert [i.notation for i in summary] == [str(n) for n in range(1, 10)]
    spans = {i.notation: (i.source.start, i.source.end) for i in in_six}
    # read by hand: first and last line of each passage, footnotes cut off
    assert spans["1"] == (1346, 1350)
    assert spans["1.2"] == (1366, 1384)        # footnote 38 follows
    assert spans["2.1"] == (1409, 1425)        # with its two bullets
    assert spans["2.2"] == (1427, 1445)        # printed "2.2."
    assert spans["3.2"] == (1469, 1493)        # runs on after a page footer
    assert spans["4"] == (1505, 1525)          # the support heading (1527) ends it
    assert spans["6"] == (1553, 1563)          # footnote 39 follows
    assert spans["6.1"] == (1566, 1574)
    assert spans["6.5"] == (1622, 1634)        # footnotes 40-42 follow
    assert spans["9"] == (1677, 1687)
    assert next((i.source.start, i.source.end) for i in summary) == (65, 73)
    assert summary[-1].source.start == 133


def test_section_6_headings_split_leading_from_supporting(doc, documents, settings):
    """The curated roles agree with the two headings that introduce each group."""
    assert doc.line(1344).rstrip().endswith("voortouw kan nemen:")
    assert doc.line(1527).rstrip().endswith("ondersteuning kan bieden:")
    tops = [i for i in recommendations(doc) if i.source.start > 1321 and "." not in i.notation]
    expected = {i.notation: ("leading" if i.source.start < 1527 else "supporting") for i in tops}
    roles = {f.notation: f.province_role for f in load_report(settings.data_dir / "curated", "zh-2024", documents)
             if isinstance(f, RecommendationDetail) and f.province_role}
    assert roles == expected
    assert [n for n, r in sorted(roles.items()) if r == "leading"] == ["1", "2", "3", "4"]


# -- opportunities ---------------------------------------------------------------------

def test_four_opportunities_in_three_places(doc):
    items = opportunities(doc)
    assert Counter(i.number for i in items) == {1: 3, 2: 3, 3: 3, 4: 3}
    paragraphs = [(i.number, i.source.start, i.source.end) for i in items if i.source.start >= 809]
    assert paragraphs == [(1, 809, 847), (2, 852, 993), (3, 995, 1015), (4, 1017, 1064)]
    summary = [(i.number, i.source.start, i.source.end) for i in items if i.source.end < 142]
    assert summary == [(1, 37, 39), (2, 39, 41), (3, 41, 41), (4, 41, 43)]
    intro = [(i.number, i.source.start) for i in items if 797 <= i.source.start <= 807]
    assert intro == [(1, 803), (2, 805), (3, 805), (4, 807)]


# -- challenges ------------------------------------------------------------------------

def test_challenges_per_category(doc):
    rows = challenges(doc)
    # read from the table: 2 social, 1 environmental, 1 ethical, 4 economic, 4 political
    assert Counter(r.category for r in rows) == {"Sociaal": 2, "Milieu": 1, "Ethisch": 1, "Economisch": 4,
                                                 "Politiek": 4}
    assert [r.id for r in rows] == [str(n) for n in range(1, 13)]
    starts = [r.source.start for r in rows]
    assert starts == [1102, 1120, 1140, 1164, 1197, 1211, 1219, 1229, 1256, 1280, 1296, 1310]
    assert [r.source.end for r in rows][-1] == 1320
    assert doc.line(1211).startswith("Ongelijk speelveld Verschillen")   # the one-line row


def test_every_challenge_has_a_title(settings, doc):
    from crm_kg import yamlio

    titles = yamlio.load(settings.data_dir / "curated" / "zh-2024" / "titles.yaml")
    assert sorted(str(k) for k in titles["challenges"]) == sorted(r.id for r in challenges(doc))


# -- Figure 4 ------------------------------------------------------------------------------

def test_figure4_counts_per_category(doc):
    rows = organisations_figure4(doc)
    # counted in the figure by hand; TES's combined category counts in both activities
    assert Counter(r.activity for r in rows) == {
        "manufacturing": 13, "refining": 2, "recycling-collection": 35, "research-and-development": 15,
        "services-and-trade": 21, "black-mass-production": 1, "metal-recovery": 1}
    assert len({r.name for r in rows}) == 87


def test_figure4_names_repaired(doc):
    names = {r.name: r for r in organisations_figure4(doc)}
    for whole in ["Siemens Gamesa", "Villares Metals International", "Drake and Farrell",
                  "Arenal Dredging and Mining", "Henk Netten Metaalhandel B.V.", "Van Leeuwen Recycling Groep",
                  "Materials Recycling and Sustainability", "Nouryon Chemicals B.V. Europoort",
                  "Metaalhandel & Autosloperij B. Rijsdijk", "Metaalhandel W. Ketting", "EMR", "SGS",
                  "Lion Metals", "Maarten van Rijn Oud Ijzer en Metalen", "Ayaz Auto Inkoop", "BM Metals",
                  "Van Oord", "WD Trading B.V.", "Water-Mining H2020", "ZERO BRINE"]:
        assert whole in names, whole
    for fragment in ["Siemens", "Gamesa", "Europoort", "SGS.", "EMR ", "Van Oord WD Trading B.V."]:
        assert fragment not in names
    assert (names["Siemens Gamesa"].source.start, names["Siemens Gamesa"].source.end) == (779, 781)
    assert names["Lion Metals"].source.start == 737 and names["Maarten van Rijn Oud Ijzer en Metalen"].source.start == 739
    assert names["Climax Molybdenum"].activity == "refining"


def test_figure4_names_resolve_to_listed_organisations(doc, reference):
    unresolved = [r.name for r in organisations_figure4(doc)
                  if reference.organisations.resolve(r.name).how == "unlisted"]
    assert unresolved == []
    slugs = {reference.organisations.resolve(r.name).slug for r in organisations_figure4(doc)}
    assert {"siemens-gamesa", "tes", "stichting-open", "emr", "tno", "hcss", "asml-delft",
            "nouryon-chemicals-europoort", "van-oord", "wd-trading"} <= slugs
    assert len(slugs) == 87


# -- the EU CRM list in Dutch -------------------------------------------------------------

def test_crm_list_rows_and_materials(doc, reference):
    rows = crm_list(doc)
    assert len(rows) == 34
    per_line = Counter(r.source.start for r in rows)
    assert sorted(per_line.values()) == [1] + [3] * 11 and per_line[349] == 1
    labels = [r.label for r in rows]
    assert labels[:3] == ["Antimoon", "Gallium", "Nikkel"]
    assert "Lichte zeldzame aardmetalen" in labels and "Natuurlijk grafiet" in labels
    materials = {reference.materials.resolve(label).slug for label in labels}
    on_list = {slug for slug, e in reference.materials.entries.items() if e["eu_crm_2023"]}
    # the same 34 individuals that carry the English list (one per material)
    assert materials == on_list and len(materials) == 34
    assert reference.materials.resolve("Fluoriet").slug == "fluorspar"
    assert reference.materials.resolve("Siliciummetaal").slug == "silicon"


# -- Figure 1 --------------------------------------------------------------------------------

SECTOR_LINES = {"medical": (373, 383), "renewable-energy": (385, 388), "digital": (399, 405),
                "defence": (407, 417)}


def test_figure1_applications_per_sector(doc, settings, reference):
    products = Products.load(settings.data_dir / "reference" / "products.yaml").products
    items = figure1(doc)
    assert len(items) == 38
    found: dict[str, set] = {}
    materials = set()
    for item in items:
        match = products.resolve(item.name)
        if match.how == "unlisted":
            materials.add(reference.materials.resolve(item.name).slug)
            continue
        sector = next(s for s, (a, b) in SECTOR_LINES.items() if a <= item.source.start <= b)
        assert sector in (match.entry.get("sectors") or []), (item.name, sector)
        found.setdefault(sector, set()).add(match.slug)
    assert {s: len(v) for s, v in found.items()} == {"medical": 11, "renewable-energy": 4, "digital": 7,
                                                      "defence": 11}
    assert {"mri-scanner", "pacemaker", "x-ray-equipment"} <= found["medical"]
    assert {"drone", "fighter-aircraft", "tank"} <= found["defence"]
    assert {"display", "hard-disk-drive", "battery"} <= found["digital"]
    assert found["renewable-energy"] == {"wind-turbine", "solar-panel", "electric-vehicle", "battery-storage"}
    assert materials == {"germanium", "rare-earth-elements", "silicon", "gallium", "cobalt"}


# -- Figure 2 against the curated events ------------------------------------------------------

def test_timeline_headings(doc):
    assert rule_data(doc, "figure-2-dates") == [(473, "2022-08"), (486, "2022-10"), (499, "2022-12"), (510, "2023-07"),
                                (521, "2023-01"), (532, "2023-06"), (543, "2023-10"), (554, "2023-11"),
                                (565, "2024-01")]


def test_curated_events_match_the_timeline(documents, settings, doc):
    headings = dict(rule_data(doc, "figure-2-dates"))
    events = [f for f in load_report(settings.data_dir / "curated", "zh-2024", documents)
              if isinstance(f, EventFact) and f.measure]
    assert len(events) == 10      # nine boxes, the December 2022 box holds two measures
    for event in events:
        assert headings[event.source.start] == event.announced, event.id
    assert {e.announced for e in events} == set(headings.values())
    by_id = {e.id: e for e in events}
    gallium = by_id["china-gallium-germanium-licences-2023"]
    assert (gallium.announced, gallium.effective, gallium.materials) == ("2023-07", "2023-08", ("gallium", "germanium"))
    assert by_id["nl-asml-export-restrictions-2023"].effective == "2023-09"
    assert by_id["china-graphite-licences-2023"].effective == "2023-12"
    assert by_id["us-chips-and-science-act-2022"].amount[0] == 52_000_000_000
    assert by_id["china-industry-subsidy-package-2022"].amount[0] == 143_000_000_000


# -- bad input -------------------------------------------------------------------------------

def _doc(text: str) -> Document:
    edition = Edition(id="zh-2024-nl", file="bad.txt", sha256="0" * 64, report="zh-2024", language="nl",
                      title="fixture")
    return Document(edition, text)


FIXTURE = (Path(__file__).parent / "cases" / "zh-report" / "input.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("parser, change, message", [
    (crm_list, ("telt 5 grondstoffen", "telt 6 grondstoffen"), "the text says 6"),
    (organisations_figure4, ("Raffinage:", "Smelten:"), "category 'Smelten' is not known"),
    (figure1, ("Figuur 1.", "Figuur 9."), r"rule 'figure-1' \(figure-mentions\): .*Figuur 1.*not found"),
    (recommendations, ("1.2. Onderzoek", "1.3. Onderzoek"), "out of order"),
    (recommendations, ("2. Loket: De toetsprovincie", "De toetsprovincie"), "the summary lists"),
    (opportunities, ("(2) terugwinning; (3) kennis delen.", "(2) terugwinning."), "section 4 has 3"),
    (challenges, ("Trage vergunningen Een toelichting", "Trage vergunningen een toelichting"),
     "cannot tell the challenge name"),
])
def test_bad_layout_is_a_clear_error(parser, change, message):
    old, new = change
    assert old in FIXTURE
    with pytest.raises(ExtractError, match=message):
        parser(_doc(FIXTURE.replace(old, new, 1)))
