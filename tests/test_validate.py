"""validate: the gate — SHACL shapes and SPARQL checks over the real graph — and its report.

What each rule catches is proved on a small fixture (tests/test_validation_rules.py);
here: the real built graph passes, a broken real graph is reported readably (focus
node and its label, path, value, message, source passage), ``crm-kg validate``
exits 1 on violations and 0 with warnings, ``--format json`` carries the same, and
``crm-kg build`` lists warnings and still writes but writes nothing on a violation
of a shape or a check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDFS, Graph, Literal

from crm_kg.cli import main
from crm_kg.errors import CrmKgError
from crm_kg.iri import CRM, DCT, GRAPH, ID, SKOS
from crm_kg.quality.checks import CheckDefinitionError, load_check, load_checks
from crm_kg.quality.validate import (
    ValidationSetupError,
    load_shapes,
    union_graph,
    validate_dataset,
    validate_graph,
)
from crm_kg.sparql.terms import dataset_quads

REC = ID["recommendation/nhfl-2025/3"]
CLEANTRON = ID["organisation/cleantron"]


@pytest.fixture(scope="module")
def report(built, settings):
    _, result = built
    return validate_dataset(result.dataset, settings)


def broken_copy(built, changes) -> Graph:
    """The union of the built graphs with ``changes(graph)`` applied (the build is left alone)."""
    _, result = built
    graph = union_graph(result.dataset)
    changes(graph)
    return graph


def write_dataset(built, tmp_path: Path, graph_name: str, changes) -> Path:
    """The built dataset as N-Quads, with ``changes(graph)`` applied to one named graph."""
    _, result = built
    path = tmp_path / "data.nq"
    graph = result.dataset.graph(GRAPH[graph_name])
    before = set(graph)
    try:
        changes(graph)
        path.write_bytes(ox.serialize(dataset_quads(result.dataset), format=ox.RdfFormat.N_QUADS))
    finally:
        for triple in set(graph) - before:
            graph.remove(triple)
        for triple in before - set(graph):
            graph.add(triple)
    return path


def test_built_graph_passes_every_shape_and_check(report):
    assert report.conforms and not report.findings, report.text()
    assert report.stats["shapes"] > 200 and report.stats["checks"] >= 20
    assert report.stats["triples"] > 30000
    assert report.text().startswith("valid: no violations, no warnings")


def test_a_broken_recommendation_is_reported_with_label_path_value_and_source(built, settings):
    def break_it(graph):
        graph.set((REC, CRM.number, Literal("three")))
        graph.add((REC, CRM.servesOpportunity, ID["opportunity/nhfl-2025/9"]))
        graph.remove((REC, RDFS.label, Literal("Bedrijven verbinden voor kennis en innovatie", lang="nl")))

    data = broken_copy(built, break_it)
    report = validate_graph(data, load_shapes(settings), load_checks(settings.queries_dir / "checks"))
    assert not report.conforms
    by_rule = {f.rule: f for f in report.violations if f.focus == str(REC)}
    assert {"shapes:Recommendation-number", "shapes:Recommendation-servesOpportunity",
            "shapes:BilingualLabel", "check:dangling-iri"} <= set(by_rule), report.text()
    number = by_rule["shapes:Recommendation-number"]
    assert number.path == "crm:number" and number.value == '"three"'
    assert number.message == "A recommendation has one positive integer number."
    assert number.label == "Connect companies for knowledge and innovation"
    cited = {s.cite() for s in number.sources}
    assert any(c.startswith("nhfl-2025-en:737") for c in cited), cited  # Table 5, row 3
    assert all(s.passage.startswith(str(ID) + "passage/") for s in number.sources)
    text = report.text()
    assert f"focus:   <{REC}>  (Connect companies for knowledge and innovation)" in text
    assert "path:    crm:number" in text and 'value:   "three"' in text
    assert any(line.startswith("  source:  ") and "nhfl-2025-en:737" in line for line in text.splitlines())
    assert "opportunity/nhfl-2025/9, which has no rdf:type" in by_rule["check:dangling-iri"].message
    assert text.splitlines()[-1].startswith("INVALID: ")


def test_a_check_finding_names_the_organisation_and_where_it_is_mentioned(built, settings):
    data = broken_copy(built, lambda g: g.add((CLEANTRON, SKOS.altLabel, Literal("Schone troon"))))
    report = validate_graph(data, load_shapes(settings), load_checks(settings.queries_dir / "checks"))
    [finding] = [f for f in report.violations if f.rule == "check:organisation-common-word"]
    assert finding.focus == str(CLEANTRON) and finding.label == "Cleantron"
    assert finding.path == "skos:altLabel" and finding.value == '"Schone troon"'
    assert "common Dutch word 'Schone troon'" in finding.message
    assert finding.sources and all(s.edition.startswith("nhfl-2025") for s in finding.sources)


def test_cli_exits_1_and_reports_violations_as_text_and_json(built, tmp_path, capsys):
    path = write_dataset(built, tmp_path, "nhfl-2025", lambda g: g.set((REC, CRM.number, Literal(0))))
    assert main(["validate", "--input", str(path), "--no-owl"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION shapes:Recommendation-number" in out and f"<{REC}>" in out
    assert "numbering-gap" in out  # recommendation 4 no longer follows a 3
    assert out.strip().splitlines()[-1].startswith("INVALID: ")
    assert main(["validate", "--input", str(path), "--no-owl", "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["conforms"] is False and body["violations"] == len(
        [r for r in body["results"] if r["severity"] == "Violation"]) >= 2
    result = next(r for r in body["results"] if r["rule"] == "shapes:Recommendation-number")
    assert result["focus"] == str(REC) and result["path"] == "crm:number" and result["value"] == '"0"^^xsd:integer'
    assert result["label"] == "Connect companies for knowledge and innovation"
    assert result["sources"] and {"edition", "start", "end", "passage", "cite"} <= set(result["sources"][0])
    assert body["stats"]["shapes"] > 200 and "owl" not in body


def test_cli_lists_warnings_but_exits_0(built, tmp_path, capsys):
    """An organisation outside the reference data is a warning (it still cites its passage)."""
    path = write_dataset(built, tmp_path, "reference", lambda g: g.remove((CLEANTRON, DCT.source, None)))
    assert main(["validate", "--input", str(path), "--no-owl"]) == 0
    out = capsys.readouterr().out
    assert "WARNING shapes:NotInReference" in out and f"<{CLEANTRON}>  (Cleantron)" in out
    assert "valid: no violations, 1 warning(s)" in out
    assert main(["validate", "--input", str(path), "--no-owl", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["conforms"] is True and body["violations"] == 0 and body["warnings"] == 1
    assert body["results"][0]["severity"] == "Warning"


# --------------------------------------------------------------------------- the build gate

WARNING_SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix crm: <https://w3id.org/crm-kg/ontology#> .
<https://w3id.org/crm-kg/shapes#TestWarning> a sh:PropertyShape ;
    sh:targetNode <https://w3id.org/crm-kg/id/organisation/cleantron> ;
    sh:path crm:fileName ; sh:minCount 1 ; sh:severity sh:Warning ;
    sh:message "A test warning on Cleantron." .
"""
VIOLATION_CHECK = """#+ title: Test check
#+ message: "{focus} is a test violation"
PREFIX crm: <https://w3id.org/crm-kg/ontology#>
SELECT ?focus WHERE { ?focus a crm:Report } LIMIT 1
"""


@pytest.fixture()
def quick_build(built, monkeypatch):
    """run_build on the session's dataset (no re-extraction): validation and writing only."""
    from crm_kg.pipeline import stages

    _, result = built
    monkeypatch.setattr(stages, "build_dataset", lambda settings: result)
    return result


def test_build_lists_warnings_and_still_writes(quick_build, monkeypatch, tmp_path, capsys):
    from crm_kg.quality import validate

    real = validate.load_shapes
    monkeypatch.setattr(validate, "load_shapes", lambda s: real(s) + Graph().parse(data=WARNING_SHAPE))
    out_dir = tmp_path / "ttl"
    assert main(["build", "--ttl-dir", str(out_dir)]) == 0
    err = capsys.readouterr().err
    assert "WARNING shapes:TestWarning" in err and "A test warning on Cleantron." in err
    assert "valid: no violations, 1 warning(s)" in err
    assert (out_dir / "crm-kg.nq").is_file() and (out_dir / "manifest.json").is_file()


def test_build_fails_on_a_check_violation_and_writes_nothing(quick_build, monkeypatch, tmp_path, capsys):
    from crm_kg.quality import validate

    check_path = tmp_path / "checks" / "test-violation.rq"
    check_path.parent.mkdir()
    check_path.write_text(VIOLATION_CHECK, encoding="utf-8")
    real = validate.load_settings_checks
    monkeypatch.setattr(validate, "load_settings_checks", lambda s: real(s) + [load_check(check_path)])
    out_dir = tmp_path / "ttl"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("previous graph", encoding="utf-8")
    assert main(["build", "--ttl-dir", str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert "VIOLATION check:test" in err and "is a test violation" in err
    assert "validation failed" in err
    assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]


# --------------------------------------------------------------------------- bad shapes and checks

def test_unparsable_shapes_are_a_clear_error(settings, tmp_path, capsys):
    (tmp_path / "ontology" / "shapes").mkdir(parents=True)
    (tmp_path / "ontology" / "shapes" / "broken.ttl").write_text("shapes:X a sh:NodeShape", encoding="utf-8")
    with pytest.raises(ValidationSetupError, match=r"broken.ttl:1: cannot parse as turtle.*\(shapes\)"):
        load_shapes(settings.with_(root=tmp_path))
    with pytest.raises(ValidationSetupError, match="no shapes"):
        load_shapes(settings.with_(root=tmp_path / "nowhere"))
    assert issubclass(ValidationSetupError, CrmKgError) and issubclass(CheckDefinitionError, CrmKgError)


@pytest.mark.parametrize("text, error", [
    ("SELECT ?focus WHERE { ?focus ?p ?o }", "no title"),
    ("#+ title: T\nSELECT ?focus WHERE { ?focus ?p ?o }", "needs a message"),
    ("#+ title: T\n#+ message: m\n#+ severity: Fatal\nSELECT ?focus WHERE { ?focus ?p ?o }", "severity"),
    ("#+ title: T\n#+ message: m\nSELECT ?x WHERE { ?x ?p ?o }", r"project \?focus"),
    ("#+ title: T\n#+ message: m\nASK { ?x ?p ?o }", "a SELECT"),
    ("#+ title: T\n#+ message: m\n#+ lists: [nowhere.txt]\nSELECT ?focus WHERE { ?focus ?p ?o }", "nowhere.txt"),
    ("#+ title: T\n#+ message: m\nSELECT ?focus WHERE { ?focus ?p }", "does not parse"),
])
def test_malformed_checks_are_refused_with_the_file_name(tmp_path, text, error):
    path = tmp_path / "bad-violation.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CheckDefinitionError, match=error) as info:
        load_check(path)
    assert "bad-violation.rq" in str(info.value)


def test_every_check_file_has_a_title_message_and_readable_name(settings):
    from crm_kg.quality.checks import check_paths, read_list

    paths = check_paths(settings.queries_dir / "checks")
    assert len(paths) >= 20
    for path in paths:
        check = load_check(path)
        assert check.title and check.message and check.severity == "Violation", path
    words = read_list(settings.queries_dir / "checks" / "dutch-common-words.txt")
    assert {"energie", "terugkeren", "schone troon"} <= set(words)
    assert not {"politie", "commissie", "havenbedrijf"} & set(words)  # real short names
