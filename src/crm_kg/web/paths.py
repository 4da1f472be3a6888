"""IRIs ↔ local paths for a deployment behind the configured base IRI.

Things are ``{base}id/{kind}/{slug…}`` and named graphs ``{base}graph/{name}``
(README, "IRIs and graphs"); ``base`` is ``settings.base_iri``. A server
that w3id.org (or any proxy) forwards to answers the same paths, so a link to
one of our IRIs is the IRI's path on this server (under the WSGI script root
when the app is mounted below ``/``). Ontology terms (``…/ontology#Term``,
fixed namespace) link to their place in the ontology documentation,
``/ontology#Term``. Other http(s) IRIs are linked as they are; anything else
(``javascript:``, ``data:``, ``urn:``…) is never made a link.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..iri import CRM, PREFIXES

ONTOLOGY_NS = str(CRM)


@dataclass(frozen=True)
class IriMap:
    base: str
    script_root: str = ""

    def __post_init__(self):
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    # -- IRI → path ----------------------------------------------------------

    def path(self, iri: str) -> str | None:
        """The local path (no script root) of one of our IRIs, or None."""
        if iri.startswith(ONTOLOGY_NS):
            return "/ontology#" + iri[len(ONTOLOGY_NS):]
        if iri == ONTOLOGY_NS[:-1]:
            return "/ontology"
        if iri.startswith(self.base):
            return "/" + iri[len(self.base):]
        return None

    def href(self, iri: str) -> str | None:
        """A link for an IRI: ours on this server, other http(s) IRIs as they are."""
        local = self.path(iri)
        if local is not None:
            return self.script_root + local
        if iri.startswith(("http://", "https://")):
            return iri
        return None

    def is_ours(self, iri: str) -> bool:
        return iri.startswith(self.base) and not iri.startswith(ONTOLOGY_NS)

    # -- path → IRI ------------------------------------------------------------

    def iri(self, path: str) -> str:
        """The IRI a local path (``/id/material/gallium``) stands for."""
        return self.base + path.lstrip("/")

    @property
    def prefixes(self) -> dict[str, str]:
        """The project's prefixes with ``id:`` and ``graph:`` under this base."""
        out = dict(PREFIXES)
        out["id"] = self.base + "id/"
        out["graph"] = self.base + "graph/"
        return out

    def curie(self, iri: str) -> str:
        """``crm:Company`` for a term of a known namespace, else the IRI."""
        best = None
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
                best = (prefix, ns)
        if best is None:
            return iri
        local = iri[len(best[1]):]
        return f"{best[0]}:{local}" if local and "#" not in local else iri


def is_iri(text: str) -> bool:
    """``text`` is an absolute IRI (RFC 3987) a store accepts: no space, ``<>"{}|\\^```,
    control character or broken ``%`` escape (``/id/material/a%20b`` stands for none)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True
