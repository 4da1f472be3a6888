"""release: ``ontology/crm.owl`` and ``ontology/crm.html``, generated from ``ontology/crm.ttl``.

``python -m crm_kg.quality.release`` (``make ontology``) derives from the one
hand-edited source, ``ontology/crm.ttl``:

* ``ontology/crm.owl`` — RDF/XML (W3C "OWL 2 Mapping to RDF Graphs" in the
  RDF/XML syntax, the format Protégé opens), written here term by term so that
  a rebuild with an unchanged source is byte-identical;
* ``ontology/crm.html`` — the documentation (pyLODE, see :mod:`.ontodoc`),
  one anchor per term, so that ``…/ontology#Material`` lands on its place.

Both say in their first line that they are generated; ``--check`` exits 1 when
a committed file is stale. The source must pass :mod:`.declarations` first.

May import: :mod:`crm_kg.errors`, :mod:`crm_kg.config`, :mod:`.declarations`, :mod:`.ontodoc`.
"""

from __future__ import annotations

import argparse
import re
import sys
from xml.sax.saxutils import escape, quoteattr

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

from ..config import Settings, load_settings
from ..errors import CrmKgError
from ..iri import ONTOLOGY_IRI
from .declarations import (
    DOCS,
    GENERATED,
    RELEASE,
    OntologyError,
    load,
    punning,
    source_path,
    term_problems,
    undeclared,
)
from .ontodoc import html_documentation

# --------------------------------------------------------------------------- RDF/XML

_TYPE_ORDER = [OWL.Ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
               OWL.AnnotationProperty, RDFS.Datatype, OWL.AllDisjointClasses, OWL.Restriction,
               OWL.NamedIndividual]


def rdfxml(graph: Graph) -> str:
    """Deterministic RDF/XML: one node element per subject, sorted; blank nodes as ``bN``.

    rdflib's RDF/XML serialisers follow hash order (different bytes on every
    run), so this writes the striped syntax itself (W3C RDF 1.1 XML Syntax
    §2.2–2.10: node elements, property elements, ``rdf:resource``,
    ``rdf:nodeID``, ``xml:lang``, ``rdf:datatype``). The first line is an XML
    comment saying the file is generated (no XML declaration: UTF-8 is the
    default).
    """
    canonical = to_canonical_graph(graph)
    prefixes = {str(ns): prefix for prefix, ns in graph.namespaces() if prefix}
    prefixes.update({"http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
                     "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
                     "http://www.w3.org/2002/07/owl#": "owl",
                     "http://www.w3.org/2001/XMLSchema#": "xsd"})
    used: dict[str, str] = {}

    def qname(iri: URIRef) -> str:
        text = str(iri)
        for ns in sorted(prefixes, key=len, reverse=True):
            local = text[len(ns):]
            if text.startswith(ns) and local and _ncname(local):
                used[ns] = prefixes[ns]
                return f"{prefixes[ns]}:{local}"
        raise OntologyError(f"cannot write <{iri}> as an RDF/XML element name: bind a prefix for it")

    subjects = sorted({s for s in canonical.subjects()},
                      key=lambda s: (s != ONTOLOGY_IRI, isinstance(s, BNode), str(s)))
    bnode_ids: dict[BNode, str] = {}

    def node_id(b: BNode) -> str:
        return bnode_ids.setdefault(b, f"b{len(bnode_ids) + 1}")

    for s in subjects:
        if isinstance(s, BNode):
            node_id(s)
    blocks = []
    for s in subjects:
        types = set(canonical.objects(s, RDF.type))
        element = next((qname(t) for t in _TYPE_ORDER if t in types), "rdf:Description")
        subject_attr = (f"rdf:nodeID={quoteattr(node_id(s))}" if isinstance(s, BNode)
                        else f"rdf:about={quoteattr(str(s))}")
        lines = [f"  <{element} {subject_attr}>"]
        for p, o in sorted(canonical.predicate_objects(s), key=lambda po: (str(po[0]), _key(po[1]))):
            if p == RDF.type and element != "rdf:Description" and qname(o) == element:
                continue
            name = qname(p)
            if isinstance(o, URIRef):
                lines.append(f"    <{name} rdf:resource={quoteattr(str(o))}/>")
            elif isinstance(o, BNode):
                lines.append(f"    <{name} rdf:nodeID={quoteattr(node_id(o))}/>")
            else:
                attrs = ""
                if o.language:
                    attrs = f" xml:lang={quoteattr(o.language)}"
                elif o.datatype is not None:
                    attrs = f" rdf:datatype={quoteattr(str(o.datatype))}"
                lines.append(f"    <{name}{attrs}>{escape(str(o))}</{name}>")
        lines.append(f"  </{element}>")
        blocks.append("\n".join(lines))
    namespaces = "\n".join(f"    xmlns:{prefix}={quoteattr(ns)}"
                           for ns, prefix in sorted(used.items(), key=lambda kv: kv[1]))
    return (f"<!-- {GENERATED} -->\n"
            f"<rdf:RDF\n{namespaces}>\n\n" + "\n\n".join(blocks) + "\n\n</rdf:RDF>\n")


def _key(term) -> tuple:
    if isinstance(term, Literal):
        return (2, str(term), term.language or "", str(term.datatype or ""))
    return (0 if isinstance(term, URIRef) else 1, str(term), "", "")


def _ncname(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", text) is not None


# --------------------------------------------------------------------------- generation

def render(settings: Settings | None = None) -> dict[str, bytes]:
    """The generated files (name → bytes) from the current ``crm.ttl``."""
    settings = settings or load_settings()
    graph = load(source_path(settings))
    problems = term_problems(graph) + undeclared(graph) + punning(graph)
    if problems:
        raise OntologyError("the ontology has problems:\n" + "\n".join(p.line() for p in problems))
    return {RELEASE: rdfxml(graph).encode("utf-8"),
            DOCS: html_documentation(graph).encode("utf-8")}


def stale(settings: Settings | None = None) -> list[str]:
    """Generated files that differ from what ``render`` makes now."""
    settings = settings or load_settings()
    out = []
    for name, data in render(settings).items():
        path = settings.ontology_dir / name
        if not path.is_file() or path.read_bytes() != data:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm_kg.quality.release",
        description="Generate ontology/crm.owl (RDF/XML) and ontology/crm.html (pyLODE) from ontology/crm.ttl.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file is stale")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        if args.check:
            old = stale(settings)
            for name in old:
                print(f"ontology/{name} is stale; run `make ontology`", file=sys.stderr)
            return 1 if old else 0
        for name, data in render(settings).items():
            path = settings.ontology_dir / name
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            print(f"wrote ontology/{name} ({len(data)} bytes)")
    except CrmKgError as exc:
        print(f"crm-kg: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
