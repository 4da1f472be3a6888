"""results: SPARQL query results written from pyoxigraph terms, for a capped answer,
and read back from TSV into rdflib terms.

pyoxigraph serialises a whole ``QuerySolutions`` iterator and cannot be told to
stop after *n* rows, so when the store caps an answer it takes the first rows
and writes them here, in the W3C formats: SPARQL 1.1 Query Results JSON
Format, SPARQL Query Results XML Format (Second Edition), and SPARQL 1.1
Query Results CSV and TSV Formats (all W3C Recommendations, 2013). Triple
terms (SPARQL 1.2) and base directions are written the way pyoxigraph writes
them; the tests compare both writers on the same answers.

:func:`read_tsv` reads the rows of pyoxigraph's own TSV into rdflib terms: the
embedded store takes a SELECT answer that way (:class:`crm_kg.store.PackedRows`),
since pyoxigraph writes it in Rust many times faster than Python can read its
terms cell by cell.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
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


WRITERS = {
    "application/sparql-results+json": _json,
    "application/json": _json,
    "application/sparql-results+xml": _xml,
    "text/csv": _csv,
    "text/tab-separated-values": _tsv,
}


# -- reading TSV back -----------------------------------------------------------------
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_BARE = {"true": XSD + "boolean", "false": XSD + "boolean"}


def _unescape(text: str) -> str:
    """N-Triples string escapes (RDF 1.1 N-Triples §2.4: ECHAR and UCHAR)."""
    return _ESCAPE.sub(lambda m: chr(int(m[1] or m[2], 16)) if (m[1] or m[2]) else _ECHAR[m[3]], text)


def tsv_term(cell: str) -> Node:
    """One TSV field (SPARQL 1.1 Query Results TSV §3.2: a term in Turtle syntax) as an rdflib
    term, the way :func:`crm_kg.store.from_ox` converts the same pyoxigraph term."""
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


def read_tsv(rows: bytes, variables: list[str]) -> list[dict[str, Node | None]]:
    """The solutions of TSV lines (header left out), one dict per line, ``None`` where a
    variable is unbound. Each distinct field becomes one rdflib object, shared by the rows
    that repeat it: faster, and pickle then writes it once."""
    terms: dict[str, Node | None] = {"": None}
    out = []
    for line in rows.decode("utf-8").split("\n")[:-1]:
        row = {}
        for variable, cell in zip(variables, line.split("\t")):
            try:
                row[variable] = terms[cell]
            except KeyError:
                row[variable] = terms[cell] = tsv_term(cell)
        out.append(row)
    return out
