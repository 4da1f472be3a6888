"""Fact records → triples, each with its passage (PROV-O).

One function per record type, dispatched by :func:`emit`. Values printed in the
report are mapped to IRIs here: actor and time-frame labels through the
ontology's concept labels, organisation and place names through the
gazetteers (one IRI per real thing), numbers to ``xsd:integer``.
"""

from __future__ import annotations

from functools import singledispatch

from rdflib import RDF, RDFS, Literal

from ..facts import OpportunityItem, OrganisationRow, RecommendationRow
from ..iri import CRM, SKOS, mint
from ..resolve import concept
from .context import Context

# Table 6 prints the pre-treatment category as plain "Recycling"; Annex 2 says
# Figure 10 is drawn from Table 6, and Figure 10 names that category in full.
TABLE6_ACTIVITY = {"recycling": "recycling-collection"}


@singledispatch
def emit(fact: object, ctx: Context) -> None:
    raise TypeError(f"no RDF mapping for {type(fact).__name__}")


@emit.register
def _recommendation(row: RecommendationRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    g = ctx.graph(row.report)
    rec = mint("recommendation", row.report, row.number)
    g.add((rec, RDF.type, CRM.Recommendation))
    g.add((rec, CRM.number, Literal(row.number)))
    g.add((rec, CRM.notation, Literal(str(row.number))))
    g.add((rec, CRM.inReport, mint("report", row.report)))
    for lang, title in ctx.title(row.report, "recommendations", row.number, where).items():
        g.add((rec, RDFS.label, Literal(title, lang=lang)))
    g.add((rec, CRM.timeFrame, ctx.concepts.require("time-frame", row.time_frame, where)))
    for actor in row.actors:
        g.add((rec, CRM.responsibleActorType, ctx.concepts.require("actor-type", actor, where)))
    for number in row.opportunities:
        g.add((rec, CRM.servesOpportunity, mint("opportunity", row.report, number)))
    ctx.derive(rec, row.source, "table-row")


@emit.register
def _opportunity(item: OpportunityItem, ctx: Context) -> None:
    where = f"{item.source.edition}:{item.source.start}"
    g = ctx.graph(item.report)
    opp = mint("opportunity", item.report, item.number)
    g.add((opp, RDF.type, CRM.Opportunity))
    g.add((opp, CRM.number, Literal(item.number)))
    g.add((opp, CRM.notation, Literal(str(item.number))))
    g.add((opp, CRM.inReport, mint("report", item.report)))
    for lang, title in ctx.title(item.report, "opportunities", item.number, where).items():
        g.add((opp, RDFS.label, Literal(title, lang=lang)))
    for region in (ctx.reference.report(item.report) or {}).get("regions") or []:
        g.add((opp, CRM.forRegion, mint("place", region)))
    ctx.derive(opp, item.source)


@emit.register
def _organisation(row: OrganisationRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    g = ctx.graph(row.report)
    org = ctx.reference.organisations.resolve(row.name)
    if org.how == "unlisted":
        ctx.warn(f"{where}: organisation {row.name!r} is not in organisations.yaml; minted {org.slug}")
        g.add((org.iri, RDF.type, CRM.Organisation))
        g.add((org.iri, RDFS.label, Literal(row.name)))
    elif org.how == "alias" and row.name != org.entry.get("name"):
        g.add((org.iri, SKOS.altLabel, Literal(row.name)))
    g.add((org.iri, RDF.type, CRM.Organisation))
    activity_key = TABLE6_ACTIVITY.get(row.activity.strip().casefold(), None)
    activity = concept("activity", activity_key) if activity_key else \
        ctx.concepts.require("activity", row.activity, where)
    g.add((org.iri, CRM.activity, activity))
    place = ctx.reference.places.resolve(row.location)
    if place.how == "unlisted":
        ctx.warn(f"{where}: place {row.location!r} is not in places.yaml; minted {place.slug}")
        g.add((place.iri, RDF.type, CRM.Place))
        g.add((place.iri, RDFS.label, Literal(row.location)))
    g.add((org.iri, CRM.locatedIn, place.iri))
    g.add((org.iri, CRM.namedIn, mint("report", row.report)))
    ctx.derive(org.iri, row.source, "table-row")
