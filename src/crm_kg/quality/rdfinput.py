"""rdfinput: the RDF files that build and validate read, read without surprises.

Every RDF input — the ontology and the SHACL shapes (Turtle), any file given
to ``crm-kg validate --input`` (N-Quads, TriG, Turtle, N-Triples, RDF/XML) —
goes through :func:`parse`, which fails closed with one line naming the file
and the line (:class:`~crm_kg.yamlio.InputError`):

* **RDF/XML** is first scanned by expat with handlers that stop at a
  ``<!DOCTYPE``: without a document type no entity can be declared, expanded
  (the "billion laughs" of nested entities) or fetched (external entities,
  XXE). RDF/XML never needs one; Protégé's entity shorthands for namespaces
  are the only common use — save such a file again without them, or as Turtle.
  rdflib's own RDF/XML parser (``xml.sax``) already leaves external entities
  alone (Python ≥ 3.7.1) and expat ≥ 2.4 caps entity amplification; the scan
  refuses before either matters.
* **owl:imports** is refused wherever it appears: nothing is imported (README:
  every borrowed term is declared). rdflib never follows an import, but
  owlready2, which hands the graph to HermiT in ``crm-kg validate``, fetches
  every ontology it is told to import (``Ontology.load`` loads
  ``owl:imports`` from the web); :func:`without_imports` is its second guard.
* **JSON-LD** is not accepted: a remote ``@context`` would be fetched.

Turtle, TriG, N-Triples and N-Quads have no entities and nothing to fetch.

Turtle and N-Triples are read by pyoxigraph first, whose syntax errors carry
the line (as rdflib's RDF/XML errors do), so every parse error names
``file:line``; a file over ``max_bytes`` (``crm-kg
validate --input``: ``max_input_mb`` in ``[tool.crm-kg]``) is refused before it
is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox
from rdflib import OWL, Dataset, Graph

from ..sparql.terms import add_quads
from ..yamlio import InputError

FORMATS = {".ttl": "turtle", ".owl": "xml", ".rdf": "xml", ".xml": "xml", ".nt": "nt",
           ".nq": "nquads", ".trig": "trig"}
_DATASETS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
# read by pyoxigraph first for the line of a syntax error (rdflib's RDF/XML errors have theirs)
_OX = {**_DATASETS, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
_IMPORTS = re.compile(r"owl:imports|www\.w3\.org/2002/07/owl#imports|\bimports\b")


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(line, message)
        self.line, self.message = line, message


def _ox_line(exc: SyntaxError) -> int | str:
    """The line of a pyoxigraph syntax error (its ``lineno``, else the message's position)."""
    if getattr(exc, "lineno", None):
        return exc.lineno
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else 1


def check_xml(data: bytes, path: Path) -> None:
    """Refuse a DOCTYPE, any entity declaration and any external entity in an XML document."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(message):
        def handler(*_args):
            raise _Refused(parser.CurrentLineNumber, message)
        return handler

    parser.StartDoctypeDeclHandler = refuse(
        "a DOCTYPE is not accepted in RDF/XML input (entities can expand without bound or "
        "fetch files); write the IRIs out in full")
    parser.EntityDeclHandler = refuse("an entity declaration is not accepted in RDF/XML input")
    parser.ExternalEntityRefHandler = refuse("an external entity is not accepted (nothing is fetched)")
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise InputError(f"{path}:{exc.line}: {exc.message}") from None
    except expat.ExpatError as exc:
        raise InputError(f"{path}:{exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)})") from None


def _line_of(text: str, needles: list[str]) -> int | str:
    lines = text.splitlines()
    for needle in needles:
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
    for number, line in enumerate(lines, 1):
        if _IMPORTS.search(line):
            return number
    return 1


def refuse_imports(graph: Graph, path: Path, text: str) -> None:
    """One line naming the first ``owl:imports`` of ``graph`` and where it is in ``text``."""
    if isinstance(graph, Dataset):
        imported = sorted(str(o) for _s, _p, o, _g in graph.quads((None, OWL.imports, None, None)))
    else:
        imported = sorted(str(o) for o in graph.objects(None, OWL.imports))
    if imported:
        line = _line_of(text, [f"<{imported[0]}>", imported[0]])
        raise InputError(f"{path}:{line}: owl:imports <{imported[0]}> is not accepted: nothing is "
                         "imported or fetched (declare the terms you borrow)")


def without_imports(graph: Graph) -> Graph:
    """``graph`` without its ``owl:imports`` triples (what is handed to owlready2)."""
    for triple in list(graph.triples((None, OWL.imports, None))):
        graph.remove(triple)
    return graph


def _rdflib_line(exc: Exception) -> int | None:
    for attribute in ("getLineNumber", "lineno", "line"):
        value = getattr(exc, attribute, None)
        value = value() if callable(value) else value
        if isinstance(value, int) and value > 0:
            return value
    match = re.search(r"line (\d+)", str(exc)) or re.match(r"^\S*?:(\d+):\d+: ", str(exc))
    return int(match.group(1)) if match else None


def parse(path: Path, fmt: str | None = None, into: Graph | None = None,
          max_bytes: int | None = None) -> Graph:
    """Parse ``path`` (format from its suffix unless ``fmt``) into ``into`` or a new Graph —
    a Dataset for N-Quads and TriG — after the checks of the module doc; a file larger than
    ``max_bytes`` is refused unread."""
    path = Path(path)
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}:1: unknown RDF format (accepted: "
                         f"{', '.join(sorted(FORMATS))})")
    if fmt in ("json-ld", "jsonld"):
        raise InputError(f"{path}:1: JSON-LD input is not accepted (a remote @context would be fetched)")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes is more than the input limit of {max_bytes:,} "
                             "(max_input_mb in [tool.crm-kg], CRM_KG_MAX_INPUT_MB or --max-input-mb)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    if fmt in ("xml", "application/rdf+xml"):
        check_xml(data, path)
    if fmt in _OX and fmt not in _DATASETS:   # pyoxigraph's errors name the line; rdflib's often not
        try:
            for _ in ox.parse(data, format=_OX[fmt], base_iri=path.resolve().as_uri()):
                pass
        except SyntaxError as exc:
            raise InputError(f"{path}:{_ox_line(exc)}: cannot parse as {fmt}: {exc}") from None
    graph = into if into is not None else (Dataset() if fmt in ("nquads", "trig") else Graph())
    if fmt in _DATASETS:     # pyoxigraph reads datasets (rdflib's readers call its deprecated APIs)
        try:
            add_quads(graph, ox.parse(data, format=_DATASETS[fmt], base_iri=path.resolve().as_uri()))
        except SyntaxError as exc:
            raise InputError(f"{path}:{_ox_line(exc)}: cannot parse as {fmt}: {exc}") from None
        refuse_imports(graph, path, data.decode("utf-8", "replace"))
        return graph
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises several parser error types
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}:{_rdflib_line(exc) or 1}: cannot parse as {fmt}: "
                         f"{message}") from None
    refuse_imports(graph, path, data.decode("utf-8", "replace"))
    return graph
