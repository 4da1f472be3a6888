"""mentions: a gazetteer tagger for running text, tables and notes.

Finds every mention of a gazetteer entry (materials, organisations, places,
policies, and the topic terms of ``data/reference/topics.yaml``) in every
paragraph of every edition, English and Dutch, and records it as
``?passage crm:mentions ?entity`` in the report's graph, the passage being the
paragraph's line span (README, "Provenance"; ``crm:mentionedIn`` and
``crm:namedIn`` follow in the inferred graph, see :mod:`crm_kg.pipeline.rdf.inference`).

How a name is matched (the rules a reviewer of the YAML needs to know):

* Text and labels are cut into word tokens (letters and digits; a lower-case
  letter followed by a capital starts a new token, so ``GermaniumZeldzame``
  from a flattened figure is two words). Tokens compare without accents, with
  the Dutch ``IJ`` and ``Ij`` equal, and across hyphens, dashes, full stops,
  quotes and ``&`` (``Zuid-Holland`` = ``Zuid Holland``).
* A name never runs across a tab, comma, semicolon, colon, bracket, bar,
  slash or full stop unless the label itself has one there (``Boron/Borate``).
* Case: material and topic labels ignore case, except acronyms (``REE``).
  For organisations, places and policies the label's capitals are a minimum:
  the text may capitalise a word the label writes in lower case (sentence
  start, title case), never the reverse, and an acronym must be in capitals
  (``US`` is not ``us``, ``SCRAP`` the company is not ``scrap``).
* The longest name wins and names do not overlap (``Climax Molybdenum`` is a
  company, not a mention of molybdenum; ``TU Delft`` is not a mention of
  Delft). When several entries share the winning name they are all recorded:
  the reports use one name for an area and the body that runs it (``MRA``,
  ``Port of Amsterdam``), and the tagger does not guess the sense.
* Labels listed under an entry's ``cell_only`` are words as well as names
  (``Return``, ``Energie``): they count only as a whole table or list cell —
  between tabs, commas, semicolons, bars or line ends — or at the start of a
  one-line table row of a few capitalised words that ends with a place (the
  Dutch Table 6 lost its tabs: ``Energie Productie Westknollendam``).
* Web addresses are skipped (``noord-holland.nl/…`` is not Noord-Holland).

Entity identifiers are not checked against the report's language: a Dutch
label found in the English edition still counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef

from ..iri import CRM, mint
from .sources import Span

UNCASED = frozenset({"material", "topic"})   # common nouns: case does not matter
HARD_GAP = frozenset("\t,;:()[]|/•.")
CELL_LEFT = frozenset("\t,;:|•(")
CELL_RIGHT = frozenset("\t,;|).")
_TOKEN = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-Z])")
_SUPERSCRIPTS = str.maketrans({c: " " for c in "⁰¹²³⁴⁵⁶⁷⁸⁹"})
_URL = re.compile(
    r"\S*(?:https?://|www\.|://)\S*"
    r"|\S*[A-Za-z0-9-]+\.(?:nl|com|eu|org|int|net|gov|uk|be|de|fr|ai|io|pdf|html?|php|aspx)\b\S*"
    r"|\S*_\S*")
_ROW_END_PUNCT = re.compile(r"[.;:!?,]")


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ĳ", "ij").replace("Ĳ", "IJ"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold(token: str) -> str:
    """Comparison key of one token: no case, no accents (``Israël`` → ``israel``)."""
    return _strip_accents(token).casefold()


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Word tokens ``(start, end, text)`` of ``text``: runs of letters or of digits,
    camel-case humps split, superscript footnote marks ignored."""
    out = []
    for match in _TOKEN.finditer(text.translate(_SUPERSCRIPTS)):
        start = match.start()
        word = match.group(0)
        cuts = [0, *[m.start() for m in _CAMEL.finditer(word)], len(word)]
        for a, b in zip(cuts, cuts[1:]):
            if b > a:
                out.append((start + a, start + b, word[a:b]))
    return out


def _gap_marks(gap: str) -> frozenset:
    return frozenset(ch for ch in gap if ch in HARD_GAP)


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@dataclass(frozen=True)
class Label:
    """One name of one entity, as the tagger uses it."""

    iri: URIRef
    kind: str            # material | organisation | place | policy | list | topic
    text: str
    cased: bool          # capitals are a minimum (organisations, places, policies)
    cell_only: bool = False


@dataclass
class _Pattern:
    words: tuple[str, ...]          # the label's tokens as written
    gaps: tuple[frozenset, ...]     # hard marks allowed between consecutive tokens
    cased: bool
    labels: list[Label] = field(default_factory=list)

    def accepts(self, text_words: list[str], text_gaps: list[frozenset]) -> bool:
        for want, got in zip(self.words, text_words):
            if _is_acronym(want):
                if not _is_acronym(got):
                    return False
            elif self.cased and want[:1].isupper() and not got[:1].isupper():
                return False
        return all(got <= allowed for got, allowed in zip(text_gaps, self.gaps))

    def exact(self, text_words: list[str]) -> bool:
        return all(_strip_accents(w).replace("IJ", "Ij") == _strip_accents(g).replace("IJ", "Ij")
                   for w, g in zip(self.words, text_words))


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    iris: tuple[URIRef, ...]


@dataclass
class _Candidate:
    first: int                      # token index
    stop: int                       # token index after the last
    labels: list[Label]
    exact_cased: bool               # a proper-name label matched letter for letter


class Tagger:
    """Longest-match gazetteer tagger over a token trie (see the module docstring)."""

    def __init__(self, labels: Iterable[Label]):
        self._trie: dict = {}
        self.labels: list[Label] = []
        for label in labels:
            toks = tokens(label.text)
            if not toks:
                continue
            self.labels.append(label)
            words = tuple(t[2] for t in toks)
            gaps = tuple(_gap_marks(label.text[a[1]:b[0]]) for a, b in zip(toks, toks[1:]))
            node = self._trie
            for word in words:
                node = node.setdefault(fold(word), {})
            patterns = node.setdefault(None, {})
            pattern = patterns.setdefault((words, gaps, label.cased), _Pattern(words, gaps, label.cased))
            if label not in pattern.labels:
                pattern.labels.append(label)

    # -- construction from the reference data ------------------------------------

    @classmethod
    def from_reference(cls, reference, topics: Iterable[tuple[URIRef, str]] = (),
                       extra: dict | None = None) -> "Tagger":
        """A tagger for every gazetteer of a :class:`~crm_kg.pipeline.rdf.reference.Reference`
        (plus ``extra`` gazetteers by IRI kind, e.g. products)."""
        labels: list[Label] = []
        for kind, gazetteer in {**reference.gazetteers(), **(extra or {})}.items():
            cased = kind not in UNCASED
            for slug, text, cell_only in gazetteer.tag_labels():
                labels.append(Label(mint(kind, slug), kind, text, cased, cell_only))
        for iri, text in topics:
            labels.append(Label(iri, "topic", text, False))
        return cls(labels)

    # -- tagging ---------------------------------------------------------------------

    def _candidates(self, toks, folded, gaps) -> list[_Candidate]:
        out = []
        for i in range(len(toks)):
            node = self._trie
            j = i
            while j < len(toks) and folded[j] in node:
                node = node[folded[j]]
                j += 1
                patterns = node.get(None)
                if not patterns:
                    continue
                words = [t[2] for t in toks[i:j]]
                here = None
                for pattern in patterns.values():
                    if pattern.accepts(words, gaps[i:j - 1]):
                        if here is None:
                            here = _Candidate(i, j, [], False)
                            out.append(here)
                        here.labels.extend(lab for lab in pattern.labels if lab not in here.labels)
                        here.exact_cased |= pattern.cased and pattern.exact(words)
        return out

    def tag(self, text: str, row: bool = False) -> list[Mention]:
        """Mentions in ``text`` (one paragraph), left to right, not overlapping.

        Longer names are chosen first; ``row``: the text is one line of a table
        (a cell-only name may start it when the line ends with a place).
        """
        masked = _URL.sub(lambda m: " " * len(m.group(0)), text)
        toks = tokens(masked)
        folded = [fold(t[2]) for t in toks]
        gaps = [_gap_marks(masked[a[1]:b[0]]) for a, b in zip(toks, toks[1:])]
        taken = [False] * len(toks)
        chosen: list[_Candidate] = []
        for cand in sorted(self._candidates(toks, folded, gaps), key=lambda c: (c.first - c.stop, c.first)):
            if any(taken[cand.first:cand.stop]):
                continue
            for k in range(cand.first, cand.stop):
                taken[k] = True
            if cand.exact_cased:   # a proper name printed as such beats a common noun (SCRAP, scrap)
                cand.labels = [lab for lab in cand.labels if lab.cased]
            chosen.append(cand)
        chosen.sort(key=lambda c: c.first)
        row_ends_with_place = row and len(chosen) >= 2 and \
            any(lab.kind == "place" for lab in chosen[-1].labels) and \
            not masked[toks[chosen[-1].stop - 1][1]:].strip()
        out = []
        for n, cand in enumerate(chosen):
            start, end = toks[cand.first][0], toks[cand.stop - 1][1]
            cell = None
            keep = []
            for lab in cand.labels:
                if lab.cell_only:
                    if cell is None:
                        cell = self._is_cell(masked, start, end, row_ends_with_place and n == 0)
                    if not cell:
                        continue
                keep.append(lab.iri)
            if keep:
                out.append(Mention(start, end, text[start:end], tuple(sorted(set(keep)))))
        return out

    @staticmethod
    def _is_cell(text: str, start: int, end: int, row_start: bool) -> bool:
        before = text[:start].rstrip(" ")
        after = text[end:].lstrip(" ")
        left = not before or before[-1] in CELL_LEFT or before.endswith((" -", "\t-"))
        right = not after or after[0] in CELL_RIGHT
        if left and right:
            return True
        # a table row that lost its tabs: "<name> <Activity words> <place>"
        return row_start and not before and after[:1].isupper() and len(after.split()) <= 6 \
            and not _ROW_END_PUNCT.search(after)

    def tag_paragraph(self, paragraph) -> list[Mention]:
        """Mentions in a :class:`~crm_kg.pipeline.sources.Paragraph`."""
        one_line = paragraph.span.start == paragraph.span.end
        return self.tag(paragraph.text, row=one_line)

    def tag_document(self, doc) -> list[tuple[Span, str | None, set[URIRef]]]:
        """``(span, passage kind, entities)`` for every paragraph of an edition that names something.

        A name broken over two adjacent paragraphs (a figure's lines, a list
        wrapped with blank lines between, which segmentation may take for
        headings; a footnote wrapped the same way) is found on the span of
        both. Table rows are never joined, nor a note with body text.
        """
        out = []
        paragraphs = doc.paragraphs
        for paragraph in paragraphs:
            iris = {iri for m in self.tag_paragraph(paragraph) for iri in m.iris}
            if iris:
                out.append((paragraph.span, paragraph.kind, iris))
        for p, q in zip(paragraphs, paragraphs[1:]):
            if p.kind not in _JOINABLE or q.kind not in _JOINABLE or (p.kind == "note") != (q.kind == "note") \
                    or q.span.start - p.span.end > 2 or p.text.rstrip().endswith(_TERMINAL) \
                    or "\t" in p.text + q.text:
                continue
            head, tail = p.text[-_JOIN_WINDOW:], q.text[:_JOIN_WINDOW]
            cut = len(head) + 1
            iris = {iri for m in self.tag(head + " " + tail) if m.start < cut - 1 and m.end > cut
                    for iri in m.iris}
            if iris:
                out.append((p.span.union(q.span), None, iris))
        return out


_JOINABLE = frozenset({"paragraph", "list-item", "heading", "note"})
_TERMINAL = (".", "!", "?", ":", ";")
_JOIN_WINDOW = 120


def emit(ctx, tagger: Tagger) -> int:
    """``?passage crm:mentions ?entity`` for every paragraph of every edition; returns the count."""
    count = 0
    for doc_id in sorted(ctx.documents):
        doc = ctx.documents[doc_id]
        graph = ctx.graph(doc.edition.report)
        for span, kind, iris in tagger.tag_document(doc):
            passage = ctx.passage(span, kind)
            for iri in sorted(iris):
                graph.add((passage, CRM.mentions, iri))
                count += 1
    return count
