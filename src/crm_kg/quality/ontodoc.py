"""ontodoc: the HTML documentation of the ontology, made with pyLODE (OntPub profile).

pyLODE 3 renders classes and properties; this module prepares what it reads
and finishes what it writes, so that the page is what a linked-data user
expects (https://github.com/RDFLib/pyLODE):

* **one anchor per term, named after the term**: pyLODE derives fragment ids
  from labels (``#materiaal`` or ``#material``, whichever label comes first);
  here every crm: term's id is its local name, so the term IRI
  ``https://w3id.org/crm-kg/ontology#Material`` lands on its entry;
* **English titles and definitions**, the Dutch label as a note, and the OWL
  characteristics pyLODE does not show (functional, transitive, symmetric,
  inverse, disjoint property, disjoint classes, close matches) as notes with
  links; functional properties are not listed twice;
* borrowed terms link to their own vocabularies instead of being documented
  as if they were ours;
* the **controlled vocabularies** (SKOS concept schemes: activities with the
  reports' definitions paraphrased, actor types, time frames, units…), which
  OntPub does not render, are added as a section with an anchor per concept
  (``#id/activity/processing``);
* **self-contained and offline**: the CSS is inlined by pyLODE, the page loads
  nothing from the network (no CDN), and the first line says it is generated.

The output is deterministic: the input graph has canonical blank nodes and
sorted triples, and pyLODE is pinned (``[docs]`` extra in pyproject.toml).
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph

from ..iri import CRM, ID, ONTOLOGY_IRI, SKOS
from .declarations import DECLARED_KINDS, GENERATED, OntologyError, declared

DCT = Namespace("http://purl.org/dc/terms/")
VOCAB_ANCHOR = "vocabularies"
CHARACTERISTIC_NAMES = {OWL.FunctionalProperty: "functional", OWL.TransitiveProperty: "transitive",
                        OWL.SymmetricProperty: "symmetric",
                        OWL.InverseFunctionalProperty: "inverse functional"}
# Header properties pyLODE shows in "Metadata" (English only, one value each).
HEADER = (DCT.title, DCT.description, DCT.creator, DCT.license, DCT.created, DCT.modified,
          OWL.versionIRI, OWL.versionInfo, OWL.priorVersion,
          URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
          URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))


def anchor(term: URIRef) -> str:
    """The fragment id of a term in the documentation (its local name, or ``id/…`` for concepts)."""
    text = str(term)
    if text.startswith(str(CRM)):
        return text[len(str(CRM)):]
    if text.startswith(str(ID)):
        return "id/" + text[len(str(ID)):]
    raise ValueError(f"{term} is not documented here")


def _en(graph: Graph, s, p) -> Literal | None:
    values = sorted(graph.objects(s, p), key=lambda o: (getattr(o, "language", None) != "en", str(o)))
    return values[0] if values else None


def _label(graph: Graph, term) -> str:
    for p in (RDFS.label, SKOS.prefLabel):
        value = _en(graph, term, p)
        if value is not None:
            return str(value)
    return str(term)


def _link(graph: Graph, term) -> str:
    """Markdown link to a term: ours by fragment, others to their IRI."""
    if isinstance(term, URIRef) and str(term).startswith(str(CRM)):
        return f"[{_label(graph, term)}](#{anchor(term)})"
    qname = graph.namespace_manager.normalizeUri(term) if isinstance(term, URIRef) else str(term)
    return f"[{qname}]({term})"


EXPRESSION_NOTES = {RDFS.subClassOf: "Sub-class of", OWL.equivalentClass: "Equivalent to",
                    RDFS.domain: "Domain", RDFS.range: "Range"}
RESTRICTIONS = {OWL.someValuesFrom: "some", OWL.allValuesFrom: "only", OWL.hasValue: "value",
                OWL.minCardinality: "min", OWL.maxCardinality: "max", OWL.cardinality: "exactly",
                OWL.minQualifiedCardinality: "min", OWL.maxQualifiedCardinality: "max",
                OWL.qualifiedCardinality: "exactly"}


def _expression(graph: Graph, node, nested: bool = False) -> str:
    """A class expression in Manchester-like words with Markdown links, members in list order."""
    if not isinstance(node, BNode):
        return _link(graph, node)
    for p, word in ((OWL.unionOf, "or"), (OWL.intersectionOf, "and")):
        members = graph.value(node, p)
        if members is not None:
            text = f" **{word}** ".join(_expression(graph, m, True) for m in graph.items(members))
            return f"({text})" if nested else text
    if graph.value(node, OWL.complementOf) is not None:
        return "**not** " + _expression(graph, graph.value(node, OWL.complementOf), True)
    prop = graph.value(node, OWL.onProperty)
    for p, word in RESTRICTIONS.items():
        value = graph.value(node, p)
        if prop is not None and value is not None:
            on_class = graph.value(node, OWL.onClass)
            target = (str(value) + (" " + _expression(graph, on_class, True) if on_class else "")
                      if isinstance(value, Literal) else _expression(graph, value, True))
            text = f"{_link(graph, prop)} **{word}** {target}"
            return f"({text})" if nested else text
    raise OntologyError(f"cannot document the class expression {node!r}")


def _disjoint_classes(graph: Graph) -> dict[URIRef, set[URIRef]]:
    out: dict[URIRef, set[URIRef]] = defaultdict(set)
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(graph.items(graph.value(group, OWL.members)))
        for m in members:
            out[m] |= {x for x in members if x != m}
    for a, b in graph.subject_objects(OWL.disjointWith):
        out[a].add(b)
        out[b].add(a)
    return out


def _inverses(graph: Graph) -> dict[URIRef, set[URIRef]]:
    out: dict[URIRef, set[URIRef]] = defaultdict(set)
    for a, b in graph.subject_objects(OWL.inverseOf):
        out[a].add(b)
        out[b].add(a)
    return out


def doc_graph(ontology: Graph) -> Graph:
    """What pyLODE is given: our terms with English titles, extra facts as notes."""
    graph = Graph()
    for prefix, ns in ontology.namespaces():
        graph.bind(prefix, ns, override=True)
    for p in HEADER:
        for o in ontology.objects(ONTOLOGY_IRI, p):
            if not isinstance(o, Literal) or o.language in (None, "en"):
                graph.add((ONTOLOGY_IRI, p, o))
    graph.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))

    kinds = declared(ontology)
    disjoint = _disjoint_classes(ontology)
    inverses = _inverses(ontology)
    keep_types = {t for t in DECLARED_KINDS if t != OWL.NamedIndividual}
    for term, _kind in sorted(kinds.items()):
        if not str(term).startswith(str(CRM)):
            label = _en(ontology, term, RDFS.label)
            if label is not None:  # a title for links to borrowed terms; not documented here
                graph.add((term, RDFS.label, label))
            continue
        notes = []
        for p, o in ontology.predicate_objects(term):
            if p == RDF.type:
                if o in keep_types:
                    graph.add((term, p, o))
            elif p == RDFS.label:
                if o.language == "en":
                    graph.add((term, p, o))
                else:
                    notes.append(f"Dutch label: *{o}*")
            elif p in (SKOS.definition, RDFS.comment):
                if getattr(o, "language", None) in (None, "en"):
                    graph.add((term, SKOS.definition, o))
            elif p in (RDFS.subClassOf, OWL.equivalentClass, RDFS.domain, RDFS.range,
                       RDFS.subPropertyOf, RDFS.isDefinedBy):
                if isinstance(o, BNode):  # pyLODE lists set members in random order: a note instead
                    notes.append(f"{EXPRESSION_NOTES[p]}: {_expression(ontology, o)}")
                else:
                    graph.add((term, p, o))
        characteristics = sorted(name for t, name in CHARACTERISTIC_NAMES.items()
                                 if (term, RDF.type, t) in ontology)
        if characteristics:
            notes.append("Characteristics: " + ", ".join(characteristics))
        if inverses.get(term):
            notes.append("Inverse of: " + ", ".join(_link(ontology, t) for t in sorted(inverses[term])))
        for other in sorted(ontology.objects(term, OWL.propertyDisjointWith)):
            notes.append("Disjoint with property: " + _link(ontology, other))
        for other in sorted(ontology.subjects(OWL.propertyDisjointWith, term)):
            notes.append("Disjoint with property: " + _link(ontology, other))
        if disjoint.get(term):
            notes.append("Disjoint with: " + ", ".join(_link(ontology, t) for t in sorted(disjoint[term])))
        for match in sorted(ontology.objects(term, SKOS.closeMatch)):
            notes.append(f"Close match: [{match}]({match})")
        for note in notes:
            graph.add((term, SKOS.note, Literal(note, lang="en")))
    return graph


def _vocabularies(ontology: Graph) -> tuple[str, str]:
    """The controlled-vocabularies section and its table-of-contents entry (HTML)."""
    esc = html.escape
    schemes = sorted(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    concepts: dict[URIRef, list[URIRef]] = defaultdict(list)
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        concepts[scheme].append(concept)
    parts = [f'<div class="section" id="{VOCAB_ANCHOR}">', "<h2>Controlled vocabularies</h2>",
             "<p>SKOS concept schemes whose concepts (individuals under "
             f"<code>{esc(str(ID))}</code>) classify the data. Each concept has an English and a "
             "Dutch label and a definition in the project's own words.</p>"]
    toc = [f'<li><h4><a href="#{VOCAB_ANCHOR}">Controlled vocabularies</a></h4><ul class="second">']
    for scheme in schemes:
        sid = anchor(scheme)
        title = _label(ontology, scheme)
        toc.append(f'<li><a href="#{esc(sid)}">{esc(title)}</a></li>')
        nl = [o for o in ontology.objects(scheme, RDFS.label) if o.language == "nl"]
        parts.append(f'<div class="property entity" id="{esc(sid)}"><h3>{esc(title)}'
                     f'<sup class="sup-c" title="SKOS concept scheme">cs</sup></h3>')
        parts.append("<table>")
        parts.append(f"<tr><th>IRI</th><td><code>{esc(str(scheme))}</code></td></tr>")
        if nl:
            parts.append(f"<tr><th>Dutch label</th><td>{esc(str(nl[0]))}</td></tr>")
        definition = _en(ontology, scheme, SKOS.definition)
        if definition is not None:
            parts.append(f"<tr><th>Definition</th><td>{esc(str(definition))}</td></tr>")
        rows = []
        members = sorted(concepts.get(scheme, []), key=lambda c: (_broader_path(ontology, c), str(c)))
        for concept in members:
            cid = anchor(concept)
            en = _en(ontology, concept, SKOS.prefLabel) or _label(ontology, concept)
            nl_label = next((o for o in ontology.objects(concept, SKOS.prefLabel) if o.language == "nl"), "")
            definition = _en(ontology, concept, SKOS.definition) or ""
            broader = [_label(ontology, b) for b in sorted(ontology.objects(concept, SKOS.broader))]
            extra = f' <em>(narrower than {esc(", ".join(broader))})</em>' if broader else ""
            alts = sorted(str(a) for a in ontology.objects(concept, SKOS.altLabel))
            alt = f"<br><small>Also: {esc('; '.join(alts))}</small>" if alts else ""
            notation = ontology.value(concept, SKOS.notation)
            code = f" <code>{esc(str(notation))}</code>" if notation is not None else ""
            rows.append(f'<li id="{esc(cid)}"><strong>{esc(str(en))}</strong>{code} / {esc(str(nl_label))}'
                        f"{extra}: {esc(str(definition))}{alt}<br><code>{esc(str(concept))}</code></li>")
        parts.append(f"<tr><th>Concepts</th><td><ul>{''.join(rows)}</ul></td></tr>")
        parts.append("</table></div>")
    parts.append("</div>")
    toc.append("</ul></li>")
    return "\n".join(parts), "".join(toc)


def _broader_path(graph: Graph, concept) -> tuple[str, ...]:
    path, seen = [], set()
    node = concept
    while node is not None and node not in seen:
        seen.add(node)
        path.append(str(node))
        node = graph.value(node, SKOS.broader)
    return tuple(reversed(path))


def html_documentation(ontology: Graph) -> str:
    """The documentation page, complete and self-contained."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:  # pyLODE's import calls logging.basicConfig(level=DEBUG): undo that side effect
        from pylode.profiles.ontpub import OntPub
    except ImportError as exc:  # the [docs] extra is not installed
        raise OntologyError("pyLODE is not installed: pip install -e '.[docs]' "
                            f"(or make setup) to generate the documentation ({exc})") from None
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    graph = Graph()
    for prefix, ns in ontology.namespaces():
        graph.bind(prefix, ns, override=True)
    for triple in sorted(to_canonical_graph(doc_graph(ontology))):
        graph.add(triple)
    doc = OntPub(graph, sort_subjects=True)
    for term, kinds in declared(ontology).items():
        if str(term).startswith(str(CRM)) and kinds - {"individual"}:
            doc.fids[str(term)] = anchor(term)
    page = doc.make_html()
    return finish(page, ontology)


_DOCTYPE = re.compile(r"^\s*<!DOCTYPE html>", re.I)
# pyLODE lays the page out for a desktop: a fixed table of contents over the right
# 180 px, the content beside it. On a narrow screen the contents go to the end of
# the page and long IRIs wrap, so nothing scrolls sideways (checked at 390 px by
# tests/test_browser_pages.py). Added to pyLODE's own stylesheet: one <style>,
# whose hash the server's Content-Security-Policy names.
NARROW_CSS = """
/* crm-kg: narrow screens */
dd, td, a, code, p { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 760px) {
    body { padding: 0 .6rem; }
    #pylode { position: static; transform: none; margin: 1rem 0; }
    #toc { position: static; width: auto; height: auto; border: 0; border-top: solid 1px navy; }
    #content { width: auto; }
    dl div, .property { display: block; }
    dt, dd { float: none; width: auto; margin-left: 0; }
    table.entity th, table.entity td { display: block; width: auto; }
}
"""
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def finish(page: str, ontology: Graph) -> str:
    """Add the vocabularies section, the generated-file line; check nothing is remote."""
    section, toc_entry = _vocabularies(ontology)
    marker = '<div id="namespaces">'
    if page.count(marker) != 1:
        raise OntologyError("pyLODE output changed: no unique namespaces section to insert before")
    page = page.replace(marker, section + "\n" + marker)
    toc_marker = '<a href="#namespaces">Namespaces</a>'
    index = page.find(toc_marker)
    li_start = page.rfind("<li>", 0, index)
    if index < 0 or li_start < 0:
        raise OntologyError("pyLODE output changed: no Namespaces entry in the table of contents")
    page = page[:li_start] + toc_entry + page[li_start:]
    if page.count("</style>") != 1 or page.count("<head>") != 1:
        raise OntologyError("pyLODE output changed: not one <head> with one stylesheet")
    page = page.replace("</style>", NARROW_CSS + "</style>").replace("<head>", "<head>\n    " + VIEWPORT)
    remote = re.findall(r"<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)=\"(?:https?:)?//[^\"]*\"", page)
    remote += re.findall(r"@import|url\(\s*['\"]?(?:https?:)?//", page)
    if remote:
        raise OntologyError(f"the documentation would load remote resources: {remote[:3]}")
    if not _DOCTYPE.match(page):
        raise OntologyError("pyLODE output changed: no <!DOCTYPE html> at the start")
    return f"<!-- {GENERATED} -->\n" + page.lstrip()
