"""hints: how the embedded engine is told to evaluate an ``OPTIONAL`` row by row.

pyoxigraph 0.5 evaluates the pattern of an ``OPTIONAL { … }`` on its own, over
the whole graph, and then joins it with the solutions so far (a hash left
join). For the labels, sources and places our saved queries fetch for a few
rows, that is most of their time at 1M triples (issue 10). Its ``LATERAL``
(SPARQL 1.2 proposal SEP-0006, which pyoxigraph implements) evaluates the
pattern once per solution with that solution's values in place.
:func:`lateral_optionals` therefore writes each ``OPTIONAL { P }`` of a saved
query or page block as ``LATERAL { OPTIONAL { P } }`` before the embedded store
runs it.

For each solution μ of the group so far, ``{ } OPTIONAL { P }`` with μ's values
put in gives P's matches compatible with μ, or μ alone — what
``μ OPTIONAL { P }`` gives. It can differ where P holds a scope of its own that
reuses a name of μ: a sub-``SELECT`` (such an ``OPTIONAL`` is left as it is) or a
nested group whose ``FILTER`` names a variable that group does not bind. The
test suite runs every saved query and page block both ways and compares the
answers (``tests/test_hints.py``). The remote store is sent the text as written.

:func:`lateral_graphs` does the same for a ``GRAPH ?g { P }`` whose ``?g`` a
``BIND(… AS ?g)`` earlier in the same group computes (the graph of a report
from the report's IRI): pyoxigraph evaluates P in *every* named graph and then
joins on ``?g``, so the cost grows with the whole store, not with one report
(organisation-counts-by-activity at 1M triples: 28 ms, 0.6 ms with
``LATERAL { GRAPH ?g { P } }``, which evaluates P in the graph the row names).
For every row ``?g`` is bound (or, when the BIND failed, unbound: then LATERAL
sees every graph, as the join did), so the answers are the same.

:func:`lateral_unions` does it for a ``UNION`` that opens its group: pyoxigraph
evaluates each branch over the whole store and joins the union with the
parameters' ``VALUES`` row (:mod:`.binding`) afterwards, so a page's
statement-sources query read every statement of the graph for one subject
(320 ms; 1 ms as ``LATERAL { {A} UNION {B} }``, which runs the branches with the
row's values in place). Unions that hold a sub-``SELECT`` are left as written.
"""

from __future__ import annotations

from functools import lru_cache

from .binding import tokens


def hinted(text: str) -> str:
    """A saved query or page block as the embedded store runs it: both hints applied."""
    return lateral_unions(lateral_graphs(lateral_optionals(text)))


@lru_cache(maxsize=1024)
def lateral_graphs(text: str) -> str:
    """``text`` with every ``GRAPH ?g { P }`` whose ``?g`` is bound by a ``BIND(… AS ?g)``
    earlier in the same group written as ``LATERAL { GRAPH ?g { P } }``."""
    toks = list(tokens(text))
    inserts: list[tuple[int, int, str]] = []
    depth, bound = 0, {}          # variable -> brace depth of the group whose BIND made it
    parens = 0
    for i, (kind, value, match) in enumerate(toks):
        if kind == "open" and value == "{":
            depth += 1
        elif kind == "close" and value == "}":
            bound = {v: d for v, d in bound.items() if d < depth}     # that group ends
            depth -= 1
        elif kind == "open":
            parens += 1
        elif kind == "close":
            parens -= 1
        elif kind == "word" and value.upper() == "AS" and parens == 1 and i + 1 < len(toks) \
                and toks[i + 1][0] == "var" and _in_bind(toks, i):
            bound[toks[i + 1][1][1:]] = depth
        elif kind == "word" and value.upper() == "GRAPH" and i + 2 < len(toks) \
                and toks[i + 1][0] == "var" and toks[i + 2][1] == "{" \
                and bound.get(toks[i + 1][1][1:]) == depth:
            end = _group_end(toks, i + 2)
            if end is not None:
                inserts += [(match.start(), 1, "LATERAL { "), (end, 0, " }")]
    return _apply(text, inserts)


def _in_bind(toks: list, at: int) -> bool:
    """Whether the ``AS`` at ``at`` closes a ``BIND(``: the nearest unclosed ``(`` follows BIND."""
    depth = 0
    for j in range(at - 1, -1, -1):
        kind, value, _ = toks[j]
        if kind == "close" and value == ")":
            depth += 1
        elif kind == "open" and value == "(":
            if depth == 0:
                return j > 0 and toks[j - 1][0] == "word" and toks[j - 1][1].upper() == "BIND"
            depth -= 1
    return False


def _group_end(toks: list, start: int) -> int | None:
    """The text offset just after the ``}`` that closes the ``{`` at token ``start``."""
    close = _close_index(toks, start)
    return None if close is None else toks[close][2].end()


def _holds_select(toks: list, start: int, close: int) -> bool:
    return any(kind == "word" and value.upper() == "SELECT" for kind, value, _ in toks[start:close])


def _apply(text: str, inserts: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for at, _, piece in sorted(inserts):
        out += [text[last:at], piece]
        last = at
    return "".join(out) + text[last:]


@lru_cache(maxsize=1024)
def lateral_optionals(text: str) -> str:
    """``text`` with every ``OPTIONAL { P }`` that holds no sub-SELECT written as
    ``LATERAL { OPTIONAL { P } }``."""
    toks = list(tokens(text))
    inserts: list[tuple[int, int, str]] = []
    for i, (kind, value, match) in enumerate(toks):
        if kind != "word" or value.upper() != "OPTIONAL" or i + 1 == len(toks) or toks[i + 1][1] != "{":
            continue
        close = _close_index(toks, i + 1)
        if close is not None and not _holds_select(toks, i + 1, close):
            inserts += [(match.start(), 1, "LATERAL { "), (toks[close][2].end(), 0, " }")]
    return _apply(text, inserts)


@lru_cache(maxsize=1024)
def lateral_unions(text: str) -> str:
    """``text`` with every chain ``{ A } UNION { B } …`` that is the first element of its
    group, and holds no sub-SELECT, written as ``LATERAL { { A } UNION { B } … }``."""
    toks = list(tokens(text))
    inserts: list[tuple[int, int, str]] = []
    for i in range(len(toks) - 1):
        if toks[i][1] != "{" or toks[i + 1][1] != "{":
            continue
        start, branches, close = i + 1, 0, None
        while True:                               # { A } UNION { B } UNION …: to the last branch
            end = _close_index(toks, start)
            if end is None:
                break
            branches, close = branches + 1, end
            if not (end + 2 < len(toks) and toks[end + 1][0] == "word" and toks[end + 1][1].upper() == "UNION"
                    and toks[end + 2][1] == "{"):
                break
            start = end + 2
        if branches > 1 and not _holds_select(toks, i + 1, close):
            inserts += [(toks[i + 1][2].start(), 1, "LATERAL { "), (toks[close][2].end(), 0, " }")]
    return _apply(text, inserts)


def _close_index(toks: list, start: int) -> int | None:
    """The index of the ``}`` token that closes the ``{`` token at ``start``."""
    depth = 0
    for j in range(start, len(toks)):
        kind, value, _ = toks[j]
        if kind == "open" and value == "{":
            depth += 1
        elif kind == "close" and value == "}":
            depth -= 1
            if depth == 0:
                return j
    return None
