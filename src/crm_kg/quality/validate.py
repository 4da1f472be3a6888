"""validate: the gate every build passes — SHACL shapes and SPARQL checks — with a readable report.

The data is the union of every named graph (ontology included, so concept
individuals and the class hierarchy are there for ``sh:class`` and
``sh:targetClass``; the inferred graph too, since it is published). Two
engines look at it:

* **SHACL** (W3C Shapes Constraint Language, core only): the shapes in
  ``ontology/shapes/*.ttl``, evaluated by pyshacl (the reference) or, for large
  graphs, compiled to SPARQL and evaluated by pyoxigraph on the checks' store
  (:mod:`crm_kg.quality.shacl_sparql`; ``shacl_engine``). Each finding names the
  shape that caught it (``shapes:Recommendation-number``).
* **SPARQL checks** for what SHACL says badly (duplicate names across
  entities, numbering gaps, spans against the file's length…):
  ``queries/checks/*-violation.rq`` (see :mod:`crm_kg.quality.checks`), evaluated by
  pyoxigraph. Each row is a finding named ``check:<name>``.

Severity ``Violation`` fails (``crm-kg validate`` exits 1, ``crm-kg build``
writes nothing); ``Warning`` and ``Info`` are listed and do not fail. Each
finding is reported with its focus node and the node's label, the path, the
value, the message and the source passages the node was derived from (edition
and line span), so a wrong fact can be traced to the line that produced it.
The OWL step (declarations, HermiT) is :mod:`crm_kg.quality.reasoning`; ``crm-kg
validate`` runs it after these two.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.util import from_n3

from ..config import Settings
from ..errors import CrmKgError
from ..iri import CRM, PREFIXES, PROV, SKOS
from ..sparql.terms import dataset_quads, from_ox, to_ox
from . import shacl_sparql
from .checks import LISTS_GRAPH, Check, check_store, load_checks, run_checks
from .rdfinput import parse as parse_rdf

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES = Namespace("https://w3id.org/crm-kg/shapes#")
SHAPES_DIR = "shapes"          # ontology/shapes/*.ttl
CHECKS_DIR = "checks"          # queries/checks/*-violation.rq
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


class ValidationSetupError(CrmKgError):
    """The shapes or checks themselves cannot be read."""


@dataclass
class Source:
    """A passage a finding's focus node comes from: edition and line span."""

    edition: str
    start: int
    end: int
    passage: str
    how: str = "derived"   # derived (prov:wasDerivedFrom) | self (the node is a passage) | mentioned

    def cite(self) -> str:
        span = str(self.start) if self.start == self.end else f"{self.start}-{self.end}"
        return f"{self.edition}:{span}" + (" (mentioned)" if self.how == "mentioned" else "")


@dataclass
class Finding:
    severity: str            # Violation | Warning | Info
    rule: str                # shapes:Recommendation-number | check:numbering-gap
    focus: str
    message: str
    label: str | None = None
    path: str | None = None
    value: str | None = None
    sources: list[Source] = field(default_factory=list)

    def lines(self) -> list[str]:
        label = f"  ({self.label})" if self.label else ""
        out = [f"{self.severity.upper()} {self.rule}", f"  focus:   <{self.focus}>{label}"]
        if self.path:
            out.append(f"  path:    {self.path}")
        if self.value:
            out.append(f"  value:   {self.value}")
        out.append(f"  message: {self.message}")
        if self.sources:
            out.append(f"  source:  {', '.join(s.cite() for s in self.sources)}")
        return out

    def as_dict(self) -> dict:
        body = asdict(self)
        body["sources"] = [{**asdict(s), "cite": s.cite()} for s in self.sources]
        return body


@dataclass
class Report:
    findings: list[Finding]
    stats: dict = field(default_factory=dict)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def summary(self) -> str:
        s = self.stats
        engines = (f"SHACL: {s.get('shapes', '?')} shapes, {s.get('shacl_seconds', 0):.1f} s; "
                   f"SPARQL: {s.get('checks', '?')} checks, {s.get('check_seconds', 0):.1f} s; "
                   f"{s.get('triples', '?')} triples")
        if self.conforms:
            head = "valid: no violations" + (f", {len(self.warnings)} warning(s)" if self.warnings
                                             else ", no warnings")
        else:
            head = f"INVALID: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        return f"{head} ({engines})"

    def text(self, warnings: bool = True) -> str:
        shown = self.violations + (self.warnings if warnings else [])
        blocks = ["\n".join(f.lines()) for f in shown]
        return "\n\n".join(blocks + [self.summary()])

    def as_dict(self) -> dict:
        return {"conforms": self.conforms, "violations": len(self.violations),
                "warnings": len(self.warnings), "stats": self.stats,
                "results": [f.as_dict() for f in self.findings]}

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- inputs

def union_graph(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def shapes_paths(settings: Settings) -> list[Path]:
    return sorted((settings.ontology_dir / SHAPES_DIR).glob("*.ttl"))


def load_shapes(settings: Settings) -> Graph:
    """Every shapes file of ``ontology/shapes/`` in one graph."""
    paths = shapes_paths(settings)
    if not paths:
        raise ValidationSetupError(f"{settings.ontology_dir / SHAPES_DIR}: no shapes (*.ttl)")
    shapes = Graph()
    for path in paths:
        try:
            parse_rdf(path, "turtle", into=shapes)       # file:line errors, no owl:imports
        except CrmKgError as exc:
            raise ValidationSetupError(f"{exc} (shapes)") from None
    return shapes


def checks_dir(settings: Settings) -> Path:
    return settings.queries_dir / CHECKS_DIR


def load_settings_checks(settings: Settings) -> list[Check]:
    return load_checks(checks_dir(settings))


def shape_count(shapes: Graph) -> int:
    return len(set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)))


# --------------------------------------------------------------------------- rendering

def _namespaces() -> NamespaceManager:
    manager = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, ns in {**PREFIXES, "shapes": str(SHAPES), "sh": str(SH)}.items():
        if prefix != "id":
            manager.bind(prefix, ns, override=True)
    return manager


_NS = _namespaces()


def term_text(term) -> str | None:
    """An RDF term as compact Turtle (``crm:number``, ``"three"``, ``"1.5"^^xsd:decimal``)."""
    if term is None:
        return None
    if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        term = from_ox(term)
    if isinstance(term, URIRef):
        return term.n3(_NS)
    return term.n3(_NS) if isinstance(term, Literal) else str(term)


def label_of(data: Graph, node) -> str | None:
    if not isinstance(node, (URIRef, BNode)):
        return None
    labels = list(data.objects(node, RDFS.label)) or list(data.objects(node, SKOS.prefLabel))
    if not labels:
        return None
    for lang in ("en", None, "nl"):
        for label in sorted(labels):
            if isinstance(label, Literal) and label.language == lang:
                return str(label)
    return str(min(labels))


def _span(data: Graph, passage, how: str) -> Source | None:
    edition = data.value(passage, CRM.inEdition)
    start, end = data.value(passage, CRM.startLine), data.value(passage, CRM.endLine)
    if edition is None or start is None:
        return None
    try:
        first, last = int(start), int(end if end is not None else start)
    except (TypeError, ValueError):
        return None
    return Source(str(edition).rsplit("/", 1)[-1], first, last, str(passage), how)


def sources_of(data: Graph, node, limit: int = 5) -> list[Source]:
    """The passages ``node`` is derived from; the node itself if it is a passage or
    section; else (up to ``limit``) the passages it is mentioned in."""
    if not isinstance(node, (URIRef, BNode)):
        return []
    found = [s for p in sorted(data.objects(node, PROV.wasDerivedFrom)) if (s := _span(data, p, "derived"))]
    if not found and data.value(node, CRM.inEdition) is not None:
        found = [s for s in [_span(data, node, "self")] if s]
    if not found:
        found = [s for p in sorted(data.objects(node, CRM.mentionedIn)) if (s := _span(data, p, "mentioned"))]
    return found[:limit]


# --------------------------------------------------------------------------- engines

class StoreGraph:
    """The union of a pyoxigraph store's graphs as far as the findings read it (a node's
    labels and passages: ``objects``, ``value``), without copying it into rdflib."""

    def __init__(self, store: ox.Store):
        self.store = store

    def __len__(self) -> int:
        lists = sum(1 for _ in self.store.quads_for_pattern(None, None, None, LISTS_GRAPH))
        return len(self.store) - lists

    def objects(self, subject, predicate):
        if not isinstance(subject, (URIRef, BNode)):
            return iter(())
        found = {from_ox(q.object) for q in self.store.quads_for_pattern(to_ox(subject), to_ox(predicate), None)}
        return iter(found)

    def value(self, subject, predicate):
        return next(iter(sorted(self.objects(subject, predicate))), None)


def run_shacl(data: Graph, shapes: Graph, store: ox.Store | None = None) -> list[tuple]:
    """pyshacl over ``data``: (severity, shape, focus, path, value, message) per result."""
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True,
        allow_infos=True, abort_on_first=False, meta_shacl=False)
    out = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = results.value(result, SH.resultMessage)
        out.append((severity, results.value(result, SH.sourceShape), results.value(result, SH.focusNode),
                    results.value(result, SH.resultPath), results.value(result, SH.value),
                    str(message) if message else "constraint not met"))
    return out


def _rudof_term(text):
    """A term as rudof writes it (an IRI bare, a literal in N-Triples form, ``_:b`` a blank node)."""
    if text is None or text == "":
        return None
    if text.startswith('"'):
        return from_n3(text)
    if text.startswith("_:"):
        return BNode(text[2:])
    return URIRef(text.strip("<>"))


def run_rudof(data: Graph, shapes: Graph, store: ox.Store | None = None) -> list[tuple]:
    """rudof (pyrudof, Rust) over ``data``: the same tuples as :func:`run_shacl`. The engine for
    large graphs (``shacl_engine``); pyshacl stays the reference, and the tests compare the
    two engines' verdicts on the real graph and on every broken fixture."""
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes.serialize(format="turtle"))
    out = []
    for result in rudof.validate_shacl():
        message = _rudof_term(result.message)
        out.append((str(result.severity), _rudof_term(result.source_shape), _rudof_term(result.focus_node),
                    _rudof_term(result.path), _rudof_term(result.value),
                    str(message) if message is not None else "constraint not met"))
    return out


def run_sparql(data: Graph | StoreGraph, shapes: Graph, store: ox.Store | None = None) -> list[tuple]:
    """The shapes compiled to SPARQL (:mod:`crm_kg.quality.shacl_sparql`), evaluated on ``store``
    (the union of its graphs; built from ``data`` if not given): the same tuples as
    :func:`run_shacl`. A shape the compiler cannot translate is refused, naming it."""
    try:
        plan = shacl_sparql.compile_shapes(shapes)
    except shacl_sparql.UnsupportedShapeError as exc:
        raise ValidationSetupError(str(exc)) from None
    if store is None:
        store = data.store if isinstance(data, StoreGraph) else ox.Store()
        if not isinstance(data, StoreGraph):
            store.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data])
    return shacl_sparql.run(store, plan)


ENGINES = {"pyshacl": run_shacl, "sparql": run_sparql, "rudof": run_rudof}


def shacl_engine(settings: Settings, triples: int) -> str:
    """The SHACL engine for a union graph of ``triples``: ``shacl_engine``, or with ``auto``
    pyshacl (the reference) up to ``shacl_fast_above`` triples and the sparql engine above."""
    engine = getattr(settings, "shacl_engine", "auto")
    if engine == "auto":
        return "sparql" if triples > settings.shacl_fast_above else "pyshacl"
    if engine not in ENGINES:
        raise ValidationSetupError(f"unknown shacl_engine {engine!r} (pyshacl, sparql, rudof or auto)")
    return engine


def shacl_findings(data: Graph | StoreGraph, shapes: Graph, engine: str = "pyshacl",
                   store: ox.Store | None = None) -> list[Finding]:
    findings, about = [], {}
    for severity, shape, focus, path, value, message in ENGINES[engine](data, shapes, store):
        rule = term_text(shape) if isinstance(shape, URIRef) else f"(anonymous shape) {message}"
        if focus not in about:          # one lookup per node: a node can break many rules
            about[focus] = (label_of(data, focus), sources_of(data, focus))
        label, sources = about[focus]
        findings.append(Finding(severity=severity, rule=rule, focus=str(focus), message=message,
                                label=label, path=term_text(path), value=term_text(value),
                                sources=list(sources)))
    return findings


def check_findings(data: Graph, store: ox.Store, checks: list[Check]) -> list[Finding]:
    findings = []
    for row in run_checks(store, checks):
        focus = from_ox(row.focus)
        findings.append(Finding(severity=row.check.severity, rule=row.check.rule, focus=str(focus),
                                message=row.message, label=label_of(data, focus),
                                path=term_text(row.path), value=term_text(row.value),
                                sources=sources_of(data, focus)))
    return findings


def validate_graph(data: Graph | StoreGraph, shapes: Graph, checks: list[Check] | None = None,
                   store: ox.Store | None = None, engine: str = "pyshacl") -> Report:
    """SHACL (and the SPARQL ``checks``, if given) over ``data``, the union graph (or the
    union of ``store``'s graphs, read through :class:`StoreGraph`)."""
    stats: dict = {"triples": len(data), "shapes": shape_count(shapes), "checks": len(checks or []),
                   "engine": engine}
    if store is None and (checks or engine == "sparql"):
        store = data.store if isinstance(data, StoreGraph) else check_store(
            [ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data], checks or [])
    start = time.perf_counter()
    findings = shacl_findings(data, shapes, engine, store)
    stats["shacl_seconds"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    if checks:
        findings += check_findings(data, store, checks)
    stats["check_seconds"] = round(time.perf_counter() - start, 3)
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.rule, f.focus, f.path or "",
                                 f.value or "", f.message))
    return Report(findings, stats)


def validate_dataset(dataset: Dataset, settings: Settings, checks: bool = True) -> Report:
    """The build gate: SHACL shapes and SPARQL checks over the union of ``dataset``'s graphs.
    The data goes into one pyoxigraph store (the checks', with their word lists); the
    reference engine also gets it as an rdflib union graph, the sparql engine reads the store."""
    loaded = load_settings_checks(settings) if checks else []
    store = check_store(dataset_quads(dataset), loaded)
    view = StoreGraph(store)
    engine = shacl_engine(settings, len(view))
    data = view if engine == "sparql" else union_graph(dataset)
    return validate_graph(data, load_shapes(settings), loaded, store, engine)


__all__ = ["Finding", "Report", "Source", "ValidationSetupError", "check_findings", "label_of",
           "StoreGraph", "load_shapes", "run_rudof", "run_shacl", "run_sparql", "shacl_engine", "shacl_findings", "shapes_paths", "sources_of", "union_graph",
           "validate_dataset", "validate_graph"]
