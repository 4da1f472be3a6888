"""prologue: the common prefixes a query may use without declaring them.

SPARQL 1.1 Query §4.1.1 requires every prefixed name's prefix to be declared
in the query's prologue. An analyst writing ``?m a crm:Material`` should not
have to: :func:`complete_prefixes` adds a ``PREFIX`` declaration for each
prefix of :data:`COMMON` the query *uses* and does not declare itself (a
query's own declaration always wins, even when it binds another namespace).

The added declarations go on the query's first line, in front of it, so every
line number of the query stays the same; only columns on line 1 move, by
``shift`` characters (:func:`crm_kg.sparql.explain.explain` takes them back).
The same table is what the editor predeclares (``web/endpoint.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..iri import PREFIXES
from .binding import tokens

# the prefixes every page of the service uses, and the usual vocabularies beside them
COMMON: dict[str, str] = {
    **PREFIXES,
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


@dataclass(frozen=True)
class Completed:
    text: str                 # what the engine is given
    added: tuple[str, ...]    # the prefixes declared for the query, in order
    shift: int                # characters put in front of line 1


def declared_prefixes(text: str) -> set[str]:
    """The prefixes the query's own ``PREFIX`` declarations name (``""`` for ``PREFIX :``)."""
    found, toks = set(), list(tokens(text))
    for (kind, value, _), nxt in zip(toks, toks[1:]):
        if kind == "word" and value.upper() == "PREFIX" and nxt[0] == "pname":
            found.add(nxt[1].split(":", 1)[0])
    return found


def used_prefixes(text: str) -> list[str]:
    """The prefixes of the query's prefixed names, in order of first use (declarations skipped)."""
    seen: dict[str, None] = {}
    previous = None
    for kind, value, _ in tokens(text):
        if kind == "pname" and not (previous and previous.upper() == "PREFIX"):
            seen.setdefault(value.split(":", 1)[0])
        previous = value if kind == "word" else None
    return list(seen)


def complete_prefixes(text: str, common: dict[str, str] | None = None) -> Completed:
    """``text`` with a declaration for each common prefix it uses but does not declare."""
    common = COMMON if common is None else common
    own = declared_prefixes(text)
    added = tuple(p for p in used_prefixes(text) if p not in own and p in common)
    if not added:
        return Completed(text, (), 0)
    head = "".join(f"PREFIX {p}: <{common[p]}> " for p in added)
    return Completed(head + text, added, len(head))
