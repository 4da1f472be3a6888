"""store: one small query interface over the built graph.

:class:`EmbeddedStore` (default) holds the graph in-process in pyoxigraph —
fast and with nothing to start (DESIGN.md explains why not rdflib's engine).
A remote SPARQL 1.1 store (Virtuoso through SPARQLWrapper) implements the
same interface. The default graph of every query is the union of all named
graphs, as on Virtuoso, so the same query text runs on both.

Parameter values are bound as RDF terms in a ``VALUES`` block
(:mod:`crm_kg.binding`), the same text on every store — never pasted into
query text as strings.

The dataset of a query (SPARQL 1.1 Query §13, Protocol §2.1.4): the
protocol's ``default-graph-uri`` / ``named-graph-uri`` (a :class:`Dataset`)
win; else the query's own ``FROM`` / ``FROM NAMED``; else the union default
graph. Graphs are names of graphs in the store and are never fetched.

An in-process store has no time limit: :mod:`crm_kg.execute` runs the same
interface in worker processes under a deadline.
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
from .results import read_tsv
from .results import write as write_results
from .sparqlscan import scan

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


class QueryEvaluationError(StoreError):
    """The engine parsed the query but failed while answering it."""


class NotSerializable(StoreError):
    """The answer cannot be written in the wanted media type (``kind``: select, ask, graph)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message, kind)
        self.kind = kind

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (Protocol §2.1.4): graph IRIs of the store.

    An empty ``default`` is an empty default graph; an empty ``named`` means no
    named graphs — the protocol's dataset replaces the store's, it is not merged.
    """

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


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
    if isinstance(term, ox.Triple):   # RDF 1.2 triple term: rdflib has none, show its syntax
        return Literal(f"<<( {term.subject} {term.predicate} {term.object} )>>")
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
    """What the web layer and the CLI need from a store (embedded, pooled or remote)."""

    def query(self, sparql: str, bindings: dict[str, Node] | None = None,
              limit: int | None = None, dataset: Dataset | None = None) -> Result: ...

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None,
                  limit: int | None = None, dataset: Dataset | None = None) -> Serialized: ...

    def graphs(self) -> list[str]: ...

    def info(self) -> dict: ...

    @property
    def version(self) -> str: ...


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
        self._info: dict | None = None    # the store is read-only once loaded

    @classmethod
    def from_directory(cls, ttl_dir: Path) -> "EmbeddedStore":
        """The built graph of ``ttl_dir``, refused (:class:`~crm_kg.snapshot.GraphError`) if it
        does not match its manifest: a file missing or changed, or other triple counts."""
        from .snapshot import open_snapshot

        snapshot = open_snapshot(ttl_dir)
        try:
            return cls.from_snapshot(snapshot)
        finally:
            snapshot.close()

    @classmethod
    def from_snapshot(cls, snapshot) -> "EmbeddedStore":
        """Load the pinned N-Quads of a :class:`~crm_kg.snapshot.Snapshot` and check the counts.

        ``Store.load``, not ``bulk_load``: the bulk loader parses on a second thread into
        buffers of its own, so a worker peaked at 570 MiB to hold 330 MiB at 1M triples
        (3.7 GiB for 3.1 at 10M); ``load`` peaks at 360 MiB and is no slower."""
        from .snapshot import check_counts

        store = ox.Store()
        try:
            store.load(path=snapshot.dataset_path(), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"{Path(snapshot.directory) / DATASET_FILE}: cannot load ({exc})") from exc
        loaded = cls(store, snapshot.manifest)
        info = loaded.info()
        check_counts(snapshot.directory, snapshot.manifest, info["triples"], info["graph_sizes"])
        return loaded

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

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None,
                  limit: int | None = None, dataset: Dataset | None = None) -> Serialized:
        """The answer written in ``media_type`` (a key of :data:`RESULT_FORMATS` or
        :data:`RDF_FORMATS`), at most ``limit`` solutions or triples.

        pyoxigraph results are bound to the thread that made them, so they are
        created, serialised and dropped here, never handed out.
        """
        answer = self._raw(sparql, bindings, dataset)
        try:
            return self._write(answer, media_type, limit)
        finally:
            del answer

    @staticmethod
    def _write(answer, media_type: str, limit: int | None) -> Serialized:
        kind = ("ask" if isinstance(answer, ox.QueryBoolean) else
                "select" if isinstance(answer, ox.QuerySolutions) else "graph")
        fmt = (RDF_FORMATS if kind == "graph" else RESULT_FORMATS).get(media_type)
        if fmt is None:
            raise NotSerializable(f"a {kind.upper() if kind != 'graph' else 'CONSTRUCT/DESCRIBE'} "
                                  f"answer cannot be written as {media_type}", kind)
        with _evaluating():
            if kind == "ask":
                return Serialized(answer.serialize(format=fmt), media_type, kind)
            if kind == "select" and limit is None:
                return Serialized(answer.serialize(format=fmt), media_type, kind)
            items = _take(answer, limit)
            truncated = limit is not None and len(items) > limit
            items = items[:limit] if truncated else items
            if kind == "select":
                variables = [v.value for v in answer.variables]
                rows = [[solution[v] for v in variables] for solution in items]
                return Serialized(write_results(media_type, variables, rows), media_type, kind,
                                  truncated, len(rows))
        try:
            body = ox.serialize(items, format=fmt)
        except (OSError, ValueError) as exc:
            raise NotSerializable(f"this answer cannot be written as {media_type}: {exc}", kind) from None
        return Serialized(body, media_type, kind, truncated, len(items))

    def _raw(self, sparql: str, bindings: dict[str, Node] | None = None,
             dataset: Dataset | None = None):
        from .binding import bind    # binding needs this module's terms and errors
        from .hints import lateral_optionals

        if bindings is not None:     # a saved query or page block: OPTIONALs row by row (hints)
            sparql = bind(lateral_optionals(sparql), bindings)
        options: dict = {}
        if dataset is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
        elif not scan(sparql).has_dataset:
            options["use_default_graph_as_union"] = True
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryEvaluationError(f"the query failed: {exc}") from None

    def query(self, sparql: str, bindings: dict[str, Node] | None = None,
              limit: int | None = None, dataset: Dataset | None = None) -> Result:
        return unpack(self.answer(sparql, bindings, limit, dataset))

    def answer(self, sparql: str, bindings: dict[str, Node] | None = None,
               limit: int | None = None, dataset: Dataset | None = None) -> Result | PackedRows:
        """:meth:`query`'s answer, a SELECT answer still packed (:class:`PackedRows`): what a
        query worker (:mod:`crm_kg.execute`) sends over its pipe."""
        answer = self._raw(sparql, bindings, dataset)
        try:
            with _evaluating():
                return self._pack(answer, limit)
        finally:
            del answer

    @staticmethod
    def _pack(answer, limit: int | None) -> Result | PackedRows:
        if isinstance(answer, ox.QueryBoolean):
            return Result("ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            return PackedRows(variables, *_tsv_rows(answer, limit))
        items = _take(answer, limit)
        truncated = limit is not None and len(items) > limit
        items = items[:limit] if truncated else items
        term = _TermCache()
        triples = [(term(t.subject), term(t.predicate), term(t.object)) for t in items]
        return Result("graph", triples=triples, truncated=truncated)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def info(self) -> dict:
        """What the store holds: triples, graphs and their sizes, build version."""
        if self._info is None:
            sizes = {g: sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
                     for g in self.graphs()}
            self._info = {"store": "embedded (pyoxigraph)", "triples": len(self._store),
                          "graphs": sorted(sizes), "graph_sizes": sizes, "version": self.version}
        return dict(self._info)


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


class _Enough(Exception):
    """Raised into pyoxigraph's writer to stop it: the lines wanted are written."""


class _Lines:
    """A binary file for pyoxigraph's writer that ends the writing after ``cap`` lines."""

    def __init__(self, cap: int):
        self.chunks: list[bytes] = []
        self.left = cap

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        self.left -= data.count(b"\n")
        if self.left <= 0:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


def _tsv_rows(answer, limit: int | None) -> tuple[bytes, bool]:
    """The TSV lines of the first ``limit`` solutions, and whether there were more.

    pyoxigraph cannot be told to stop after *n* rows, so its writer is stopped from
    the file it writes to, once the header and ``limit + 1`` rows are in."""
    if limit is None:
        body = answer.serialize(format=ox.QueryResultsFormat.TSV)
        return body[body.index(b"\n") + 1:], False
    sink = _Lines(limit + 2)
    try:
        answer.serialize(sink, format=ox.QueryResultsFormat.TSV)
    except _Enough:
        pass
    lines = b"".join(sink.chunks).split(b"\n")[1:-1]    # the last is cut off or empty
    return b"".join(line + b"\n" for line in lines[:limit]), len(lines) > limit


class _TermCache(dict):
    """:func:`from_ox` once per distinct term of a CONSTRUCT or DESCRIBE answer.

    A large answer repeats its terms: converting each once is faster, and the
    answer then holds one object per term, which pickle writes once on its way
    out of a worker (:mod:`crm_kg.execute`) — a repeated rdflib ``Literal``
    otherwise costs a full parse of its lexical form on every unpickling.
    """

    def __call__(self, term) -> Node | None:
        if term is None:
            return None
        try:
            return self[term]
        except KeyError:
            node = self[term] = from_ox(term)
            return node


def _take(answer, limit: int | None) -> list:
    """The first ``limit + 1`` items of an answer (one more, to tell if it was cut)."""
    if limit is None:
        return list(answer)
    items = []
    for item in answer:
        items.append(item)
        if len(items) > limit:
            break
    return items


class _evaluating:
    """Errors raised while an answer is iterated are evaluation errors of the query."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and isinstance(exc, (OSError, RuntimeError, ValueError)) \
                and not isinstance(exc, StoreError):
            raise QueryEvaluationError(f"the query failed: {exc}") from None
        return False
