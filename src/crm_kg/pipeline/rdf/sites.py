"""Sites, rankings, flows, forecasts, horizons, dates and roles → triples (issue 22, part 2).

What the reports say beyond tables and figures, curated in
``data/curated/<report>/sites.yaml`` (:mod:`crm_kg.pipeline.curated`): named
sites and facilities (``crm:Site``), claims that something is the largest in a
scope (``crm:Ranking``), flows and relations between places (``crm:Flow``),
forecasts without a number (``crm:Forecast``), time horizons of opportunities
and recommendations, policy dates at the precision printed (``xsd:gYearMonth``
for a month) and the lead and partner roles of recommendations. Sites are real
things, one IRI for every report (``id/site/<slug>``); rankings, flows and
forecasts are claims of one report (``id/<kind>/<report>/<slug>``), one node
citing every edition that states them (``source`` and ``also``), as figures
do. Registered in :func:`crm_kg.pipeline.rdf.statements.emit` by
:data:`EMITTERS`.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Literal, URIRef

from ... import yamlio
from ...iri import CRM, mint
from .. import records as F
from .context import Context

DATATYPE = {1: XSD.gYear, 2: XSD.gYearMonth, 3: XSD.date}   # YYYY, YYYY-MM, YYYY-MM-DD


def _derive_all(ctx: Context, subject: URIRef, fact: F.Cited) -> None:
    ctx.derive(subject, fact.source)
    for span in fact.also:
        ctx.derive(subject, span)


def _labels(g, node: URIRef, texts: dict) -> None:
    for lang, text in texts.items():
        g.add((node, RDFS.label, Literal(text, lang=lang)))


def _thing(ctx: Context, ref: tuple[str, str], fact: F.Cited) -> URIRef:
    """A ``kind:slug`` reference: a site, a concept of this block's schemes, or what ctx.ref knows."""
    kind, slug = ref
    if kind == "site":
        return mint("site", slug)
    if kind in ("site-kind", "activity"):
        return ctx.concepts.iri(kind, slug, fact.origin)
    return ctx.ref(kind, slug, fact.origin, fact.report)


def _horizon(g, node: URIRef, fact) -> None:
    if fact.horizon_from is not None:
        g.add((node, CRM.horizonFromYear, Literal(int(fact.horizon_from))))
    if fact.horizon_to is not None:
        g.add((node, CRM.horizonToYear, Literal(int(fact.horizon_to))))


def site(fact: F.SiteFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("site", fact.id)
    g.add((node, RDF.type, CRM.Site))
    _labels(g, node, fact.label)
    g.add((node, CRM.siteKind, ctx.concepts.iri("site-kind", fact.kind, fact.origin)))
    g.add((node, CRM.locatedIn, ctx.place(fact.place, fact.origin)))
    if fact.status:
        g.add((node, CRM.siteStatus, ctx.concepts.iri("site-status", fact.status, fact.origin)))
    if fact.operator:
        g.add((node, CRM.operatedBy, ctx.organisation(fact.operator, fact.origin, fact.report).iri))
    for asset in fact.assets:
        g.add((node, CRM.hasAsset, ctx.product(asset, fact.origin)))
    for figure in fact.figures:
        g.add((mint("figure", fact.report, figure), CRM.about, node))
    g.add((node, CRM.namedIn, mint("report", fact.report)))
    _derive_all(ctx, node, fact)


def ranking(fact: F.RankingFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("ranking", fact.report, fact.id)
    g.add((node, RDF.type, CRM.Ranking))
    _labels(g, node, fact.label)
    g.add((node, CRM.ranks, _thing(ctx, fact.subject, fact)))
    g.add((node, CRM.rankingKind, ctx.concepts.iri("ranking-kind", fact.kind, fact.origin)))
    if (fact.kind == "nth-largest") != (fact.position is not None):
        raise yamlio.InputError(f"{fact.origin}: an nth-largest ranking (and only that) gives a position")
    if fact.position is not None:
        g.add((node, CRM.rankingPosition, Literal(int(fact.position))))
    g.add((node, CRM.rankingScope, ctx.place(fact.scope, fact.origin)))
    for ref in fact.among:
        g.add((node, CRM.rankedAmong, _thing(ctx, ref, fact)))
    g.add((node, CRM.inReport, mint("report", fact.report)))
    _derive_all(ctx, node, fact)


def flow(fact: F.FlowFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("flow", fact.report, fact.id)
    g.add((node, RDF.type, CRM.Flow))
    _labels(g, node, fact.label)
    g.add((node, CRM.flowKind, ctx.concepts.iri("flow-kind", fact.kind, fact.origin)))
    for prop, refs in ((CRM.flowFrom, fact.origin_of), (CRM.flowTo, fact.to)):
        for kind, slug in refs:
            if kind not in ("place", "site"):
                raise yamlio.InputError(f"{fact.origin}: a flow goes between places or sites, not {kind!r}")
            g.add((node, prop, _thing(ctx, (kind, slug), fact)))
    for ref in fact.of:
        g.add((node, CRM.flowOf, _thing(ctx, ref, fact)))
    g.add((node, CRM.likelihood, ctx.concepts.iri("likelihood", fact.likelihood, fact.origin)))
    _horizon(g, node, fact)
    g.add((node, CRM.inReport, mint("report", fact.report)))
    _derive_all(ctx, node, fact)


def forecast(fact: F.ForecastFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("forecast", fact.report, fact.id)
    g.add((node, RDF.type, CRM.Forecast))
    _labels(g, node, fact.label)
    for ref in fact.of:
        g.add((node, CRM.forecastOf, _thing(ctx, ref, fact)))
    g.add((node, CRM.trendVariable, ctx.concepts.iri("trend-variable", fact.variable, fact.origin)))
    g.add((node, CRM.trendDirection, ctx.concepts.iri("trend-direction", fact.direction, fact.origin)))
    for place in fact.scope:
        g.add((node, CRM.forecastScope, ctx.place(place, fact.origin)))
    g.add((node, CRM.likelihood, ctx.concepts.iri("likelihood", fact.likelihood, fact.origin)))
    _horizon(g, node, fact)
    for figure in fact.figures:
        g.add((mint("figure", fact.report, figure), CRM.about, node))
    g.add((node, CRM.inReport, mint("report", fact.report)))
    _derive_all(ctx, node, fact)


def horizon(fact: F.HorizonFact, ctx: Context) -> None:
    kind, number = fact.subject
    node = mint(kind, fact.report, number)
    _horizon(ctx.graph(fact.report), node, fact)
    _derive_all(ctx, node, fact)


def date(fact: F.DateFact, ctx: Context) -> None:
    """``crm:presentedOn`` typed by its precision: 2022-12 is xsd:gYearMonth, not a day."""
    policy = ctx.policy(fact.policy, fact.origin)
    datatype = DATATYPE[len(fact.presented.split("-"))]
    ctx.graph(fact.report).add((policy, CRM.presentedOn, Literal(fact.presented, datatype=datatype)))
    _derive_all(ctx, policy, fact)


def role(fact: F.RoleFact, ctx: Context) -> None:
    """Lead and partners of a recommendation: crm:leadParty / crm:partnerParty (and their
    super-property crm:involvesParty, so existing queries still find every party)."""
    g = ctx.graph(fact.report)
    rec = mint("recommendation", fact.report, fact.notation)
    for prop, names in ((CRM.leadParty, fact.lead), (CRM.partnerParty, fact.partners)):
        for name in names:
            org = ctx.organisation(name, fact.origin, fact.report).iri
            g.add((rec, prop, org))
            g.add((rec, CRM.involvesParty, org))
    _derive_all(ctx, rec, fact)


EMITTERS = {F.SiteFact: site, F.RankingFact: ranking, F.FlowFact: flow, F.ForecastFact: forecast,
            F.HorizonFact: horizon, F.DateFact: date, F.RoleFact: role}
