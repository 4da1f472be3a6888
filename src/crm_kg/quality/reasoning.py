"""reasoning: OWL 2 DL consistency of the ontology with the data, by HermiT.

The second half of ``crm-kg validate`` (after SHACL): the ontology and every
data graph go to HermiT through owlready2 (``sync_reasoner_hermit``; Java must
be installed — ``scripts/setup-system.sh`` installs ``default-jre-headless``).
HermiT answers whether the whole is consistent and which classes are
unsatisfiable (equivalent to ``owl:Nothing``). Before that, the declaration
checks of :mod:`.ontology` run (every term declared with one kind, no
punning, labels and definitions present), because an undeclared property is
silently an annotation property to Protégé and escapes the reasoner.

Dates and HermiT (the decision the ontology's description documents): HermiT
accepts only the datatypes of the OWL 2 datatype map (W3C OWL 2 Structural
Specification §4, "Datatype Maps"). ``xsd:date``, ``xsd:gYear`` and
``geo:wktLiteral`` are not in it, so :func:`for_hermit` hands every literal
of such a datatype to HermiT as a plain ``xsd:string`` — the properties that
carry them have no datatype range, so nothing is lost — while the graph
itself keeps the real datatypes for SPARQL. Nothing is imported, so owlready2
fetches nothing.

When HermiT finds an inconsistency it does not say why; :func:`diagnose`
then looks for the usual causes (an individual in two disjoint classes,
directly or through domains and ranges; two disjoint properties between the
same pair; a functional datatype property with two values) and names them.
"""

from __future__ import annotations

import io
import shutil
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef

from ..config import Settings
from ..errors import CrmKgError
from ..iri import CRM, GRAPH, ONTOLOGY_IRI
from .declarations import Problem, declared, lint, load, source_path
from .rdfinput import without_imports

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
_XSD = Namespace(XSD_NS)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

# W3C OWL 2 Structural Specification, §4 Datatype Maps.
OWL2_DATATYPES = frozenset(
    [URIRef(RDF_NS + n) for n in ("PlainLiteral", "XMLLiteral", "langString")]
    + [RDFS.Literal, OWL.real, OWL.rational]
    + [_XSD[n] for n in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte", "double", "float", "string", "normalizedString", "token",
        "language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI",
        "dateTime", "dateTimeStamp")])


class ReasonerError(CrmKgError):
    """HermiT could not run (no Java, a malformed literal…)."""


@dataclass
class OwlReport:
    """What the OWL step found; ``conforms`` when consistent and nothing is wrong."""

    consistent: bool | None = None
    unsatisfiable: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    suspects: list[str] = field(default_factory=list)
    as_strings: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def conforms(self) -> bool:
        return bool(self.consistent) and not self.unsatisfiable and not self.problems and not self.error

    def text(self) -> str:
        lines = [f"owl: {p}" for p in self.problems]
        if self.error:
            lines.append(f"owl: error: {self.error}")
        elif self.consistent is False:
            lines.append("owl: INCONSISTENT: HermiT finds no model of the ontology with the data")
            lines += [f"owl:   likely cause: {s}" for s in self.suspects] or [
                "owl:   (no simple cause found; open ontology/crm.owl with the data in Protégé "
                "and ask for an explanation)"]
        else:
            lines += [f"owl: unsatisfiable class <{c}> (equivalent to owl:Nothing)" for c in self.unsatisfiable]
        if self.consistent:
            lines.append(f"owl: consistent (HermiT, {self.seconds:.1f} s); "
                         f"{len(self.unsatisfiable)} unsatisfiable class(es); {len(self.problems)} "
                         f"declaration problem(s); {self.as_strings} literal(s) outside the OWL 2 "
                         "datatype map passed to HermiT as strings")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"conforms": self.conforms, **asdict(self)}


# --------------------------------------------------------------------------- HermiT

def for_hermit(graph: Graph) -> tuple[Graph, int]:
    """A copy of ``graph`` whose literals HermiT accepts, and how many were rewritten.

    A literal whose datatype is outside the OWL 2 datatype map (xsd:date,
    xsd:gYear, geo:wktLiteral…) becomes a plain string with the same lexical
    form.
    """
    out = Graph()
    converted = 0
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o))
            converted += 1
        out.add((s, p, o))
    return out, converted


def hermit(graph: Graph) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable class IRIs) for a graph HermiT can read (see :func:`for_hermit`)."""
    try:
        import owlready2
        from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ReasonerError(f"owlready2 is not installed ({exc})") from None
    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasonerError("Java is not installed: HermiT needs it (make system installs "
                            "default-jre-headless); or skip this step with --no-owl")
    world = owlready2.World()
    try:
        # owlready2 would fetch every owl:imports it is handed (rdfinput refuses them on input)
        data = without_imports(graph).serialize(format="nt", encoding="utf-8")
        world.get_ontology(str(ONTOLOGY_IRI)).load(fileobj=io.BytesIO(data), format="ntriples")
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except OwlReadyInconsistentOntologyError:
            return False, []
        except OwlReadyJavaError as exc:
            raise ReasonerError(f"HermiT failed: {_java_message(str(exc))}") from None
        nothing = {str(c.iri) for c in world.inconsistent_classes()} - {str(OWL.Nothing)}
        return True, sorted(nothing)
    finally:
        world.close()


def _java_message(text: str) -> str:
    for line in text.splitlines():
        if "Exception" in line:
            return line.split(":", 1)[-1].strip() or line.strip()
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


# --------------------------------------------------------------------------- diagnosis

def _superclasses(ontology: Graph) -> dict:
    parents = defaultdict(set)
    for a, b in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            parents[a].add(b)

    def closure(c, seen=None):
        seen = seen if seen is not None else set()
        for p in parents.get(c, ()):
            if p not in seen:
                seen.add(p)
                closure(p, seen)
        return seen
    return {c: closure(c) for c in list(parents)}


def _named_classes(ontology: Graph, node) -> set:
    """The named classes a domain or range stands for (all members of a union count as 'maybe')."""
    return {node} if isinstance(node, URIRef) else set()


def diagnose(ontology: Graph, data: Graph) -> list[str]:
    """Simple reasons for an inconsistency, as readable sentences."""
    both = Graph()
    for triple in ontology:
        both.add(triple)
    for triple in data:
        both.add(triple)
    supers = _superclasses(ontology)
    kinds = declared(ontology)
    object_props = {t for t, k in kinds.items() if "object property" in k}
    data_props = {t for t, k in kinds.items() if "datatype property" in k}
    domains = {p: _named_classes(ontology, d) for p, d in ontology.subject_objects(RDFS.domain)}
    ranges = {p: _named_classes(ontology, r) for p, r in ontology.subject_objects(RDFS.range)
              if p in object_props}
    why: dict = defaultdict(dict)   # individual → class → reason

    def typed(x, cls, reason):
        if isinstance(x, (URIRef, BNode)):
            for c in {cls} | supers.get(cls, set()):
                why[x].setdefault(c, reason)

    for s, o in both.subject_objects(RDF.type):
        if (o, RDF.type, OWL.Class) in ontology:
            typed(s, o, f"typed {_short(o)}")
    for s, p, o in data:
        for cls in domains.get(p, ()):
            typed(s, cls, f"subject of {_short(p)}")
        for cls in ranges.get(p, ()):
            typed(o, cls, f"object of {_short(p)}")

    groups = [list(ontology.items(ontology.value(g, OWL.members)))
              for g in ontology.subjects(RDF.type, OWL.AllDisjointClasses)]
    groups += [[a, b] for a, b in ontology.subject_objects(OWL.disjointWith)]
    found = []
    for x, classes in sorted(why.items(), key=lambda kv: str(kv[0])):
        for group in groups:
            hits = [c for c in group if c in classes]
            if len(hits) > 1:
                a, b = hits[:2]
                found.append(f"<{x}> is a {_short(a)} ({classes[a]}) and a {_short(b)} "
                             f"({classes[b]}), which are disjoint")
    for p1, p2 in ontology.subject_objects(OWL.propertyDisjointWith):
        for s, o in data.subject_objects(p1):
            if (s, p2, o) in data:
                found.append(f"<{s}> {_short(p1)} and {_short(p2)} the same <{o}>, "
                             "but the two properties are disjoint")
    for p in sorted(data_props & set(ontology.subjects(RDF.type, OWL.FunctionalProperty))):
        values = defaultdict(set)
        for s, o in data.subject_objects(p):
            values[s].add(o.toPython() if isinstance(o, Literal) else o)
        for s, vs in sorted(values.items(), key=lambda kv: str(kv[0])):
            if len(vs) > 1:
                found.append(f"<{s}> has {len(vs)} values of the functional property {_short(p)}: "
                             + ", ".join(sorted(map(str, vs))))
    return sorted(set(found))


def _short(term) -> str:
    text = str(term)
    return "crm:" + text[len(str(CRM)):] if text.startswith(str(CRM)) else f"<{text}>"


# --------------------------------------------------------------------------- entry points

def check(ontology: Graph, data: Graph) -> OwlReport:
    """Declarations, then HermiT on ontology + data; never raises for bad data."""
    report = OwlReport(problems=[p.line() for p in lint(ontology, data)])
    both = Graph()
    for triple in ontology:
        both.add(triple)
    for triple in data:
        both.add(triple)
    prepared, report.as_strings = for_hermit(both)
    start = time.monotonic()
    try:
        report.consistent, report.unsatisfiable = hermit(prepared)
    except ReasonerError as exc:
        report.error = str(exc)
    report.seconds = time.monotonic() - start
    if report.consistent is False:
        report.suspects = diagnose(ontology, data)
    return report


def split(dataset: Dataset, settings: Settings) -> tuple[Graph, Graph]:
    """(ontology, data) of a built dataset; the ontology graph, or ontology/crm.ttl if it has none."""
    ontology, data = Graph(), Graph()
    ontology_graph = GRAPH["ontology"]
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graph_name = getattr(g, "identifier", g)
        (ontology if graph_name == ontology_graph else data).add((s, p, o))
    if not len(ontology):
        ontology = load(source_path(settings))
    return ontology, data


def check_dataset(dataset: Dataset, settings: Settings) -> OwlReport:
    ontology, data = split(dataset, settings)
    return check(ontology, data)


__all__ = ["OWL2_DATATYPES", "OwlReport", "Problem", "ReasonerError", "check", "check_dataset",
           "diagnose", "for_hermit", "hermit", "split"]
