"""A per-app index of the graph for pages: labels, types, the class tree, points.

Built once per store from the describe queries ``index-*.rq`` (the graph is
loaded once per app and never changes under it). It answers what every page
needs for every linked value — a label in the reader's language, the most
specific asserted type — without a query per link, and holds the label
search (:meth:`GraphIndex.search`) over ``rdfs:label``, ``skos:prefLabel``,
``skos:altLabel`` and ``skos:hiddenLabel`` in both languages. Hidden labels
(misprints, mistranslations) are matched but never shown (SKOS Reference §5.2).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Literal

from ..iri import PREFIXES
from .blocks import Blocks
from .paths import IriMap

RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS = PREFIXES["skos"]
PREF, ALT, HIDDEN = SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel"
OWL_THING = PREFIXES["owl"] + "Thing"
# never the type to show when a more telling one exists
GENERIC = {PREFIXES["owl"] + "NamedIndividual", "http://www.w3.org/ns/prov#Entity",
           "http://www.w3.org/ns/prov#Agent", OWL_THING}


def fold(text: str) -> str:
    """Text for matching: accents removed, case folded, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


@dataclass(frozen=True)
class Hit:
    iri: str
    score: int
    matched: str | None  # the alternative label that matched (never a hidden one)


class GraphIndex:
    def __init__(self, store, blocks: Blocks, iris: IriMap):
        self.iris = iris
        self.labels: dict[str, dict[str, dict[str | None, str]]] = defaultdict(lambda: defaultdict(dict))
        self.alt: dict[str, list[Literal]] = defaultdict(list)
        self._terms: list[tuple[str, str, str, str]] = []  # (folded, iri, property, shown text)
        self._words: dict[str, set[int]] | None = None     # folded word → its terms (fuzzy search)
        for row in store.query(blocks.text("index-labels")).rows:
            s, p, label = str(row["s"]), str(row["p"]), row["label"]
            if p in (RDFS_LABEL, PREF):
                self.labels[s][p].setdefault(label.language, str(label))
            elif p == ALT and label not in self.alt[s]:
                self.alt[s].append(label)
            self._terms.append((fold(str(label)), s, p, str(label)))
        self.types: dict[str, set[str]] = defaultdict(set)
        self.asserted: dict[str, set[str]] = defaultdict(set)
        inferred = iris.base + "graph/inferred"
        for row in store.query(blocks.text("index-types")).rows:
            s, t = str(row["s"]), str(row["type"])
            self.types[s].add(t)
            if str(row["g"]) != inferred:
                self.asserted[s].add(t)
        self.supers: dict[str, set[str]] = defaultdict(set)
        for row in store.query(blocks.text("index-subclasses")).rows:
            self.supers[str(row["class"])].add(str(row["super"]))
        self.passage_spans: dict[str, tuple[str, int, int]] = {}
        for row in store.query(blocks.text("index-passages")).rows:
            self.passage_spans[str(row["passage"])] = (str(row["edition"]), int(row["start"]), int(row["end"]))
        self.ancestors: dict[str, set[str]] = defaultdict(set)
        for row in store.query(blocks.text("index-located")).rows:
            self.ancestors[str(row["place"])].add(str(row["outer"]))
        # Dutch places go by their official Dutch names in every language ("Noord-Holland",
        # not "North Holland"); the English name is shown beside it as an alternative
        netherlands = iris.base + "id/place/netherlands"
        official = {PREFIXES["crm"] + c for c in ("Province", "Municipality", "Town")}
        self.dutch_places = {p for p, outer in self.ancestors.items()
                             if netherlands in outer and self.types.get(p, set()) & official}
        self.points: dict[str, tuple[float, float]] = {}
        self.cbs: dict[str, str] = {}        # CBS code (PVxx, GMxxxx) → the place
        for row in store.query(blocks.text("index-points")).rows:
            point = parse_point(str(row["wkt"]))
            if point is not None:
                self.points.setdefault(str(row["place"]), point)
            if row.get("cbs") is not None:
                self.cbs.setdefault(str(row["cbs"]), str(row["place"]))
        self.organisations_at: dict[str, int] = {   # mapped place → organisations there (the maps' dots)
            str(row["place"]): int(row["organisations"]) for row in store.query(blocks.text("index-organisation-places")).rows}

    # -- labels ------------------------------------------------------------

    def label(self, iri: str, lang: str) -> str:
        """The name to show: prefLabel/label in ``lang``, then untagged, then any."""
        entry = self.labels.get(iri)
        if entry:
            if iri in self.dutch_places:
                lang = "nl"
            for language in (lang, None):
                for prop in (PREF, RDFS_LABEL):
                    if language in entry.get(prop, {}):
                        return entry[prop][language]
            for prop in (PREF, RDFS_LABEL):
                if entry.get(prop):
                    return next(iter(sorted(entry[prop].items(), key=lambda kv: kv[0] or "")))[1]
        return self.fallback(iri)

    def has_label(self, iri: str) -> bool:
        return iri in self.labels

    def fallback(self, iri: str) -> str:
        """A name for an IRI without a label: our things by their slug, terms as CURIEs."""
        ids = self.iris.base + "id/"
        if iri.startswith(ids):
            kind, _, slug = iri[len(ids):].partition("/")
            return slug or kind
        curie = self.iris.curie(iri)
        if curie != iri:
            return curie
        return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri

    def alt_labels(self, iri: str, lang: str) -> list[str]:
        shown = {self.label(iri, lang)}
        names = {str(l) for l in self.alt.get(iri, []) if l.language in (lang, None)}
        if iri in self.dutch_places and lang != "nl":   # its name in the reader's language
            names |= {text for prop in (PREF, RDFS_LABEL)
                      for language, text in self.labels.get(iri, {}).get(prop, {}).items() if language == lang}
        names -= shown
        return sorted(names, key=lambda n: (n.casefold(), n))   # the same order from every store

    # -- types ---------------------------------------------------------------

    def main_types(self, iri: str) -> list[str]:
        """Most specific types, asserted ones first; generic ones only when alone."""
        types = self.asserted.get(iri) or self.types.get(iri) or set()
        specific = {t for t in types if not any(t in self.supers.get(o, ()) for o in types if o != t)}
        telling = {t for t in specific if t not in GENERIC} or specific
        return sorted(telling, key=lambda t: (not t.startswith(PREFIXES["crm"]), t))

    def all_types(self, iri: str) -> set[str]:
        types = set(self.types.get(iri, ()))
        for t in list(types):
            types |= self.supers.get(t, set())
        return types | {OWL_THING}

    def is_a(self, iri: str, cls: str) -> bool:
        return cls in self.all_types(iri)

    # -- search --------------------------------------------------------------

    def search(self, text: str, limit: int = 500) -> list[Hit]:
        """Entities whose labels match ``text``: exact, then prefix, word prefix, substring."""
        wanted = fold(text)
        if not wanted:
            return []
        best: dict[str, Hit] = {}
        for folded, iri, prop, shown in self._terms:
            if folded == wanted:
                score = 0
            elif folded.startswith(wanted):
                score = 1
            elif (" " + folded).find(" " + wanted) >= 0:
                score = 2
            elif len(wanted) >= 3 and wanted in folded:
                score = 3
            else:
                continue
            if not self.iris.is_ours(iri):
                continue
            score = score * 3 + {PREF: 0, RDFS_LABEL: 0, ALT: 1, HIDDEN: 2}[prop]
            matched = shown if prop == ALT else None
            if iri not in best or score < best[iri].score:
                best[iri] = Hit(iri, score, matched)
        if not best:
            best = self._fuzzy(wanted)
        hits = sorted(best.values(), key=lambda h: (h.score, self.label(h.iri, "en").casefold(), h.iri))
        return hits[:limit]

    def _fuzzy(self, wanted: str) -> dict[str, Hit]:
        """Typo tolerance, when nothing matches as written: every word of ``wanted`` within
        one edit (two for words of eight letters or more; Levenshtein) of a word, or the start
        of a word, of one label (``galium`` → Gallium, ``neodynium`` → Neodymium)."""
        words = [w for w in wanted.split() if len(w) >= 3]
        if not words:
            return {}
        if self._words is None:
            self._words = defaultdict(set)
            for n, (folded, *_rest) in enumerate(self._terms):
                for word in folded.split():
                    self._words[word].add(n)
        matched: set[int] | None = None
        for word in words:
            allowed = 1 if len(word) < 8 else 2
            found: set[int] = set()
            for candidate, terms in self._words.items():
                if abs(len(candidate) - len(word)) <= allowed and within(word, candidate, allowed):
                    found |= terms
                elif len(candidate) > len(word) and within(word, candidate[:len(word)], allowed) \
                        and len(word) >= 5:
                    found |= terms
            matched = found if matched is None else matched & found
            if not matched:
                return {}
        best: dict[str, Hit] = {}
        for n in sorted(matched or ()):
            _folded, iri, prop, shown = self._terms[n]
            if not self.iris.is_ours(iri):
                continue
            score = 12 + {PREF: 0, RDFS_LABEL: 0, ALT: 1, HIDDEN: 2}[prop]
            if iri not in best or score < best[iri].score:
                best[iri] = Hit(iri, score, shown if prop == ALT else None)
        return best


def within(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance of ``a`` and ``b`` is at most ``limit`` (banded)."""
    if abs(len(a) - len(b)) > limit:
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > limit:
            return False
    return row[-1] <= limit


_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*([-+\d.eE]+)\s+([-+\d.eE]+)\s*\)\s*$", re.I)


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``POINT(lon lat)`` (GeoSPARQL wktLiteral, CRS84 axis order) → (lon, lat)."""
    match = _POINT.match(wkt)
    if not match:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat
