"""curated: narrative facts transcribed by hand into ``data/curated/<report>/*.yaml``.

What no parser can read reliably (which materials a product contains, figures
in running text, SWOT points, trade events…) is transcribed here, each entry
with the passage it comes from. Every file is a mapping of *sections* to lists
of entries; the section decides the record type (:mod:`crm_kg.pipeline.records`). Spans
are written ``<edition>:<first>[-<last>]`` (``nhfl-2025-en:402-405``);
``also`` lists the same passage in other editions. Labels are short and in our
own words; the report's sentences stay in the source file.

Sections and their keys (``?`` optional)::

    contains:        product | goods_category, materials, source, also?
    parts:           whole, part, source, also?
    constituents:    material, constituents, source, also?
    figures:         id, label, value, unit, metric?, qualifier?, upper?, about?,
                     place?, stage?, years?, rank?, cites?, source, also?
    organisations:   name, activities?, location?, description?, materials?,
                     products?, partners?, source, also?
    recommendations: notation, province_role?, parties?, instruments?, actors?,
                     time_frame?, opportunities?, challenges?, source, also?
    opportunities:   number, materials?, products?, capabilities?, places?, source, also?
    capabilities:    id, label, places?, organisations?, materials?, products?, source, also?
    challenges:      id, label, category, source, also?
    swot:            id, label, category, materials?, products?, source, also?
    events:          id, label, actor?, partners?, measure?, affects?, materials?, products?,
                     announced?, effective?, amount?, source, also?
    policies:        policy, applies_to?, implements?, source, also?
    disagreements:   a, b, note?, source, also?   (a, b: kind:id of two statements,
                     or two spans <edition>:<lines> of passages that disagree; then note is required)
    sites:           id, label, kind, place, status?, operator?, assets?, figures?, source, also?
    rankings:        id, label, subject, kind, scope, position?, among?, source, also?
    flows:           id, label, kind, from?, to?, of?, likelihood?, horizon_from?, horizon_to?,
                     source, also?
    forecasts:       id, label, of?, variable, direction, scope?, likelihood?, horizon_from?,
                     horizon_to?, figures?, source, also?
    horizons:        subject, horizon_from?, horizon_to?, source, also?
    dates:           policy, presented, source, also?
    roles:           notation, lead?, partners?, source, also?

References to other things are slugs of ``data/reference`` entries (or names
the gazetteers resolve); typed references are ``kind:slug``
(``material:gallium``, ``goods-category:basic-chemical-products``).
``titles.yaml`` (short titles of numbered items) is read by the build directly.
Unknown sections or keys, wrong types and spans outside their file are errors
naming file and line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .. import yamlio
from . import records as F
from .sources import Document, Span

_SPAN = re.compile(r"^([a-z0-9-]+):(\d+)(?:-(\d+))?$")
_REF = re.compile(r"^([a-z-]+):([A-Za-z0-9.-]+)$")
TEXTS = ("dict", True)
LIST = "list?"
COMMON = {"source": ("str", True), "also": LIST}

SCHEMAS: dict[str, dict] = {
    "contains": {"product": "str?", "goods_category": "str?", "materials": ("list", True), **COMMON},
    "parts": {"whole": ("str", True), "part": ("str", True), **COMMON},
    "constituents": {"material": ("str", True), "constituents": ("list", True), **COMMON},
    "figures": {"id": ("str", True), "label": TEXTS, "value": ("any", True), "unit": ("str", True),
                "metric": "str?", "qualifier": "str?", "upper": "any", "about": LIST, "place": "str?",
                "stage": "str?", "years": "any", "rank": "int?", "cites": "str?", **COMMON},
    "organisations": {"name": ("str", True), "activities": LIST, "location": "str?",
                      "description": "dict?", "materials": LIST, "products": LIST, "partners": LIST,
                      **COMMON},
    "recommendations": {"notation": ("any", True), "province_role": "str?", "parties": LIST,
                        "instruments": LIST, "actors": LIST, "time_frame": "str?",
                        "opportunities": LIST, "challenges": LIST, **COMMON},
    "opportunities": {"number": ("int", True), "materials": LIST, "products": LIST,
                      "capabilities": LIST, "places": LIST, **COMMON},
    "capabilities": {"id": ("str", True), "label": TEXTS, "places": LIST, "organisations": LIST,
                     "materials": LIST, "products": LIST, **COMMON},
    "challenges": {"id": ("str", True), "label": TEXTS, "category": ("str", True), **COMMON},
    "swot": {"id": ("str", True), "label": TEXTS, "category": ("str", True), "materials": LIST,
             "products": LIST, **COMMON},
    "events": {"id": ("str", True), "label": TEXTS, "actor": "str?", "partners": LIST, "measure": "str?",
               "affects": LIST,
               "materials": LIST, "products": LIST, "announced": "any", "effective": "any",
               "amount": "dict?", **COMMON},
    "policies": {"policy": ("str", True), "applies_to": LIST, "implements": LIST, **COMMON},
    "disagreements": {"a": ("str", True), "b": ("str", True), "note": "dict?", **COMMON},
    # issue 22, part 2 (sites.yaml): records.SiteFact … RoleFact
    "sites": {"id": ("str", True), "label": TEXTS, "kind": ("str", True), "place": ("str", True),
              "status": "str?", "operator": "str?", "assets": LIST, "figures": LIST, **COMMON},
    "rankings": {"id": ("str", True), "label": TEXTS, "subject": ("str", True), "kind": ("str", True),
                 "scope": ("str", True), "position": "int?", "among": LIST, **COMMON},
    "flows": {"id": ("str", True), "label": TEXTS, "kind": ("str", True), "from": LIST, "to": LIST,
              "of": LIST, "likelihood": "str?", "horizon_from": "int?", "horizon_to": "int?", **COMMON},
    "forecasts": {"id": ("str", True), "label": TEXTS, "of": LIST, "variable": ("str", True),
                  "direction": ("str", True), "scope": LIST, "likelihood": "str?", "horizon_from": "int?",
                  "horizon_to": "int?", "figures": LIST, **COMMON},
    "horizons": {"subject": ("str", True), "horizon_from": "int?", "horizon_to": "int?", **COMMON},
    "dates": {"policy": ("str", True), "presented": ("any", True), **COMMON},
    "roles": {"notation": ("any", True), "lead": LIST, "partners": LIST, **COMMON},
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_span(text: str, documents: dict[str, Document], where: str) -> Span:
    match = _SPAN.match(str(text).strip())
    if not match:
        raise yamlio.InputError(f"{where}: span {text!r} is not <edition>:<first>[-<last>]")
    edition, first, last = match.group(1), int(match.group(2)), int(match.group(3) or match.group(2))
    doc = documents.get(edition)
    if doc is None:
        raise yamlio.InputError(f"{where}: unknown edition {edition!r} in span {text!r}")
    try:
        return doc.span(first, last)
    except ValueError as exc:
        raise yamlio.InputError(f"{where}: {exc}") from None


def parse_ref(text: str, where: str) -> tuple[str, str]:
    match = _REF.match(str(text).strip())
    if not match:
        raise yamlio.InputError(f"{where}: {text!r} is not a kind:slug reference")
    return match.group(1), match.group(2)


def _texts(value, where: str) -> dict:
    if not isinstance(value, dict) or not value.get("en") or not value.get("nl"):
        raise yamlio.InputError(f"{where}: needs short texts in English and Dutch: {{en: …, nl: …}}")
    if set(value) - {"en", "nl"}:
        raise yamlio.InputError(f"{where}: texts take only en and nl")
    return {"en": str(value["en"]), "nl": str(value["nl"])}


def _decimal(value, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise yamlio.InputError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite():
        raise yamlio.InputError(f"{where}: {value!r} is not a finite number")
    return number


def _date(value, where: str) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not _DATE.match(text):
        raise yamlio.InputError(f"{where}: date {text!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    return text


def _strings(values) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _entry(section: str, e: yamlio.Mapping, report: str, documents: dict[str, Document]):
    where = e.where()
    base = {"report": report, "source": parse_span(e["source"], documents, e.where("source")),
            "also": tuple(parse_span(s, documents, e.where("also")) for s in e.get("also") or ()),
            "origin": where}
    for span in (base["source"], *base["also"]):
        if documents[span.edition].edition.report != report:
            raise yamlio.InputError(f"{where}: span {span.edition}:{span.slug} is not an edition of {report}")
    if section == "contains":
        kinds = [k for k in ("product", "goods_category") if e.get(k)]
        if len(kinds) != 1:
            raise yamlio.InputError(f"{where}: give exactly one of product or goods_category")
        return F.ContainsFact(**base, subject_kind=kinds[0].replace("_", "-"), subject=e[kinds[0]],
                              materials=_strings(e["materials"]))
    if section == "parts":
        return F.PartFact(**base, whole=e["whole"], part=e["part"])
    if section == "constituents":
        return F.ConstituentFact(**base, material=e["material"], constituents=_strings(e["constituents"]))
    if section == "figures":
        years = e.get("years")
        years = tuple(int(y) for y in (years if isinstance(years, list) else [years] if years else []))
        return F.FigureFact(
            **base, id=e["id"], label=_texts(e["label"], e.where("label")),
            value=_decimal(e["value"], e.where("value")), unit=e["unit"], metric=e.get("metric"),
            qualifier=e.get("qualifier"),
            upper=_decimal(e["upper"], e.where("upper")) if e.get("upper") is not None else None,
            about=tuple(parse_ref(r, e.where("about")) for r in e.get("about") or ()),
            place=e.get("place"), stage=e.get("stage"), years=years, rank=e.get("rank"),
            cites=e.get("cites"))
    if section == "organisations":
        return F.OrganisationFact(
            **base, name=e["name"], activities=_strings(e.get("activities")), location=e.get("location"),
            description=_texts(e["description"], e.where("description")) if e.get("description") else None,
            materials=_strings(e.get("materials")), products=_strings(e.get("products")),
            partners=_strings(e.get("partners")))
    if section == "recommendations":
        return F.RecommendationDetail(
            **base, notation=str(e["notation"]), province_role=e.get("province_role"),
            parties=_strings(e.get("parties")), instruments=_strings(e.get("instruments")),
            actors=_strings(e.get("actors")), time_frame=e.get("time_frame"),
            opportunities=tuple(int(n) for n in e.get("opportunities") or ()),
            challenges=_strings(e.get("challenges")))
    if section == "opportunities":
        return F.OpportunityDetail(
            **base, number=e["number"], materials=_strings(e.get("materials")),
            products=_strings(e.get("products")), capabilities=_strings(e.get("capabilities")),
            places=_strings(e.get("places")))
    if section == "capabilities":
        return F.CapabilityFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")),
                                places=_strings(e.get("places")),
                                organisations=_strings(e.get("organisations")),
                                materials=_strings(e.get("materials")), products=_strings(e.get("products")))
    if section == "challenges":
        return F.ChallengeFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")),
                               category=e["category"])
    if section == "swot":
        return F.SwotFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")),
                          category=e["category"], materials=_strings(e.get("materials")),
                          products=_strings(e.get("products")))
    if section == "events":
        amount = e.get("amount")
        if amount is not None:
            yamlio.check(amount, {"value": ("any", True), "unit": ("str", True)}, "amount")
            amount = (_decimal(amount["value"], e.where("amount")), amount["unit"])
        return F.EventFact(
            **base, id=e["id"], label=_texts(e["label"], e.where("label")),
            actor=parse_ref(e["actor"], e.where("actor")) if e.get("actor") else None,
            partners=tuple(parse_ref(r, e.where("partners")) for r in e.get("partners") or ()),
            measure=e.get("measure"), affects=_strings(e.get("affects")),
            materials=_strings(e.get("materials")), products=_strings(e.get("products")),
            announced=_date(e.get("announced"), e.where("announced")),
            effective=_date(e.get("effective"), e.where("effective")), amount=amount)
    if section == "policies":
        return F.PolicyFact(**base, policy=e["policy"],
                            applies_to=tuple(parse_ref(r, e.where("applies_to")) for r in e.get("applies_to") or ()),
                            implements=_strings(e.get("implements")))
    if section == "disagreements":
        if _SPAN.match(str(e["a"]).strip()) and _SPAN.match(str(e["b"]).strip()):
            # two passages (typically the two editions) that say different things
            if not e.get("note"):
                raise yamlio.InputError(f"{where}: a disagreement between passages needs a note")
            note = _texts(e["note"], e.where("note"))
            spans = tuple(parse_span(e[k], documents, e.where(k)) for k in ("a", "b"))
            return F.Disagreement(report, f"{spans[0].edition}:{spans[0].slug}", note["en"], spans,
                                  detail_nl=note["nl"])
        return F.StatementDisagreement(
            **base, a=parse_ref(e["a"], e.where("a")), b=parse_ref(e["b"], e.where("b")),
            note=_texts(e["note"], e.where("note")) if e.get("note") else None)
    if section in _CLAIM_SECTIONS:
        return _claim_entry(section, e, base)
    raise AssertionError(section)


# -- issue 22, part 2: sites, rankings, flows, forecasts, horizons, dates, roles ------------

_CLAIM_SECTIONS = ("sites", "rankings", "flows", "forecasts", "horizons", "dates", "roles")


def _refs(e: yamlio.Mapping, key: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_ref(r, e.where(key)) for r in e.get(key) or ())


def _horizon(e: yamlio.Mapping) -> dict:
    low, high = e.get("horizon_from"), e.get("horizon_to")
    if low is not None and high is not None and low > high:
        raise yamlio.InputError(f"{e.where('horizon_from')}: horizon_from {low} is after horizon_to {high}")
    return {"horizon_from": low, "horizon_to": high}


def _claim_entry(section: str, e: yamlio.Mapping, base: dict):
    where = e.where()
    if section == "sites":
        return F.SiteFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")), kind=e["kind"],
                          place=e["place"], status=e.get("status"), operator=e.get("operator"),
                          assets=_strings(e.get("assets")), figures=_strings(e.get("figures")))
    if section == "rankings":
        position = e.get("position")
        if position is not None and position < 1:
            raise yamlio.InputError(f"{e.where('position')}: a position is 1 or more")
        return F.RankingFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")),
                             subject=parse_ref(e["subject"], e.where("subject")), kind=e["kind"],
                             scope=e["scope"], position=position, among=_refs(e, "among"))
    if section == "flows":
        if not e.get("from") and not e.get("to"):
            raise yamlio.InputError(f"{where}: a flow needs from or to (or both)")
        return F.FlowFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")), kind=e["kind"],
                          origin_of=_refs(e, "from"), to=_refs(e, "to"), of=_refs(e, "of"),
                          likelihood=e.get("likelihood") or "stated", **_horizon(e))
    if section == "forecasts":
        return F.ForecastFact(**base, id=e["id"], label=_texts(e["label"], e.where("label")),
                              of=_refs(e, "of"), variable=e["variable"], direction=e["direction"],
                              scope=_strings(e.get("scope")), likelihood=e.get("likelihood") or "expected",
                              figures=_strings(e.get("figures")), **_horizon(e))
    if section == "horizons":
        if e.get("horizon_from") is None and e.get("horizon_to") is None:
            raise yamlio.InputError(f"{where}: a horizon needs horizon_from or horizon_to")
        subject = parse_ref(e["subject"], e.where("subject"))
        if subject[0] not in ("opportunity", "recommendation"):
            raise yamlio.InputError(f"{e.where('subject')}: a horizon is for an opportunity or a recommendation")
        return F.HorizonFact(**base, subject=subject, **_horizon(e))
    if section == "dates":
        presented = _date(e["presented"], e.where("presented"))
        return F.DateFact(**base, policy=e["policy"], presented=presented)
    if section == "roles":
        if not e.get("lead") and not e.get("partners"):
            raise yamlio.InputError(f"{where}: a role entry needs lead or partners")
        return F.RoleFact(**base, notation=str(e["notation"]), lead=_strings(e.get("lead")),
                          partners=_strings(e.get("partners")))
    raise AssertionError(section)


def load_file(path: Path, report: str, documents: dict[str, Document]) -> list:
    data = yamlio.load(path) or {}
    if not isinstance(data, yamlio.Mapping):
        raise yamlio.InputError(f"{path}: must be a mapping of sections")
    out = []
    for section, entries in data.items():
        schema = SCHEMAS.get(section)
        if schema is None:
            raise yamlio.InputError(f"{data.where(section)}: unknown section {section!r} "
                                    f"(sections: {', '.join(sorted(SCHEMAS))})")
        if not isinstance(entries, list):
            raise yamlio.InputError(f"{data.where(section)}: section {section!r} must be a list")
        for entry in entries:
            yamlio.check(entry, schema, f"{section} entry")
            out.append(_entry(section, entry, report, documents))
    return out


def load_report(directory: Path, report: str, documents: dict[str, Document]) -> list:
    """Every curated fact of a report (all files but titles.yaml, in name order)."""
    folder = Path(directory) / report
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "titles.yaml":
            out.extend(load_file(path, report, documents))
    return out
