"""interface: what the web layer and the CLI need from a store, and the dataset a request names.

Three implementations have it — :class:`~.embedded.EmbeddedStore` (in
process), :class:`~.pool.WorkerPool` (worker processes under a deadline) and
:class:`~.remote.RemoteStore` (any SPARQL 1.1 endpoint) — and
:class:`~.serving.LiveStore` wraps any of them so a reload can swap it.

May import: :mod:`crm_kg.sparql.results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rdflib.term import Node

from ..sparql.results import Result, Serialized


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a request names (Protocol §2.1.4): graph IRIs of the store.

    An empty ``default`` is an empty default graph; an empty ``named`` means no
    named graphs — the protocol's dataset replaces the store's, it is not merged.
    """

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()



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
