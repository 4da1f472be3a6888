"""What an entity page shows, assembled from the describe queries.

For one IRI: its name in the reader's language and its most specific types;
the summary blocks of its classes (``queries/describe/*.rq`` with
``applies_to``: what an organisation does and where, which materials and
products concern it; a material's products, supply concentration and list
status…); a map for anything with a point or located in a place with one;
the passages it comes from and the passages that mention it — report,
edition, section, line span, and the text itself read from the source files;
then every statement about it and every statement pointing to it, each value
linked and marked with the named graph it is in (``inferred`` ones too).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..iri import PREFIXES
from .blocks import Blocks, DescribeQuery
from .geo import MapPoint, svg_map
from .index import GraphIndex
from .paths import IriMap
from .texts import PassageText, SourceTexts

CRM = PREFIXES["crm"]
RDF_TYPE = PREFIXES["rdf"] + "type"
XSD = PREFIXES["xsd"]
PLAIN_TYPES = {XSD + "string", XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean",
               XSD + "language", None}
FIRST = [RDF_TYPE, PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label",
         PREFIXES["skos"] + "altLabel", CRM + "description", PREFIXES["skos"] + "definition"]
COLLAPSE = 12  # value lists longer than this are folded into <details>

TEXT = {
    "lines": {"en": "lines", "nl": "regels"},
    "line": {"en": "line", "nl": "regel"},
}


@dataclass(frozen=True)
class Term:
    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    kind: str = "iri"


@dataclass
class Value:
    term: Term
    graphs: list[Term]
    inferred: bool


@dataclass
class PropertyRow:
    prop: Term
    values: list[Value]

    @property
    def collapsed(self) -> bool:
        return len(self.values) > COLLAPSE


@dataclass
class Block:
    query: DescribeQuery
    title: str
    description: str
    columns: list[str]
    rows: list[list[Term | None]]
    generic: bool

    @property
    def wide(self) -> bool:
        return len(self.rows) > 10 or len(self.columns) > 4


@dataclass
class Citation:
    passage: Term
    report: Term | None
    edition: Term
    section: Term | None
    section_title: str | None
    kind: Term | None
    file: str | None
    sha256: str | None
    start: int
    end: int
    text: PassageText


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Term]
    alt_labels: list[str]
    descriptions: list[str]
    blocks: list[Block] = field(default_factory=list)
    map: Markup | None = None
    map_caption: Term | None = None
    sources: list[Citation] = field(default_factory=list)
    mentions: list[Citation] = field(default_factory=list)
    properties: list[PropertyRow] = field(default_factory=list)
    inbound: list[PropertyRow] = field(default_factory=list)
    titles: list[tuple[Term, str]] = field(default_factory=list)   # edition → full title (manifest)
    heading: str | None = None                                      # a section's heading (source file)
    texts_note: str | None = None


class Describer:
    """Builds :class:`EntityView` objects; one per app (it holds no request state)."""

    def __init__(self, store, blocks: Blocks, index: GraphIndex, iris: IriMap, texts: SourceTexts):
        self.store, self.blocks, self.index, self.iris, self.texts = store, blocks, index, iris, texts

    # -- helpers ---------------------------------------------------------------

    def run(self, name_or_query, values: dict):
        query = name_or_query if isinstance(name_or_query, DescribeQuery) else self.blocks[name_or_query]
        return self.store.query(query.text, query.bind(values), limit=query.limit)

    def exists(self, iri: str) -> bool:
        return bool(self.run("exists", {"entity": URIRef(iri)}).boolean)

    def term(self, node: Node | None, lang: str) -> Term | None:
        if node is None:
            return None
        if isinstance(node, URIRef):
            iri = str(node)
            return Term(self.name(iri, lang), self.iris.href(iri), iri)
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype else None
            return Term(str(node), None, None, node.language,
                        None if datatype in PLAIN_TYPES else self.iris.curie(datatype), "literal")
        return Term(str(node), kind="bnode")

    def name(self, iri: str, lang: str) -> str:
        graphs = self.iris.base + "graph/"
        if iri.startswith(graphs) and not self.index.has_label(iri):
            return iri[len(graphs):]
        if not self.index.has_label(iri) and iri in self.index.passage_spans:
            edition, start, end = self.index.passage_spans[iri]
            word = TEXT["line" if start == end else "lines"][lang]
            span = str(start) if start == end else f"{start}–{end}"
            return f"{self.index.fallback(edition)}, {word} {span}"
        return self.index.label(iri, lang)

    def graph_term(self, graph: str, lang: str) -> Term:
        return Term(self.name(graph, lang), self.iris.href(graph), graph)

    # -- the page --------------------------------------------------------------

    def describe(self, iri: str, lang: str) -> EntityView:
        entity = URIRef(iri)
        values = {"entity": entity, "lang": Literal(lang)}
        view = EntityView(
            iri=iri, label=self.name(iri, lang),
            types=[self.term(URIRef(t), lang) for t in self.index.main_types(iri)],
            alt_labels=self.index.alt_labels(iri, lang), descriptions=[])
        outbound = self.run("outbound", values).rows
        inbound = self.run("inbound", values).rows
        view.properties = self._rows(outbound, "p", "o", lang)
        view.inbound = self._rows(inbound, "p", "s", lang)
        view.descriptions = self._descriptions(outbound, lang)
        for query in self.blocks.summaries_for(self.index.all_types(iri)):
            block = self._block(query, values, lang)
            if block.rows or not block.generic:
                view.blocks.append(block)
        view.sources = self._citations("sources", values, lang)
        view.mentions = self._citations("mentions", values, lang)
        view.map, view.map_caption = self._map(iri, outbound, lang)
        view.titles = self._titles(values, lang)
        if self.index.is_a(iri, CRM + "Section"):
            for row in self.run("span", values).rows:
                view.heading = self.texts.section_title(_s(row.get("file")), _s(row.get("sha256")),
                                                        int(row["start"]))
        if (view.sources or view.mentions or view.heading is not None) and not self.texts.available:
            view.texts_note = self.texts.error
        return view

    def _rows(self, rows: list[dict], pvar: str, vvar: str, lang: str) -> list[PropertyRow]:
        inferred_graph = self.iris.base + "graph/inferred"
        grouped: OrderedDict[str, OrderedDict[Node, list[str]]] = OrderedDict()
        for row in rows:
            grouped.setdefault(str(row[pvar]), OrderedDict()).setdefault(row[vvar], []).append(str(row["g"]))
        out = []
        for prop, values in grouped.items():
            items = []
            for node, graphs in values.items():
                asserted = [g for g in graphs if g != inferred_graph]
                items.append(Value(self.term(node, lang), [self.graph_term(g, lang) for g in sorted(set(graphs))],
                                   inferred=not asserted))
            items.sort(key=lambda v: (v.inferred, v.term.lang not in (lang, None), v.term.text.casefold()))
            out.append(PropertyRow(self.term(URIRef(prop), lang), items))
        out.sort(key=lambda r: (FIRST.index(r.prop.iri) if r.prop.iri in FIRST else len(FIRST),
                                r.prop.text.casefold()))
        return out

    def _descriptions(self, outbound: list[dict], lang: str) -> list[str]:
        wanted = (CRM + "description", PREFIXES["skos"] + "definition", PREFIXES["rdfs"] + "comment")
        found = [(str(r["p"]), r["o"]) for r in outbound if str(r["p"]) in wanted and isinstance(r["o"], Literal)]
        mine = [str(o) for _, o in found if o.language == lang]
        other = [str(o) for _, o in found if o.language in (None, "en")]
        return list(OrderedDict.fromkeys(mine or other))

    def _block(self, query: DescribeQuery, values: dict, lang: str) -> Block:
        result = self.run(query, values)
        columns = list(query.columns)
        rows = [[self.term(row.get(name), lang) for name, _ in columns] for row in result.rows]
        rows = [r for r in rows if any(c is not None for c in r)]
        if rows:  # a column nobody has a value for says nothing: drop it
            keep = [i for i in range(len(columns)) if any(r[i] is not None for r in rows)]
            columns = [columns[i] for i in keep]
            rows = [[r[i] for i in keep] for r in rows]
        return Block(query, query.label(lang), query.description.get(lang, query.description.get("en", "")),
                     [label.get(lang) or label["en"] for _, label in columns], rows,
                     generic=PREFIXES["owl"] + "Thing" in query.applies_to)

    def _citations(self, name: str, values: dict, lang: str) -> list[Citation]:
        out = []
        for row in self.run(name, values).rows:
            file, sha = _s(row.get("file")), _s(row.get("sha256"))
            start, end = int(row["start"]), int(row["end"])
            section = row.get("section")
            section_title = None
            if section is not None:
                for span in self.run("span", {"entity": section}).rows:
                    section_title = self.texts.section_title(file, sha, int(span["start"]))
            out.append(Citation(
                passage=self.term(row["passage"], lang), report=self.term(row.get("report"), lang),
                edition=self.term(row["edition"], lang), section=self.term(section, lang),
                section_title=section_title, kind=self.term(row.get("kind"), lang), file=file, sha256=sha,
                start=start, end=end, text=self.texts.passage(file, sha, start, end)))
        return out

    def _map(self, iri: str, outbound: list[dict], lang: str):
        focus_iri = iri if iri in self.index.points else None
        if focus_iri is None:
            located = [(str(r["g"]).endswith("/inferred"), str(r["o"])) for r in outbound
                       if str(r["p"]) in (CRM + "locatedIn", CRM + "headquarteredIn") and str(r["o"]) in self.index.points]
            if located:
                focus_iri = sorted(located, key=lambda pair: (pair[0], self._depth(pair[1])))[0][1]
        if focus_iri is None:
            return None, None
        lon, lat = self.index.points[focus_iri]
        focus = MapPoint(focus_iri, lon, lat, self.name(focus_iri, lang), self.iris.href(focus_iri))
        context = [MapPoint(p, x, y, self.name(p, lang), self.iris.href(p))
                   for p, (x, y) in sorted(self.index.points.items())]
        caption = None if focus_iri == iri else self.term(URIRef(focus_iri), lang)
        return svg_map(focus, context, focus.label), caption

    def _depth(self, place: str) -> int:
        """Places with more places around them are nearer: sort by minus that count."""
        return -len(self.index.ancestors.get(place, ()))

    def _titles(self, values: dict, lang: str) -> list[tuple[Term, str]]:
        if not (self.index.is_a(str(values["entity"]), CRM + "Report")
                or self.index.is_a(str(values["entity"]), CRM + "Edition")):
            return []
        out = []
        for row in self.run("editions", values).rows:
            title = self.texts.edition_title(_s(row.get("file")))
            if title:
                out.append((self.term(row["edition"], lang), title))
        return out


def _s(node) -> str | None:
    return None if node is None else str(node)
