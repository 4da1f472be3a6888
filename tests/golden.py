"""Golden cases of every parser: a fixture text in a report's layout → expected RDF.

Each case is a short text WE wrote in the layout of one table, figure or list
of a report (invented sentences; real names only where the mapping must
resolve them), the parser that reads it, and the Turtle its records map to,
reviewed by hand. ``tests/test_golden.py`` compares with rdflib isomorphism.

Regenerate after a deliberate change, then review the diff::

    .venv/bin/python tests/golden.py [case …]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

sys.path.insert(0, str(Path(__file__).parent))

from conftest import fixture_document  # noqa: E402

from crm_kg.config import load_settings  # noqa: E402
from crm_kg.iri import GRAPH  # noqa: E402
from crm_kg.pipeline.extract import nhfl, nhfl_nl, zh  # noqa: E402
from crm_kg.pipeline.rdf.context import Context  # noqa: E402
from crm_kg.pipeline.rdf.products import Products  # noqa: E402
from crm_kg.pipeline.rdf.reference import Reference  # noqa: E402
from crm_kg.pipeline.rdf.statements import emit  # noqa: E402
from crm_kg.pipeline.resolve import ConceptIndex  # noqa: E402
from crm_kg.pipeline.serialize import HEADER, turtle  # noqa: E402
from crm_kg.pipeline.stages import load_ontology, new_dataset  # noqa: E402

CASES = Path(__file__).parent / "cases"
GENERATED = "# Expected RDF for input.txt: parser + mapping output, reviewed by hand.\n"


@dataclass(frozen=True)
class Case:
    parser: object
    edition: str
    language: str
    folder: Path
    expected_name: str = "expected.ttl"

    @property
    def input(self) -> Path:
        return self.folder / "input.txt"

    @property
    def expected(self) -> Path:
        return self.folder / self.expected_name

    @property
    def titles(self) -> Path:
        return self.folder / "titles.yaml"


def _own(parser, edition: str, language: str, name: str) -> Case:
    """A case with its own folder tests/cases/<name>/ (input.txt, expected.ttl, titles.yaml?)."""
    return Case(parser, edition, language, CASES / name)


def _zh(parser) -> Case:
    """The Zuid-Holland parsers share one invented mini-report (tests/cases/zh-report/)."""
    return Case(parser, "zh-2024-nl", "nl", CASES / "zh-report", f"expected-{parser.__name__}.ttl")


EN, NL = ("nhfl-2025-en", "en"), ("nhfl-2025-nl", "nl")
GOLDEN: dict[str, Case] = {
    **{name: _own(parser, *edition, name) for name, parser, edition in [
        ("nhfl-table1", nhfl.summary_table1, EN),
        ("nhfl-table2", nhfl.crm_list_table2, EN),
        ("nhfl-table3", nhfl.goods_table3, EN),
        ("nhfl-table4", nhfl.activities_table4, EN),
        ("nhfl-table5", nhfl.recommendations_table5, EN),
        ("nhfl-table6", nhfl.organisations_table6, EN),
        ("nhfl-opportunities", nhfl.opportunities, EN),
        ("nhfl-opportunity-lists", nhfl.opportunity_lists, EN),
        ("nhfl-figures", nhfl.organisation_figures, EN),
        ("nhfl-nl-tabel1", nhfl_nl.summary_tabel1, NL),
        ("nhfl-nl-tabel2", nhfl_nl.crm_list_tabel2, NL),
        ("nhfl-nl-tabel3", nhfl_nl.goods_tabel3, NL),
        ("nhfl-nl-tabel4", nhfl_nl.activities_tabel4, NL),
        ("nhfl-nl-tabel5", nhfl_nl.recommendations_tabel5, NL),
        ("nhfl-nl-tabel6", nhfl_nl.organisations_tabel6, NL),
        ("nhfl-nl-figures", nhfl_nl.organisation_figures, NL),
        ("nhfl-nl-kansen", nhfl_nl.kansen, NL),
    ]},
    **{f"zh-{p.__name__}": _zh(p) for p in (zh.recommendations, zh.opportunities, zh.challenges,
                                            zh.crm_list, zh.figure1, zh.organisations_figure4)},
}


@lru_cache(maxsize=1)
def _shared():
    """Settings, ontology concepts and gazetteers, loaded once for all cases."""
    settings = load_settings()
    reference = settings.data_dir / "reference"
    return (settings, ConceptIndex(load_ontology(settings)), Reference.load(reference),
            Products.load(reference / "products.yaml"))


def run_case(name: str) -> Graph:
    """The RDF the case's parser produces from its input (its report's graph only)."""
    case = GOLDEN[name]
    doc = fixture_document(case.input, case.edition, case.language)
    settings, concepts, reference, products = _shared()
    curated = Path(tempfile.mkdtemp())
    try:
        if case.titles.exists():
            (curated / doc.edition.report).mkdir()
            shutil.copy(case.titles, curated / doc.edition.report / "titles.yaml")
        dataset = new_dataset()
        ctx = Context(settings=settings, documents={case.edition: doc}, concepts=concepts,
                      reference=reference, dataset=dataset, curated_root=curated, products=products)
        for fact in case.parser(doc):
            emit(fact, ctx)
    finally:
        shutil.rmtree(curated)
    graph = Graph()
    for triple in dataset.graph(GRAPH[doc.edition.report]):
        graph.add(triple)
    return graph


def main(names: list[str]) -> None:
    for name in names or sorted(GOLDEN):
        path = GOLDEN[name].expected
        path.write_text(turtle(run_case(name)).replace(HEADER, GENERATED), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
