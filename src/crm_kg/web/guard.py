"""Checks on a SPARQL request before any engine sees it (read-only, no fetching).

Both rdflib and pyoxigraph would fetch a ``SERVICE`` IRI, and a ``FROM`` IRI
that is not a graph of the store could make an engine try to load it. The
query is parsed without evaluation (rdflib's SPARQL 1.1 parser) and refused if
it is an update, calls ``SERVICE``, or names a graph the store does not hold.
"""

from __future__ import annotations

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from .. import CrmKgError


class Refused(CrmKgError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _walk(node):
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple, ParseResults)):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)


FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "graph", "DescribeQuery": "graph"}


def check_query(text: str, graphs: set[str]) -> str:
    """The query form (select, ask, graph), or :class:`Refused` unless ``text`` is
    a query that touches only our graphs."""
    try:
        tree = parseQuery(text)
    except ParseException as exc:
        try:
            parseUpdate(text)
        except ParseException:
            raise Refused(f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}") from None
        raise Refused("SPARQL Update is not allowed: this endpoint is read-only", 403) from None
    except Exception as exc:  # rdflib raises a few non-pyparsing errors on odd input
        raise Refused(f"SPARQL syntax error: {exc}") from None
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            raise Refused("SERVICE is not allowed: this endpoint does not query other services")
        if node.name in ("DatasetClause",):
            iri = node.get("default") or node.get("named")
            if iri is not None and str(iri) not in graphs:
                raise Refused(f"FROM <{iri}> is not a graph of this store; graphs are never fetched")
    return FORMS.get(tree[1].name, "select")
