"""Golden tests of the Zuid-Holland parsers (src/crm_kg/extract/zh.py).

One fixture, ``tests/cases/zh-report/input.txt``, is a short invented report in
zh-2024's layout (summary, chapters 1-6, the CRM box, Figures 1, 2 and 4, the
challenges table, recommendations with sub-items, footnotes and page marks).
Each parser's output, mapped to RDF with the fixture's titles, must be
isomorphic to ``expected-<parser>.ttl``. Regenerate after reviewing the diff:
``.venv/bin/python tests/test_zh_golden.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

sys.path.insert(0, str(Path(__file__).parent))

from conftest import fixture_document

from crm_kg.build import emit_facts
from crm_kg.config import load_settings
from crm_kg.extract import zh
from crm_kg.iri import GRAPH

CASE = Path(__file__).parent / "cases" / "zh-report"
PARSERS = {p.__name__: p for p in (zh.recommendations, zh.opportunities, zh.challenges, zh.crm_list,
                                   zh.figure1, zh.organisations_figure4)}


def fixture():
    return fixture_document(CASE / "input.txt", "zh-2024-nl", "nl")


def run(name: str) -> Graph:
    doc = fixture()
    curated = Path(tempfile.mkdtemp())
    try:
        (curated / "zh-2024").mkdir()
        shutil.copy(CASE / "titles.yaml", curated / "zh-2024" / "titles.yaml")
        dataset = emit_facts(load_settings(), {"zh-2024-nl": doc}, PARSERS[name](doc), curated_root=curated)
    finally:
        shutil.rmtree(curated)
    graph = Graph()
    for triple in dataset.graph(GRAPH["zh-2024"]):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_golden(name):
    actual = run(name)
    expected = Graph().parse(CASE / f"expected-{name}.ttl", format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(f"{name}: output differs from expected-{name}.ttl\n"
                    f"only in output:\n{only_actual.serialize(format='nt')}\n"
                    f"only in expected:\n{only_expected.serialize(format='nt')}")
    assert len(expected) > 10


def main(names: list[str]) -> None:
    from crm_kg.build.serialize import HEADER, turtle

    for name in names or sorted(PARSERS):
        text = turtle(run(name)).replace(
            HEADER, "# Expected RDF for input.txt: parser + mapping output, reviewed by hand.\n")
        (CASE / f"expected-{name}.ttl").write_text(text, encoding="utf-8")
        print(f"wrote {CASE / f'expected-{name}.ttl'}")


if __name__ == "__main__":
    main(sys.argv[1:])
