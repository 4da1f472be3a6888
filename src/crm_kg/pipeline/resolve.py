"""Entity resolution: one IRI per real thing across reports, editions, spellings.

* :class:`ConceptIndex` finds a controlled-vocabulary concept (activities,
  actor types, time frames…) by any of its labels in the ontology.
* :class:`Gazetteer` finds an organisation, place, material or policy by its
  name, an alias or a known misprint, as listed in ``data/reference/*.yaml``.
  Names are compared normalised: case, the Dutch ``IJ``, punctuation and legal
  forms (B.V., BV, N.V., CV, Inc.) do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, Graph, URIRef

from .. import yamlio
from ..iri import ID, SKOS, mint, slugify

_LEGAL = re.compile(r"\b(?:b\.?\s?v|n\.?\s?v|c\.?\s?v|inc|ltd|gmbh|s\.?a)\b\.?", re.I)


def normalise(name: str) -> str:
    """Comparison key for a name: ``"HKS - The metal Company"`` → ``"hks the metal company"``."""
    text = unicodedata.normalize("NFKC", name).replace("\u2013", "-").replace("\u2014", "-")
    text = text.casefold().replace("ĳ", "ij")
    text = _LEGAL.sub(" ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class ConceptIndex:
    """Concept IRIs by scheme and label, read from the ontology graph."""

    def __init__(self, ontology: Graph):
        self._index: dict[tuple[str, str], URIRef] = {}
        self._known = {c for c, _ in ontology.subject_objects(SKOS.inScheme)}
        for prop in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, SKOS.notation):
            for concept, label in ontology.subject_objects(prop):
                for scheme in ontology.objects(concept, SKOS.inScheme):
                    key = (str(scheme).rsplit("/", 1)[-1], normalise(str(label)))
                    self._index.setdefault(key, concept)

    def iri(self, scheme: str, slug: str, where: str = "") -> URIRef:
        """The concept ``id/<scheme>/<slug>``; an error if the ontology lacks it."""
        found = concept(scheme, slug)
        if found not in self._known:
            raise yamlio.InputError(f"{where}: no concept {slug!r} in scheme id/{scheme}")
        return found

    def lookup(self, scheme: str, label: str) -> URIRef | None:
        return self._index.get((scheme, normalise(label)))

    def require(self, scheme: str, label: str, where: str = "") -> URIRef:
        found = self.lookup(scheme, label)
        if found is None:
            raise LookupError(f"{where}: {label!r} is not a label of any concept in id/{scheme}")
        return found


@dataclass(frozen=True)
class Match:
    iri: URIRef
    slug: str
    entry: dict | None        # the gazetteer entry, None when not listed
    how: str                  # name | alias | misprint | unlisted


class Gazetteer:
    """Entries of one kind (organisation, place…) and their names."""

    def __init__(self, kind: str, entries: list[dict]):
        self.kind = kind
        self.entries = {e["id"]: e for e in entries}
        self._names: dict[str, tuple[str, str]] = {}
        for entry in entries:
            for label, how in self._labels(entry):
                key = normalise(label)
                if key:
                    self._names.setdefault(key, (entry["id"], how))

    @staticmethod
    def _printed(entry: dict):
        """The names an entry is printed under: ``(label, how)`` with how name | alias | misprint."""
        for field in ("name", "en", "nl"):
            value = entry.get(field)
            if isinstance(value, dict):
                for v in value.values():
                    if v:
                        yield v, "name"
            elif value:
                yield value, "name"
        if entry.get("short_name"):
            yield entry["short_name"], "alias"
        aliases = entry.get("aliases") or []
        if isinstance(aliases, dict):
            aliases = [a for values in aliases.values() for a in (values or [])]
        for alias in aliases:
            yield alias, "alias"
        for label in (entry.get("crm_list_label") or {}).values():
            for text in (label if isinstance(label, list) else [label]):
                yield text, "alias"
        for misprint in entry.get("misprints") or []:
            yield misprint, "misprint"

    @classmethod
    def _labels(cls, entry: dict):
        yield from cls._printed(entry)
        yield entry["id"].replace("-", " "), "name"

    def tag_labels(self):
        """``(slug, label, cell_only)`` for the mention tagger (:mod:`crm_kg.pipeline.mentions`).

        The names, aliases and misprints of every entry, not the slugs (``tes``,
        ``ing`` are words); a label in the entry's ``cell_only`` list is matched
        only as a whole table or list cell.
        """
        for slug, entry in self.entries.items():
            cell_only = set(entry.get("cell_only") or [])
            seen = set()
            for label, _how in self._printed(entry):
                if label not in seen:
                    seen.add(label)
                    yield slug, label, label in cell_only

    def shared_labels(self) -> dict[str, list[str]]:
        """Normalised labels printed for more than one entry: ``{label: [slugs]}``."""
        owners: dict[str, set[str]] = {}
        for slug, entry in self.entries.items():
            for label, _how in self._printed(entry):
                key = normalise(label)
                if key:
                    owners.setdefault(key, set()).add(slug)
        return {k: sorted(v) for k, v in sorted(owners.items()) if len(v) > 1}

    @classmethod
    def load(cls, path: Path, key: str, kind: str) -> "Gazetteer":
        if not Path(path).exists():
            return cls(kind, [])
        data = yamlio.load(path) or {}
        return cls(kind, list(data.get(key) or []))

    def resolve(self, name: str) -> Match:
        """The entry a name denotes; unlisted names get a slug of their own."""
        found = self._names.get(normalise(name))
        if found:
            slug, how = found
            return Match(mint(self.kind, slug), slug, self.entries[slug], how)
        slug = slugify(_LEGAL.sub(" ", name)) or slugify(name)
        return Match(mint(self.kind, slug), slug, self.entries.get(slug), "unlisted")

    def get(self, slug: str) -> dict | None:
        return self.entries.get(slug)


def concept(scheme: str, slug: str) -> URIRef:
    """IRI of a concept in one of the ontology's schemes (``id/activity/processing``)."""
    return ID[f"{scheme}/{slug}"]
