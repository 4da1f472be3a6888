"""keyset: the answer of a saved query that grows with the store, computed a page at a time.

Some answers grow with the store: every passage of every report that names a
material, every organisation that works on one. At ten million triples such an
answer has tens of thousands of rows and takes tens of seconds, however it is
planned, so computing it whole and slicing a page from it cannot be fast.
Such a query declares the key its answer is ordered by, and a query that
lists the keys in that order (it may use the query's parameters)::

    #+ pages:
    #+   by: report
    #+   keys: SELECT ?report WHERE { ?report a crm:Report } ORDER BY ?report

and is written so that a bound key narrows it (the report's own graph, not
every graph; the trade measures of one page, not all). Its answer is then the
answers for one run of keys after another, in key order (keyset pagination):
a page is computed from the first keys not yet evaluated until it is full,
and the keys evaluated so far are kept with their rows
(:class:`KeyedAnswer`), so the next page goes on from there. The key is bound
like a parameter, by a ``VALUES`` block of the run's keys (:mod:`.binding`),
so every store evaluates the same text; a run's rows are put in key order
(the query's own order within a key). Concatenated, the pages are the query's
whole answer in the same order when its ``ORDER BY`` agrees with the keys' —
the tests compare them with the answer of the query run unbound.

What a caller learns: the rows of the page, and whether more follow. The
total is known only once every key has been evaluated (``complete``).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Callable

from rdflib.term import Node

from .results import Result

PAGE = 100             # rows of a page unless the caller asks otherwise (the API's default)
FIRST_RUN = 2          # keys evaluated for the first page
MAX_RUN = 512          # keys in one query at most (the VALUES block's rows)


@dataclass
class KeyedAnswer:
    """The rows of the keys evaluated so far, for one query, bindings and graph version.

    ``run(text, bindings, limit)`` is the store's ``query``. :meth:`extend` is
    safe to call from several threads: one extends at a time. No more than
    ``cap + 1`` rows are ever kept: the answer is cut at ``cap`` as a whole
    answer is (``max_result_rows``).
    """

    text: str
    by: str
    bindings: dict[str, Node]
    keys_text: str
    keys: list[Node] | None = None      # listed at the first page
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    done: int = 0                       # keys evaluated
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def complete(self) -> bool:
        return self.keys is not None and self.done >= len(self.keys)

    def extend(self, run: Callable[..., Result], wanted: int, cap: int) -> None:
        """Evaluate further keys until ``wanted`` rows are known or no key is left.

        A run's size follows the rows per key seen so far (at least twice the
        last run while short, at most :data:`MAX_RUN`), so a rare value does
        not cost a query per key.
        """
        with self._lock:
            if self.keys is None:
                self.keys = keys(run, self.keys_text, self.by, self.bindings)
            size = 0
            while len(self.rows) < min(wanted, cap + 1) and not self.complete:
                needed = wanted - len(self.rows)
                if self.done == 0:
                    size = FIRST_RUN
                else:
                    rate = len(self.rows) / self.done
                    guess = math.ceil(needed / rate) if rate else MAX_RUN
                    size = min(MAX_RUN, max(guess, 2 * size, 1))
                chosen = self.keys[self.done:self.done + size]
                # a run cut at its limit leaves more than cap rows: no page past them is served
                result = run(self.text, {**self.bindings, self.by: tuple(chosen)}, cap + 1 - len(self.rows))
                self.variables = self.variables or list(result.variables)
                position = {key: i for i, key in enumerate(chosen)}
                # rows in key order; the query's own order within a key (sorted() is stable)
                self.rows.extend(sorted(result.rows, key=lambda row: position.get(row.get(self.by), -1)))
                self.done += len(chosen)

    def page(self, run: Callable[..., Result], offset: int, limit: int, cap: int) -> "Page":
        """Rows ``offset`` to ``offset + limit`` of the answer cut at ``cap`` rows."""
        end = min(offset + limit, cap)
        self.extend(run, end + 1, cap)   # one row more: whether another page follows
        rows = self.rows[offset:end]
        more = len(self.rows) > end or not self.complete
        truncated = len(self.rows) > cap or (end == cap and more)
        total = min(len(self.rows), cap) if self.complete or truncated else None
        return Page(Result("select", list(self.variables), rows, truncated=truncated),
                    total, more and end < cap)


@dataclass(frozen=True)
class Page:
    """One page: its rows (as a :class:`Result`), the total when it is known, whether more follow."""

    result: Result
    total: int | None
    more: bool


def keys(run: Callable[..., Result], text: str, by: str, bindings: dict[str, Node]) -> list[Node]:
    """The keys in answer order: ?``by`` of the keys query, with the parameters it names bound."""
    used = set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", text))
    named = {name: value for name, value in bindings.items() if name in used}
    result = run(text, named, None)
    return [row[by] for row in result.rows if row.get(by) is not None]


def first_page(run: Callable[..., Result], text: str, pages: dict, bindings: dict[str, Node],
               cap: int, size: int = PAGE) -> Result:
    """The first page of a keyed answer, keys listed and none evaluated: what a request for a
    query's answer costs the first time it is asked (the benchmarks time this)."""
    return KeyedAnswer(text, pages["by"], dict(bindings), pages["keys"]).page(run, 0, size, cap).result
