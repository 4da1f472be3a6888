"""factory: the store a served app or a command opens, chosen by the settings.

``store = "embedded"`` (default): a :class:`~.pool.WorkerPool` of query workers,
each loading the built graph of ``ttl_dir`` (:class:`~.embedded.DirectoryLoader`),
or with ``query_workers = 0`` one in-process :class:`~.embedded.EmbeddedStore`
(no deadline: tests and debugging). ``store = "remote"``: a
:class:`~.remote.RemoteStore` on ``endpoint``. All three have the
:class:`~.interface.Store` interface.

May import: :mod:`crm_kg.errors` and the store modules it chooses between.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreError
from .embedded import DirectoryLoader
from .pool import WorkerPool
from .remote import open_remote


def open_store(settings):
    """The store a served app uses: a :class:`WorkerPool` over the built graph, or
    (``query_workers = 0``) an in-process :class:`EmbeddedStore` without time limit, or
    (``store = "remote"``) a :class:`~crm_kg.store.remote.RemoteStore` on ``endpoint``."""
    if getattr(settings, "store", "embedded") == "remote":
        return open_remote(settings)
    if getattr(settings, "store", "embedded") != "embedded":
        raise StoreError(f"unknown store {settings.store!r} (embedded or remote)")
    loader = DirectoryLoader(Path(settings.ttl_dir))
    if settings.query_workers <= 0:
        loader.check()
        try:
            return loader()
        finally:
            loader.close()
    return WorkerPool(loader, workers=settings.query_workers, timeout=settings.query_timeout,
                      memory_mb=settings.query_memory_mb, reserved=settings.reserved_workers,
                      start_timeout=settings.query_start_timeout, threads=settings.query_threads)
