"""The SPARQL behind entity pages and the dataset description, kept as data.

``queries/describe/*.rq`` (not the public saved-query library one level up)
hold every query the linked-data pages run. Each file starts with a ``#+``
YAML header like the saved queries (see :mod:`crm_kg.sparql.library`)::

    #+ title: {en: What it does, nl: Wat het doet}
    #+ description: {en: …, nl: …}
    #+ applies_to: [crm:Organisation]      # a summary block on these pages
    #+ order: 10
    #+ columns: {activity: {en: Activity, nl: Activiteit}}

A file with ``applies_to`` is a *summary block*: the page of every instance of
one of those classes (asserted or inferred type; ``owl:Thing`` means every
page) shows its rows as a table with the ``columns`` named in the header, in
that order (other projected variables only sort or group). Other files are
queries the code runs by name. Values are bound by the engine: ``$entity``
(the page's IRI), ``$lang`` (the reader's language) and, where a query says
so, ``$inferred`` (the inferred graph) — bound as RDF terms in a ``VALUES``
block (:mod:`crm_kg.sparql.binding`). Every bound variable of a SELECT is in its
projection, so a row carries the values it was asked for; the loader checks
that, and that the SPARQL parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CrmKgError
from ..iri import PREFIXES
from ..sparql.library import projection, read_query_file

BOUND = ("entity", "lang", "inferred", "graph", "class", "space")
HEADER_KEYS = {"title", "description", "applies_to", "order", "columns", "limit", "merge_on"}
_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class BlockDefinitionError(CrmKgError):
    """A describe query file is malformed."""


@dataclass(frozen=True)
class DescribeQuery:
    name: str
    text: str
    title: dict = field(default_factory=dict)
    description: dict = field(default_factory=dict)
    applies_to: tuple[str, ...] = ()
    order: int = 100
    columns: tuple[tuple[str, dict], ...] = ()
    limit: int | None = None
    params: frozenset = frozenset()
    merge_on: str | None = None     # a column: rows with the same value there become one row

    @property
    def is_summary(self) -> bool:
        return bool(self.applies_to)

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.name

    def bind(self, values: dict) -> dict:
        """The values this query uses (an unused one would only widen its solutions)."""
        missing = self.params - set(values)
        if missing:
            raise BlockDefinitionError(f"{self.name}: no value for ${sorted(missing)[0]}")
        return {k: v for k, v in values.items() if k in self.params}


def _expand(curie: str, path: Path) -> str:
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        raise BlockDefinitionError(f"{path}: applies_to {curie!r} is not a class IRI or known CURIE")
    return PREFIXES[prefix] + local


def _texts(value, what: str, path: Path) -> dict:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        if not value.get("en") or not value.get("nl"):
            raise BlockDefinitionError(f"{path}: {what} needs English and Dutch (en, nl)")
        return dict(value)
    raise BlockDefinitionError(f"{path}: {what} must be {{en: …, nl: …}}")


def parse_block(path: Path) -> DescribeQuery:
    path = Path(path)
    meta, body, tree = read_query_file(path, HEADER_KEYS, BlockDefinitionError)
    params = frozenset(_VAR.findall(body))
    unbound = params - set(BOUND)
    if unbound:
        raise BlockDefinitionError(f"{path}: ${sorted(unbound)[0]} is not a value the pages bind "
                                   f"(they bind {', '.join('$' + b for b in BOUND)})")
    projected = projection(tree)
    if projected is not None and params - projected:
        raise BlockDefinitionError(f"{path}: bound variable(s) {sorted(params - projected)} must be "
                                   "in the SELECT projection (a row carries the values it was asked for)")
    applies = tuple(_expand(str(c), path) for c in (meta.get("applies_to") or ()))
    columns = []
    for name, label in (meta.get("columns") or {}).items():
        if projected is not None and name not in projected:
            raise BlockDefinitionError(f"{path}: column {name!r} is not projected by the query")
        columns.append((name, _texts(label, f"column {name!r}", path)))
    merge_on = meta.get("merge_on")
    if merge_on is not None and merge_on not in dict(columns):
        raise BlockDefinitionError(f"{path}: merge_on {merge_on!r} is not one of its columns")
    if applies and not columns:
        raise BlockDefinitionError(f"{path}: a summary block needs columns")
    if applies and "entity" not in params:
        raise BlockDefinitionError(f"{path}: a summary block must use $entity")
    return DescribeQuery(
        name=path.stem, text=body, title=_texts(meta["title"], "title", path),
        description=_texts(meta["description"], "description", path) if "description" in meta else {},
        applies_to=applies, order=int(meta.get("order", 100)), columns=tuple(columns),
        limit=int(meta["limit"]) if meta.get("limit") else None, params=params, merge_on=merge_on)


class Blocks:
    """All describe queries of a directory, parsed once."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.queries = {q.name: q for q in (parse_block(p) for p in sorted(self.directory.glob("*.rq")))}

    def __getitem__(self, name: str) -> DescribeQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise BlockDefinitionError(f"no describe query {name!r} in {self.directory}") from None

    def text(self, name: str) -> str:
        return self[name].text

    def summaries_for(self, types: set[str]) -> list[DescribeQuery]:
        """The summary blocks for an entity with these types (``owl:Thing``: all)."""
        thing = PREFIXES["owl"] + "Thing"
        chosen = [q for q in self.queries.values()
                  if q.is_summary and (thing in q.applies_to or types & set(q.applies_to))]
        return sorted(chosen, key=lambda q: (q.order, q.name))
