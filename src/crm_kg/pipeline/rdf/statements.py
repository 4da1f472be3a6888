"""Fact records → triples, each with its passage (PROV-O).

One function per record type, dispatched by :func:`emit`, which runs it while
the context cites the record's spans (:meth:`.context.Context.citing`): every
triple it adds becomes a claim with those passages as its sources, so an
emitter never writes provenance per statement itself. Values printed in the
report are mapped to IRIs here: actor and time-frame labels through the
ontology's concept labels, organisation and place names through the
gazetteers (one IRI per real thing), numbers to ``xsd:integer``.
"""

from __future__ import annotations

import dataclasses
from functools import singledispatch

from rdflib import RDF, RDFS, XSD, Literal

from ...iri import CRM, PROV, SKOS, mint
from .. import records as F
from ..records import OpportunityItem, OrganisationRow, RecommendationRow
from ..resolve import concept
from . import sites
from .context import Context


def spans_of(fact) -> tuple:
    """The passages a record was read from: ``source`` (or ``sources``) and ``also``."""
    spans = getattr(fact, "sources", None) or (fact.source,)
    return (*spans, *getattr(fact, "also", ()))


def emit(fact: object, ctx: Context) -> None:
    """A record's triples, each a claim citing the record's passages. A record that
    restates another (``asserts=False``: a summary table, a translation) is mapped
    the same way but adds only its passages, to the claims that hold."""
    asserts = getattr(fact, "asserts", True)
    if not asserts:
        fact = dataclasses.replace(fact, asserts=True)
    with ctx.citing(spans_of(fact), asserts):
        _emit(fact, ctx)


@singledispatch
def _emit(fact: object, ctx: Context) -> None:
    raise TypeError(f"no RDF mapping for {type(fact).__name__}")


register = _emit.register   # for emitters in other modules


@_emit.register
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


@_emit.register
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


def _printed_name(g, match, printed: str) -> None:
    """Keep a real variant spelling as skos:altLabel (misprints are hiddenLabels already)."""
    if match.how == "alias" and printed != match.entry.get("name"):
        g.add((match.iri, SKOS.altLabel, Literal(printed)))


@_emit.register
def _organisation(row: OrganisationRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    g = ctx.graph(row.report)
    org = ctx.organisation(row.name, where, row.report)
    _printed_name(g, org, row.name)
    activity = ctx.concepts.iri("activity", row.activity_concept, where) if row.activity_concept else \
        ctx.concepts.require("activity", row.activity, where)   # the profile maps ambiguous labels
    g.add((org.iri, CRM.activity, activity))
    place = ctx.place(row.location, where, strict=False)
    g.add((org.iri, CRM.locatedIn, place))
    if ctx.reference.places.resolve(row.location).how == "unlisted":
        g.add((place, RDF.type, CRM.Place))
        g.add((place, RDFS.label, Literal(row.location)))
    g.add((org.iri, CRM.namedIn, mint("report", row.report)))
    ctx.derive(org.iri, row.source, "table-row")


# --------------------------------------------------------------------------
# Curated and table facts shared by all reports (crm_kg.pipeline.curated)
# --------------------------------------------------------------------------

def _derive_all(ctx: Context, subject, fact) -> None:
    ctx.derive(subject, fact.source)
    for span in fact.also:
        ctx.derive(subject, span)


def _concerns(ctx: Context, g, node, fact) -> None:
    """``crm:concernsMaterial`` / ``crm:concernsProduct`` for a fact's materials and products."""
    for material in fact.materials:
        g.add((node, CRM.concernsMaterial, ctx.material(material, fact.origin)))
    for product in fact.products:
        g.add((node, CRM.concernsProduct, ctx.product(product, fact.origin)))


def _labels(g, subject, texts: dict, prop=RDFS.label) -> None:
    for lang, text in (texts or {}).items():
        g.add((subject, prop, Literal(text, lang=lang)))


@_emit.register
def _contains(fact: F.ContainsFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    subject = ctx.product(fact.subject, fact.origin)
    for material in fact.materials:
        g.add((subject, CRM.containsMaterial, ctx.material(material, fact.origin)))
    _derive_all(ctx, subject, fact)


@_emit.register
def _constituents(fact: F.ConstituentFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    material = ctx.material(fact.material, fact.origin)
    for other in fact.constituents:
        g.add((material, CRM.hasConstituent, ctx.material(other, fact.origin)))
    _derive_all(ctx, material, fact)


@_emit.register
def _part(fact: F.PartFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    whole, part = ctx.product(fact.whole, fact.origin), ctx.product(fact.part, fact.origin)
    g.add((whole, CRM.hasPart, part))
    _derive_all(ctx, whole, fact)


@_emit.register
def _figure(fact: F.FigureFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    fig = mint("figure", fact.report, fact.id)
    g.add((fig, RDF.type, CRM.Figure))
    _labels(g, fig, fact.label)
    g.add((fig, CRM.value, Literal(fact.value)))
    if fact.upper is not None:
        g.add((fig, CRM.upperValue, Literal(fact.upper)))
    g.add((fig, CRM.unit, ctx.concepts.iri("unit", fact.unit, fact.origin)))
    if fact.metric:
        g.add((fig, CRM.metric, ctx.concepts.iri("metric", fact.metric, fact.origin)))
    if fact.qualifier:
        g.add((fig, CRM.qualifier, ctx.concepts.iri("qualifier", fact.qualifier, fact.origin)))
    for kind, slug in fact.about:
        g.add((fig, CRM.about, ctx.ref(kind, slug, fact.origin, fact.report)))
    if fact.place:
        g.add((fig, CRM.inPlace, ctx.place(fact.place, fact.origin)))
    if fact.stage:
        g.add((fig, CRM.supplyStage, ctx.concepts.iri("activity", fact.stage, fact.origin)))
    for year in fact.years:
        g.add((fig, CRM.referenceYear, Literal(int(year))))
    if fact.rank is not None:
        g.add((fig, CRM.rank, Literal(int(fact.rank))))
    if fact.cites:
        g.add((fig, CRM.citesSource, Literal(fact.cites)))
    g.add((fig, CRM.inReport, mint("report", fact.report)))
    _derive_all(ctx, fig, fact)


@_emit.register
def _goods_share(row: F.GoodsShareRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    g = ctx.graph(row.report)
    province = ctx.reference.places.resolve(row.province)
    category = ctx.products.goods.resolve(row.category)
    if category.how == "unlisted":
        raise LookupError(f"{where}: goods category {row.category!r} is not in products.yaml")
    fig = mint("figure", row.report, f"goods-share-{province.slug}-{row.rank}")
    g.add((fig, RDF.type, CRM.Figure))
    names = category.entry
    g.add((fig, RDFS.label, Literal(f"{names['en']}: share of {province.entry['en'] if province.entry else row.province}'s CRM volume", lang="en")))
    g.add((fig, RDFS.label, Literal(f"{names['nl']}: aandeel in het CRM-volume van {province.entry['nl'] if province.entry else row.province}", lang="nl")))
    g.add((fig, CRM.value, Literal(row.share)))
    g.add((fig, CRM.unit, concept("unit", "percent")))
    g.add((fig, CRM.metric, concept("metric", "share-of-crm-volume")))
    g.add((fig, CRM.qualifier, concept("qualifier", "about")))
    g.add((fig, CRM.about, category.iri))
    g.add((fig, CRM.inPlace, province.iri))
    g.add((fig, CRM.rank, Literal(row.rank)))
    g.add((fig, CRM.inReport, mint("report", row.report)))
    ctx.derive(fig, row.source, "table-row")


@_emit.register
def _organisation_fact(fact: F.OrganisationFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    org = ctx.organisation(fact.name, fact.origin, fact.report).iri
    for activity in fact.activities:
        g.add((org, CRM.activity, _activity(ctx, activity, fact.origin)))
    if fact.location:
        g.add((org, CRM.locatedIn, ctx.place(fact.location, fact.origin)))
    for lang, text in (fact.description or {}).items():
        g.add((org, CRM.description, Literal(text, lang=lang)))
    for material in fact.materials:
        g.add((org, CRM.worksOnMaterial, ctx.material(material, fact.origin)))
    for product in fact.products:
        g.add((org, CRM.worksOnProduct, ctx.product(product, fact.origin)))
    for partner in fact.partners:
        g.add((org, CRM.partnerOf, ctx.organisation(partner, fact.origin, fact.report).iri))
    g.add((org, CRM.namedIn, mint("report", fact.report)))
    _derive_all(ctx, org, fact)


def _activity(ctx: Context, label_or_slug: str, where: str):
    """An activity concept by slug or by any of its labels."""
    found = ctx.concepts.lookup("activity", label_or_slug)
    return found if found is not None else ctx.concepts.iri("activity", label_or_slug, where)


@_emit.register
def _listing(row: F.OrganisationListing, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    g = ctx.graph(row.report)
    org = ctx.organisation(row.name, where, row.report)
    _printed_name(g, org, row.name)
    g.add((org.iri, CRM.activity, _activity(ctx, row.activity, where)))
    g.add((org.iri, CRM.namedIn, mint("report", row.report)))
    ctx.derive(org.iri, row.source, "figure-text")


@_emit.register
def _list_entry(row: F.ListEntryRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    match = ctx.reference.materials.resolve(row.label)
    if match.how == "unlisted":
        raise LookupError(f"{where}: list entry {row.label!r} is not a material of materials.yaml")
    key = {"eu-crm-2023": "eu_crm_2023", "eu-srm-2024": "eu_strategic_2024"}.get(row.list)
    if key and not match.entry.get(key):
        raise LookupError(f"{where}: {row.label!r} is printed on {row.list} but materials.yaml says "
                          f"{match.slug} is not on it")
    ctx.graph(row.report).add((match.iri, CRM.namedIn, mint("report", row.report)))
    ctx.derive(match.iri, row.source, "table-row")


@_emit.register
def _figure_mention(item: F.FigureMention, ctx: Context) -> None:
    """A figure names a product kind (or, failing that, a material): ``passage crm:mentions`` it."""
    where = f"{item.source.edition}:{item.source.start}"
    for gazetteer in (ctx.products.products, ctx.reference.materials):
        match = gazetteer.resolve(item.name)
        if match.how != "unlisted":
            break
    else:
        raise LookupError(f"{where}: {item.name!r} is neither a product of products.yaml "
                          "nor a material of materials.yaml")
    passage = ctx.passage(item.source, "figure-text")
    ctx.graph(item.report).add((passage, CRM.mentions, match.iri))


@_emit.register
def _activity_definition(row: F.ActivityDefinitionRow, ctx: Context) -> None:
    where = f"{row.source.edition}:{row.source.start}"
    found = ctx.concepts.lookup("activity", row.label)
    if found is None:
        raise LookupError(f"{where}: {row.label!r} is not a label of an activity concept")
    ctx.derive(found, row.source, "table-row")


def _parent(notation: str) -> str | None:
    return notation.rsplit(".", 1)[0] if "." in notation else None


@_emit.register
def _recommendation_item(item: F.RecommendationItem, ctx: Context) -> None:
    where = f"{item.source.edition}:{item.source.start}"
    g = ctx.graph(item.report)
    rec = mint("recommendation", item.report, item.notation)
    g.add((rec, RDF.type, CRM.Recommendation))
    g.add((rec, CRM.notation, Literal(item.notation)))
    g.add((rec, CRM.number, Literal(int(item.notation.rsplit(".", 1)[-1]))))
    g.add((rec, CRM.inReport, mint("report", item.report)))
    for lang, title in ctx.title(item.report, "recommendations", item.notation, where).items():
        g.add((rec, RDFS.label, Literal(title, lang=lang)))
    parent = _parent(item.notation)
    if parent:
        g.add((rec, CRM.subRecommendationOf, mint("recommendation", item.report, parent)))
    ctx.derive(rec, item.source)


@_emit.register
def _recommendation_detail(fact: F.RecommendationDetail, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    rec = mint("recommendation", fact.report, fact.notation)
    if fact.province_role:
        g.add((rec, CRM.provinceRole, ctx.concepts.iri("province-role", fact.province_role, fact.origin)))
    for party in fact.parties:
        g.add((rec, CRM.involvesParty, ctx.organisation(party, fact.origin, fact.report).iri))
    for policy in fact.instruments:
        g.add((rec, CRM.usesInstrument, ctx.policy(policy, fact.origin)))
    for actor in fact.actors:
        found = ctx.concepts.lookup("actor-type", actor)
        g.add((rec, CRM.responsibleActorType,
               found if found is not None else ctx.concepts.iri("actor-type", actor, fact.origin)))
    if fact.time_frame:
        g.add((rec, CRM.timeFrame, ctx.concepts.iri("time-frame", fact.time_frame, fact.origin)))
    for number in fact.opportunities:
        g.add((rec, CRM.servesOpportunity, mint("opportunity", fact.report, number)))
    for challenge in fact.challenges:
        g.add((rec, CRM.addressesChallenge, mint("challenge", fact.report, challenge)))
    _derive_all(ctx, rec, fact)


@_emit.register
def _opportunity_detail(fact: F.OpportunityDetail, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    opp = mint("opportunity", fact.report, fact.number)
    _concerns(ctx, g, opp, fact)
    for capability in fact.capabilities:
        g.add((opp, CRM.buildsOn, mint("capability", fact.report, capability)))
    for place in fact.places:
        g.add((opp, CRM.forRegion, ctx.place(place, fact.origin)))
    _derive_all(ctx, opp, fact)


@_emit.register
def _capability(fact: F.CapabilityFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    cap = mint("capability", fact.report, fact.id)
    g.add((cap, RDF.type, CRM.Capability))
    _labels(g, cap, fact.label)
    g.add((cap, CRM.inReport, mint("report", fact.report)))
    for place in fact.places:
        g.add((cap, CRM.forRegion, ctx.place(place, fact.origin)))
    for org in fact.organisations:
        g.add((cap, PROV.wasAttributedTo, ctx.organisation(org, fact.origin, fact.report).iri))
    _concerns(ctx, g, cap, fact)
    _derive_all(ctx, cap, fact)


@_emit.register
def _challenge(fact: F.ChallengeFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    where = fact.origin or f"{fact.source.edition}:{fact.source.start}"
    node = mint("challenge", fact.report, fact.id)
    g.add((node, RDF.type, CRM.Challenge))
    # a parsed table row has no label of its own: its short titles are curated (titles.yaml)
    _labels(g, node, fact.label or ctx.title(fact.report, "challenges", fact.id, where))
    category = ctx.concepts.lookup("challenge-category", fact.category)  # a printed label ...
    g.add((node, CRM.challengeCategory, category if category is not None else
           ctx.concepts.iri("challenge-category", fact.category, where)))  # ... or a slug
    g.add((node, CRM.inReport, mint("report", fact.report)))
    _derive_all(ctx, node, fact)


@_emit.register
def _swot(fact: F.SwotFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("swot", fact.report, fact.id)
    g.add((node, RDF.type, CRM.SwotItem))
    _labels(g, node, fact.label)
    g.add((node, CRM.swotCategory, ctx.concepts.iri("swot", fact.category, fact.origin)))
    g.add((node, CRM.inReport, mint("report", fact.report)))
    _concerns(ctx, g, node, fact)
    _derive_all(ctx, node, fact)


def _date_literal(text: str) -> tuple[Literal, str]:
    """ISO date of a (partial) date and its precision: 2023-07 → 2023-07-01, month."""
    parts = text.split("-")
    precision = {1: "year", 2: "month", 3: "day"}[len(parts)]
    full = "-".join(parts + ["01"] * (3 - len(parts)))
    return Literal(full, datatype=XSD.date), precision


@_emit.register
def _event(fact: F.EventFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    node = mint("event", fact.id)
    g.add((node, RDF.type, CRM.TradeMeasure if fact.measure else CRM.Event))
    _labels(g, node, fact.label)
    for kind, slug in ((fact.actor,) if fact.actor else ()) + fact.partners:
        g.add((node, CRM.actor, ctx.ref(kind, slug, fact.origin, fact.report)))
    if fact.measure:
        g.add((node, CRM.measureType, ctx.concepts.iri("measure-type", fact.measure, fact.origin)))
    for country in fact.affects:
        g.add((node, CRM.affectsCountry, ctx.place(country, fact.origin)))
    _concerns(ctx, g, node, fact)
    precisions = []
    for prop, value in ((CRM.announcedOn, fact.announced), (CRM.effectiveOn, fact.effective)):
        if value:
            literal, precision = _date_literal(value)
            g.add((node, prop, literal))
            precisions.append(precision)
    if precisions:
        coarsest = max(precisions, key=["day", "month", "year"].index)
        g.add((node, CRM.datePrecision, concept("date-precision", coarsest)))
    if fact.amount:
        value, unit = fact.amount
        amount = mint("figure", fact.report, f"{fact.id}-amount")
        g.add((amount, RDF.type, CRM.Figure))
        g.add((amount, CRM.value, Literal(value)))
        g.add((amount, CRM.unit, ctx.concepts.iri("unit", unit, fact.origin)))
        g.add((amount, CRM.metric, concept("metric", "money")))
        g.add((amount, CRM.about, node))
        g.add((amount, CRM.inReport, mint("report", fact.report)))
        _labels(g, amount, {"en": f"Amount: {fact.label['en']}", "nl": f"Bedrag: {fact.label['nl']}"})
        g.add((node, CRM.amount, amount))
        _derive_all(ctx, amount, fact)
    _derive_all(ctx, node, fact)


@_emit.register
def _policy_fact(fact: F.PolicyFact, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    policy = ctx.policy(fact.policy, fact.origin)
    for kind, slug in fact.applies_to:
        g.add((policy, CRM.appliesTo, ctx.ref(kind, slug, fact.origin, fact.report)))
    for other in fact.implements:
        g.add((policy, CRM.implements, ctx.policy(other, fact.origin)))
    g.add((policy, CRM.namedIn, mint("report", fact.report)))
    _derive_all(ctx, policy, fact)


@_emit.register
def _statement_disagreement(fact: F.StatementDisagreement, ctx: Context) -> None:
    g = ctx.graph(fact.report)
    a = ctx.ref(*fact.a, fact.origin, fact.report)
    b = ctx.ref(*fact.b, fact.origin, fact.report)
    g.add((a, CRM.disagreesWith, b))
    if fact.note:
        _labels(g, a, fact.note, RDFS.comment)


@_emit.register
def _disagreement(fact: F.Disagreement, ctx: Context) -> None:
    """Two passages that should agree (e.g. Table 1 and Table 5 rows) and do not."""
    g = ctx.graph(fact.report)
    first, *others = [ctx.passage(span) for span in fact.sources]
    for other in others:
        g.add((first, CRM.disagreesWith, other))
    g.add((first, RDFS.comment, Literal(fact.detail, lang="en")))
    if fact.detail_nl:
        g.add((first, RDFS.comment, Literal(fact.detail_nl, lang="nl")))


# Sites, rankings, flows, forecasts, horizons, dates, roles (issue 22, part 2): pipeline/rdf/sites.py
for _record, _emitter in sites.EMITTERS.items():
    register(_record, _emitter)
