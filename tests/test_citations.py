"""The passage-mentions check (issue 22 §1): a cited passage names the statement's object.

Rows shaped like ``queries/coverage/cited-statements.rq``'s over our own fixture text
(tests/cases/coverage/report.txt), and the real build for the narrowing of a
record's passages to those that name each object.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fixture_document
from rdflib import Literal, URIRef

from crm_kg import yamlio
from crm_kg.pipeline import citations

ID = "https://w3id.org/crm-kg/id/"
CRM = "https://w3id.org/crm-kg/ontology#"
FIXTURE = Path(__file__).parent / "cases" / "coverage" / "report.txt"


@pytest.fixture(scope="module")
def documents():
    return {"nhfl-2025-en": fixture_document(FIXTURE)}


def review(tmp_path, text: str = "") -> citations.Review:
    path = tmp_path / "citations.yaml"
    path.write_text("predicates: [crm:worksOnProduct, crm:locatedIn]\n" + (text or "exceptions: []\n"))
    return citations.Review.load(path)


def row(obj: str, line: int, names, kind=None, predicate="worksOnProduct"):
    return [{"subject": URIRef(ID + "organisation/workshop"), "predicate": URIRef(CRM + predicate),
             "object": URIRef(ID + obj), "passage": URIRef(f"{ID}passage/nhfl-2025-en/{line}"),
             "edition": URIRef(ID + "edition/nhfl-2025-en"), "start": Literal(line), "end": Literal(line),
             "kind": URIRef(kind) if kind else None, "name": Literal(name)} for name in names]


def test_a_passage_naming_the_object_passes_inflected_forms_too(documents, tmp_path):
    # line 11 names "lamps": the label "lamp" matches; "robot" (line 9 too) and a plural stem
    rows = row("product/lamp", 11, ["lamp", "lampe"]) + row("product/robot", 9, ["toy robot"])
    assert citations.check(rows, documents, review(tmp_path)) == ([], set())


def test_a_passage_that_does_not_name_it_is_a_finding(documents, tmp_path):
    findings, _ = citations.check(row("product/battery", 11, ["battery", "batterij"]), documents, review(tmp_path))
    assert [f.passage.rsplit("/", 2)[-2:] for f in findings] == [["nhfl-2025-en", "11"]]
    assert "names none of product/battery" in findings[0].text()


def test_a_name_must_start_a_word(documents, tmp_path):
    # "obot" is inside "robots" and must not count; a short name ("Ro") must be a whole word
    findings, _ = citations.check(row("product/bot", 19, ["obot"]) + row("material/ro", 19, ["Ro"]),
                                  documents, review(tmp_path))
    assert len(findings) == 2


def test_table_rows_and_unchecked_properties_are_exempt(documents, tmp_path):
    rows = (row("product/battery", 11, ["battery"], kind=citations.TABLE_ROW)
            + row("product/battery", 11, ["battery"], predicate="activity"))
    assert citations.check(rows, documents, review(tmp_path)) == ([], set())


def test_reviewed_spellings_and_exceptions(documents, tmp_path):
    text = ("spellings:\n  place/testdorp: [Testdorp]\n"
            "exceptions:\n"
            "  - {subject: organisation/workshop, predicate: crm:worksOnProduct, object: product/battery,"
            " passage: passage/nhfl-2025-en/11, why: the workshops sort lamps with their batteries}\n"
            "  - {subject: organisation/workshop, predicate: crm:worksOnProduct, object: product/cable,"
            " passage: passage/nhfl-2025-en/11, why: no longer needed}\n")
    rows = row("place/testdorp", 17, ["Test Village"], predicate="locatedIn") + row("product/battery", 11, ["battery"])
    findings, stale = citations.check(rows, documents, review(tmp_path, text))
    assert findings == []
    assert stale == {(ID + "organisation/workshop", CRM + "worksOnProduct", ID + "product/cable",
                      ID + "passage/nhfl-2025-en/11")}


@pytest.mark.parametrize("text, message", [
    ("exceptions: []\n", "predicates"),
    ("predicates: [foo:bar]\nexceptions: []\n", "unknown prefix"),
    ("predicates: [crm:x]\nexceptions:\n  - {subject: a, predicate: crm:x, object: b, passage: c}\n", "why"),
])
def test_a_bad_review_file_is_refused(tmp_path, text, message):
    path = tmp_path / "citations.yaml"
    path.write_text(text)
    with pytest.raises(yamlio.InputError, match=message):
        citations.Review.load(path)


def test_the_real_graph_cites_for_each_object_the_passages_naming_it(quads, settings):
    """China's 2025 export controls (one curated fact read from several passages): each
    material's statement cites only passages that name that material."""
    from rdflib import RDF

    from crm_kg.iri import CRM as NS
    from crm_kg.iri import PROV

    event = URIRef(ID + "event/china-export-controls-crm-2025")
    by_node: dict = {}
    for s, p, o, _g in quads:
        by_node.setdefault(s, {}).setdefault(p, set()).add(o)
    cited = {}
    for node, props in by_node.items():
        if NS.Statement in props.get(RDF.type, ()) and event in props.get(NS.statementSubject, ()) \
                and NS.concernsMaterial in props.get(NS.statementPredicate, ()):
            [material] = props[NS.statementObject]
            cited[str(material).rsplit("/", 1)[1]] = props[PROV.wasDerivedFrom]
    assert {"antimony", "gallium", "germanium"} <= set(cited)
    from crm_kg.pipeline.sources import read_sources

    texts = citations.Texts(read_sources(settings.sources, pins=settings.data_dir / "sources.yaml"))
    names = {"antimony": {"antimo*"}, "gallium": {"gallium"}, "germanium": {"germanium"}}
    for material, forms in names.items():
        for passage in cited[material]:
            edition, lines = str(passage).rsplit("/", 2)[-2:]
            start, _, end = lines.partition("-")
            text = texts.get(edition, int(start), int(end or start))
            assert citations.names_in(text, forms), f"{passage} is cited for {material} but does not name it"
    # the record also cites a passage on the export controls that lists no antimony (en, line 139)
    assert URIRef(ID + "passage/nhfl-2025-en/139") not in cited["antimony"]


def test_the_real_graph_passes_with_its_reviewed_exceptions(built):
    assert citations.report(built[0]) == []


class _Store:
    """Just enough of a store for the check: SELECT rows as rdflib terms."""

    def __init__(self, quads):
        import pyoxigraph as ox

        from crm_kg.sparql.terms import from_ox, to_ox

        self.store, self.from_ox = ox.Store(), from_ox
        self.store.extend([ox.Quad(*(to_ox(t) for t in q)) for q in quads])

    def query(self, text):
        from types import SimpleNamespace

        solutions = self.store.query(text, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return SimpleNamespace(rows=[{n: self.from_ox(s[n]) for n in names if s[n] is not None}
                                     for s in solutions])


def test_a_statement_citing_a_passage_that_does_not_name_its_object_is_found(built, quads):
    """AEB Amsterdam said to work on gallium, citing its own Annex 2 line (which names no gallium)."""
    from rdflib import RDF

    from crm_kg.iri import CRM as NS
    from crm_kg.iri import PROV

    graph = URIRef("https://w3id.org/crm-kg/graph/nhfl-2025")
    node, aeb = URIRef(ID + "statement/nhfl-2025/00000000000000aa"), URIRef(ID + "organisation/aeb-amsterdam")
    gallium, passage = URIRef(ID + "material/gallium"), URIRef(ID + "passage/nhfl-2025-en/528")
    extra = [(aeb, NS.worksOnMaterial, gallium, graph), (node, RDF.type, NS.Statement, graph),
             (node, NS.statementSubject, aeb, graph), (node, NS.statementPredicate, NS.worksOnMaterial, graph),
             (node, NS.statementObject, gallium, graph), (node, PROV.wasDerivedFrom, passage, graph)]
    lines = citations.report(built[0], store=_Store(list(quads) + extra))
    assert lines == ["passage-mentions: passage/nhfl-2025-en/528 is cited for organisation/aeb-amsterdam "
                     "crm:worksOnMaterial material/gallium but names none of material/gallium's names"]


def test_a_finding_stops_the_build_and_leaves_the_graph(built, monkeypatch, tmp_path):
    from crm_kg.pipeline import stages

    settings = built[0].with_(ttl_dir=tmp_path / "ttl")
    monkeypatch.setattr(stages, "build_dataset", lambda _settings: built[1])
    monkeypatch.setattr(stages, "citation_findings", lambda *_args: ["passage-mentions: a finding"])
    with pytest.raises(stages.BuildError, match=r"(?s)passage-mentions check failed.*a finding"):
        stages.run_build(settings)
    assert not (tmp_path / "ttl").exists()
