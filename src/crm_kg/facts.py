"""facts: typed records that extraction produces and build consumes.

Every record carries ``source``: the :class:`~crm_kg.sources.Span` it was read
from. Values are kept as the report prints them (``"<1 year"``,
``"Municipalities"``, ``"Ijmuiden"``); mapping them to IRIs is the build
stage's job, so a parser never needs to know the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sources import Span


@dataclass(frozen=True)
class RecommendationRow:
    """One row of a recommendations table (NHFL Table 1/Table 5)."""

    report: str
    number: int
    time_frame: str
    actors: tuple[str, ...]
    opportunities: tuple[int, ...]
    source: Span
    table: str = "Table 5"


@dataclass(frozen=True)
class OpportunityItem:
    """A numbered opportunity, cited at its heading or list item."""

    report: str
    number: int
    source: Span


@dataclass(frozen=True)
class OrganisationRow:
    """One organisation with its activity and town (NHFL Table 6)."""

    report: str
    name: str
    activity: str
    location: str
    source: Span


@dataclass(frozen=True)
class Disagreement:
    """Two passages that should say the same thing and do not (kept, reported)."""

    report: str
    subject: str
    detail: str
    sources: tuple[Span, ...]
