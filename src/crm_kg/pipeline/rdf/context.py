"""Build context: graphs, resolvers and the provenance helpers facts share.

Provenance model (README, "Provenance"), on two levels:

* **Entity**: a fact's subject gets ``prov:wasDerivedFrom`` its
  :class:`~crm_kg.pipeline.sources.Span` as a ``crm:Passage`` (edition, first and
  last line, section); the passage's edition carries file name and SHA-256, and is
  ``crm:editionOf`` its report.
* **Statement**: every triple a record adds to a report graph (``rdf:type`` and
  ``prov:wasDerivedFrom`` aside) gets one ``crm:Statement`` node beside it —
  ``crm:statementSubject``, ``crm:statementPredicate``, ``crm:statementObject``
  and ``prov:wasDerivedFrom`` each passage of every record that states it (both
  editions of a report, a table and its summary table). This is Wikidata's
  statement-with-references pattern in plain RDF 1.1 (no triple terms), so every
  SPARQL 1.1 store answers it. Emitters need not know: :meth:`Context.citing`
  hands them a :class:`CitingGraph` that records what they add.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef

from ... import yamlio
from ...config import Settings
from ...iri import CRM, DCT, PROV, SKOS, graph_iri, mint, slugify
from .. import citations
from ..resolve import ConceptIndex, Match, concept
from ..sources import Document, Span
from .products import Products
from .reference import Reference

NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, CRM.entryLabel,
                   CRM.shortName, CRM.elementSymbol)
# Not claims of their own: the type, and the entity-level provenance link.
UNCITED = frozenset({RDF.type, PROV.wasDerivedFrom})


class CitingGraph:
    """A report graph during one record's emission: each triple added is recorded as a
    claim of the record's spans; a record that only restates (``asserts=False``)
    adds nothing, its spans join the claims the asserting records make."""

    def __init__(self, graph: Graph, claims: dict, spans: tuple[Span, ...], asserts: bool):
        self.graph, self._claims, self._spans, self._asserts = graph, claims, spans, asserts

    def add(self, triple) -> "CitingGraph":
        if triple[1] not in UNCITED:
            self._claims.setdefault((self.graph.identifier, *triple), set()).update(self._spans)
        if self._asserts:
            self.graph.add(triple)
        return self

    def __contains__(self, triple) -> bool:
        return triple in self.graph

    def __getattr__(self, name):  # value(), triples(), objects() … read the real graph
        return getattr(self.graph, name)


def statement_iri(report: str, triple) -> URIRef:
    """``id/statement/{report}/{16 hex}``: stable, from the triple's N-Triples form."""
    text = " ".join(term.n3() for term in triple)
    return mint("statement", report, hashlib.sha256(text.encode()).hexdigest()[:16])


PASSAGE_KIND = {"paragraph": "paragraph", "heading": "heading", "note": "note",
                "table-row": "table-row", "list-item": "list-item", "figure-text": "figure-text"}


@dataclass
class Context:
    settings: Settings
    documents: dict[str, Document]
    concepts: ConceptIndex
    reference: Reference
    dataset: Dataset
    products: Products = field(default_factory=lambda: Products.load(Path("/nonexistent")))
    warnings: list[str] = field(default_factory=list)
    curated_root: Path | None = None   # default: <data>/curated
    _passages: set = field(default_factory=set)
    _curated: dict = field(default_factory=dict)
    _claims: dict = field(default_factory=dict)      # (graph, s, p, o) → spans stating it
    _citing: tuple | None = None                     # (spans, asserts) of the record being emitted

    # -- graphs ------------------------------------------------------------

    def graph(self, report: str) -> Graph:
        """A report's graph; while a record is emitted (:meth:`citing`), one that cites it."""
        g = self._raw(report)
        if self._citing is None:
            return g
        return CitingGraph(g, self._claims, *self._citing)

    def _raw(self, report: str) -> Graph:
        return self.dataset.graph(graph_iri(report))

    @contextmanager
    def citing(self, spans, asserts: bool = True):
        """Within the block, triples added to report graphs are claims of ``spans``."""
        outer, self._citing = self._citing, (tuple(spans), asserts)
        try:
            yield
        finally:
            self._citing = outer

    def report_of(self, edition: str) -> str:
        return self.documents[edition].edition.report

    # -- provenance ----------------------------------------------------------

    def passage(self, span: Span, kind: str | None = None) -> URIRef:
        """The passage IRI for a span, described once in its report's graph."""
        iri = mint("passage", span.edition, span.slug)
        if iri in self._passages:
            return iri
        self._passages.add(iri)
        doc = self.documents[span.edition]
        g = self._raw(doc.edition.report)
        g.add((iri, RDF.type, CRM.Passage))
        g.add((iri, CRM.inEdition, mint("edition", span.edition)))
        g.add((iri, CRM.startLine, Literal(span.start)))
        g.add((iri, CRM.endLine, Literal(span.end)))
        section = doc.section_at(span.start)
        if section is not None:
            g.add((iri, CRM.inSection, self.section(doc, section)))
        if kind is None:  # the kind of the one paragraph the span lies in, if any
            kind = next((p.kind for p in doc.paragraphs
                         if p.span.start <= span.start and span.end <= p.span.end), None)
        if kind in PASSAGE_KIND:
            g.add((iri, CRM.passageKind, concept("passage-kind", PASSAGE_KIND[kind])))
        return iri

    def section(self, doc: Document, section) -> URIRef:
        slug = section.number or slugify(section.title)
        iri = mint("section", doc.edition.id, slug)
        g = self._raw(doc.edition.report)
        if (iri, RDF.type, CRM.Section) not in g:
            # the heading's words stay in the source file (shown from there by span)
            g.add((iri, RDF.type, CRM.Section))
            name = section.number and f"{doc.edition.id} § {section.number}" or f"{doc.edition.id}: {section.title}"
            g.add((iri, RDFS.label, Literal(name)))
            g.add((iri, CRM.inEdition, mint("edition", doc.edition.id)))
            g.add((iri, CRM.startLine, Literal(section.span.start)))
            g.add((iri, CRM.endLine, Literal(section.span.end)))
            if section.number:
                g.add((iri, CRM.sectionNumber, Literal(section.number)))
        return iri

    def derive(self, subject: URIRef, span: Span, kind: str | None = None) -> URIRef:
        """``subject prov:wasDerivedFrom passage`` in the span's report graph."""
        passage = self.passage(span, kind)
        self._raw(self.report_of(span.edition)).add((subject, PROV.wasDerivedFrom, passage))
        return passage

    # -- reports and editions ------------------------------------------------

    def emit_report(self, report: str) -> None:
        meta = self.reference.report(report)
        if meta is None:
            return
        g = self.graph(report)
        r = mint("report", report)
        g.add((r, RDF.type, CRM.Report))
        # Full titles stay in the manifest (the web page shows them from there);
        # the graph carries our short name, so no report sentence enters the repo.
        for lang, label in (meta.get("label") or {}).items():
            g.add((r, RDFS.label, Literal(label, lang=lang)))
            g.add((r, DCT.title, Literal(label, lang=lang)))
        if meta.get("year"):
            g.add((r, CRM.publicationYear, Literal(int(meta["year"]))))
        if meta.get("month"):
            g.add((r, CRM.publicationMonth, Literal(int(meta["month"]))))
        if meta.get("publisher"):
            g.add((r, CRM.publishedBy, self.reference.organisation_iri(meta["publisher"])))
        for name in meta.get("authors") or []:
            person = mint("person", slugify(name))
            g.add((r, CRM.author, person))
            g.add((person, RDF.type, CRM.Person))
            g.add((person, RDFS.label, Literal(name)))
            g.add((person, DCT.source, r))
        for org in meta.get("commissioned_by") or []:
            g.add((r, CRM.commissionedBy, self.reference.organisation_iri(org)))
        for place in meta.get("regions") or []:
            g.add((r, CRM.forRegion, mint("place", place)))
        for doc in self.documents.values():
            if doc.edition.report != report:
                continue
            ed = mint("edition", doc.edition.id)
            g.add((r, CRM.hasEdition, ed))
            g.add((r, DCT.source, ed))   # what sources.yaml says of a report, its files show
            g.add((ed, RDF.type, CRM.Edition))
            g.add((ed, CRM.editionOf, r))
            g.add((ed, RDFS.label, Literal(f"{report} ({doc.edition.language})")))
            g.add((ed, CRM.fileName, Literal(doc.edition.file)))
            g.add((ed, CRM.sha256, Literal(doc.edition.sha256)))
            g.add((ed, CRM.lineCount, Literal(len(doc))))
            g.add((ed, DCT.language, Literal(doc.edition.language, datatype=XSD.language)))
            if doc.edition.translation_of:
                g.add((ed, CRM.translationOf, mint("edition", doc.edition.translation_of)))

    # -- curated inputs --------------------------------------------------------

    def curated(self, report: str, name: str) -> dict:
        """``data/curated/<report>/<name>.yaml``, loaded once."""
        key = (report, name)
        if key not in self._curated:
            path: Path = self._curated_dir(report) / f"{name}.yaml"
            self._curated[key] = yamlio.load(path) if path.exists() else {}
        return self._curated[key]

    def _curated_dir(self, report: str) -> Path:
        return (self.curated_root or self.settings.data_dir / "curated") / report

    def title(self, report: str, kind: str, number, where: str) -> dict[str, str]:
        """The curated short titles (en/nl) of a numbered item; an error if missing."""
        table = {str(k): v for k, v in (self.curated(report, "titles").get(kind) or {}).items()}
        entry = table.get(str(number))
        if not entry:
            path = self._curated_dir(report) / "titles.yaml"
            raise yamlio.InputError(f"{path}: no title for {kind[:-1]} {number} (parsed at {where})")
        yamlio.check(entry, {"en": ("str", True), "nl": ("str", True)}, f"{kind[:-1]} {number} title")
        return dict(entry)

    # -- resolution of references (errors name the curated entry) ------------

    def material(self, name: str, where: str) -> URIRef:
        match = self.reference.materials.resolve(name)
        if match.how == "unlisted":
            raise yamlio.InputError(f"{where}: unknown material {name!r} (add it to data/reference/materials.yaml)")
        return match.iri

    def product(self, name: str, where: str) -> URIRef:
        """A product kind or, failing that, a goods category."""
        for gazetteer in (self.products.products, self.products.goods):
            match = gazetteer.resolve(name)
            if match.how != "unlisted":
                return match.iri
        raise yamlio.InputError(f"{where}: unknown product or goods category {name!r} "
                                "(add it to data/reference/products.yaml)")

    def place(self, name: str, where: str, strict: bool = True) -> URIRef:
        match = self.reference.places.resolve(name)
        if match.how == "unlisted":
            if strict:
                raise yamlio.InputError(f"{where}: unknown place {name!r} (add it to data/reference/places.yaml)")
            self.warn(f"{where}: place {name!r} is not in places.yaml; minted {match.slug}")
        return match.iri

    def organisation(self, name: str, where: str, report: str) -> Match:
        """The organisation a name denotes; unlisted names are minted with a warning."""
        match = self.reference.organisations.resolve(name)
        if match.how == "unlisted":  # listed ones are typed in the reference graph
            self.warn(f"{where}: organisation {name!r} is not in organisations.yaml; minted {match.slug}")
            g = self.graph(report)
            g.add((match.iri, RDF.type, CRM.Organisation))
            g.add((match.iri, RDFS.label, Literal(name)))
        return match

    def policy(self, slug: str, where: str) -> URIRef:
        """A policy (or an EU material list, which reports discuss like one)."""
        if self.reference.lists.get(slug) is not None:
            return mint("list", slug)
        if self.reference.policies.get(slug) is None:
            match = self.reference.policies.resolve(slug)
            if match.how == "unlisted":
                raise yamlio.InputError(f"{where}: unknown policy {slug!r} (see data/reference/policies.yaml)")
            return match.iri
        return mint("policy", slug)

    def ref(self, kind: str, slug: str, where: str, report: str) -> URIRef:
        """A typed reference ``kind:slug`` from curated data."""
        if kind == "material":
            return self.material(slug, where)
        if kind in ("product", "goods-category"):
            return self.product(slug, where)
        if kind == "place":
            return self.place(slug, where)
        if kind == "organisation":
            return self.organisation(slug, where, report).iri
        if kind in ("policy", "list"):
            return self.policy(slug, where)
        if kind in ("opportunity", "recommendation", "figure", "challenge", "swot", "capability"):
            return mint(kind, report, slug)
        if kind in ("target", "event"):
            return mint(kind, slug)
        raise yamlio.InputError(f"{where}: cannot refer to kind {kind!r}")

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def _naming(self, spans, obj, review, texts, names_of: dict) -> list:
        """Of a record's passages, those naming ``obj`` (all, if none does: the
        passage-mentions check, :mod:`..citations`, reports those). ``names_of`` caches
        each object's names for one :meth:`finish`."""
        if len(spans) < 2 or not isinstance(obj, URIRef):
            return spans
        names = names_of.get(obj)
        if names is None:
            labels = [o for g in (self.dataset.graph(graph_iri("reference")),
                                  self.dataset.graph(graph_iri("ontology")))
                      for p in NAME_PROPERTIES for o in g.objects(obj, p)]
            names = names_of[obj] = citations.names_of(labels, review.spellings.get(str(obj), ()))
        naming = [sp for sp in spans if citations.names_in(texts.get(sp.edition, sp.start, sp.end) or "", names)]
        return naming or spans

    def finish(self) -> None:
        """One ``crm:Statement`` per claim that holds, citing every passage that states it
        (claims of restating records that disagree with the asserted ones are dropped:
        :class:`~crm_kg.pipeline.records.Disagreement` reports those). For the properties
        the passage-mentions check covers, a record's passages are narrowed to those that
        name the object: a fact read from a paragraph and a list cites, for each
        material, the one that names it."""
        review_path = self.settings.data_dir / "review" / "citations.yaml"
        review = citations.Review.load(review_path) if review_path.exists() else None
        texts = citations.Texts({d.edition.id: d for d in self.documents.values()})
        reports = {graph_iri(r): r for r in {d.edition.report for d in self.documents.values()}}
        names_of: dict = {}
        for (graph, s, p, o), spans in sorted(self._claims.items(),
                                              key=lambda kv: tuple(t.n3() for t in kv[0])):
            g = self.dataset.graph(graph)
            if s in self._passages or (s, p, o) not in g or not spans:
                continue   # a passage's own description is not a claim about the report's things
            node = statement_iri(reports[graph], (s, p, o))
            g.add((node, RDF.type, CRM.Statement))
            g.add((node, CRM.statementSubject, s))
            g.add((node, CRM.statementPredicate, p))
            g.add((node, CRM.statementObject, o))
            spans = sorted(spans, key=lambda sp: (sp.edition, sp.start, sp.end))
            if review is not None and str(p) in review.predicates:
                spans = self._naming(spans, o, review, texts, names_of)
            for span in spans:
                g.add((node, PROV.wasDerivedFrom, self.passage(span)))
        self._claims.clear()
