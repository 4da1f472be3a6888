"""Answers of saved queries: run, page, show and write them.

* :func:`execute` runs a saved query with its bindings on the app's store
  (answers are cut at ``max_result_rows``) — the one place a cache of answers
  can hook in.
* :func:`form_choices` gives the closed lists of a query's parameters, each
  value named in the reader's language (falling back to the other language).
* :func:`table` turns a page of an answer into rows of cells: IRIs become
  links to their pages named by their label (the query's own label column
  where it has one — ``{v}Label`` or the header's ``labels`` — else the
  graph's label in the reader's language, else in the other), citations
  such as ``nhfl-2025-en:1267-1269`` link to their passage pages, and
  columns that hold a bound parameter (a constant) are left out.
* :func:`csv_body`, :func:`json_body` and :func:`turtle_body` write a page of
  an answer: SPARQL 1.1 Query Results CSV and JSON (W3C Recommendations,
  2013), and — for SELECT answers — Turtle in the result-set vocabulary the
  W3C SPARQL test suites use (``rs:ResultSet``, ``rs:solution``,
  ``rs:binding``, ``rs:index``), a lossless tabular-to-RDF view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from ..media import CSV, SPARQL_JSON
from ..sparql.library import Choices, SavedQuery
from ..sparql.results import Result, write_answer
from . import state
from .ld import services
from .render import local_href
from .wording import heading, language_name

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}
_CITATION = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*-[a-z]{2}):(\d+)(?:-(\d+))?$")


def choices() -> Choices:
    """This app's closed lists, computed once per parameter and graph version: a request does
    not re-run a drop-down's query, and a reload brings the new graph's lists."""
    return state.per_version("choices", lambda: Choices(state.store().current))


def index():
    return services()["index"]


def execute(query: SavedQuery, bindings: dict) -> Result:
    """The whole answer (up to ``max_result_rows``) of a saved query with checked bindings."""
    return state.store().query(query.text, bindings, limit=state.settings().max_result_rows)


# -- forms -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    value: str
    label: str


def form_choices(query: SavedQuery, lang: str) -> dict[str, list[Option]]:
    """Closed lists per parameter, labelled in ``lang``; class lists sorted by label."""
    out = {}
    graph_index = index()
    for p in query.params:
        listed = choices().get(query, p)
        if listed is None:
            continue
        options = []
        for c in listed:
            label = c.label(lang) if c.labels else (
                graph_index.label(str(c.term), lang) if isinstance(c.term, URIRef) else c.value)
            if p.type == "language":
                label = language_name(c.value, lang)
            elif p.type in ("integer", "year") and label != c.value:
                label = f"{c.value} — {label}"
            options.append(Option(c.value, label))
        if p.cls and not p.values_query:
            options.sort(key=lambda o: o.label.casefold())
        out[p.name] = options
    return out


def form_values(query: SavedQuery, raw: dict) -> dict[str, str]:
    """What each form field shows: the value given, else the default."""
    return {p.name: str(raw[p.name]) if p.name in raw else ("" if p.default is None else str(p.default))
            for p in query.params}


# -- tables ----------------------------------------------------------------------------

def label_columns(query: SavedQuery, variables: list[str], hidden: set[str]) -> dict[str, str]:
    """Label column → the IRI column it names (``{v}Label`` and the header's ``labels``)."""
    pairs = {f"{v}Label": v for v in variables if f"{v}Label" in variables}
    pairs.update(query.labels)
    return {name: iri for name, iri in pairs.items()
            if name in variables and iri in variables and iri not in hidden}


def table(query: SavedQuery, result: Result, bindings: dict, lang: str, rows: list[dict]) -> dict:
    """Headings and cells of ``rows`` (a page of ``result``) for the page's table."""
    hidden = {v for v in result.variables if query.param(v) is not None and (
        v in bindings or all(r.get(v) is None for r in result.rows))}
    merged = label_columns(query, result.variables, hidden)
    named_by = {iri: name for name, iri in merged.items()}
    shown = [v for v in result.variables if v not in hidden and v not in merged]
    graph_index = index()
    body = []
    for row in rows:
        cells = []
        for v in shown:
            cells.append(cell(row.get(v), row.get(named_by[v]) if v in named_by else None, lang, graph_index))
        body.append(cells)
    return {"variables": shown, "headings": [heading(query, v, lang) for v in shown], "rows": body}


def cell(term, name, lang: str, graph_index) -> dict:
    """One term for a template: text, link, kind, language or datatype, citations."""
    if term is None:
        return {"text": "", "kind": "empty"}
    if isinstance(term, URIRef):
        iri = str(term)
        text = str(name) if name is not None and str(name) else graph_index.label(iri, lang)
        return {"text": text, "href": local_href(iri), "kind": "iri", "iri": iri}
    if isinstance(term, Literal):
        text = str(term)
        datatype = str(term.datatype) if term.datatype else None
        out = {"text": text, "kind": "literal", "lang": term.language, "datatype": datatype,
               "numeric": datatype in NUMERIC}
        citations = citation_links(text)
        if citations:
            out["citations"] = citations
        return out
    return {"text": str(term), "kind": "bnode"}


def citation_links(text: str) -> list[tuple[str, str]] | None:
    """``edition:start-end`` tokens as (text, link to the passage page), in edition and line
    order (a GROUP_CONCAT's order is the engine's, SPARQL 1.1 §18.5.1.7); None unless all are."""
    tokens = text.split()
    if not tokens:
        return None
    base = state.settings().base_iri
    links = []
    for token in tokens:
        match = _CITATION.match(token)
        if not match:
            return None
        edition, start, end = match.groups()
        span = start if end is None or end == start else f"{start}-{end}"
        links.append(((edition, int(start)), token, local_href(f"{base}id/passage/{edition}/{span}")))
    return [(token, href) for _, token, href in sorted(links)]


# -- writing answers ---------------------------------------------------------------------

def json_body(result: Result, rows: list[dict]) -> bytes:
    return write_answer(result, SPARQL_JSON, rows)


def csv_body(result: Result, rows: list[dict]) -> bytes:
    return write_answer(result, CSV, rows)


def turtle_body(query: SavedQuery, result: Result, rows: list[dict], offset: int) -> str:
    """A page of a SELECT answer as an ``rs:ResultSet``; ``rs:index`` counts from the first
    row of the whole answer (1-based)."""
    graph = Graph()
    graph.bind("rs", RS)
    graph.bind("dct", DCTERMS)
    root = BNode()
    graph.add((root, RDF.type, RS.ResultSet))
    for lang, title in sorted(query.title.items()):
        graph.add((root, DCTERMS.title, Literal(title, lang=lang)))
    for v in result.variables:
        graph.add((root, RS.resultVariable, Literal(v)))
    for number, row in enumerate(rows, start=offset + 1):
        solution = BNode()
        graph.add((root, RS.solution, solution))
        graph.add((solution, RS["index"], Literal(number)))  # RS.index is str.index
        for v in result.variables:
            value = row.get(v)
            if value is None:
                continue
            binding = BNode()
            graph.add((solution, RS.binding, binding))
            graph.add((binding, RS.variable, Literal(v)))
            graph.add((binding, RS.value, value))
    return graph.serialize(format="turtle")

