"""A report the code was not written for, added by data alone (README, "Adding a report").

tests/cases/new-report/ holds a short synthetic report we wrote ourselves
(ov-2026-en.txt: an organisation table with the place first, a bulleted
"Activity: org, org" list, "Opportunity N:" headings, a tick matrix whose
first column is the recommendation, a numbered list with sub-items), the
profile a curator writes for it and its curated YAML. The test walks the real
steps in a scratch copy of the data folder: `crm-kg add-report` pins it and
drafts a profile; the curator's profile and YAML go in; the build refuses
the two names the reference data does not know and suggests the right ones;
once they are added as spellings of their entries, the report builds and
yields the triples asserted below. A second fixture, the same report with
its layout broken, gets errors naming the profile rule and the report line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import RDF, RDFS, Literal, URIRef

from crm_kg.cli import main
from crm_kg.config import ROOT, Settings
from crm_kg.iri import CRM, GRAPH
from crm_kg.pipeline.extract import ExtractError, Run, load
from crm_kg.pipeline.extract.entities import UnknownEntities
from crm_kg.pipeline.sources import Document, Edition
from crm_kg.pipeline.stages import build_dataset

CASE = Path(__file__).parent / "cases" / "new-report"
TEXT = (CASE / "ov-2026-en.txt").read_text(encoding="utf-8")
ID = "https://w3id.org/crm-kg/id/"
REPORT, EDITION = "ov-2026", "ov-2026-en"


def iri(path: str) -> URIRef:
    return URIRef(ID + path)


def scratch_root(tmp_path: Path, real_sources: Path) -> tuple[Path, Path]:
    """A scratch copy of the repository's data inputs and of the sources folder.

    The real reports stay (the reference data cites their passages); the new
    report is built on its own (``build_dataset(only=…)``, as ``crm-kg build
    --report`` does). ontology/ and queries/ are the repository's own.
    """
    root, sources = tmp_path / "root", tmp_path / "sources"
    (root / "data").mkdir(parents=True)
    sources.mkdir()
    shutil.copytree(ROOT / "data" / "reference", root / "data" / "reference")
    shutil.copy(ROOT / "data" / "sources.yaml", root / "data" / "sources.yaml")
    shutil.copy(real_sources / "manifest.yaml", sources / "manifest.yaml")
    for path in real_sources.glob("*.txt"):
        (sources / path.name).symlink_to(path)
    for name in ("ontology", "queries"):
        (root / name).symlink_to(ROOT / name)
    return root, sources


def add_spelling(root: Path, file: str, key: str, slug: str, field: str, spelling: str) -> None:
    path = root / "data" / "reference" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data[key] if e["id"] == slug)
    entry[field] = [*(entry.get(field) or []), spelling]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def added(tmp_path_factory, settings):
    """The synthetic report added with `crm-kg add-report`, its profile and curated YAML copied in."""
    tmp_path = tmp_path_factory.mktemp("new-report")
    root, sources = scratch_root(tmp_path, settings.sources)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(CASE / "ov-2026-en.txt", inbox / "ov-2026-en.txt")
    code = main(["add-report", str(inbox / "ov-2026-en.txt"), "--id", REPORT, "--label", "Overijssel test",
                 "--year", "2026", "--publisher", "hcss", "--sources", str(sources),
                 "--data-dir", str(root / "data")])
    assert code == 0
    draft = (root / "data" / "profiles" / f"{REPORT}.yaml").read_text(encoding="utf-8")
    shutil.copy(CASE / "profiles" / "ov-2026.yaml", root / "data" / "profiles" / f"{REPORT}.yaml")
    for path in (CASE / "curated").iterdir():
        shutil.copy(path, root / "data" / "curated" / REPORT / path.name)
    return Settings(root=root, sources=sources), draft


def test_add_report_pins_sniffs_and_drafts(added, capsys):
    settings, draft = added
    pins = yaml.safe_load((settings.data_dir / "sources.yaml").read_text(encoding="utf-8"))
    import hashlib

    digest = hashlib.sha256((CASE / "ov-2026-en.txt").read_bytes()).hexdigest()
    assert pins["editions"][EDITION] == {"file": "ov-2026-en.txt", "sha256": digest, "report": REPORT}
    assert pins["reports"][REPORT]["label"] == {"en": "Overijssel test", "nl": "Overijssel test"}
    assert pins["reports"][REPORT]["year"] == 2026 and pins["reports"][REPORT]["original_edition"] == EDITION
    manifest = yaml.safe_load((settings.sources / "manifest.yaml").read_text(encoding="utf-8"))
    assert [(e["id"], e["file"], e["language"]) for e in manifest["reports"]][-1] == (EDITION, "ov-2026-en.txt", "en")
    assert len(manifest["reports"]) == 4
    assert (settings.sources / "ov-2026-en.txt").read_bytes() == (CASE / "ov-2026-en.txt").read_bytes()
    assert (settings.data_dir / "curated" / REPORT / "titles.yaml").exists()
    # the draft loads as it is and proposes a rule for each block of the layout
    path = settings.root / "draft.yaml"
    path.write_text(draft, encoding="utf-8")
    profile = load(path)
    kinds = {r.id: r.kind for r in profile.editions[EDITION]}
    assert kinds == {"table-1": "organisation-table", "figure-1": "activity-lists",
                     "table-2": "recommendation-matrix", "opportunity-headings": "numbered-headings",
                     "section-5-list": "outline", "challenge-headings": "numbered-headings"}
    assert profile.rule(EDITION, "challenge-headings").params.record == "challenge"
    matrix = profile.rule(EDITION, "table-2").params
    assert (matrix.text_column, matrix.time_frame_column, matrix.actors_column, matrix.tick_columns) == \
        (0, 1, 2, [3, 4])
    assert profile.rule(EDITION, "table-1").params.columns == {"place": 0, "name": 1, "activity": 2}
    doc = Document(Edition(id=EDITION, file="x", sha256=digest, report=REPORT, language="en", title="t"), TEXT)
    records = Run(profile, {EDITION: doc}).edition_records()
    assert len(records) == 4 + 5 + 3 + 2 + 6 + 2
    assert "# Still needs a person:" in draft


def test_unknown_names_are_listed_with_suggestions_not_minted(added):
    settings, _ = added
    with pytest.raises(UnknownEntities) as caught:
        build_dataset(settings, only=REPORT)
    message = str(caught.value)
    assert "2 name(s)" in message
    assert "organisation 'Chemreklaim' at ov-2026-en:116; nearest known: 'Chemreclaim' (chemreclaim)" in message
    assert "place 'Lelystadt' at ov-2026-en:118; nearest known: 'Lelystad' (lelystad)" in message


@pytest.fixture(scope="module")
def built(added):
    settings, _ = added
    add_spelling(settings.root, "organisations.yaml", "organisations", "chemreclaim", "misprints", "Chemreklaim")
    add_spelling(settings.root, "places.yaml", "places", "lelystad", "aliases", "Lelystadt")
    result = build_dataset(settings, only=REPORT)
    return result.dataset.graph(GRAPH[REPORT])


def test_the_new_report_yields_its_triples(built):
    g = built
    report = iri(f"report/{REPORT}")
    assert (report, RDF.type, CRM.Report) in g
    assert (report, RDFS.label, Literal("Overijssel test", lang="en")) in g
    assert (report, CRM.publishedBy, iri("organisation/hcss")) in g
    # the organisation table, place column first; misspelt names resolved to their entries
    org = {s: iri(f"organisation/{s}") for s in ("tno", "chemreclaim", "cleantron", "hks-metals", "energyra")}
    assert (org["tno"], CRM.activity, iri("activity/research-and-development")) in g
    assert (org["tno"], CRM.locatedIn, iri("place/delft")) in g
    assert (org["chemreclaim"], CRM.activity, iri("activity/processing")) in g
    assert (org["chemreclaim"], CRM.locatedIn, iri("place/amsterdam")) in g
    assert (org["hks-metals"], CRM.locatedIn, iri("place/lelystad")) in g
    assert (org["hks-metals"], CRM.activity, iri("activity/metal-recovery")) in g
    assert not list(g.subjects(RDF.type, CRM.Place))            # no place minted for 'Lelystadt'
    assert iri("organisation/chemreklaim") not in set(g.subjects())
    # the bulleted activity list
    assert (org["energyra"], CRM.activity, iri("activity/manufacturing")) in g
    assert (org["hks-metals"], CRM.activity, iri("activity/processing")) in g
    for slug in org.values():
        assert (slug, CRM.namedIn, report) in g
    # opportunities: headings, curated titles and materials, the report's region
    opp1, opp2 = iri(f"opportunity/{REPORT}/1"), iri(f"opportunity/{REPORT}/2")
    assert (opp1, RDF.type, CRM.Opportunity) in g and (opp2, RDF.type, CRM.Opportunity) in g
    assert (opp2, RDFS.label, Literal("Training technicians", lang="en")) in g
    assert {o for o in g.objects(opp1, CRM.concernsMaterial)} == {iri("material/cobalt"), iri("material/lithium")}
    # the tick matrix: time frame, actors, opportunities ticked
    rec = {n: iri(f"recommendation/{REPORT}/{n}") for n in ("1", "1.1", "1.2", "2", "3", "3.1")}
    assert (rec["1"], CRM.timeFrame, iri("time-frame/within-1-year")) in g
    assert set(g.objects(rec["2"], CRM.responsibleActorType)) == {iri("actor-type/provinces"),
                                                                    iri("actor-type/municipalities")}
    assert set(g.objects(rec["3"], CRM.servesOpportunity)) == {opp1, opp2}
    assert set(g.objects(rec["1"], CRM.servesOpportunity)) == {opp1}
    # the numbered list with sub-items
    assert (rec["1.1"], CRM.subRecommendationOf, rec["1"]) in g
    assert (rec["3.1"], CRM.subRecommendationOf, rec["3"]) in g
    assert (rec["1.2"], RDFS.label, Literal("Ask collectors", lang="en")) in g
    assert len(set(g.subjects(RDF.type, CRM.Recommendation))) == 6
    # the 'Challenge N:' headings, with the category the profile gives them
    challenge = iri(f"challenge/{REPORT}/2")
    assert (challenge, RDF.type, CRM.Challenge) in g
    assert (challenge, CRM.challengeCategory, iri("challenge-category/economic")) in g
    assert (challenge, RDFS.label, Literal("Too few technicians", lang="en")) in g
    # every fact cites its passage in the new edition
    passages = {str(p) for p in g.objects(rec["3"], URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))}
    assert {ID + f"passage/{EDITION}/244", ID + f"passage/{EDITION}/290"} <= passages


# -- the review loop -----------------------------------------------------------------------

def test_build_report_reviews_each_rule(added, built, capsys, monkeypatch):
    settings, _ = added
    from crm_kg import cli

    monkeypatch.setattr(cli, "_settings", lambda args: settings)
    code = main(["build", "--report", REPORT, "--no-validate"])
    out = capsys.readouterr().out
    assert f"{EDITION}/companies (organisation-table" in out and "4 OrganisationRow" in out
    assert f"unmatched {EDITION}:114: header row: Place | Company | Activity" in out
    assert "3 RecommendationRow" in out and "6 RecommendationItem" in out
    assert f"unmatched {EDITION}:240: not a data row (header?): Recommendation | Time frame" in out
    assert "every organisation, place and material name is known to the reference data" in out
    assert f"triples in graph {REPORT}" in out
    assert "coverage (paragraphs that yield a claim" in out and f"{EDITION} ({REPORT})" in out
    assert "§ 4 Recommendations" in out
    assert code == 0


def test_review_of_a_broken_layout_names_each_failing_rule_and_line():
    """broken.txt: the synthetic report with three layouts broken; the other rules still read."""
    from crm_kg.pipeline.extract.review import review_report

    text = (CASE / "broken.txt").read_text(encoding="utf-8")
    doc = Document(Edition(id=EDITION, file="broken.txt", sha256="0" * 64, report=REPORT, language="en",
                           title="broken"), text)
    review, problems = review_report({EDITION: doc}, profiles=CASE / "profiles")
    assert problems == 3 + 2                    # three rules fail, two names are unknown
    assert "3 rule(s) failed:" in review
    assert "profile" in review and f"{EDITION}/companies (organisation-table" in review
    for expected in ["ov-2026.yaml:28: rule 'matrix' (recommendation-matrix): ov-2026-en:243: "
                     "Table 2 row has 4 cells, expected 5",
                     "ov-2026.yaml:40: rule 'recommendations' (outline): ov-2026-en: section 5: item '1.3' "
                     "out of order",
                     "ov-2026.yaml:23: rule 'opportunities' (numbered-headings): ov-2026-en: no headings"]:
        assert expected in review, expected


# -- a broken layout -------------------------------------------------------------------------

def _broken(changes: dict[str, str]) -> Document:
    text = TEXT
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return Document(Edition(id=EDITION, file="broken.txt", sha256="0" * 64, report=REPORT, language="en",
                            title="broken"), text)


@pytest.mark.parametrize("rule, change, message", [
    ("matrix", {"2. Fund a training course.\t1-3 years": "2. Fund a training course. 1-3 years"},
     r"ov-2026.yaml:28: rule 'matrix' \(recommendation-matrix\): ov-2026-en:243: Table 2 row has 4 cells, "
     r"expected 5"),
    ("matrix", {"2. Fund a training course.": "4. Fund a training course."},
     r"ov-2026.yaml:28: rule 'matrix' \(recommendation-matrix\): ov-2026-en: Table 2 numbers are \[1, 4, 3\]"),
    ("companies", {"Table 1. Companies by place": "Tabel 1. Companies by place"},
     r"ov-2026.yaml:10: rule 'companies' \(organisation-table\): ov-2026-en: caption /\^Table 1"),
    ("companies", {"Amsterdam\tChemreklaim\tProcessing": "Amsterdam\tChemreklaim"},
     r"rule 'companies' \(organisation-table\): ov-2026-en:116: Table 1 row needs 3 cells"),
    ("recommendations", {"1.2 Ask the collectors": "1.3 Ask the collectors"},
     r"rule 'recommendations' \(outline\): ov-2026-en: section 5: item '1.3' out of order"),
    ("opportunities", {"Opportunity 1:": "Chance 1:", "Opportunity 2:": "Chance 2:"},
     r"rule 'opportunities' \(numbered-headings\): ov-2026-en: no headings"),
])
def test_broken_layout_names_rule_and_line(rule, change, message):
    profile = load(CASE / "profiles" / "ov-2026.yaml")
    doc = _broken(change)
    with pytest.raises(ExtractError, match=message):
        Run(profile, {EDITION: doc}).output(profile.rule(EDITION, rule))


def test_add_report_refuses_what_exists_and_writes_nothing(added):
    from crm_kg.pipeline.extract.add import AddReportError, add_report

    settings, _ = added
    before = {p: p.read_bytes() for p in [settings.data_dir / "sources.yaml", settings.sources / "manifest.yaml"]}
    for report, message in [(REPORT, "report 'ov-2026' is there already"),
                            ("zh-2024", "report 'zh-2024' is there already"),
                            ("Bad_Id", "use lower-case letters")]:
        with pytest.raises(AddReportError, match=message):
            add_report(CASE / "ov-2026-en.txt", report, sources=settings.sources, data_dir=settings.data_dir)
    with pytest.raises(AddReportError, match="edition 'ov-2026-en' is there already"):
        add_report(CASE / "ov-2026-en.txt", "ov-2027", edition=EDITION, sources=settings.sources,
                   data_dir=settings.data_dir)
    assert {p: p.read_bytes() for p in before} == before
    assert not (settings.data_dir / "profiles" / "ov-2027.yaml").exists()
