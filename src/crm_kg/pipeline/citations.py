"""The passage-mentions check: a cited passage names the statement's object (issue 22 §1).

For every ``crm:Statement`` whose property is listed in ``data/review/citations.yaml``,
each passage it cites must contain one of the object's names (label, alternative or
hidden spelling, short name, element symbol), compared case- and accent-blind over
the passage's lines as :meth:`~crm_kg.pipeline.sources.Document.text` reads them
(ligatures repaired, hyphenated line ends joined). Table rows are exempt: a table
names things in its own column words. What a reviewer accepted as true exceptions
is listed in the same file with the reason; everything else is a finding.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .. import yamlio
from ..iri import CRM, ID, PREFIXES
from .sources import Document, Span

ID_BASE = str(ID)
TABLE_ROW = ID_BASE + "passage-kind/table-row"
SCHEMA = {"predicates": ("list", True), "spellings": ("dict", False), "exceptions": ("list", True)}
EXCEPTION_SCHEMA = {"subject": ("str", True), "predicate": ("str", True), "object": ("str", True),
                    "passage": ("str", True), "why": ("str", True)}


@dataclass(frozen=True)
class Finding:
    subject: str
    predicate: str
    object: str
    passage: str

    def text(self) -> str:
        return (f"{_short(self.passage)} is cited for {_short(self.subject)} {_short(self.predicate)} "
                f"{_short(self.object)} but names none of {_short(self.object)}'s names")


def _short(iri: str) -> str:
    if iri.startswith(ID_BASE):
        return iri[len(ID_BASE):]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and prefix:
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


def _expand(curie: str, where: str) -> str:
    if curie.startswith("http"):
        return curie
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES:
        raise yamlio.InputError(f"{where}: unknown prefix in {curie!r}")
    return str(PREFIXES[prefix]) + local


def _full(name: str, where: str) -> str:
    """``crm:x`` (a prefix), ``https://…`` or ``kind/slug`` (an id of the graph) → a full IRI."""
    if ":" in name:   # a prefixed name or an http(s) IRI
        return _expand(name, where)
    return ID_BASE + name


def _fold(text: str) -> str:
    """Case- and accent-blind, hyphens as spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold()).replace("-", " ")
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _stem(name: str) -> str:
    """A name's stem, so that an inflected form matches: battery → ``batter*`` (batteries),
    magneet → ``magne*`` (magneten). Only the last word is cut, and only a long one: a
    short name (an element symbol, an acronym) must match a whole word."""
    *head, last = name.split(" ")
    if len(last) >= 7:
        return " ".join([*head, last[:-2]]) + "*"
    if len(last) >= 5:
        return " ".join([*head, last[:-1]]) + "*"
    return name


@dataclass
class Review:
    predicates: frozenset[str]
    exceptions: dict[tuple[str, str, str, str], str]
    spellings: dict[str, set[str]]

    @classmethod
    def load(cls, path: Path) -> "Review":
        data = yamlio.load(path) or {}
        yamlio.check(data, SCHEMA, str(path))
        predicates = frozenset(_expand(p, f"{path}: predicates") for p in data["predicates"])
        exceptions = {}
        for i, e in enumerate(data["exceptions"]):
            where = f"{path}: exceptions[{i}]"
            yamlio.check(e, EXCEPTION_SCHEMA, where)
            key = tuple(_full(e[k], where) for k in ("subject", "predicate", "object", "passage"))
            exceptions[key] = e["why"]
        spellings = {(_full(k, f"{path}: spellings")): {_fold(str(v)) for v in values}
                     for k, values in (data.get("spellings") or {}).items()}
        return cls(predicates, exceptions, spellings)


class Texts:
    """Folded passage texts, read once per span."""

    def __init__(self, documents: dict[str, Document]):
        self.documents, self._cache = documents, {}

    def get(self, edition: str, start: int, end: int) -> str | None:
        key = (edition, start, end)
        if key not in self._cache:
            doc = self.documents.get(edition)
            self._cache[key] = _fold(doc.text(Span(edition, start, end))) if doc is not None else None
        return self._cache[key]


def names_of(labels, spellings=()) -> set[str]:
    """The forms a passage may name a thing by: its labels, stemmed, and reviewed spellings."""
    return {_stem(_fold(str(label))) for label in labels} | set(spellings)


def names_in(text: str, names: set[str]) -> bool:
    """Whether one of ``names`` is a word (or words) of ``text``; a stem ``x*`` may end inside one."""
    return any(name and re.search(r"(?<!\w)" + (re.escape(name[:-1]) if name.endswith("*")
                                                 else re.escape(name) + r"(?!\w)"), text)
               for name in names)


def check(rows, documents: dict[str, Document], review: Review) -> tuple[list[Finding], set]:
    """Rows of ``queries/coverage/cited-statements.rq`` → (findings, exceptions no longer needed)."""
    names: dict[tuple, set[str]] = {}
    places: dict[tuple, tuple[str, int, int, str | None]] = {}
    for row in rows:
        if str(row["predicate"]) not in review.predicates:
            continue
        key = (str(row["subject"]), str(row["predicate"]), str(row["object"]), str(row["passage"]))
        places[key] = (str(row["edition"]).rsplit("/", 1)[-1], int(row["start"]), int(row["end"]),
                       str(row["kind"]) if row.get("kind") is not None else None)
        names.setdefault(key, set()).update(
            names_of([row["name"]] if row.get("name") is not None else [], review.spellings.get(str(row["object"]), ())))
    findings, used = [], set()
    texts = Texts(documents)
    for key, (edition, start, end, kind) in sorted(places.items()):
        text = texts.get(edition, start, end)
        if kind == TABLE_ROW or text is None or names_in(text, names.get(key, set())):
            continue
        if key in review.exceptions:
            used.add(key)
            continue
        findings.append(Finding(*key))
    return findings, set(review.exceptions) - used


def query_text(queries_dir: Path) -> str:
    return (queries_dir / "coverage" / "cited-statements.rq").read_text(encoding="utf-8")


def run(store, documents: dict[str, Document], queries_dir: Path, review_path: Path):
    """The check over the graph in ``store`` (any store of :mod:`crm_kg.store`)."""
    return check(store.query(query_text(queries_dir)).rows, documents, Review.load(review_path))


def report(settings, documents: dict[str, Document] | None = None, store=None) -> list[str]:
    """The check over ``store`` (default: the built graph in ``settings.ttl_dir``), as lines
    to print: the findings, and exceptions of the reviewed file no statement needs any more.
    Either fails the build (:func:`crm_kg.pipeline.stages.run_build`) and ``crm-kg validate``."""
    from ..store.embedded import EmbeddedStore
    from .sources import read_sources

    documents = documents or read_sources(settings.sources, pins=settings.data_dir / "sources.yaml")
    review_path = settings.data_dir / "review" / "citations.yaml"
    store = store if store is not None else EmbeddedStore.from_directory(settings.ttl_dir)
    findings, stale = run(store, documents, settings.queries_dir, review_path)
    return ([f"passage-mentions: {f.text()}" for f in findings]
            + [f"passage-mentions: {review_path.name} lists an exception no statement needs: "
               f"{' '.join(_short(k) for k in key)}" for key in sorted(stale)])


__all__ = ["CRM", "Finding", "Review", "Texts", "check", "names_in", "names_of", "run"]
