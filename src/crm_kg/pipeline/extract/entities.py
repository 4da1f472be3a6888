"""Entity resolution for a report's records from the reference data, with suggestions.

Works from ``data/reference/organisations.yaml``, ``places.yaml`` and
``materials.yaml`` (names, aliases, misprints). :func:`unknown_entities` lists
every organisation, place and material name the extracted records print that
no entry knows, with the nearest known names (:mod:`difflib` over the
normalised labels) as suggestions. Under the profile's
``entities: {unknown: curate}`` such names stop the build
(:class:`UnknownEntities`) instead of being minted as new things — a misspelt
company must become an alias or misprint of its entry, a new one a new entry,
both decided by a person.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ...config import ROOT
from ..records import GoodsShareRow, ListEntryRow, OrganisationListing, OrganisationRow
from ..resolve import Gazetteer, normalise
from ..sources import Span
from .tables import ExtractError

REFERENCE = ROOT / "data" / "reference"
GAZETTEERS = {"organisation": ("organisations.yaml", "organisations"), "place": ("places.yaml", "places"),
              "material": ("materials.yaml", "materials")}


class UnknownEntities(ExtractError):
    """Names a report prints that the reference data does not know (profile policy ``curate``)."""


@dataclass
class Unknown:
    kind: str                                  # organisation | place | material
    name: str                                  # as printed
    sources: list[Span] = field(default_factory=list)
    suggestions: list[tuple[str, str]] = field(default_factory=list)   # (slug, known label)

    def text(self) -> str:
        where = ", ".join(f"{s.edition}:{s.slug}" for s in self.sources[:3])
        more = f" (+{len(self.sources) - 3} more)" if len(self.sources) > 3 else ""
        hint = ("; nearest known: " + ", ".join(f"{label!r} ({slug})" for slug, label in self.suggestions)
                if self.suggestions else "; no similar known name")
        return f"{self.kind} {self.name!r} at {where}{more}{hint}"


def load_gazetteers(reference: Path | None = None) -> dict[str, Gazetteer]:
    directory = Path(reference or REFERENCE)
    return {kind: Gazetteer.load(directory / file, key, kind) for kind, (file, key) in GAZETTEERS.items()}


def suggest(gazetteer: Gazetteer, name: str, n: int = 3, cutoff: float = 0.6) -> list[tuple[str, str]]:
    """The entries whose printed names are nearest to ``name``: ``[(slug, label)]``, best first."""
    labels: dict[str, tuple[str, str]] = {}
    for slug, label, _cell_only in gazetteer.tag_labels():
        labels.setdefault(normalise(label), (slug, label))
    out: list[tuple[str, str]] = []
    for key in difflib.get_close_matches(normalise(name), list(labels), n=n * 3, cutoff=cutoff):
        slug, label = labels[key]
        if slug not in (s for s, _ in out):
            out.append((slug, label))
    return out[:n]


def _names(record) -> list[tuple[str, str]]:
    """(kind, printed name) pairs a record asks the gazetteers to resolve."""
    if isinstance(record, OrganisationRow):
        return [("organisation", record.name), ("place", record.location)]
    if isinstance(record, OrganisationListing):
        return [("organisation", record.name)]
    if isinstance(record, GoodsShareRow):
        return [("place", record.province)]
    if isinstance(record, ListEntryRow):
        return [("material", record.label)]
    return []


def unknown_entities(records, gazetteers: dict[str, Gazetteer]) -> list[Unknown]:
    """Every name of ``records`` no reference entry knows, once per kind and name, with suggestions."""
    found: dict[tuple[str, str], Unknown] = {}
    for record in records:
        for kind, name in _names(record):
            gazetteer = gazetteers[kind]
            if gazetteer.resolve(name).how != "unlisted":
                continue
            key = (kind, normalise(name))
            if key not in found:
                found[key] = Unknown(kind, name, suggestions=suggest(gazetteer, name))
            found[key].sources.append(record.source)
    return list(found.values())


def check_entities(report: str, records, gazetteers: dict[str, Gazetteer]) -> None:
    """Raise :class:`UnknownEntities` listing every unknown name (policy ``curate``)."""
    unknown = unknown_entities(records, gazetteers)
    if unknown:
        raise UnknownEntities(
            f"{report}: {len(unknown)} name(s) the reference data does not know; add each to "
            "data/reference/ (an alias or misprint of the suggested entry, or a new entry):\n  "
            + "\n  ".join(u.text() for u in unknown))
