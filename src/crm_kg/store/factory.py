"""factory: the store a served app or a command opens, chosen by the settings.

``store = "embedded"`` (default): a :class:`~.pool.WorkerPool` of query workers,
each opening the on-disk store of the built graph of ``ttl_dir`` read-only
(``query_store = "disk"``, :class:`~.disk.DiskLoader`) or parsing it into memory
(``"memory"``, :class:`~.embedded.DirectoryLoader`); ``"auto"``: memory up to
``query_memory_max_triples`` (the manifest's count), disk above — measured side by
side in ``benchmarks/startup.py``: disk starts in well under a second where each
worker parses for seconds per million triples, memory answers large queries faster),
or with ``query_workers = 0`` one in-process :class:`~.embedded.EmbeddedStore`
(no deadline: tests and debugging). ``store = "remote"``: a
:class:`~.remote.RemoteStore` on ``endpoint``. All three have the
:class:`~.interface.Store` interface.

May import: :mod:`crm_kg.errors` and the store modules it chooses between.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreError
from .disk import DiskLoader
from .embedded import DirectoryLoader
from .pool import WorkerPool
from .remote import open_remote
from .snapshot import read_manifest


def open_store(settings):
    """The store a served app uses: a :class:`WorkerPool` over the built graph, or
    (``query_workers = 0``) an in-process :class:`EmbeddedStore` without time limit, or
    (``store = "remote"``) a :class:`~crm_kg.store.remote.RemoteStore` on ``endpoint``."""
    if getattr(settings, "store", "embedded") == "remote":
        return open_remote(settings)
    if getattr(settings, "store", "embedded") != "embedded":
        raise StoreError(f"unknown store {settings.store!r} (embedded or remote)")
    loader = _loader(settings)
    if settings.query_workers <= 0:
        loader.check()
        try:
            return loader()
        finally:
            loader.close()
    return WorkerPool(loader, workers=settings.query_workers, timeout=settings.query_timeout,
                      memory_mb=settings.query_memory_mb, reserved=settings.reserved_workers,
                      start_timeout=settings.query_start_timeout, threads=settings.query_threads,
                      lane_queue=settings.adhoc_queue, shared_nice=settings.adhoc_nice)


def query_store_kind(settings) -> str:
    """``disk`` or ``memory``: what ``query_store`` means for the graph of ``ttl_dir``."""
    kind = getattr(settings, "query_store", "auto")
    if kind not in ("disk", "memory", "auto"):
        raise StoreError(f"unknown query_store {kind!r} (disk, memory or auto)")
    if kind != "auto":
        return kind
    try:
        triples = read_manifest(Path(settings.ttl_dir)).get("triples", 0)
    except StoreError:
        return "memory"                 # no graph: the loader says why
    return "disk" if isinstance(triples, int) and triples > settings.query_memory_max_triples else "memory"


def _loader(settings):
    kind = query_store_kind(settings)
    return (DiskLoader if kind == "disk" else DirectoryLoader)(Path(settings.ttl_dir))
