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
    if has_request_context():
        iris = IriMap(state.settings().base_iri, request.script_root)
    else:
        iris = IriMap(BASE)
    return iris.href(iri)


def cell(term: Node | None) -> dict:
    """A template-friendly view of one term."""
    if term is None:
        return {"text": "", "href": None, "kind": "empty"}
    if isinstance(term, URIRef):
        return {"text": str(term), "href": local_href(str(term)), "kind": "iri"}
    if isinstance(term, Literal):
        return {"text": str(term), "href": None, "kind": "literal",
                "lang": term.language, "datatype": str(term.datatype) if term.datatype else None}
    return {"text": str(term), "href": None, "kind": "bnode"}
