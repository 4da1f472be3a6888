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
"""

from __future__ import annotations

from functools import lru_cache

from .binding import tokens


@lru_cache(maxsize=1024)
def lateral_optionals(text: str) -> str:
    """``text`` with every ``OPTIONAL { P }`` that holds no sub-SELECT written as
    ``LATERAL { OPTIONAL { P } }``."""
    toks = list(tokens(text))
    inserts: list[tuple[int, int, str]] = []
    for i, (kind, value, match) in enumerate(toks):
        if kind != "word" or value.upper() != "OPTIONAL" or i + 1 == len(toks) or toks[i + 1][1] != "{":
            continue
        depth, end, sub_select = 0, None, False
        for kind2, value2, match2 in toks[i + 1:]:
            if kind2 == "open" and value2 == "{":
                depth += 1
            elif kind2 == "close" and value2 == "}":
                depth -= 1
                if depth == 0:
                    end = match2.end()
                    break
            elif kind2 == "word" and value2.upper() == "SELECT":
                sub_select = True
        if end is not None and not sub_select:
            inserts += [(match.start(), 1, "LATERAL { "), (end, 0, " }")]
    out, last = [], 0
    for at, _, piece in sorted(inserts):
        out += [text[last:at], piece]
        last = at
    return "".join(out) + text[last:]
