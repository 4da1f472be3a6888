"""results: SPARQL query answers — their engine-neutral form, and the one writer and reader
of the W3C results formats.

* :class:`Result` (rdflib terms), :class:`Serialized` (bytes in a media type) and
  :class:`PackedRows` (TSV rows a query worker sends) are the answers every store
  returns (:mod:`crm_kg.store.interface`).
* :func:`write` writes the rows of a SELECT answer (pyoxigraph terms);
  :func:`write_answer` writes a :class:`Result` (rdflib terms, SELECT or ASK)
  through the same writers — every surface (``/sparql``, ``/api/queries``, the
  CLI) writes results here and nowhere else.

pyoxigraph serialises a whole ``QuerySolutions`` iterator and cannot be told to
stop after *n* rows, so when the store caps an answer it takes the first rows
and writes them here, in the W3C formats: SPARQL 1.1 Query Results JSON
Format, SPARQL Query Results XML Format (Second Edition), and SPARQL 1.1
Query Results CSV and TSV Formats (all W3C Recommendations, 2013). Triple
terms (SPARQL 1.2) and base directions are written the way pyoxigraph writes
them; the tests compare both writers on the same answers.

:func:`read_tsv` reads the rows of pyoxigraph's own TSV into rdflib terms: the
embedded store takes a SELECT answer that way (:class:`PackedRows`),
since pyoxigraph writes it in Rust many times faster than Python can read its
terms cell by cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..media import CSV, JSON, SPARQL_JSON, SPARQL_XML, TSV
from .terms import XSD, XSD_STRING, to_ox

RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

Row = Sequence[object | None]      # one pyoxigraph term (or None) per variable


def write(media_type: str, variables: list[str], rows: Iterable[Row]) -> bytes:
    """Rows of a SELECT answer in ``media_type`` (a SPARQL results type)."""
    writer = WRITERS.get(media_type)
    if writer is None:
        raise ValueError(f"no results writer for {media_type}")
    return writer(variables, rows).encode("utf-8")


# -- JSON -------------------------------------------------------------------------
def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
        if getattr(term, "direction", None) is not None:
            out["its:dir"] = str(term.direction)
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _json(variables: list[str], rows: Iterable[Row]) -> str:
    bindings = [{v: term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":"))


# -- XML --------------------------------------------------------------------------
def _text(value: str) -> str:
    """Character data, line breaks and tabs as references: XML parsers turn a raw carriage
    return into a newline, and some trim whitespace at the ends of a text."""
    return escape(value, {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_text(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
                f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        direction = ""
        if getattr(term, "direction", None) is not None:
            direction = (f' its:dir={quoteattr(str(term.direction))} '
                         'xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"')
        return f"<literal xml:lang={quoteattr(term.language)}{direction}>{_text(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{_text(term.value)}</literal>"
    return f"<literal>{_text(term.value)}</literal>"


def _xml(variables: list[str], rows: Iterable[Row]) -> str:
    out = ['<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out)


# -- CSV and TSV --------------------------------------------------------------------
def _csv_value(term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return " ".join(_csv_value(t) for t in (term.subject, term.predicate, term.object))
    return term.value


def _csv_field(term) -> str:
    if term is None:
        return ""
    text = _csv_value(term)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(variables: list[str], rows: Iterable[Row]) -> str:
    lines = [",".join(variables)]
    lines += [",".join(_csv_field(t) for t in row) for row in rows]
    return "".join(line + "\r\n" for line in lines)


def _tsv_field(term) -> str:
    """A term in N-Triples syntax (pyoxigraph's ``str`` of a term), triple terms as ``<<( … )>>``."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {_tsv_field(term.subject)} {_tsv_field(term.predicate)} {_tsv_field(term.object)} )>>"
    return str(term)


def _tsv(variables: list[str], rows: Iterable[Row]) -> str:
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_tsv_field(t) for t in row) for row in rows]
    return "".join(line + "\n" for line in lines)


WRITERS = {SPARQL_JSON: _json, JSON: _json, SPARQL_XML: _xml, CSV: _csv, TSV: _tsv}


# -- answers in engine-neutral form -------------------------------------------------------
@dataclass(frozen=True)
class Serialized:
    """An answer written in ``media_type``; ``truncated`` if the row cap cut it."""

    body: bytes
    media_type: str
    kind: str                                  # select | ask | graph
    truncated: bool = False
    rows: int | None = None                    # solutions or triples written


@dataclass
class Result:
    """A query answer in engine-neutral form (rdflib terms)."""

    kind: str                                  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False

    def to_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON (W3C Recommendation, 2013), as Python objects."""
        return json.loads(write_answer(self, SPARQL_JSON))


@dataclass(frozen=True)
class PackedRows:
    """A SELECT answer as the rows of SPARQL 1.1 Query Results TSV (W3C 2013, §3),
    header left out; :func:`unpack` reads them into rdflib terms.

    pyoxigraph writes a whole answer in Rust faster than Python can read its terms
    cell by cell (at 1M triples, 8,195 rows: 5 ms against 250 ms), and a query
    worker sends these bytes over its pipe rather than pickled rdflib terms, each
    of which is parsed again on unpickling.
    """

    variables: list[str]
    tsv: bytes
    truncated: bool = False


def unpack(answer: Result | PackedRows) -> Result:
    """An answer in engine-neutral form, a :class:`PackedRows` read into rdflib terms."""
    if isinstance(answer, PackedRows):
        return Result("select", answer.variables, read_tsv(answer.tsv, answer.variables),
                      truncated=answer.truncated)
    return answer


ASK_COLUMN = "_askResult"      # Jena's CSVOutput / TSVOutput


def write_boolean(media_type: str, value: bool) -> bytes:
    """An ASK answer in ``media_type`` (SPARQL 1.1 Query Results JSON §3.3, XML §2.3.2).

    CSV and TSV (W3C 2013) have no boolean form; this writes Jena's, which Jena's readers
    take back as a boolean and rdflib's as one row of one column: ``_askResult`` (CSV,
    CRLF) or ``?_askResult`` (TSV) and the word ``true`` or ``false`` — the same on
    ``/sparql`` and ``/api/queries``, whichever store answered."""
    word = "true" if value else "false"
    if media_type in (SPARQL_JSON, JSON):
        return json.dumps({"head": {}, "boolean": bool(value)}, separators=(",", ":")).encode("utf-8")
    if media_type == SPARQL_XML:
        return ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head></head><boolean>{word}</boolean></sparql>").encode("utf-8")
    if media_type in (CSV, TSV):
        newline = "\r\n" if media_type == CSV else "\n"
        header = ASK_COLUMN if media_type == CSV else "?" + ASK_COLUMN
        return f"{header}{newline}{word}{newline}".encode("utf-8")
    raise ValueError(f"no results writer for {media_type}")


def write_answer(result: Result, media_type: str, rows: list[dict] | None = None) -> bytes:
    """A SELECT or ASK :class:`Result` (or the page ``rows`` of it) in ``media_type``."""
    if result.kind == "ask":
        return write_boolean(media_type, bool(result.boolean))
    if result.kind != "select":
        raise ValueError("a graph answer is RDF, not a results format")
    variables = result.variables
    rows = result.rows if rows is None else rows
    if media_type in (SPARQL_JSON, JSON):
        return _json_of_terms(variables, rows).encode("utf-8")
    converted = ([None if row.get(v) is None else to_ox(row[v]) for v in variables] for row in rows)
    return write(media_type, variables, converted)


class _Memo(dict):
    """A bounded map of what a function made of a term, shared by the requests of a process:
    the terms of the answers a server writes repeat from one request to the next (the same
    report, language and labels), and rdflib terms are immutable. Short terms only, and
    emptied when full, so it stays a few megabytes whatever the answers are."""

    def __init__(self, make, entries: int = 20_000, longest: int = 512):
        super().__init__()
        self.make, self.entries, self.longest = make, entries, longest

    def __missing__(self, key):
        value = self.make(key)
        if len(key) <= self.longest:
            if len(self) >= self.entries:
                self.clear()
            self[key] = value
        return value


#: an rdflib term → its SPARQL 1.1 Query Results JSON object, written (§3.2.2)
_JSON_TERMS = _Memo(lambda term: json.dumps(term_json(to_ox(term)), ensure_ascii=False,
                                             separators=(",", ":")))


#: a variable's name → its JSON key, written, with the colon after it
_JSON_KEYS = _Memo(lambda name: json.dumps(name, ensure_ascii=False) + ":")


def _json_of_terms(variables: list[str], rows: Iterable[dict]) -> str:
    """:func:`_json` of rows of rdflib terms, the same text to the byte, each distinct term
    written once (:data:`_JSON_TERMS`) rather than converted and encoded cell by cell."""
    keys = [(v, _JSON_KEYS[v]) for v in variables]
    terms = _JSON_TERMS
    bindings = ",".join("{" + ",".join(key + terms[row[v]] for v, key in keys if row.get(v) is not None) + "}"
                        for row in rows)
    return ('{"head":{"vars":' + json.dumps(variables, ensure_ascii=False, separators=(",", ":"))
            + '},"results":{"bindings":[' + bindings + "]}}")


# -- reading TSV back -----------------------------------------------------------------
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_BARE = {"true": XSD + "boolean", "false": XSD + "boolean"}


def _unescape(text: str) -> str:
    """N-Triples string escapes (RDF 1.1 N-Triples §2.4: ECHAR and UCHAR)."""
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if (m[1] or m[2]) else _ECHAR[m[3]], text)


def tsv_term(cell: str) -> Node:
    """One TSV field (SPARQL 1.1 Query Results TSV §3.2: a term in Turtle syntax) as an rdflib
    term, the way :func:`crm_kg.sparql.terms.from_ox` converts the same pyoxigraph term."""
    first = cell[0]
    if first == "<":
        if cell.startswith("<<"):          # RDF 1.2 triple term: rdflib has none, keep its syntax
            return Literal(cell)
        return URIRef(cell[1:-1])
    if first == '"':
        end = cell.rindex('"')
        lexical = cell[1:end]
        if "\\" in lexical:
            lexical = _unescape(lexical)
        rest = cell[end + 1:]
        if not rest:
            return Literal(lexical)
        if rest[0] == "@":                 # a base direction (--ltr) is dropped, as from_ox does
            return Literal(lexical, lang=rest[1:].split("--")[0])
        return Literal(lexical, datatype=URIRef(rest[3:-1]))
    if cell.startswith("_:"):
        return BNode(cell[2:])
    # Turtle's bare forms of boolean, integer, decimal and double (Turtle §2.5.2)
    datatype = _BARE.get(cell) or XSD + ("double" if "e" in cell or "E" in cell else
                                         "decimal" if "." in cell else "integer")
    return Literal(cell, datatype=URIRef(datatype))


#: a TSV field → its rdflib term, for every answer this process reads
_TSV_TERMS = _Memo(tsv_term)


def read_tsv(rows: bytes, variables: list[str]) -> list[dict[str, Node | None]]:
    """The solutions of TSV lines (header left out), one dict per line, ``None`` where a
    variable is unbound. Each distinct field becomes one rdflib object, shared by the rows
    that repeat it (and by the next answers, :data:`_TSV_TERMS`): faster, and pickle then
    writes it once."""
    terms: dict[str, Node | None] = {"": None}
    known = _TSV_TERMS
    out = []
    for line in rows.decode("utf-8").split("\n")[:-1]:
        row = {}
        for variable, cell in zip(variables, line.split("\t")):
            try:
                row[variable] = terms[cell]
            except KeyError:
                row[variable] = terms[cell] = known[cell]
        out.append(row)
    return out
