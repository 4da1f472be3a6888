"""The mention tagger: its matching rules, its precision and recall on a hand-annotated
sample, and what it records in the built graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import URIRef

from crm_kg.iri import ID
from crm_kg.pipeline.mentions import Tagger, tokens
from crm_kg.pipeline.rdf.reference import Reference
from crm_kg.pipeline.resolve import ConceptIndex
from crm_kg.pipeline.sources import Document, Edition, read_sources
from crm_kg.pipeline.stages import load_ontology

CASES = Path(__file__).parent / "cases" / "mentions"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
_MARK = re.compile(r"\[\[(.+?)\|([^\]]+)\]\]", re.S)
PREFIX = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX id: <https://w3id.org/crm-kg/id/>
"""


@pytest.fixture(scope="module")
def reference(settings):
    return Reference.load(settings.data_dir / "reference")


@pytest.fixture(scope="module")
def tagger(settings, reference):
    return Tagger.from_reference(reference, reference.topic_terms(ConceptIndex(load_ontology(settings))))


@pytest.fixture(scope="module")
def documents(settings):
    return read_sources(settings.sources)


def iris(tagger, text, **kw):
    return [sorted(str(i).split("/id/")[1] for i in m.iris) for m in tagger.tag(text, **kw)]


def flat(tagger, text, **kw):
    return sorted({i for group in iris(tagger, text, **kw) for i in group})


# -- matching rules ------------------------------------------------------------------

def test_tokens_split_camel_case_and_ignore_footnote_marks():
    assert [t[2] for t in tokens("GermaniumZeldzame aardmetalen⁴⁵ H2020")] == \
        ["Germanium", "Zeldzame", "aardmetalen", "H", "2020"]


def test_materials_ignore_case_but_acronyms_do_not(tagger):
    assert flat(tagger, "Gallium, GALLIUM and gallium") == ["material/gallium"]
    assert flat(tagger, "the REE market") == ["material/rare-earth-elements"]
    assert flat(tagger, "a ree in the garden") == []


def test_proper_names_keep_their_capitals(tagger):
    assert flat(tagger, "Sanctions hit the US first.") == ["measure-type/sanction", "place/united-states"]
    assert flat(tagger, "Let us see.") == []
    assert flat(tagger, "SCRAP collects scrap.") == ["material/scrap", "organisation/scrap"]
    assert iris(tagger, "SCRAP") == [["organisation/scrap"]]
    assert flat(tagger, "the haven van Amsterdam") == flat(tagger, "Haven van Amsterdam")
    assert flat(tagger, "a science park") == []


def test_longest_name_wins_and_names_do_not_overlap(tagger):
    assert flat(tagger, "Climax Molybdenum refines ore") == ["organisation/climax-molybdenum"]
    assert flat(tagger, "TU Delft and Delft") == ["organisation/tu-delft", "place/delft"]
    assert flat(tagger, "the Netherlands Materials Observatory") == ["organisation/nmo"]


def test_a_shared_name_tags_every_entry_that_has_it(tagger):
    assert flat(tagger, "the MRA") == ["organisation/metropoolregio-amsterdam", "place/mra"]


def test_names_do_not_run_across_commas_or_full_stops(tagger):
    assert flat(tagger, "Amsterdam, Science Park") == sorted(
        ["place/amsterdam", "organisation/amsterdam-science-park", "place/amsterdam-science-park"])
    assert "organisation/ayaz-auto-inkoop" in flat(tagger, "Ayaz Auto Inkoop. BM Metals")
    assert flat(tagger, "Siemens, Gamesa") == ["organisation/siemens-gamesa"]  # a misprint with its comma


def test_hyphenated_compounds_and_web_addresses(tagger):
    assert flat(tagger, "de CRM-lijst en REE-magneten") == ["list/eu-crm-2023", "material/rare-earth-elements"]
    assert flat(tagger, "https://www.noord-holland.nl/zeewolde/gallium.pdf") == []


def test_cell_only_names_count_only_as_cells(tagger):
    assert flat(tagger, "Return on investment is low.") == []
    assert flat(tagger, "Holland Batteries, Return, AMG") == sorted(
        ["organisation/holland-batteries", "organisation/return"])
    assert flat(tagger, "Return\tServices and Trade\tAmsterdam") == ["organisation/return", "place/amsterdam"]
    assert flat(tagger, "Energie is duur.", row=True) == []
    assert flat(tagger, "Energie uit de Noordzee", row=True) == ["place/north-sea"]
    assert flat(tagger, "Energie Productie Westknollendam", row=True) == \
        ["organisation/energyra", "place/westknollendam"]
    assert flat(tagger, "Energie Productie Westknollendam", row=False) == ["place/westknollendam"]


def test_a_name_broken_over_two_paragraphs_is_found_on_both(tagger):
    doc = _document("Recycling in the province: Villares Metals\n\nInternational, BM Metals.\n")
    found = {(span.start, span.end, str(iri).split("/id/")[1])
             for span, _kind, iris_ in tagger.tag_document(doc) for iri in iris_}
    assert (1, 3, "organisation/villares-metals-international") in found
    assert (3, 3, "organisation/bm-metals") in found


# -- precision and recall on a hand-annotated sample -----------------------------------

def _document(text: str) -> Document:
    edition = Edition(id="nhfl-2025-en", file="fixture.txt", sha256="0" * 64, report="nhfl-2025",
                      language="en", title="fixture")
    return Document(edition, text)


def _annotated():
    """Plain text and the gold mentions ``{(line, iri)}`` of tests/cases/mentions/annotated.txt."""
    raw = (CASES / "annotated.txt").read_text(encoding="utf-8")
    plain, gold, pos = [], [], 0
    for match in _MARK.finditer(raw):
        plain.append(raw[pos:match.start()])
        line = "".join(plain).count("\n") + 1
        plain.append(match.group(1))
        gold += [(line, ID[target.strip()]) for target in match.group(2).split(",")]
        pos = match.end()
    plain.append(raw[pos:])
    return "".join(plain), gold


def test_precision_and_recall_on_the_annotated_sample(tagger):
    """The figures and the misses go to ``test-artifacts/mention-tagger.txt`` (and into the
    message when the test fails), not into pytest's progress line."""
    text, gold_lines = _annotated()
    doc = _document(text)
    known = {label.iri for label in tagger.labels}
    assert {iri for _line, iri in gold_lines} <= known, "an annotation names an unknown entity"
    paragraphs = doc.paragraphs

    def passage_of(line: int) -> int:
        return next(p.span.start for p in paragraphs if p.span.start <= line <= p.span.end)

    gold = {(passage_of(line), iri) for line, iri in gold_lines}
    found = {(span.start, iri) for span, _kind, iris_ in tagger.tag_document(doc) for iri in iris_}
    hits = gold & found
    precision, recall = len(hits) / len(found), len(hits) / len(gold)
    report = [f"mention tagger on {CASES.name}/annotated.txt: {len(gold)} annotated, {len(found)} found, "
              f"precision {precision:.3f}, recall {recall:.3f}"]
    report += [f"  missed   line {line}: {iri}" for line, iri in sorted(gold - found)]
    report += [f"  spurious line {line}: {iri}" for line, iri in sorted(found - gold)]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "mention-tagger.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    assert len(gold) >= 100, report[0]
    assert precision >= 0.95, "\n".join(report)
    assert recall >= 0.90, "\n".join(report)


# -- the real reports ----------------------------------------------------------------------

def test_required_spellings_are_found_in_both_languages(tagger, documents):
    docs = documents
    wanted = {"nhfl-2025-nl": {"material/tungsten": "Wolfraam", "material/antimony": "Antimoon",
                               "material/rare-earth-elements": "zeldzame aardmetalen"},
              "nhfl-2025-en": {"material/tungsten": "Tungsten", "material/antimony": "Antimony",
                               "material/rare-earth-elements": "rare earth elements"}}
    for edition, expected in wanted.items():
        found = {}
        for paragraph in docs[edition].paragraphs:
            for m in tagger.tag_paragraph(paragraph):
                for iri in m.iris:
                    found.setdefault(str(iri).split("/id/")[1], set()).add(m.text.casefold())
        for iri, spelling in expected.items():
            assert spelling.casefold() in found.get(iri, set()), (edition, iri)


# Named in the YAML for a report, but only inside another entry's name there (the
# tagger then records the longer name) or without any name (a pledge the report
# describes); checked by hand.
NAMED_ONLY_INSIDE_ANOTHER_NAME = {
    ("organisation", "elementis", "nhfl-2025"),          # Elementis Minerals B.V., ... Distribution
    ("organisation", "emr", "nhfl-2025"),                # EMR Metal Recycling BV
    ("organisation", "nouryon", "zh-2024"),              # Nouryon Chemicals B.V. Europoort
    ("organisation", "provincie-noord-holland", "zh-2024"),  # the province as an area only
    ("organisation", "provincie-overijssel", "zh-2024"),     # printed "Overijssel": tagged as the place
    ("policy", "nato-hague-summit-declaration-2025", "nhfl-2025"),  # "the 5% pledge", unnamed
}


def test_every_entry_said_to_be_named_in_a_report_is_found_there(tagger, reference, documents):
    docs = documents
    found: dict[URIRef, set[str]] = {}
    for doc in docs.values():
        for _span, _kind, iris_ in tagger.tag_document(doc):
            for iri in iris_:
                found.setdefault(iri, set()).add(doc.edition.report)
    missing = set()
    for kind, gazetteer in reference.gazetteers().items():
        for slug, entry in gazetteer.entries.items():
            claimed = set(entry.get("named_in") or entry.get("mentioned_in") or [])
            for report in claimed - found.get(ID[f"{kind}/{slug}"], set()):
                missing.add((kind, slug, report))
    assert missing == NAMED_ONLY_INSIDE_ANOTHER_NAME


def test_mentions_are_in_the_report_graphs_with_their_passage(store):
    rows = store.query(PREFIX + """
        SELECT DISTINCT ?g ?edition ?start ?end WHERE {
          GRAPH ?g { ?passage crm:mentions <https://w3id.org/crm-kg/id/material/tungsten> ;
                         crm:inEdition ?edition ; crm:startLine ?start ; crm:endLine ?end . }
        }""").rows
    graphs = {str(r["g"]) for r in rows}
    editions = {str(r["edition"]).rsplit("/", 1)[1] for r in rows}
    assert graphs == {"https://w3id.org/crm-kg/graph/nhfl-2025", "https://w3id.org/crm-kg/graph/zh-2024"}
    assert editions == {"nhfl-2025-en", "nhfl-2025-nl", "zh-2024-nl"}
    assert all(1 <= int(r["start"]) <= int(r["end"]) for r in rows)


def test_mentioned_in_and_named_in_follow_in_the_inferred_graph(store):
    inferred = "<https://w3id.org/crm-kg/graph/inferred>"
    # namedIn may also be asserted by a parser (a list table names gallium); either way both reports
    rows = store.query(PREFIX + f"""
        SELECT ?report WHERE {{ <{ID}material/gallium> crm:namedIn ?report }}""").rows
    assert {str(r["report"]).rsplit("/", 1)[1] for r in rows} == {"nhfl-2025", "zh-2024"}
    rows = store.query(PREFIX + f"""
        SELECT ?x ?report WHERE {{
          GRAPH {inferred} {{ ?x crm:namedIn ?report }}
          ?passage crm:mentions ?x ; crm:inEdition/crm:editionOf ?report .
          FILTER NOT EXISTS {{ ?x crm:namedIn ?report ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?p2 }}
        }} LIMIT 5""").rows
    assert rows, "namedIn derived from mentions must land in the inferred graph"
    rows = store.query(PREFIX + f"""
        SELECT ?p WHERE {{ GRAPH {inferred} {{ <{ID}material/gallium> crm:mentionedIn ?p }} }}""").rows
    assert len(rows) >= 8
    # Lutetium is in the gazetteer (a heavy rare earth) but no report names it.
    assert store.query(PREFIX + f"ASK {{ <{ID}material/lutetium> crm:namedIn ?r }}").boolean is False
    assert store.query(PREFIX + f"ASK {{ <{ID}material/lutetium> crm:mentionedIn ?p }}").boolean is False
