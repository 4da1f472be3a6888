"""Golden cases of every profile rule: a fixture text in a report's layout → expected RDF.

Each case is a short text WE wrote in the layout of one table, figure or list
of a report (invented sentences; real names only where the mapping must
resolve them), the rule of data/profiles/<report>.yaml that reads it, and the Turtle its records map to,
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
from crm_kg.pipeline.extract import rule_parser  # noqa: E402
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
    rule: str
    edition: str
    language: str
    folder: Path
    expected_name: str = "expected.ttl"

    @property
    def parser(self):
        return rule_parser(self.rule)

    @property
    def input(self) -> Path:
        return self.folder / "input.txt"

    @property
    def expected(self) -> Path:
        return self.folder / self.expected_name

    @property
    def titles(self) -> Path:
        return self.folder / "titles.yaml"


def _own(rule: str, edition: str, language: str, name: str) -> Case:
    """A case with its own folder tests/cases/<name>/ (input.txt, expected.ttl, titles.yaml?)."""
    return Case(rule, edition, language, CASES / name)


def _zh(rule: str) -> Case:
    """The Zuid-Holland rules share one invented mini-report (tests/cases/zh-report/)."""
    return Case(rule, "zh-2024-nl", "nl", CASES / "zh-report", f"expected-{rule}.ttl")


EN, NL = ("nhfl-2025-en", "en"), ("nhfl-2025-nl", "nl")
GOLDEN: dict[str, Case] = {
    **{name: _own(rule, *edition, name) for name, rule, edition in [
        ("nhfl-table1", "table-1", EN),
        ("nhfl-table2", "table-2", EN),
        ("nhfl-table3", "table-3", EN),
        ("nhfl-table4", "table-4", EN),
        ("nhfl-table5", "table-5", EN),
        ("nhfl-table6", "table-6", EN),
        ("nhfl-opportunities", "opportunities", EN),
        ("nhfl-opportunity-lists", "opportunity-lists", EN),
        ("nhfl-figures", "figures", EN),
        ("nhfl-nl-tabel1", "tabel-1", NL),
        ("nhfl-nl-tabel2", "tabel-2", NL),
        ("nhfl-nl-tabel3", "tabel-3", NL),
        ("nhfl-nl-tabel4", "tabel-4", NL),
        ("nhfl-nl-tabel5", "tabel-5", NL),
        ("nhfl-nl-tabel6", "tabel-6", NL),
        ("nhfl-nl-figures", "figuren", NL),
        ("nhfl-nl-kansen", "kansen", NL),
        ("nhfl-nl-opportunity-lists", "opportunity-lists", NL),
    ]},
    **{f"zh-{r}": _zh(r) for r in ("recommendations", "opportunities", "challenges", "crm-list", "figure-1",
                                   "figure-4")},
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
