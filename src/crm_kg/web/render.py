"""Turning query results into tables, links and downloads (shared by pages)."""

from __future__ import annotations

from flask import has_request_context, request
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..iri import BASE
from . import state
from .paths import IriMap


def local_href(iri: str) -> str | None:
    """A link for an IRI: our own IRIs on this server (under the configured base
    IRI), other http(s) IRIs as they are; never javascript:, data: and friends."""
    return iri_map().href(iri)


def iri_map() -> IriMap:
    """The IRI map of the current request (our IRIs on this server), or of the default base."""
    if has_request_context():
        return IriMap(state.settings().base_iri, request.script_root)
    return IriMap(BASE)


def cell(term: Node | None, iris: IriMap | None = None) -> dict:
    """A template-friendly view of one term (``iris``: the request's :func:`iri_map`, made
    once for a whole table)."""
    if term is None:
        return {"text": "", "href": None, "kind": "empty"}
    if isinstance(term, URIRef):
        href = local_href(str(term)) if iris is None else iris.href(str(term))
        return {"text": str(term), "href": href, "kind": "iri"}
    if isinstance(term, Literal):
        return {"text": str(term), "href": None, "kind": "literal",
                "lang": term.language, "datatype": str(term.datatype) if term.datatype else None}
    return {"text": str(term), "href": None, "kind": "bnode"}
