"""validate: SHACL catches broken data and reports it readably."""

from __future__ import annotations

import subprocess
import sys

from rdflib import RDFS, Literal

from crm_kg.iri import CRM, GRAPH, PROV, mint
from crm_kg.validate import load_shapes, union_graph, validate_graph

REC = mint("recommendation", "nhfl-2025", 3)


def _union(built):
    _, result = built
    return union_graph(result.dataset)


def test_built_graph_conforms(built, settings):
    report = validate_graph(_union(built), load_shapes(settings))
    assert report.conforms, report.text()


def test_missing_title_wrong_number_and_dangling_link_are_caught(built, settings):
    data = _union(built)
    data.remove((REC, RDFS.label, None))
    data.add((REC, CRM.number, Literal("three")))
    data.add((REC, CRM.servesOpportunity, mint("opportunity", "nhfl-2025", 9)))
    report = validate_graph(data, load_shapes(settings))
    assert not report.conforms
    text = report.text()
    assert "one English and one Dutch title" in text
    assert "positive integer number" in text
    assert "opportunity/nhfl-2025/9" in text
    assert "nhfl-2025-en:737" in text  # the source passages of the broken node (Table 5 row …)


def test_fact_without_provenance_is_caught(built, settings):
    data = _union(built)
    data.remove((REC, PROV.wasDerivedFrom, None))
    report = validate_graph(data, load_shapes(settings))
    assert any(f.focus == str(REC) and f.path == str(PROV.wasDerivedFrom) for f in report.violations)


def test_cli_validate_exits_nonzero_on_broken_file(built, tmp_path):
    _, result = built
    graph = result.dataset.graph(GRAPH["nhfl-2025"])
    graph.remove((REC, RDFS.label, None))
    try:
        broken = tmp_path / "broken.nq"
        broken.write_text(result.dataset.serialize(format="nquads"), encoding="utf-8")
    finally:
        graph.add((REC, RDFS.label, Literal("Connect companies for knowledge and innovation", lang="en")))
        graph.add((REC, RDFS.label, Literal("Bedrijven verbinden voor kennis en innovatie", lang="nl")))
    proc = subprocess.run([sys.executable, "-m", "crm_kg.cli", "validate", "--input", str(broken)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Violation" in proc.stdout and "recommendation/nhfl-2025/3" in proc.stdout
    json_proc = subprocess.run([sys.executable, "-m", "crm_kg.cli", "validate", "--input", str(broken),
                                "--format", "json"], capture_output=True, text=True, timeout=120)
    assert json_proc.returncode == 1 and '"conforms": false' in json_proc.stdout
