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

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from markupsafe import Markup
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..iri import PREFIXES
from .blocks import Blocks, DescribeQuery
from .geo import MapPoint, ProvinceLayer, svg_map
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
# statements for developers, not readers: the RDF type, the reference record's source, the
# entity-level derivation (the passages are shown as sources beside each statement)
TECHNICAL = {RDF_TYPE, PREFIXES["dct"] + "source", PREFIXES["prov"] + "wasDerivedFrom",
             CRM + "namedIn", CRM + "notation", PREFIXES["rdfs"] + "label",
             PREFIXES["skos"] + "prefLabel", PREFIXES["skos"] + "altLabel"}
# the outside registers whose pages a reader may follow
EXTERNAL = {"http://www.wikidata.org/": "Wikidata", "https://www.wikidata.org/": "Wikidata",
            "https://eur-lex.europa.eu/": "EUR-Lex", "http://data.europa.eu/eli/": "EUR-Lex (ELI)",
            "http://publications.europa.eu/resource/celex/": "EUR-Lex (CELEX)",
            "https://identifier.overheid.nl/tooi/": "Overheid.nl (TOOI)",
            "https://opendata.cbs.nl/": "CBS", "https://www.cbs.nl/": "CBS"}
EDITION_FILES = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
SELECT ?edition ?file ?sha256 WHERE { ?edition crm:fileName ?file . OPTIONAL { ?edition crm:sha256 ?sha256 } }"""

TEXT = {
    "lines": {"en": "lines", "nl": "regels"},
    "line": {"en": "line", "nl": "regel"},
    "inferred": {"en": "inferred by a rule", "nl": "afgeleid met een regel"},
    "ontology": {"en": "the ontology", "nl": "de ontologie"},
    "organisation": {"en": "organisation", "nl": "organisatie"},
    "organisations": {"en": "organisations", "nl": "organisaties"},
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
class Source:
    """Where one statement comes from: a passage of an edition (its text on demand), or the
    reference source of an entry (Wikidata, a code list, EUR-Lex…), or a rule of inference."""
    text: str
    href: str | None = None
    passage: PassageText | None = None
    external: bool = False


@dataclass
class Value:
    term: Term
    graphs: list[Term]
    inferred: bool
    key: str = ""                                   # the value as statement-sources names it
    sources: list[Source] = field(default_factory=list)


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
    also: list["Citation"] = field(default_factory=list)   # the same words elsewhere


def _merged(citations: list["Citation"]) -> list["Citation"]:
    """One citation per passage text: the same words in another place (a table row and its
    summary, or the same edition twice) become that citation's ``also``."""
    out: dict[str, Citation] = {}
    for c in citations:
        key = " ".join((c.text.text or f"{c.edition.iri}:{c.start}-{c.end}").split()).casefold()
        if key in out:
            out[key].also.append(c)
        else:
            out[key] = c
    return list(out.values())


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
    technical: list[PropertyRow] = field(default_factory=list)   # for developers: types, dct:source…
    links: list[Term] = field(default_factory=list)               # Wikidata, CBS, EUR-Lex… as links
    inbound: list[PropertyRow] = field(default_factory=list)
    titles: list[tuple[Term, str]] = field(default_factory=list)   # edition → full title (manifest)
    heading: str | None = None                                      # a section's heading (source file)
    texts_note: str | None = None


def merge_rows(rows: list[list], key: int) -> list[list]:
    """One row per value of column ``key`` (a figure stated about two subjects in two
    editions is one figure): each other cell lists its distinct values in order of
    appearance, a single value stays a value."""
    merged: dict = {}
    for row in rows:
        cells = merged.setdefault(row[key], [[] for _ in row])
        for i, cell in enumerate(row):
            if cell is not None and cell not in cells[i]:
                cells[i].append(cell)
    return [[c[0] if len(c) == 1 else (c or None) for c in cells] for cells in merged.values()]


class Describer:
    """Builds :class:`EntityView` objects; one per app (it holds no request state)."""

    def __init__(self, store, blocks: Blocks, index: GraphIndex, iris: IriMap, texts: SourceTexts,
                 statement_sources=None, provinces=()):
        self.store, self.blocks, self.index, self.iris, self.texts = store, blocks, index, iris, texts
        self.statement_sources = statement_sources   # the saved query queries/statement-sources.rq
        self.provinces = provinces                   # geo.Province shapes (node_modules), maybe none

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
            report = self.iris.base + "id/report/" + iri[len(graphs):]     # a report's graph: the report
            return self.index.label(report, lang) if self.index.has_label(report) else iri[len(graphs):]
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
        rows = self._rows(outbound, "p", "o", lang)
        view.technical = [r for r in rows if r.prop.iri in TECHNICAL]
        view.properties = [r for r in rows if r.prop.iri not in TECHNICAL]
        sources = self.sources(iri, lang)
        for row in view.properties:
            for value in row.values:
                value.sources = sources.get((row.prop.iri, value.key), [])
        links: OrderedDict[str, Term] = OrderedDict()
        for r in rows:
            for v in r.values:
                site = next((name for prefix, name in EXTERNAL.items() if (v.term.href or "").startswith(prefix)), None)
                if site and v.term.href not in links:
                    code = v.term.href.rstrip("/").rsplit("/", 1)[-1]
                    links[v.term.href] = Term(f"{site} {code}", v.term.href, v.term.iri)
        view.links = list(links.values())
        view.inbound = self._rows(inbound, "p", "s", lang)
        view.descriptions = self._descriptions(outbound, lang)
        for query in self.blocks.summaries_for(self.index.all_types(iri)):
            block = self._block(query, values, lang)
            if block.rows or not block.generic:
                view.blocks.append(block)
        view.sources = _merged(sorted(self._citations("sources", values, lang),   # the reader's edition first
                                      key=lambda c: not (c.edition.iri or "").endswith("-" + lang)))
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
                                   inferred=not asserted, key=_key(node)))
            items.sort(key=lambda v: (v.inferred, v.term.lang not in (lang, None), v.term.text.casefold()))
            out.append(PropertyRow(self.term(URIRef(prop), lang), items))
        out.sort(key=lambda r: (FIRST.index(r.prop.iri) if r.prop.iri in FIRST else len(FIRST),
                                r.prop.text.casefold()))
        return out

    def sources(self, iri: str, lang: str) -> dict[tuple[str, str], list[Source]]:
        """The sources of each statement about ``iri`` — (predicate, object) → sources, one per
        passage (both editions when both state it) — from ``queries/statement-sources.rq``
        (per-statement provenance: crm:Statement … prov:wasDerivedFrom passage)."""
        if self.statement_sources is None:
            return {}
        query = self.statement_sources
        result = self.store.query(query.text, query.bind({"subject": iri}))
        editions = self._editions()
        out: dict[tuple[str, str], list[Source]] = {}
        seen: set[tuple] = set()
        for row in result.rows:
            key = (str(row["predicate"]), _key(row["object"]))
            passage, source = row.get("passage"), row.get("source")
            if passage is not None and row.get("edition") is not None:
                edition, start, end = str(row["edition"]), int(row["start"]), int(row["end"])
                if (key, edition, start, end) in seen:
                    continue
                seen.add((key, edition, start, end))
                word = TEXT["line" if start == end else "lines"][lang]
                span = str(start) if start == end else f"{start}–{end}"
                file, sha = editions.get(edition, (None, None))
                text = self.texts.passage(file, sha, start, end) if file else None
                out.setdefault(key, []).append(Source(f"{self.name(edition, lang)}, {word} {span}",
                                                      self.iris.href(str(passage)), text))
            elif source is not None and (key, str(source)) not in seen:
                seen.add((key, str(source)))
                src = str(source)
                if src.endswith(("/graph/inferred", "/graph/ontology")):
                    label = TEXT["inferred" if src.endswith("inferred") else "ontology"][lang]
                    out.setdefault(key, []).append(Source(label, self.iris.href(src)))
                else:
                    out.setdefault(key, []).append(Source(self.name(src, lang), self.iris.href(src),
                                                          external=not self.iris.is_ours(src)))
        return out

    def _editions(self) -> dict[str, tuple[str | None, str | None]]:
        """Edition IRI → (file name, SHA-256), to read passages from the source files."""
        if getattr(self, "_edition_files", None) is None:
            rows = self.store.query(EDITION_FILES).rows
            self._edition_files = {str(r["edition"]): (_s(r.get("file")), _s(r.get("sha256"))) for r in rows}
        return self._edition_files

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
        if query.merge_on is not None:
            rows = merge_rows(rows, [name for name, _ in columns].index(query.merge_on))
        if rows:  # a column nobody has a value for says nothing: drop it
            keep = [i for i in range(len(columns)) if any(r[i] is not None for r in rows)]
            columns = [columns[i] for i in keep]
            rows = [[r[i] for i in keep] for r in rows]
            for before, row in zip(rows[::-1][1:], rows[::-1]):   # a heading said once per group
                if isinstance(row[0], Term) and before[0] == row[0] and row[0].kind == "literal" and len(row) > 1:
                    row[0] = None
        description = plain(query.description.get(lang, query.description.get("en", "")),
                            lambda iri: self.index.label(iri, lang) if self.index.has_label(iri) else None)
        return Block(query, query.label(lang), description,
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
        def point(place: str) -> MapPoint:
            n = self.index.organisations_at.get(place, 0)
            lon, lat = self.index.points[place]
            return MapPoint(place, lon, lat, self.name(place, lang), self.iris.href(place), n,
                            f"{n} {TEXT['organisation' if n == 1 else 'organisations'][lang]}" if n else "")

        focus = point(focus_iri)
        context = [point(p) for p in sorted(self.index.points)]
        caption = None if focus_iri == iri else self.term(URIRef(focus_iri), lang)
        return svg_map(focus, context, focus.label, self._province_layer(lang, focus_iri)), caption

    def _province_layer(self, lang: str, focus: str) -> ProvinceLayer | None:
        """The provinces to draw; the focus's own is the one it is or lies in by the graph
        (crm:locatedIn), not by where its point falls (a country's centre lies in no province of its own)."""
        if not self.provinces:
            return None
        codes = {iri: code for code, iri in self.index.cbs.items()}
        own = frozenset(codes[p] for p in {focus, *self.index.ancestors.get(focus, ())} if p in codes)
        names, titles, hrefs = {}, {}, {}
        for province in self.provinces:   # Dutch official names, the English one beside on hover
            iri = self.index.cbs.get(province.code)
            name = names[province.code] = self.name(iri, lang) if iri else province.nl
            titles[province.code] = f"{name} ({province.en})" if lang != "nl" and province.en != name else name
            if iri:
                hrefs[province.code] = self.iris.href(iri)
        return ProvinceLayer(self.provinces, names, titles, hrefs, own)

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


_CURIE = r"\b(?:crm|prov|skos|rdfs|rdf|dct|owl|schema|geo|org|xsd):[A-Za-z][A-Za-z0-9]*"


def plain(text: str, label=None) -> str:
    """Help text for readers: parentheses naming ontology terms dropped, other terms in words
    — ``label(iri)`` (the term's label in the page's language) where it gives one, else the
    name split at its capitals (``crm:hasPart`` → "has part"); the terms stay in the RDF and
    the ontology's pages."""
    def words(match) -> str:
        prefix, local = match.group().split(":", 1)
        found = label(PREFIXES[prefix] + local) if label else None
        return found or re.sub(r"(?<=[a-z])([A-Z])", lambda c: " " + c.group(1).lower(), local)

    text = re.sub(r"\s*\([^()]*" + _CURIE + r"[^()]*\)", "", text)
    text = re.sub(_CURIE, words, text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _key(node) -> str:
    """A term as a key: IRIs and plain values by their text, language-tagged ones with the tag."""
    lang = getattr(node, "language", None)
    return f"{node}@{lang}" if lang else str(node)


def _s(node) -> str | None:
    return None if node is None else str(node)
