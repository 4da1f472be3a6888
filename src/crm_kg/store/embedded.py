"""embedded: the built graph in an in-process pyoxigraph store.

:class:`EmbeddedStore` (default) holds the graph in pyoxigraph — fast and
with nothing to start (the README says why not rdflib's engine). A remote
SPARQL 1.1 store (:mod:`.remote`) implements the same
:class:`~.interface.Store` interface. The default graph of every query is the
union of all named graphs, as on Virtuoso, so the same query text runs on both.

Parameter values are bound as RDF terms in a ``VALUES`` block
(:mod:`crm_kg.sparql.binding`), the same text on every store — never pasted
into query text as strings.

The dataset of a query (SPARQL 1.1 Query §13, Protocol §2.1.4): the
protocol's ``default-graph-uri`` / ``named-graph-uri`` (a
:class:`~.interface.Dataset`) win; else the query's own ``FROM`` /
``FROM NAMED``; else the union default graph. Graphs are names of graphs in
the store and are never fetched.

An in-process store has no time limit: :mod:`.pool` runs the same interface
in worker processes under a deadline; :class:`DirectoryLoader` is how each
of them loads the graph.

May import: :mod:`crm_kg.errors`, :mod:`crm_kg.media`, :mod:`crm_kg.sparql`,
:mod:`.interface`, :mod:`.snapshot`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from ..errors import NotSerializable, QueryEvaluationError, QuerySyntaxError, StoreError
from ..media import oxigraph_format
from ..sparql.binding import bind
from ..sparql.hints import hinted
from ..sparql.results import PackedRows, Result, Serialized, unpack, write_boolean
from ..sparql.results import write as write_results
from ..sparql.scan import scan
from ..sparql.terms import dataset_quads, from_ox
from .interface import Dataset
from .snapshot import DATASET_FILE, check_counts, open_snapshot


class EmbeddedStore:
    """The built dataset in an in-memory pyoxigraph store."""

    def __init__(self, store: ox.Store, manifest: dict | None = None, info: dict | None = None):
        self._store = store
        self.manifest = manifest or {}
        # the store is read-only once loaded; an on-disk store brings the counts checked when
        # it was built (:mod:`.disk`): counting 10M triples per graph takes seconds
        self._info: dict | None = {**info, "version": self.version} if info else None

    @classmethod
    def from_directory(cls, ttl_dir: Path) -> "EmbeddedStore":
        """The built graph of ``ttl_dir``, refused (:class:`~crm_kg.errors.GraphError`) if it
        does not match its manifest: a file missing or changed, or other triple counts."""
        snapshot = open_snapshot(ttl_dir)
        try:
            return cls.from_snapshot(snapshot)
        finally:
            snapshot.close()

    @classmethod
    def from_snapshot(cls, snapshot) -> "EmbeddedStore":
        """Load the pinned N-Quads of a :class:`~.snapshot.Snapshot` and check the counts.

        ``Store.load``, not ``bulk_load``: the bulk loader parses on a second thread into
        buffers of its own, so a worker peaked at 570 MiB to hold 330 MiB at 1M triples
        (3.7 GiB for 3.1 at 10M); ``load`` peaks at 360 MiB and is no slower."""
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
        store.extend(dataset_quads(dataset))
        return cls(store)

    @property
    def version(self) -> str:
        """An identifier of the loaded build (for ETags and caches)."""
        files = self.manifest.get("files", {})
        return files.get(DATASET_FILE, {}).get("sha256", "unbuilt")[:16]

    def __len__(self) -> int:
        return self._info["triples"] if self._info else len(self._store)

    def serialize(self, sparql: str, media_type: str, bindings: dict[str, Node] | None = None,
                  limit: int | None = None, dataset: Dataset | None = None) -> Serialized:
        """The answer written in ``media_type`` (a key of results or RDF type of
        :data:`crm_kg.media.TABLE`), at most ``limit`` solutions or triples.

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
        fmt = oxigraph_format(media_type, "rdf" if kind == "graph" else "results")
        if fmt is None:
            raise NotSerializable(f"a {kind.upper() if kind != 'graph' else 'CONSTRUCT/DESCRIBE'} "
                                  f"answer cannot be written as {media_type}", kind)
        with _evaluating():
            if kind == "ask":        # one writer of booleans for every store and surface
                return Serialized(write_boolean(media_type, bool(answer)), media_type, kind)
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
        if bindings is not None:     # a saved query or page block: OPTIONALs and report graphs row by row (hints)
            text, own_dataset = prepared(sparql)
            sparql = bind(text, bindings)
        else:
            own_dataset = scan(sparql).has_dataset
        options: dict = {}
        if dataset is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
        elif not own_dataset:
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
        query worker (:mod:`.pool`) sends over its pipe."""
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


@lru_cache(maxsize=1024)
def prepared(text: str) -> tuple[str, bool]:
    """A saved query or page block as the embedded store runs it (:func:`hinted`), and whether
    it names its own dataset (``FROM``), worked out once per text rather than per request: the
    scan of the text cost a query worker more CPU than the query it ran (issue 26). Binding
    adds only a ``VALUES`` block of terms (:mod:`crm_kg.sparql.binding`), which can name no
    graph, so the bound text has a dataset exactly when this one does."""
    text = hinted(text)
    return text, scan(text).has_dataset


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
    out of a worker (:mod:`.pool`) — a repeated rdflib ``Literal``
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


class DirectoryLoader:
    """Loads the built dataset of ``ttl_dir`` (``crm-kg.nq``) into an embedded store.

    :meth:`check` (run by the pool in the web process) checks the directory
    against its manifest and pins its N-Quads (:mod:`.snapshot`); every
    worker the pool ever starts then loads those same bytes, whatever a later
    build swaps into ``ttl_dir`` — a new graph is served only by a reload.
    """

    def __init__(self, ttl_dir: Path, snapshot=None):
        self.ttl_dir = Path(ttl_dir)
        self.snapshot = snapshot

    def __repr__(self) -> str:
        return f"DirectoryLoader({str(self.ttl_dir)!r})"

    def check(self) -> None:
        """Fail early, in the caller's process, with the snapshot's own message."""
        if self.snapshot is None:
            self.snapshot = open_snapshot(self.ttl_dir)

    def __call__(self) -> EmbeddedStore:
        if self.snapshot is None:
            return EmbeddedStore.from_directory(self.ttl_dir)
        return EmbeddedStore.from_snapshot(self.snapshot)

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.close()
