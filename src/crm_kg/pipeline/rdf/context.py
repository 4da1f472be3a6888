"""Build context: graphs, resolvers and the provenance helpers facts share.

Provenance model (README, "Provenance"): a fact's subject gets
``prov:wasDerivedFrom`` its :class:`~crm_kg.pipeline.sources.Span` as a ``crm:Passage``
(edition, first and last line, section); the passage's edition carries file
name and SHA-256, and is ``crm:editionOf`` its report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef

from ... import yamlio
from ...config import Settings
from ...iri import CRM, DCT, PROV, graph_iri, mint, slugify
from ..resolve import ConceptIndex, Match, concept
from ..sources import Document, Span
from .products import Products
from .reference import Reference

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

    # -- graphs ------------------------------------------------------------

    def graph(self, report: str) -> Graph:
        return self.dataset.graph(graph_iri(report))

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
        g = self.graph(doc.edition.report)
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
        g = self.graph(doc.edition.report)
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
        self.graph(self.report_of(span.edition)).add((subject, PROV.wasDerivedFrom, passage))
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
        for org in meta.get("commissioned_by") or []:
            g.add((r, CRM.commissionedBy, self.reference.organisation_iri(org)))
        for place in meta.get("regions") or []:
            g.add((r, CRM.forRegion, mint("place", place)))
        for doc in self.documents.values():
            if doc.edition.report != report:
                continue
            ed = mint("edition", doc.edition.id)
            g.add((r, CRM.hasEdition, ed))
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

    def finish(self) -> None:
        """Checks that need the whole build: every curated title used, etc."""
        return None
