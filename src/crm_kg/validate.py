"""validate: SHACL over the built dataset, with a readable report.

The data graph is the union of every named graph (ontology included, so
concept individuals are typed); shapes come from ``ontology/shapes.ttl``
(W3C SHACL, validated with pyshacl). Each result is reported with the focus
node and its label, the path, the message, and the source passage the focus
node was derived from (edition and line span), so a wrong fact can be traced
to the line that produced it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, Dataset, Graph, Namespace, URIRef

from .config import Settings
from .iri import CRM, PROV
from .rdfinput import parse as parse_rdf

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass
class Finding:
    severity: str
    focus: str
    label: str | None
    path: str | None
    message: str
    value: str | None = None
    sources: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = f" [{', '.join(self.sources)}]" if self.sources else ""
        label = f" ({self.label})" if self.label else ""
        path = f" {self.path}:" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{label}{path} {self.message}{value}{where}"


@dataclass
class Report:
    findings: list[Finding]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        if not self.findings:
            return "valid: no violations, no warnings"
        lines = [f.line() for f in self.violations + self.warnings]
        lines.append(f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"conforms": self.conforms, "violations": len(self.violations),
                           "warnings": len(self.warnings),
                           "results": [asdict(f) for f in self.findings]}, indent=2)


def union_graph(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def load_shapes(settings: Settings) -> Graph:
    shapes = Graph()
    for path in sorted(settings.ontology_dir.glob("shapes*.ttl")):
        parse_rdf(path, "turtle", into=shapes)       # file:line errors, no owl:imports
    return shapes


def _short(term) -> str | None:
    if term is None:
        return None
    text = str(term)
    return text.replace(str(CRM), "crm:")


def _sources(data: Graph, focus) -> list[str]:
    out = []
    for passage in sorted(data.objects(focus, PROV.wasDerivedFrom)):
        edition = data.value(passage, CRM.inEdition)
        start, end = data.value(passage, CRM.startLine), data.value(passage, CRM.endLine)
        if edition is not None and start is not None:
            span = f"{start}" if start == end else f"{start}-{end}"
            out.append(f"{str(edition).rsplit('/', 1)[-1]}:{span}")
    return out


def validate_graph(data: Graph, shapes: Graph) -> Report:
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        abort_on_first=False)
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity = str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        message = results.value(result, SH.resultMessage)
        label = data.value(focus, RDFS.label) if isinstance(focus, URIRef) else None
        findings.append(Finding(
            severity=severity, focus=str(focus), label=str(label) if label else None,
            path=_short(results.value(result, SH.resultPath)),
            message=str(message) if message else "constraint not met",
            value=_short(results.value(result, SH.value)),
            sources=_sources(data, focus)))
    findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path or "", f.message))
    return Report(findings)


def validate_dataset(dataset: Dataset, settings: Settings) -> Report:
    return validate_graph(union_graph(dataset), load_shapes(settings))
