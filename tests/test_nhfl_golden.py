"""Golden tests of the Noord-Holland & Flevoland parsers (both editions).

Each ``tests/cases/<case>/input.txt`` is a short text we wrote in the layout of
one table, figure or list of the report (invented sentences; real names only
where the mapping must resolve them: materials, goods categories, activities,
misprinted company names). The parser's records are mapped to RDF and compared
with ``expected.ttl`` (rdflib isomorphism). Regenerate after reviewing the
diff: ``.venv/bin/python tests/test_nhfl_golden.py <case> [...]``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

sys.path.insert(0, str(Path(__file__).parent))

from conftest import fixture_document  # noqa: E402
from crm_kg.build import load_ontology, new_dataset  # noqa: E402
from crm_kg.build.context import Context  # noqa: E402
from crm_kg.build.facts import emit  # noqa: E402
from crm_kg.build.products import Products  # noqa: E402
from crm_kg.build.reference import Reference  # noqa: E402
from crm_kg.config import load_settings  # noqa: E402
from crm_kg.resolve import ConceptIndex  # noqa: E402
from crm_kg.extract import nhfl, nhfl_nl  # noqa: E402
from crm_kg.iri import GRAPH  # noqa: E402

CASES = Path(__file__).parent / "cases"
EN, NL = ("nhfl-2025-en", "en"), ("nhfl-2025-nl", "nl")
PARSERS = {
    "nhfl-table1": (nhfl.summary_table1, EN),
    "nhfl-table2": (nhfl.crm_list_table2, EN),
    "nhfl-table3": (nhfl.goods_table3, EN),
    "nhfl-table4": (nhfl.activities_table4, EN),
    "nhfl-figures": (nhfl.organisation_figures, EN),
    "nhfl-opportunity-lists": (nhfl.opportunity_lists, EN),
    "nhfl-nl-tabel1": (nhfl_nl.summary_tabel1, NL),
    "nhfl-nl-tabel5": (nhfl_nl.recommendations_tabel5, NL),
    "nhfl-nl-tabel2": (nhfl_nl.crm_list_tabel2, NL),
    "nhfl-nl-tabel3": (nhfl_nl.goods_tabel3, NL),
    "nhfl-nl-tabel4": (nhfl_nl.activities_tabel4, NL),
    "nhfl-nl-tabel6": (nhfl_nl.organisations_tabel6, NL),
    "nhfl-nl-figures": (nhfl_nl.organisation_figures, NL),
    "nhfl-nl-kansen": (nhfl_nl.kansen, NL),
}


@lru_cache(maxsize=1)
def _shared():
    """Ontology concepts and gazetteers, loaded once for all cases (as emit_facts does)."""
    settings = load_settings()
    reference = settings.data_dir / "reference"
    return (settings, ConceptIndex(load_ontology(settings)), Reference.load(reference),
            Products.load(reference / "products.yaml"))


def run_case(name: str) -> Graph:
    parser, (edition, language) = PARSERS[name]
    case = CASES / name
    doc = fixture_document(case / "input.txt", edition, language)
    curated = Path(tempfile.mkdtemp())
    settings, concepts, reference, products = _shared()
    try:
        if (case / "titles.yaml").exists():
            (curated / doc.edition.report).mkdir()
            shutil.copy(case / "titles.yaml", curated / doc.edition.report / "titles.yaml")
        dataset = new_dataset()
        ctx = Context(settings=settings, documents={edition: doc}, concepts=concepts, reference=reference,
                      dataset=dataset, curated_root=curated, products=products)
        for fact in parser(doc):
            emit(fact, ctx)
    finally:
        shutil.rmtree(curated)
    graph = Graph()
    for triple in dataset.graph(GRAPH[doc.edition.report]):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_golden(name):
    # through Turtle and back, as expected.ttl went (decimals are written 40.0)
    actual = Graph().parse(data=run_case(name).serialize(format="turtle"), format="turtle")
    expected = Graph().parse(CASES / name / "expected.ttl", format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(f"{name}: output differs from expected.ttl\n"
                    f"only in output:\n{only_actual.serialize(format='nt')}\n"
                    f"only in expected:\n{only_expected.serialize(format='nt')}")
    assert len(expected) > 5


def main(names: list[str]) -> None:
    from crm_kg.build.serialize import HEADER, turtle

    for name in names:
        text = turtle(run_case(name)).replace(
            HEADER, "# Expected RDF for input.txt: parser + mapping output, reviewed by hand.\n")
        (CASES / name / "expected.ttl").write_text(text, encoding="utf-8")
        print(f"wrote {CASES / name / 'expected.ttl'}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(PARSERS))
