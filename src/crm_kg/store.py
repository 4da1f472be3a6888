"""store: one small query interface over the built graph.

:class:`EmbeddedStore` (default) holds the graph in-process in pyoxigraph —
fast and with nothing to start (DESIGN.md explains why not rdflib's engine).
A remote SPARQL 1.1 store (Virtuoso through SPARQLWrapper) implements the
same interface. The default graph of every query is the union of all named
graphs, as on Virtuoso, so the same query text runs on both.

Parameter values are bound as RDF terms by the engine (pyoxigraph
``substitutions``, SEP-0007) — never pasted into query text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from . import CrmKgError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
MANIFEST = "manifest.json"
DATASET_FILE = "crm-kg.nq"


RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


class StoreError(CrmKgError):
    """The store cannot be opened or cannot answer."""


class QuerySyntaxError(StoreError):
    """The query text does not parse; the message says where."""


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
        """SPARQL 1.1 Query Results JSON (W3C Recommendation, 2013)."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        bindings = [{var: term_json(value) for var, value in row.items() if value is not None}
                    for row in self.rows]
        return {"head": {"vars": self.variables}, "results": {"bindings": bindings}}


def term_json(term: Node) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and str(term.datatype) != XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def from_ox(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise StoreError(f"unsupported term {term!r}")


def to_ox(term: Node):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise StoreError(f"cannot bind {term!r}")


class Store(Protocol):
    """What the web layer and the CLI need from a store."""

    def query(self, sparql: str, bindings: dict[str, Node] | None = None,
              limit: int | None = None) -> Result: ...

    def info(self) -> dict: ...


def read_manifest(ttl_dir: Path) -> dict:
    path = Path(ttl_dir) / MANIFEST
    if not path.is_file():
        raise StoreError(f"no built graph in {ttl_dir} (missing {MANIFEST}); run `crm-kg build`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StoreError(f"{path}: corrupt manifest ({exc})") from exc


class EmbeddedStore:
    """The built dataset in an in-memory pyoxigraph store."""

    def __init__(self, store: ox.Store, manifest: dict | None = None):
        self._store = store
        self.manifest = manifest or {}

    @classmethod
    def from_directory(cls, ttl_dir: Path) -> "EmbeddedStore":
        manifest = read_manifest(ttl_dir)
        path = Path(ttl_dir) / DATASET_FILE
        if not path.is_file():
            raise StoreError(f"{path} missing; run `crm-kg build`")
        store = ox.Store()
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"{path}: cannot load ({exc})") from exc
        return cls(store, manifest)

    @classmethod
    def from_dataset(cls, dataset) -> "EmbeddedStore":
        store = ox.Store()
        store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
        return cls(store)

    @property
    def version(self) -> str:
        """An identifier of the loaded build (for ETags and caches)."""
        files = self.manifest.get("files", {})
        return files.get(DATASET_FILE, {}).get("sha256", "unbuilt")[:16]

    def __len__(self) -> int:
        return len(self._store)

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None) -> bytes:
        """The answer serialised natively in ``media_type`` (one of :data:`MEDIA_TYPES`).

        pyoxigraph results are bound to the thread that made them, so they are
        created, serialised and dropped here, never handed out.
        """
        answer = self._raw(sparql, bindings)
        try:
            if isinstance(answer, ox.QueryTriples):
                fmt = RDF_FORMATS.get(media_type)
            else:
                fmt = RESULT_FORMATS.get(media_type)
            if fmt is None:
                raise StoreError(f"cannot serialise this answer as {media_type}")
            try:
                return answer.serialize(format=fmt)
            except (OSError, RuntimeError, ValueError) as exc:
                raise StoreError(f"store error: {exc}") from None
        finally:
            del answer

    def _raw(self, sparql: str, bindings: dict[str, Node] | None = None):
        substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(sparql, use_default_graph_as_union=True,
                                     substitutions=substitutions or None)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"store error: {exc}") from None

    def query(self, sparql: str, bindings: dict[str, Node] | None = None,
              limit: int | None = None) -> Result:
        answer = self._raw(sparql, bindings)
        try:
            return self._convert(answer, limit)
        finally:
            del answer

    @staticmethod
    def _convert(answer, limit: int | None) -> Result:
        if isinstance(answer, ox.QueryBoolean):
            return Result("ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows, truncated = [], False
            for i, solution in enumerate(answer):
                if limit is not None and i >= limit:
                    truncated = True
                    break
                rows.append({v: from_ox(solution[v]) for v in variables})
            return Result("select", variables, rows, truncated=truncated)
        triples = []
        for i, t in enumerate(answer):
            if limit is not None and i >= limit:
                return Result("graph", triples=triples, truncated=True)
            triples.append((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        return Result("graph", triples=triples)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def info(self) -> dict:
        return {"store": "embedded (pyoxigraph)", "triples": len(self._store),
                "graphs": self.graphs(), "version": self.version}
