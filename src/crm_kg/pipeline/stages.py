"""build: facts → RDF, one named graph per report, plus reference, ontology, inferred.

Stage 3 of the pipeline (README, "Layout"). :func:`build_dataset` reads the sources,
runs the parsers, maps every fact to triples with provenance
(:mod:`.provenance`, :mod:`.facts`), adds the gazetteers
(:mod:`.reference`) and the mentions of their entries in every paragraph
(:mod:`crm_kg.pipeline.mentions`), materialises inferences (:mod:`.infer`) and returns an
``rdflib.Dataset``; :mod:`.serialize` writes it byte-stably to ``data/ttl``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from ..config import Settings
from ..errors import CrmKgError
from ..iri import PREFIXES, graph_iri
from . import mentions
from .curated import load_report as load_curated
from .extract import extract_all
from .rdf import statements as fact_rdf
from .rdf.context import Context
from .rdf.inference import infer, load_rules
from .rdf.products import Products
from .rdf.reference import Reference
from .resolve import ConceptIndex
from .sources import read_sources, report_ids


def graph_names(settings: Settings) -> list[str]:
    """The named graphs of a build: one per report of ``data/sources.yaml``, and the rest."""
    return ["ontology", "reference", *report_ids(settings.data_dir / "sources.yaml"), "inferred"]


class BuildError(CrmKgError):
    """The inputs cannot be turned into a graph."""


@dataclass
class BuildResult:
    dataset: Dataset
    warnings: list[str] = field(default_factory=list)
    documents: dict = field(default_factory=dict)   # the editions read, by id


def load_ontology(settings: Settings) -> Graph:
    """The hand-edited ontology, blank nodes canonically labelled (stable output)."""
    from ..quality.rdfinput import parse

    graph = parse(settings.ontology_dir / "crm.ttl", "turtle")   # file:line errors, no owl:imports
    return to_canonical_graph(graph)


def new_dataset() -> Dataset:
    dataset = Dataset()
    for prefix, ns in PREFIXES.items():
        dataset.bind(prefix, ns, override=True)
    return dataset


def emit_facts(settings: Settings, documents: dict, facts: list, curated_root=None) -> Dataset:
    """Just the given facts as RDF (report graphs only): for golden tests of parsers."""
    dataset = new_dataset()
    ctx = Context(settings=settings, documents=documents, concepts=ConceptIndex(load_ontology(settings)),
                  reference=Reference.load(settings.data_dir / "reference"), dataset=dataset,
                  curated_root=curated_root,
                  products=Products.load(settings.data_dir / "reference" / "products.yaml"))
    for fact in facts:
        fact_rdf.emit(fact, ctx)
    return dataset


def build_dataset(settings: Settings, only: str | None = None) -> BuildResult:
    """Everything from sources + curated + reference data, inferences included.

    ``only``: one report (``crm-kg build --report``): its facts and graph, with the shared graphs
    (every edition is still read: the reference data cites passages of all of them).
    """
    documents = read_sources(settings.sources, pins=settings.data_dir / "sources.yaml")
    if only is not None and not any(d.edition.report == only for d in documents.values()):
        raise BuildError(f"report {only!r} has no edition in {settings.data_dir / 'sources.yaml'}")
    ontology = load_ontology(settings)
    dataset = new_dataset()
    graph_ontology = dataset.graph(graph_iri("ontology"))
    for triple in ontology:
        graph_ontology.add(triple)

    reference = Reference.load(settings.data_dir / "reference")
    products = Products.load(settings.data_dir / "reference" / "products.yaml")
    ctx = Context(settings=settings, documents=documents, concepts=ConceptIndex(ontology),
                  reference=reference, dataset=dataset, products=products)
    reference.emit(dataset.graph(graph_iri("reference")), ctx)
    products.emit(dataset.graph(graph_iri("reference")), ctx.concepts)
    reports = report_ids(settings.data_dir / "sources.yaml")
    reports = [only] if only is not None else reports
    for report in reports:
        ctx.emit_report(report)
    parsed = documents if only is None else {e: d for e, d in documents.items() if d.edition.report == only}
    for fact in extract_all(parsed, settings.data_dir / "profiles", settings.data_dir / "reference"):
        fact_rdf.emit(fact, ctx)
    for report in reports:
        for fact in load_curated(settings.data_dir / "curated", report, documents):
            fact_rdf.emit(fact, ctx)
    mentions.emit(ctx, mentions.Tagger.from_reference(
        reference, reference.topic_terms(ctx.concepts),
        extra={"product": products.products, "goods-category": products.goods}))
    ctx.finish()
    inferred = infer(dataset, load_rules(settings.queries_dir / "inference"))
    graph_inferred = dataset.graph(graph_iri("inferred"))
    for triple in inferred:
        graph_inferred.add(triple)
    return BuildResult(dataset, ctx.warnings, documents)


def input_digests(settings: Settings, documents_sha: dict[str, str]) -> dict:
    """Digests of everything a build reads (the validation gate's shapes and checks too),
    recorded in the manifest."""
    from .serialize import sha256_bytes

    inputs = {}
    gate = [*settings.ontology_dir.glob("shapes/*.ttl"), *settings.queries_dir.glob("checks/*"),
            *settings.queries_dir.glob("inference/*.rq")]
    for path in sorted([*settings.ontology_dir.glob("*.ttl"), *gate, *settings.data_dir.glob("*.yaml"),
                        *settings.data_dir.glob("curated/**/*.yaml"), *settings.data_dir.glob("profiles/*.yaml"),
                        *settings.data_dir.glob("reference/*.yaml")]):
        inputs[str(path.relative_to(settings.root))] = sha256_bytes(path.read_bytes())
    return {"sources": dict(sorted(documents_sha.items())), "inputs": inputs}


def citation_findings(settings: Settings, dataset: Dataset, documents: dict | None = None) -> list[str]:
    """The passage-mentions check (:mod:`.citations`) on a dataset before it is published
    (``documents``: the editions the build read, so they are not read again)."""
    from ..store.embedded import EmbeddedStore
    from . import citations

    if not (settings.data_dir / "review" / "citations.yaml").exists():
        return []
    return citations.report(settings, documents, store=EmbeddedStore.from_dataset(dataset))


def run_build(settings: Settings, validate: bool = True):
    """sources → facts → RDF → (validate) → data/ttl, atomically. Returns (result, report)."""
    from ..quality.validate import validate_dataset
    from .serialize import render, write_atomically
    from .sources import load_editions

    result = build_dataset(settings)
    report = None
    if validate:
        report = validate_dataset(result.dataset, settings)
        if not report.conforms:
            return result, report
        lines = citation_findings(settings, result.dataset, result.documents)
        if lines:
            raise BuildError("the passage-mentions check failed (fix the citation, or list a true "
                             "exception with its reason in data/review/citations.yaml):\n  " + "\n  ".join(lines))
    editions = load_editions(settings.sources, settings.data_dir / "sources.yaml")
    files = render(result.dataset, graph_names(settings),
                   input_digests(settings, {e.file: e.sha256 for e in editions.values()}))
    write_atomically(files, settings.ttl_dir)
    return result, report
