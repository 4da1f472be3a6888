"""Golden tests: each parser on a fixture written in its report's format.

``tests/cases/<case>/input.txt`` (our own text in the report's layout) is
parsed and mapped to RDF; the result must be isomorphic to ``expected.ttl``.
Regenerate with ``python tests/golden.py <case>`` and review the diff.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from conftest import fixture_document
from crm_kg.build import emit_facts
from crm_kg.config import load_settings
from crm_kg.extract import nhfl
from crm_kg.iri import GRAPH

CASES = Path(__file__).parent / "cases"
PARSERS = {
    "nhfl-table5": (nhfl.recommendations_table5, "nhfl-2025-en", "en"),
    "nhfl-table6": (nhfl.organisations_table6, "nhfl-2025-en", "en"),
    "nhfl-opportunities": (nhfl.opportunities, "nhfl-2025-en", "en"),
}


def run_case(name: str) -> Graph:
    parser, edition, language = PARSERS[name]
    case = CASES / name
    doc = fixture_document(case / "input.txt", edition, language)
    curated = Path(tempfile.mkdtemp())
    try:
        if (case / "titles.yaml").exists():
            (curated / doc.edition.report).mkdir()
            shutil.copy(case / "titles.yaml", curated / doc.edition.report / "titles.yaml")
        dataset = emit_facts(load_settings(), {edition: doc}, parser(doc), curated_root=curated)
    finally:
        shutil.rmtree(curated)
    graph = Graph()
    for triple in dataset.graph(GRAPH[doc.edition.report]):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_golden(name):
    actual = run_case(name)
    expected = Graph().parse(CASES / name / "expected.ttl", format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(f"{name}: output differs from expected.ttl\n"
                    f"only in output:\n{only_actual.serialize(format='nt')}\n"
                    f"only in expected:\n{only_expected.serialize(format='nt')}")
    assert len(expected) > 10
