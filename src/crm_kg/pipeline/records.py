"""facts: typed records that extraction produces and build consumes.

Every record carries ``source``: the :class:`~crm_kg.pipeline.sources.Span` it was read
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
    # False for another printing of a reference row (NHFL Table 1, the Dutch
    # tables): it is cited as provenance of the same recommendation and asserts
    # nothing; differences are reported as Disagreement records.
    asserts: bool = True


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
    # the activity concept's slug where the profile maps a printed label that is not
    # a concept label of its own (NHFL Table 6's plain "Recycling": the collection step)
    activity_concept: str | None = None


@dataclass(frozen=True)
class Disagreement:
    """Two passages that should say the same thing and do not (kept, reported)."""

    report: str
    subject: str
    detail: str
    sources: tuple[Span, ...]
    detail_nl: str | None = None   # the same note in Dutch (curated disagreements)


# --------------------------------------------------------------------------
# Narrative and table facts shared by every report (parsed or transcribed
# into data/curated/<report>/*.yaml, see crm_kg.pipeline.curated). Slugs refer to
# data/reference/*.yaml entries; ``also`` holds the same passage in other
# editions (a translation), so a fact is cited in both languages.
# --------------------------------------------------------------------------

Texts = dict  # {"en": ..., "nl": ...}: short texts in our own words


@dataclass(frozen=True, kw_only=True)
class Cited:
    """Base of curated facts: the report, the main passage and its echoes.

    ``origin`` is ``file:line`` of the curated entry, for error messages.
    """

    report: str
    source: Span
    also: tuple[Span, ...] = ()
    origin: str = ""


@dataclass(frozen=True, kw_only=True)
class ContainsFact(Cited):
    """A product kind or goods category contains materials (crm:containsMaterial)."""

    subject_kind: str            # product | goods-category
    subject: str                 # slug
    materials: tuple[str, ...]   # material slugs or names


@dataclass(frozen=True, kw_only=True)
class ConstituentFact(Cited):
    """A processed material or alloy contains other materials (crm:hasConstituent)."""

    material: str
    constituents: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PartFact(Cited):
    """A product kind has another as a component (crm:hasPart)."""

    whole: str
    part: str


@dataclass(frozen=True, kw_only=True)
class FigureFact(Cited):
    """A quantitative claim (crm:Figure): value, unit, what it measures, about what."""

    id: str
    label: Texts
    value: object                # Decimal
    unit: str
    metric: str | None = None
    qualifier: str | None = None
    upper: object = None
    about: tuple[tuple[str, str], ...] = ()   # (kind, slug)
    place: str | None = None
    stage: str | None = None
    years: tuple[int, ...] = ()
    rank: int | None = None
    cites: str | None = None


@dataclass(frozen=True)
class GoodsShareRow:
    """One cell pair of a goods-category table (NHFL Table 3): rank, category, share."""

    report: str
    province: str          # place name as printed
    rank: int
    category: str          # category name as printed
    share: object          # Decimal, percent
    source: Span


@dataclass(frozen=True, kw_only=True)
class OrganisationFact(Cited):
    """What a report says an organisation does (names only in text, or more detail)."""

    name: str
    activities: tuple[str, ...] = ()
    location: str | None = None
    description: Texts | None = None
    materials: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganisationListing:
    """A name listed under an activity in a figure (NHFL Figure 1/10, ZH Figure 4)."""

    report: str
    name: str
    activity: str          # the figure's category label as printed
    source: Span


@dataclass(frozen=True)
class ListEntryRow:
    """An entry of a printed materials list (NHFL Table 2, ZH's CRM table)."""

    report: str
    list: str              # list slug, e.g. eu-crm-2023
    label: str             # as printed
    language: str
    source: Span


@dataclass(frozen=True)
class ActivityDefinitionRow:
    """A row of a definitions table (NHFL Table 4): category label as printed."""

    report: str
    label: str
    language: str
    source: Span


@dataclass(frozen=True)
class RecommendationItem:
    """A numbered (sub-)recommendation in running text (ZH section 6: 1, 1.1 …)."""

    report: str
    notation: str          # "1", "1.1", "6.2"
    source: Span


@dataclass(frozen=True, kw_only=True)
class RecommendationDetail(Cited):
    """Curated detail of a recommendation: role, parties, instruments, actors."""

    notation: str
    province_role: str | None = None      # leading | supporting
    parties: tuple[str, ...] = ()         # organisation slugs or names
    instruments: tuple[str, ...] = ()     # policy slugs
    actors: tuple[str, ...] = ()          # actor-type labels
    time_frame: str | None = None
    opportunities: tuple[int, ...] = ()
    challenges: tuple[str, ...] = ()      # challenge ids (same report)


@dataclass(frozen=True, kw_only=True)
class OpportunityDetail(Cited):
    """Curated detail of an opportunity: what it concerns and builds on."""

    number: int
    materials: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CapabilityFact(Cited):
    id: str
    label: Texts
    places: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()       # what the capability handles (crm:concernsMaterial)
    products: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ChallengeFact(Cited):
    """A challenge with its category; a parsed one has no label (titles.yaml ``challenges``)."""

    id: str
    label: Texts
    category: str                         # slug or label: social | sociaal | environmental | milieu …


@dataclass(frozen=True, kw_only=True)
class SwotFact(Cited):
    id: str
    label: Texts
    category: str                         # strength | weakness | opportunity | threat
    materials: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EventFact(Cited):
    """A dated event, typically a trade measure (ZH Figure 2, NHFL export curbs)."""

    id: str
    label: Texts
    actor: tuple[str, str] | None = None  # (kind, slug): place or organisation
    partners: tuple[tuple[str, str], ...] = ()  # further parties (an agreement of three states)
    measure: str | None = None            # measure-type slug
    affects: tuple[str, ...] = ()         # country place slugs
    materials: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    announced: str | None = None          # ISO date (YYYY-MM-DD or YYYY-MM or YYYY)
    effective: str | None = None
    amount: tuple | None = None           # (value, unit)


@dataclass(frozen=True, kw_only=True)
class PolicyFact(Cited):
    """What a report says a policy covers or implements."""

    policy: str
    applies_to: tuple[tuple[str, str], ...] = ()   # (kind, slug)
    implements: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StatementDisagreement(Cited):
    """Two statements (figures, targets) of the reports that give different values."""

    a: tuple[str, str]         # (kind, id) e.g. ("target", "crma-2030-processing-nhfl")
    b: tuple[str, str]
    note: Texts | None = None


@dataclass(frozen=True)
class FigureMention:
    """A product kind or material printed in a figure's text (ZH Figure 1): the passage mentions it."""

    report: str
    name: str              # as printed
    source: Span


# --------------------------------------------------------------------------
# Issue 22, part 2: sites, rankings, flows, forecasts, horizons, dates, roles
# (data/curated/<report>/sites.yaml → crm_kg.pipeline.rdf.sites). References
# are ``kind:slug`` pairs; a place is a places.yaml slug.
# --------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SiteFact(Cited):
    """A named site or facility (crm:Site): what it is, where, its state and its figures."""

    id: str
    label: Texts
    kind: str                              # site-kind slug
    place: str                             # place slug
    status: str | None = None              # site-status slug
    operator: str | None = None            # organisation
    assets: tuple[str, ...] = ()           # product slugs
    figures: tuple[str, ...] = ()          # figure ids of the same report, about the site


@dataclass(frozen=True, kw_only=True)
class RankingFact(Cited):
    """A claim that something is the largest / among the largest … within a scope."""

    id: str
    label: Texts
    subject: tuple[str, str]               # (kind, slug): site | place | organisation
    kind: str                              # ranking-kind slug
    scope: str                             # place slug
    position: int | None = None
    among: tuple[tuple[str, str], ...] = ()  # (kind, slug): site-kind | activity | product


@dataclass(frozen=True, kw_only=True)
class FlowFact(Cited):
    """Goods, services or an agreement between places (crm:Flow)."""

    id: str
    label: Texts
    kind: str                              # flow-kind slug
    origin_of: tuple[tuple[str, str], ...] = ()   # flowFrom (kind, slug): place | site
    to: tuple[tuple[str, str], ...] = ()          # flowTo (kind, slug): place | site
    of: tuple[tuple[str, str], ...] = ()          # flowOf (kind, slug): material | product
    likelihood: str = "stated"
    horizon_from: int | None = None
    horizon_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class ForecastFact(Cited):
    """A trend or forecast without a number (crm:Forecast)."""

    id: str
    label: Texts
    of: tuple[tuple[str, str], ...]        # (kind, slug)
    variable: str                          # trend-variable slug
    direction: str                         # trend-direction slug
    scope: tuple[str, ...] = ()            # place slugs
    likelihood: str = "expected"
    horizon_from: int | None = None
    horizon_to: int | None = None
    figures: tuple[str, ...] = ()          # figures of the same report that quantify it


@dataclass(frozen=True, kw_only=True)
class HorizonFact(Cited):
    """The time horizon the report gives an opportunity or recommendation ("from 2035")."""

    subject: tuple[str, str]               # (opportunity | recommendation, number)
    horizon_from: int | None = None
    horizon_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class DateFact(Cited):
    """When a policy was presented, at the precision the report gives (YYYY, YYYY-MM, YYYY-MM-DD)."""

    policy: str
    presented: str


@dataclass(frozen=True, kw_only=True)
class RoleFact(Cited):
    """Who leads and who partners in a recommendation (different statements, different properties)."""

    notation: str
    lead: tuple[str, ...] = ()             # organisations
    partners: tuple[str, ...] = ()
