"""binding: how a query's parameters are bound, the same way on every engine.

A saved query or page block names its parameters ``$name``. Their values are
bound by an inline-data block, ``VALUES (?a ?b) { (term term) }`` (SPARQL 1.1
Query §10.2, §18.2.4.1), written with each term in N-Triples syntax by
pyoxigraph's serializer — so IRIs and literals are escaped by the one writer
the project trusts, and a value can never become syntax. The block goes first
in the query's outermost ``WHERE`` group, and first in the ``WHERE`` group of
every sub-``SELECT`` that names the parameter.

Why a ``VALUES`` block rather than the engine's own substitution (pyoxigraph's
``substitutions``, SEP-0007):

* **One text on every store.** Over the SPARQL protocol there is no
  substitution; the remote store (:mod:`crm_kg.store.remote`) has always sent this
  block. The embedded store now runs the very same text, so the two stores
  answer the same query, and the SPARQL editor is shown exactly what ran.
* **Sub-queries.** Substitution stops at a sub-``SELECT`` (it is its own
  scope), so a query could not narrow a grouped sub-query to the value asked
  for before joining it — the shape that makes pyoxigraph's plans fast (issue
  10). A ``VALUES`` block in the sub-query does that on every engine.
* **Speed.** Measured on the 31 saved queries at 1M triples, the block is as
  fast as substitution or faster (pyoxigraph puts a one-row ``VALUES`` first
  in its join order).

What a block first in a group means (§18.2.2.6): it is joined before
anything else in the group, so every ``BIND``, ``FILTER``, triple pattern,
``OPTIONAL``, ``UNION`` branch and ``EXISTS`` of the group sees the parameter
bound to its one value. A parameter left unbound (an optional one the form
left at "any") stays a free variable.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox
from rdflib.term import Node

from ..errors import StoreError
from .terms import to_ox

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_LEX = re.compile(r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*\"\"\"
              |'(?:[^'\\\r\n]|\\[^\r\n])*'|"(?:[^"\\\r\n]|\\[^\r\n])*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z_0-9][A-Za-z0-9_]*)
  | (?P<pname>(?:[A-Za-z][\w.\-]*)?:[\w:%.\-]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<open>[{(])
  | (?P<close>[})])
  | (?P<other>[\s\S])
""", re.VERBOSE)


class BindingError(StoreError):
    """The parameters cannot be bound in this query (no WHERE group, or a value that cannot
    be written as a term)."""


def tokens(text: str):
    """(kind, value, match) of the query's tokens, comments and blanks left out."""
    for match in _LEX.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "comment" or (kind == "other" and value.isspace()):
            continue
        yield kind, value, match


def keywords(text: str):
    """The bare words of the query, upper-cased, in order (strings, IRIs and names skipped)."""
    return (value.upper() for kind, value, _ in tokens(text) if kind == "word")


@lru_cache(maxsize=1024)
def groups(text: str) -> tuple[tuple[int, frozenset[str]], ...]:
    """Where parameters are bound: (offset just inside the ``{``, variables named there).

    First the query's outermost ``WHERE`` group (its names are left empty: that group takes
    every binding), then
    the ``WHERE`` group of each sub-``SELECT`` with the variables named from its
    ``SELECT`` to the end of the group around it. A ``WHERE`` group is the first
    ``{`` outside parentheses after the query form (for CONSTRUCT, the first
    after the template). Raises :class:`BindingError` when the query has none
    (``DESCRIBE <x>``, or the ``CONSTRUCT WHERE { }`` short form, whose pattern
    must stay a plain template).
    """
    form, outer, depth, parens = None, None, 0, 0
    template = False                 # inside CONSTRUCT's template
    found: list[tuple[int, set[str]]] = []
    subs: list[dict] = []            # open sub-SELECTs, innermost last
    for kind, value, match in tokens(text):
        upper = value.upper() if kind == "word" else ""
        if form is None:
            if upper in FORMS:
                form = upper
            continue
        if kind == "var":
            for sub in subs:
                sub["names"].add(value[1:])
        elif upper == "WHERE" and form == "CONSTRUCT" and not template:
            raise BindingError("cannot bind parameters of a CONSTRUCT WHERE { } short form")
        elif upper == "SELECT" and outer is not None:
            subs.append({"depth": depth, "parens": parens, "at": None, "names": set()})
        elif value == "(":
            parens += 1
        elif value == ")":
            parens = max(0, parens - 1)
        elif value == "{":
            if outer is None and depth == 0 and parens == 0:
                if form == "CONSTRUCT" and not template:
                    template = True     # CONSTRUCT { template } WHERE { … }: skip the template
                else:
                    outer = match.end()
            elif subs and subs[-1]["at"] is None and parens == subs[-1]["parens"]:
                subs[-1]["at"] = match.end()
            depth += 1
        elif value == "}":
            depth = max(0, depth - 1)
            while subs and depth < subs[-1]["depth"]:
                sub = subs.pop()
                if sub["at"] is not None:
                    found.append((sub["at"], sub["names"]))
    if outer is None:
        raise BindingError("the query has no WHERE group to bind parameters in")
    return ((outer, frozenset()),
            *((at, frozenset(names)) for at, names in sorted(found)))


def values_block(bindings: dict[str, Node | tuple[Node, ...]]) -> str:
    """``VALUES (?a ?b) { (term term) }`` with each term in N-Triples syntax (pyoxigraph).

    A value may be a tuple of terms (a run of keys, :mod:`.keyset`): one row per term, the
    other variables' values repeated in each.
    """
    names, columns = [], []
    for name, term in sorted(bindings.items()):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise BindingError(f"cannot bind a variable named {name!r}")
        column = []
        for one in term if isinstance(term, tuple) else (term,):
            value = to_ox(one)
            if isinstance(value, ox.BlankNode):
                raise BindingError(f"cannot bind ?{name} to a blank node (it would be a new one)")
            column.append(str(value))
        names.append("?" + name)
        columns.append(column)
    rows = max((len(c) for c in columns), default=1)
    if any(not c for c in columns) or sum(len(c) > 1 for c in columns) > 1:
        raise BindingError("one variable at most takes several values, and none takes no value")
    lines = " ".join("(" + " ".join(c[i] if len(c) > 1 else c[0] for c in columns) + ")" for i in range(rows))
    return f"VALUES ({' '.join(names)}) {{ {lines} }}"


def bind(text: str, bindings: dict[str, Node] | None) -> str:
    """The query with its parameters bound: a VALUES block of all of them first in the outer
    WHERE group, and of those it names first in each sub-SELECT's WHERE group."""
    if not bindings:
        return text
    out, last = [], 0
    for i, (at, names) in enumerate(groups(text)):
        chosen = bindings if i == 0 else {k: v for k, v in bindings.items() if k in names}
        if not chosen:
            continue
        out += [text[last:at], " ", values_block(chosen), "\n"]
        last = at
    # the outer group comes first in the text, the sub-SELECTs after it, in order
    return "".join(out) + text[last:]
