"""Reference data: gazetteers of organisations, places, materials and policies.

Reads ``data/reference/*.yaml`` (hand-edited, reviewed) and ``data/sources.yaml``
and writes the ``graph/reference`` named graph: names in English and Dutch,
spellings the reports use (``skos:altLabel``; misprints and mistranslations as
``skos:hiddenLabel`` so they are found but never shown), types, located-in
chains, WGS84 points (GeoSPARQL), CBS/TOOI/ELI/CELEX identifiers, EU-list
membership, and ``skos:exactMatch`` links to Wikidata and TOOI (never
``owl:sameAs``). Every entry says where it comes from with
``dct:source <https://w3id.org/crm-kg/graph/reference>`` (the curated reference
data, described at /graph/reference): its provenance, as
``prov:wasDerivedFrom`` a passage is for facts read from a report (the SHACL
shapes require one or the other). Report-stated targets are claims of a report: they go to that
report's graph with the passage they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from ... import yamlio
from ...iri import CRM, DCT, GEO, ORG, SKOS, WD, graph_iri, mint
from ..curated import parse_span
from ..resolve import Gazetteer, concept

ORG_CLASS = {
    "company": CRM.Company, "government-body": CRM.GovernmentBody,
    "knowledge-institution": CRM.KnowledgeInstitution, "port-authority": CRM.PortAuthority,
    "network": CRM.Network, "foundation": CRM.Foundation, "programme": CRM.ResearchProject,
    "research-project": CRM.ResearchProject, "intergovernmental": CRM.IntergovernmentalOrganisation,
}
PLACE_CLASS = {
    "town": CRM.Town, "municipality": CRM.Municipality, "province": CRM.Province,
    "country": CRM.Country, "region": CRM.Region, "port-area": CRM.PortArea,
    "water-body": CRM.WaterBody, "supranational": CRM.SupranationalArea,
}
MATERIAL_CLASS = {
    "element": CRM.ChemicalElement, "element-group": CRM.ElementGroup, "mineral": CRM.Mineral,
    "processed-form": CRM.ProcessedMaterial, "compound": CRM.Compound,
}
POLICY_CLASS = {
    "regulation": CRM.Regulation, "directive": CRM.Directive,
    "legislative-proposal": CRM.LegislativeProposal, "strategy": CRM.Strategy,
    "agenda": CRM.Strategy, "programme": CRM.Strategy, "vision": CRM.Strategy,
    "deal": CRM.Strategy, "instrument": CRM.Instrument, "fund": CRM.Instrument,
    "treaty": CRM.Treaty, "policy-letter": CRM.PolicyDocument, "act": CRM.LegalAct,
}
LEVELS = {"eu", "national", "provincial", "municipal", "regional", "port", "international",
          "foreign", "foreign-national"}

ORG_SCHEMA = {"id": ("str", True), "name": ("str", True), "kind": ("str", True),
              "level": "str?", "aliases": "list?", "misprints": "list?", "located_in": "str?",
              "headquarters": "str?", "parent": "str?", "wikidata": "str?", "named_in": "list?",
              "description": "dict?", "cell_only": "list?"}
PLACE_SCHEMA = {"id": ("str", True), "kind": ("str", True), "en": ("str", True), "nl": ("str", True),
                "aliases": "list?", "located_in": "str?", "lat": "float?", "lon": "float?",
                "cbs": "str?", "tooi": "str?", "wikidata": "str?", "iso": "str?",
                "member_of_eu": "bool?", "part_of": "list?", "includes_municipalities": "list?",
                "cell_only": "list?"}
MATERIAL_SCHEMA = {"id": ("str", True), "kind": ("str", True), "en": ("str", True), "nl": ("str", True),
                   "symbol": "str?", "atomic_number": "int?", "wikidata": "str?", "member_of": "list?",
                   "eu_crm_2023": ("bool", True), "crm_list_label": "dict?",
                   "eu_strategic_2024": "bool?", "aliases": "dict?", "cell_only": "list?"}
POLICY_SCHEMA = {"id": ("str", True), "kind": ("str", True), "level": "str?", "name": ("dict", True),
                 "short_name": "str?", "issuer": "any", "year": "int?", "period": "list?",
                 "celex": "str?", "eli": "str?", "mentioned_in": "list?", "note": "dict?",
                 "aliases": "list?", "cell_only": "list?"}
TARGET_SCHEMA = {"id": ("str", True), "policy": "str?", "metric": ("dict", True), "value": ("float", True),
                 "unit": ("str", True), "target_year": "int?", "stated_in": ("str", True),
                 "lines": ("list", True), "metric_concept": "str?", "qualifier": "str?",
                 "also": "list?"}

LIST_SCHEMA = {"id": ("str", True), "class": ("str", True), "name": ("dict", True), "aliases": "list?",
               "issuer": "any", "year": ("int", True), "set_by": "str?", "mentioned_in": "list?",
               "note": "dict?", "cell_only": "list?"}
TOPIC_SCHEMA = {"concept": ("str", True), "terms": ("dict", True)}
LIST_CLASS = {"critical": CRM.CriticalRawMaterialsList, "strategic": CRM.StrategicRawMaterialsList}
MATERIAL_LISTS = (("eu-crm-2023", "eu_crm_2023"), ("eu-srm-2024", "eu_strategic_2024"))


REFERENCE_SOURCE = graph_iri("reference")  # dct:source of every gazetteer entry


def _literal_labels(g: Graph, iri: URIRef, names: dict[str, str], pref: bool = True) -> None:
    for lang, name in names.items():
        if name:
            g.add((iri, RDFS.label, Literal(name, lang=lang)))
            if pref:
                g.add((iri, SKOS.prefLabel, Literal(name, lang=lang)))


EUR_LEX = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:"   # + CELEX number


def names(g: Graph, iri: URIRef, entry: dict, preferred: dict[str | None, str]) -> None:
    """A gazetteer entry's source and names: ``dct:source`` the reference graph;
    preferred names per language (rdfs:label and skos:prefLabel; key None for a
    name in no language), ``aliases`` (a list, or lists per language) as
    skos:altLabel, ``misprints`` as skos:hiddenLabel — found by search and
    parsers, never shown — except those in ``cell_only``, which are ordinary
    words (a company's "Energie"): label search would match the word."""
    g.add((iri, DCT.source, REFERENCE_SOURCE))
    _literal_labels(g, iri, preferred)
    aliases = entry.get("aliases") or []
    by_lang = aliases.items() if isinstance(aliases, dict) else [(None, aliases)]
    for lang, texts in by_lang:
        for alias in texts or []:
            g.add((iri, SKOS.altLabel, Literal(alias, lang=lang)))
    cell_only = set(entry.get("cell_only") or [])
    for misprint in entry.get("misprints") or []:
        if misprint not in cell_only:   # an ordinary word ("Energie"): parsers only, not search
            g.add((iri, SKOS.hiddenLabel, Literal(misprint)))


def _issuers(e: dict) -> list[str]:
    issuer = e.get("issuer")
    if issuer is None:
        return []
    if isinstance(issuer, str):
        return [issuer]
    if isinstance(issuer, list) and all(isinstance(i, str) for i in issuer):
        return list(issuer)
    raise yamlio.InputError(f"{e.where('issuer')}: 'issuer' must be an organisation id or a list of them")


@dataclass
class Reference:
    organisations: Gazetteer
    places: Gazetteer
    materials: Gazetteer
    policies: Gazetteer
    targets: list[dict]
    reports: dict
    lists: Gazetteer = None  # type: ignore[assignment]
    topics: list[dict] = None  # type: ignore[assignment]

    def gazetteers(self) -> dict[str, Gazetteer]:
        """Every gazetteer by the IRI kind of its entries (the mention tagger reads them all)."""
        return {"material": self.materials, "organisation": self.organisations, "place": self.places,
                "policy": self.policies, "list": self.lists}

    @classmethod
    def load(cls, directory: Path) -> "Reference":
        directory = Path(directory)
        FILES = {"organisations": ("organisations",), "places": ("places",), "materials": ("materials",),
                 "policies": ("policies", "lists", "targets"), "topics": ("topics",)}
        data: dict[str, dict] = {}
        for name, keys in FILES.items():  # each file read once
            path = directory / f"{name}.yaml"
            data[name] = (yamlio.load(path) or {}) if path.exists() else {}
            if data[name]:
                yamlio.check(data[name], {k: "list?" for k in keys}, path.name)

        def items(name: str, key: str, schema: dict, what: str, unique: str | None = "id") -> list[dict]:
            out, seen = list(data[name].get(key) or []), set()
            for item in out:
                yamlio.check(item, schema, what)
                if unique:
                    if item[unique] in seen:
                        raise yamlio.InputError(f"{item.where(unique)}: duplicate {unique} {item[unique]!r}")
                    seen.add(item[unique])
            return out

        policies = items("policies", "policies", POLICY_SCHEMA, "policy")
        lists = items("policies", "lists", LIST_SCHEMA, "list")
        targets = items("policies", "targets", TARGET_SCHEMA, "target")
        topics = items("topics", "topics", TOPIC_SCHEMA, "topic", unique="concept")
        for item in topics:
            if item["concept"].count("/") != 1:
                raise yamlio.InputError(f"{item.where('concept')}: concept must be <scheme>/<slug>")
        sources = yamlio.load(directory.parent / "sources.yaml")
        reference = cls(
            organisations=Gazetteer("organisation", items("organisations", "organisations", ORG_SCHEMA,
                                                          "organisation")),
            places=Gazetteer("place", items("places", "places", PLACE_SCHEMA, "place")),
            materials=Gazetteer("material", items("materials", "materials", MATERIAL_SCHEMA, "material")),
            policies=Gazetteer("policy", policies),
            targets=targets,
            reports=dict(sources.get("reports") or {}),
            lists=Gazetteer("list", lists),
            topics=topics,
        )
        reference.check()
        return reference

    def check(self) -> None:
        """Every id a gazetteer entry refers to exists, and cell-only labels are labels.

        A dangling reference would mint an IRI nothing describes; it is an input
        error with the file and line of the reference.
        """
        def need(gazetteer: Gazetteer, e, key: str, slug: str) -> None:
            if slug not in gazetteer.entries:
                raise yamlio.InputError(f"{e.where(key)}: {key} refers to unknown {gazetteer.kind} {slug!r}")

        reports = sorted(self.reports)

        def need_report(e, key: str) -> None:
            for report in e.get(key) or []:
                if report not in reports:
                    raise yamlio.InputError(f"{e.where(key)}: unknown report {report!r} (one of {', '.join(reports)})")

        for report, meta in self.reports.items():
            for key, gazetteer in (("publisher", self.organisations), ("commissioned_by", self.organisations),
                                   ("regions", self.places)):
                values = meta.get(key) or []
                for slug in [values] if isinstance(values, str) else values:
                    if slug not in gazetteer.entries:
                        raise yamlio.InputError(f"sources.yaml: report {report}: {key} refers to unknown "
                                                f"{gazetteer.kind} {slug!r}")

        for e in self.organisations.entries.values():
            for key in ("located_in", "headquarters"):
                if e.get(key):
                    need(self.places, e, key, e[key])
            if e.get("parent"):
                need(self.organisations, e, "parent", e["parent"])
            need_report(e, "named_in")
        for e in self.places.entries.values():
            if e.get("located_in"):
                need(self.places, e, "located_in", e["located_in"])
            for key in ("part_of", "includes_municipalities"):
                for slug in e.get(key) or []:
                    need(self.places, e, key, slug)
        for e in self.materials.entries.values():
            for slug in e.get("member_of") or []:
                need(self.materials, e, "member_of", slug)
        for gazetteer in (self.policies, self.lists):
            for e in gazetteer.entries.values():
                for slug in _issuers(e):
                    need(self.organisations, e, "issuer", slug)
                need_report(e, "mentioned_in")
        for e in self.lists.entries.values():
            if e.get("set_by"):
                need(self.policies, e, "set_by", e["set_by"])
            if e["class"] not in LIST_CLASS:
                raise yamlio.InputError(f"{e.where('class')}: list class must be one of {', '.join(LIST_CLASS)}")
        for slug, _key in MATERIAL_LISTS:
            if slug not in self.lists.entries:
                raise yamlio.InputError(f"policies.yaml: the list {slug!r} that materials.yaml refers to is not defined")
        for t in self.targets:
            if t.get("policy"):
                need(self.policies, t, "policy", t["policy"])
        for gazetteer in self.gazetteers().values():
            for e in gazetteer.entries.values():
                printed = {label for label, _how in gazetteer._printed(e)}
                for label in e.get("cell_only") or []:
                    if label not in printed:
                        raise yamlio.InputError(f"{e.where('cell_only')}: {label!r} is not a name, alias or "
                                                f"misprint of {e['id']!r}")

    def topic_terms(self, concepts) -> list[tuple[URIRef, str]]:
        """``(concept IRI, term)`` for the tagger; ``concepts`` (a ConceptIndex) rejects unknown concepts."""
        out = []
        for item in self.topics or []:
            scheme, slug = item["concept"].split("/")
            iri = concepts.iri(scheme, slug, item.where("concept"))
            for lang, terms in item["terms"].items():
                for term in terms or []:
                    out.append((iri, term))
        return out

    def report(self, report: str) -> dict | None:
        return self.reports.get(report)

    def organisation_iri(self, slug: str) -> URIRef:
        return mint("organisation", slug)

    # -- emit ------------------------------------------------------------------

    def emit(self, g: Graph, ctx) -> None:
        for entry in self.organisations.entries.values():
            self._organisation(g, entry)
        for entry in self.places.entries.values():
            self._place(g, entry)
        self._lists(g)
        for entry in self.materials.entries.values():
            self._material(g, entry)
        for entry in self.policies.entries.values():
            self._policy(g, entry)
        for target in self.targets:
            self._target(ctx, target)

    def _organisation(self, g: Graph, e: dict) -> None:
        iri = mint("organisation", e["id"])
        cls = ORG_CLASS.get(e["kind"])
        if cls is None:
            raise yamlio.InputError(f"{e.where('kind')}: unknown organisation kind {e['kind']!r}")
        g.add((iri, RDF.type, cls))
        aliases = [alias for alias in e.get("aliases") or [] if alias != e["name"]]
        names(g, iri, {**e, "aliases": aliases}, {None: e["name"]})
        if e.get("level"):
            g.add((iri, CRM.governmentLevel, concept("level", self._level(e, "level"))))
        if e.get("located_in"):
            g.add((iri, CRM.locatedIn, mint("place", e["located_in"])))
        if e.get("headquarters"):
            g.add((iri, CRM.headquarteredIn, mint("place", e["headquarters"])))
        if e.get("parent"):
            g.add((iri, ORG.subOrganizationOf, mint("organisation", e["parent"])))
        if e.get("wikidata"):
            g.add((iri, SKOS.exactMatch, WD[e["wikidata"]]))
            g.add((iri, DCT.source, WD[e["wikidata"]]))
        for report in e.get("named_in") or []:
            g.add((iri, CRM.namedIn, mint("report", report)))
        for lang, text in (e.get("description") or {}).items():
            g.add((iri, CRM.description, Literal(text, lang=lang)))

    @staticmethod
    def _level(e: dict, key: str) -> str:
        level = e[key]
        if level not in LEVELS:
            raise yamlio.InputError(f"{e.where(key)}: unknown level {level!r}")
        return "foreign" if level == "foreign-national" else level

    def _place(self, g: Graph, e: dict) -> None:
        iri = mint("place", e["id"])
        cls = PLACE_CLASS.get(e["kind"])
        if cls is None:
            raise yamlio.InputError(f"{e.where('kind')}: unknown place kind {e['kind']!r}")
        g.add((iri, RDF.type, cls))
        names(g, iri, e, {"en": e["en"], "nl": e["nl"]})
        if e.get("located_in"):
            g.add((iri, CRM.locatedIn, mint("place", e["located_in"])))
        for region in e.get("part_of") or []:
            g.add((iri, CRM.partOfRegion, mint("place", region)))
        for municipality in e.get("includes_municipalities") or []:
            g.add((mint("place", municipality), CRM.partOfRegion, iri))
        if e.get("lat") is not None and e.get("lon") is not None:
            point = mint("geometry", e["id"])
            g.add((iri, GEO.hasGeometry, point))
            g.add((point, RDF.type, GEO.Geometry))
            wkt = f"POINT({Decimal(str(e['lon'])):f} {Decimal(str(e['lat'])):f})"
            g.add((point, GEO.asWKT, Literal(wkt, datatype=GEO.wktLiteral)))
            g.add((point, DCT.source, REFERENCE_SOURCE))   # the coordinates of places.yaml
        if e.get("cbs"):
            g.add((iri, CRM.cbsCode, Literal(e["cbs"])))
        if e.get("tooi"):   # the CBS code and name come from the government's TOOI lists
            g.add((iri, SKOS.exactMatch, URIRef(e["tooi"])))
            g.add((iri, DCT.source, URIRef(e["tooi"])))
        if e.get("wikidata"):
            g.add((iri, SKOS.exactMatch, WD[e["wikidata"]]))
            g.add((iri, DCT.source, WD[e["wikidata"]]))
        if e.get("iso"):
            g.add((iri, CRM.isoCode, Literal(e["iso"])))
        if e.get("member_of_eu"):
            g.add((iri, CRM.memberStateOf, mint("place", "european-union")))

    def _lists(self, g: Graph) -> None:
        for e in self.lists.entries.values():
            iri = mint("list", e["id"])
            g.add((iri, RDF.type, LIST_CLASS[e["class"]]))
            g.add((iri, CRM.listYear, Literal(int(e["year"]))))
            names(g, iri, e, dict(e["name"]))
            for issuer in _issuers(e):
                g.add((iri, CRM.issuedBy, mint("organisation", issuer)))
            if e.get("set_by"):
                g.add((iri, DCT.source, mint("policy", e["set_by"])))
            for report in e.get("mentioned_in") or []:
                g.add((iri, CRM.namedIn, mint("report", report)))
            for lang, text in (e.get("note") or {}).items():
                g.add((iri, CRM.description, Literal(text, lang=lang)))

    def _material(self, g: Graph, e: dict) -> None:
        iri = mint("material", e["id"])
        cls = MATERIAL_CLASS.get(e["kind"])
        if cls is None:
            raise yamlio.InputError(f"{e.where('kind')}: unknown material kind {e['kind']!r}")
        g.add((iri, RDF.type, cls))
        names(g, iri, e, {"en": e["en"], "nl": e["nl"]})
        if e.get("symbol"):
            g.add((iri, CRM.elementSymbol, Literal(e["symbol"])))
        if e.get("atomic_number") is not None:
            g.add((iri, CRM.atomicNumber, Literal(int(e["atomic_number"]))))
        if e.get("wikidata"):
            g.add((iri, SKOS.exactMatch, WD[e["wikidata"]]))
            g.add((iri, DCT.source, WD[e["wikidata"]]))
        for group in e.get("member_of") or []:
            group_entry = self.materials.get(group)
            if group_entry is None:
                raise yamlio.InputError(f"{e.where('member_of')}: unknown group {group!r}")
            prop = CRM.subGroupOf if e["kind"] == "element-group" else CRM.memberOfGroup
            g.add((iri, prop, mint("material", group)))
        for list_slug, key in MATERIAL_LISTS:
            value = e.get(key)
            if value is True:
                g.add((iri, CRM.onList, mint("list", list_slug)))
                g.add((iri, DCT.source, mint("list", list_slug)))   # the list says so
            elif value is False and not self._covered(e, key):
                g.add((iri, CRM.notOnList, mint("list", list_slug)))
        for lang, label in (e.get("crm_list_label") or {}).items():
            for text in (label if isinstance(label, list) else [label]):
                g.add((iri, CRM.entryLabel, Literal(text, lang=lang)))

    def _covered(self, e: dict, key: str) -> bool:
        """A material not listed itself but through its group (lanthanum: light
        rare earth elements) or its sub-groups (rare earth elements: light and
        heavy rare earth elements) is not said to be off the list."""
        groups = [self.materials.get(g) or {} for g in e.get("member_of") or []]
        subgroups = [m for m in self.materials.entries.values()
                     if m["kind"] == "element-group" and e["id"] in (m.get("member_of") or [])]
        return any(m.get(key) for m in groups + subgroups)

    def _policy(self, g: Graph, e: dict) -> None:
        iri = mint("policy", e["id"])
        cls = POLICY_CLASS.get(e["kind"])
        if cls is None:
            raise yamlio.InputError(f"{e.where('kind')}: unknown policy kind {e['kind']!r}")
        g.add((iri, RDF.type, cls))
        names(g, iri, e, dict(e["name"]))
        if e.get("short_name"):
            g.add((iri, CRM.shortName, Literal(e["short_name"])))
            g.add((iri, SKOS.altLabel, Literal(e["short_name"])))
        if e.get("level"):
            g.add((iri, CRM.governmentLevel, concept("level", self._level(e, "level"))))
        for issuer in _issuers(e):
            g.add((iri, CRM.issuedBy, mint("organisation", issuer)))
        if e.get("year"):
            g.add((iri, CRM.year, Literal(int(e["year"]))))
        period = e.get("period") or []
        if len(period) == 2:
            g.add((iri, CRM.startYear, Literal(int(period[0]))))
            g.add((iri, CRM.endYear, Literal(int(period[1]))))
        if e.get("celex"):
            g.add((iri, CRM.celex, Literal(e["celex"])))
            g.add((iri, DCT.source, URIRef(EUR_LEX + e["celex"])))
        if e.get("eli"):
            g.add((iri, CRM.eli, URIRef(e["eli"])))
            g.add((iri, DCT.source, URIRef(e["eli"])))
        for report in e.get("mentioned_in") or []:
            g.add((iri, CRM.namedIn, mint("report", report)))
        for lang, text in (e.get("note") or {}).items():
            g.add((iri, CRM.description, Literal(text, lang=lang)))

    def _target(self, ctx, t: dict) -> None:
        edition = t["stated_in"]
        if edition not in ctx.documents:
            raise yamlio.InputError(f"{t.where('stated_in')}: unknown edition {edition!r}")
        doc = ctx.documents[edition]
        lines = t["lines"]
        try:
            span = doc.span(int(lines[0]), int(lines[-1]))
        except ValueError as exc:
            raise yamlio.InputError(f"{t.where('lines')}: {exc}") from None
        report = doc.edition.report
        with ctx.citing((span,)):
            self._target_triples(ctx, t, report, span)

    @staticmethod
    def _target_triples(ctx, t: dict, report: str, span) -> None:
        g = ctx.graph(report)
        iri = mint("target", t["id"])
        g.add((iri, RDF.type, CRM.Target))
        _literal_labels(g, iri, dict(t["metric"]), pref=False)
        g.add((iri, CRM.value, Literal(Decimal(str(t["value"])))))
        g.add((iri, CRM.unit, ctx.concepts.iri("unit", t["unit"], t.where("unit"))))
        g.add((iri, CRM.inReport, mint("report", report)))
        if t.get("policy"):
            g.add((iri, CRM.setBy, mint("policy", t["policy"])))
        if t.get("target_year"):
            g.add((iri, CRM.targetYear, Literal(int(t["target_year"]))))
        if t.get("metric_concept"):
            g.add((iri, CRM.metric, ctx.concepts.iri("metric", t["metric_concept"], t.where("metric_concept"))))
        if t.get("qualifier"):
            g.add((iri, CRM.qualifier, ctx.concepts.iri("qualifier", t["qualifier"], t.where("qualifier"))))
        ctx.derive(iri, span)
        for other in t.get("also") or ():   # the same claim in another edition: one node, both sources
            other_span = parse_span(other, ctx.documents, t.where("also"))
            if ctx.documents[other_span.edition].edition.report != report:
                raise yamlio.InputError(f"{t.where('also')}: {other} is not an edition of {report}")
            ctx.derive(iri, other_span)
