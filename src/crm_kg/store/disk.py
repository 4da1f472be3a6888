"""disk: the built graph as an on-disk pyoxigraph store, built once per version, read by every worker.

Parsing the N-Quads into an in-memory store costs each query worker its own
copy of the graph (about 330 bytes a triple) and, at 10M triples, about a
minute of parsing per worker (README, Benchmarks). Instead the graph is bulk
loaded once into pyoxigraph's on-disk store (RocksDB) and every worker opens
it with ``Store.read_only`` — in milliseconds, sharing the operating system's
page cache instead of holding a copy each (``benchmarks/startup.py`` measures
both designs side by side).

The snapshot guarantees hold (:mod:`.snapshot`): the store of a graph lives in
``<ttl_dir>/../.<ttl_dir name>.store/<sha256 of crm-kg.nq>/``, built from the
pinned, checked N-Quads of a snapshot; its triples, in total and per named
graph, are checked against the manifest before it is renamed into place, with
a stamp (``crm-kg-store.json``) that records what was checked. A worker opens
only a directory whose stamp names the snapshot's own digest, so it serves
exactly the graph the pool checked, whatever a later build swapped into
``ttl_dir``; a reload is a new pool over the new version's directory
(:mod:`.serving`). Building takes a lock (``.lock``): two web processes
starting at once build it once. The newest :data:`KEEP` versions are kept
(a reload holds two).

RocksDB read-only instances (rocksdb wiki, "Read-only and Secondary
instances") never write into the directory; pyoxigraph: opening one while
another process writes it is undefined, so a directory is never written
after its rename.

May import: :mod:`crm_kg.errors`, :mod:`.snapshot`, :mod:`.embedded`.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import multiprocessing
import os
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

from ..errors import GraphError, StoreError
from .embedded import EmbeddedStore
from .snapshot import DATASET_FILE, MANIFEST, check_counts, fsync_dir, open_snapshot

log = logging.getLogger(__name__)

STAMP = "crm-kg-store.json"
KEEP = 3


def store_root(ttl_dir: Path) -> Path:
    """Where the on-disk stores of ``ttl_dir`` live (``data/.ttl.store`` for ``data/ttl``)."""
    ttl_dir = Path(ttl_dir).resolve()
    return ttl_dir.parent / f".{ttl_dir.name}.store"


def _digest(manifest: dict) -> str:
    return manifest["files"][DATASET_FILE]["sha256"]


def read_stamp(path: Path, manifest: dict) -> dict | None:
    """The stamp of the store at ``path`` if it was built and checked from this manifest's graph."""
    try:
        stamp = json.loads((Path(path) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("sha256") != _digest(manifest) \
            or stamp.get("triples") != manifest["triples"]:
        return None
    return stamp


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Triples per named graph, counted by the engine."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {s["g"].value: int(s["n"].value) for s in store.query(query)}


def prepare(snapshot) -> Path:
    """The on-disk store of ``snapshot``'s graph, built (and checked) if it is not there yet.

    Raises :class:`~crm_kg.errors.GraphError` when the loaded triples differ from the
    manifest's counts, :class:`~crm_kg.errors.StoreError` when the store cannot be written."""
    root = store_root(snapshot.directory)
    final = root / _digest(snapshot.manifest)
    if read_stamp(final, snapshot.manifest):
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot write the on-disk store beside {snapshot.directory}: {exc}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)          # another process may be building it
        if read_stamp(final, snapshot.manifest):
            return final
        _build_in_child(snapshot, root, final)
        _prune(root, keep=final)
        return final
    finally:
        os.close(lock)


def _build_in_child(snapshot, root: Path, final: Path) -> None:
    """:func:`_build` in a process of its own: the bulk loader's buffers (gigabytes at 10M
    triples) are freed with it instead of staying in the web process's heap."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, snapshot, root, final), name="crm-kg-store-build")
    process.start()
    child.close()
    try:
        outcome = parent.recv()
    except EOFError:
        outcome = ("StoreError", f"building the on-disk store {final} failed (exit code "
                                 f"{process.join() or process.exitcode})")
    finally:
        process.join()
        parent.close()
    if outcome is not None:
        raise (GraphError if outcome[0] == "GraphError" else StoreError)(outcome[1])


def _child(conn, snapshot, root: Path, final: Path) -> None:
    try:
        _build(snapshot, root, final)
        conn.send(None)
    except (GraphError, StoreError) as exc:
        conn.send((type(exc).__name__, str(exc)))
    finally:
        snapshot.close()
        conn.close()


def _build(snapshot, root: Path, final: Path) -> None:
    start = time.monotonic()
    tmp = root / f".building-{final.name[:16]}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    if final.exists():                         # no stamp: a build cut short before its rename
        shutil.rmtree(final)
    try:
        store = ox.Store(str(tmp))
        try:
            store.bulk_load(path=snapshot.dataset_path(), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{Path(snapshot.directory) / DATASET_FILE}: cannot load ({exc})") from None
        loaded = time.monotonic()
        store.optimize()
        optimized = time.monotonic()
        sizes, total = graph_sizes(store), len(store)
        check_counts(snapshot.directory, snapshot.manifest, total, sizes)
        counted = time.monotonic()
        store.flush()
        del store
        gc.collect()                           # closes the primary instance before the rename
        stamp = {"sha256": _digest(snapshot.manifest), "triples": total, "graph_sizes": sizes,
                 "seconds": {"bulk_load": round(loaded - start, 1), "optimize": round(optimized - loaded, 1),
                             "count": round(counted - optimized, 1)}}
        with open(tmp / STAMP, "w", encoding="utf-8") as fh:
            json.dump(stamp, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        for name in os.listdir(tmp):
            if not name.endswith(".json"):
                _fsync(tmp / name)
        fsync_dir(tmp)
        os.rename(tmp, final)
        fsync_dir(root)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(f"cannot write the on-disk store {final}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.warning("on-disk store of %s built in %.1f s (%s)", snapshot.directory, time.monotonic() - start, final)


def _fsync(path: Path) -> None:
    if path.is_file():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _prune(root: Path, keep: Path) -> None:
    """Remove all but the newest :data:`KEEP` stores (``keep`` always stays)."""
    stores = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in stores if p != keep][KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def open_read_only(path: Path, manifest: dict) -> tuple[ox.Store, dict]:
    """The store at ``path`` opened read-only and its stamp, refused if it is not this graph's."""
    stamp = read_stamp(path, manifest)
    if stamp is None:
        raise GraphError(f"{path}: not the checked on-disk store of this graph (no matching {STAMP}); "
                         f"it is rebuilt from {DATASET_FILE} and {MANIFEST} at the next start")
    try:
        return ox.Store.read_only(str(path)), stamp
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the on-disk store ({exc})") from None


class DiskLoader:
    """Opens the built graph of ``ttl_dir`` read-only from its on-disk store (a query worker's loader).

    :meth:`check` (run by the pool in the web process, before any worker starts)
    checks the directory against its manifest, pins its N-Quads and builds the
    on-disk store of that version if there is none yet; each worker the pool
    ever starts then opens that same directory (:func:`open_read_only`).
    """

    def __init__(self, ttl_dir: Path, snapshot=None):
        self.ttl_dir = Path(ttl_dir)
        self.snapshot = snapshot
        self.path: Path | None = None

    def __repr__(self) -> str:
        return f"DiskLoader({str(self.ttl_dir)!r})"

    def check(self) -> None:
        if self.snapshot is None:
            self.snapshot = open_snapshot(self.ttl_dir)
        if self.path is None:
            self.path = prepare(self.snapshot)

    def __call__(self) -> EmbeddedStore:
        self.check()
        store, stamp = open_read_only(self.path, self.snapshot.manifest)
        info = {"store": "embedded (pyoxigraph, on disk, read-only)", "triples": stamp["triples"],
                "graphs": sorted(stamp["graph_sizes"]), "graph_sizes": stamp["graph_sizes"]}
        return EmbeddedStore(store, self.snapshot.manifest, info=info)

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.close()
