"""The table of validation cases: for every SHACL shape and every SPARQL check, the
mistakes it must catch and the near misses it must let pass.

Each case applies one SPARQL Update to the clean fixture (tests/cases/validation/
clean.ttl + ontology/crm.ttl) and names the rule (``shapes:…`` or ``check:…``)
that must — or, for ``catches=False``, must not — report the focus node. In the
updates, ``@kind/slug`` stands for ``<https://w3id.org/crm-kg/id/kind/slug>``.
tests/test_validation_rules.py runs them; its meta-test fails when a shape or a
check has no catching case here. :func:`mutated` applies a case (the update runs
in pyoxigraph, whose quads are quick to compare; the difference is applied to
the rdflib graph pyshacl validates, and to rudof's data in
tests/test_validation_engines.py) and puts the fixture back afterwards.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph

from crm_kg.sparql.terms import from_ox

PREFIXES = """PREFIX crm: <https://w3id.org/crm-kg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
"""
ID = "https://w3id.org/crm-kg/id/"
CLEAN = Path(__file__).parent / "cases" / "validation" / "clean.ttl"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_AT = re.compile(r"@([a-z][a-z0-9-]*/[A-Za-z0-9._/-]*[A-Za-z0-9])")


def expand(text: str) -> str:
    """``@kind/slug`` → ``<https://w3id.org/crm-kg/id/kind/slug>`` (language tags have no slash)."""
    return _AT.sub(lambda m: f"<{ID}{m.group(1)}>", text)


@dataclass(frozen=True)
class Case:
    rule: str                 # shapes:Name or check:name
    update: str               # SPARQL Update on the clean fixture
    focus: str                # the node the rule reports (@kind/slug or a full IRI)
    catches: bool = True      # False: a near miss the rule must pass
    why: str = ""             # the real mistake this stands for

    @property
    def sparql(self) -> str:
        return PREFIXES + expand(self.update)

    @property
    def focus_iri(self) -> str:
        return expand(self.focus).strip("<>")

    @property
    def id(self) -> str:
        return f"{self.rule}:{'catch' if self.catches else 'pass'}:{self.why or self.focus}"


def set_(node: str, prop: str, value: str) -> str:
    """Replace every value of ``prop`` on ``node`` by ``value``."""
    return f"DELETE {{ {node} {prop} ?o }} INSERT {{ {node} {prop} {value} }} WHERE {{ OPTIONAL {{ {node} {prop} ?o }} }}"


def drop(node: str, prop: str) -> str:
    return f"DELETE WHERE {{ {node} {prop} ?o }}"


def add(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


def remove(triples: str) -> str:
    return f"DELETE DATA {{ {triples} }}"


def new(iri: str, cls: str) -> str:
    """A node of class ``cls`` with a badly minted IRI."""
    return add(f"<{iri}> a {cls} .")


def catch(rule: str, update: str, focus: str, why: str = "") -> Case:
    return Case(rule if ":" in rule else f"shapes:{rule}", update, focus, True, why)


def passes(rule: str, update: str, focus: str, why: str = "") -> Case:
    return Case(rule if ":" in rule else f"shapes:{rule}", update, focus, False, why)


REC1, REC2 = "@recommendation/nhfl-2025/1", "@recommendation/nhfl-2025/2"
ZREC1, ZREC2, ZSUB = "@recommendation/zh-2024/1", "@recommendation/zh-2024/2", "@recommendation/zh-2024/2.1"
OPP1, ZOPP1 = "@opportunity/nhfl-2025/1", "@opportunity/zh-2024/1"
SHARE = "@figure/nhfl-2025/gallium-share-china"
TURBINES = "@figure/nhfl-2025/turbines-noord-holland"
RANGE = "@figure/nhfl-2025/crm-types"
GROWTH = "@figure/zh-2024/demand-growth"
TARGET = "@target/test-processing-2030"
ACME, GROUP = "@organisation/acme-metals", "@organisation/acme-group"
PNH, EC = "@organisation/provincie-noord-holland", "@organisation/european-commission"
EN, NL_ED, ZH_ED = "@edition/nhfl-2025-en", "@edition/nhfl-2025-nl", "@edition/zh-2024-nl"
P20, P30, P70, Z40 = ("@passage/nhfl-2025-en/20", "@passage/nhfl-2025-en/30-34", "@passage/nhfl-2025-en/70-75",
                      "@passage/zh-2024-nl/40-44")
SECTION = "@section/nhfl-2025-en/annex-1"
GALLIUM, NEODYMIUM, LREE = "@material/gallium", "@material/neodymium", "@material/light-rare-earth-elements"
CRM_LIST = "@list/eu-crm-2023"
ACT, STRATEGY = "@policy/test-materials-act", "@policy/test-strategy"
SITE, FLOW = "@site/test-wind-park", "@flow/nhfl-2025/test-turbines-abroad"
RANKING, NTH = "@ranking/nhfl-2025/test-wind-park-largest", "@ranking/nhfl-2025/test-port-third"
FORECAST = "@forecast/zh-2024/test-gallium-deficit"
LICENCES, SUBSIDY, ROUND = ("@event/test-export-licences-2023", "@event/test-subsidy-2022",
                            "@event/test-funding-round-2024")
BAD = "https://w3id.org/crm-kg/id/"
STMT = "@statement/nhfl-2025/0123456789abcdef"
GRAPH_NHFL, GRAPH_REFERENCE = "https://w3id.org/crm-kg/graph/nhfl-2025", "https://w3id.org/crm-kg/graph/reference"

CASES: list[Case] = [
    # --- sources ------------------------------------------------------------------------------
    catch("Report-hasEdition", drop("@report/zh-2024", "crm:hasEdition"), "@report/zh-2024"),
    catch("Report-title", remove('@report/nhfl-2025 dct:title "Testrapport Noord (2025)"@nl .'),
          "@report/nhfl-2025", "no Dutch title"),
    catch("Report-publishedBy", drop("@report/zh-2024", "crm:publishedBy"), "@report/zh-2024"),
    catch("Report-author", set_("@report/nhfl-2025", "crm:author", "@organisation/test-institute"),
          "@report/nhfl-2025", "an organisation as author"),
    catch("Report-commissionedBy", set_("@report/nhfl-2025", "crm:commissionedBy", "@place/noord-holland"),
          "@report/nhfl-2025", "the province (place) for the provincial government"),
    catch("Report-forRegion", drop("@report/zh-2024", "crm:forRegion"), "@report/zh-2024"),
    catch("Report-publicationYear", set_("@report/zh-2024", "crm:publicationYear", '"2024"'),
          "@report/zh-2024", "year as a string"),
    catch("Report-publicationYear", set_("@report/zh-2024", "crm:publicationYear", "24"),
          "@report/zh-2024", "two-digit year"),
    catch("Report-publicationMonth", set_("@report/zh-2024", "crm:publicationMonth", "13"), "@report/zh-2024"),
    catch("Edition-editionOf", drop(EN, "crm:editionOf"), EN),
    catch("Edition-fileName", set_(EN, "crm:fileName", '"../shared/sources/001_test_en.txt"'), EN,
          "a path instead of a file name"),
    catch("Edition-sha256", set_(EN, "crm:sha256", '"0123456789ABCDEF"'), EN, "truncated, upper-case digest"),
    catch("Edition-lineCount", set_(EN, "crm:lineCount", "0"), EN),
    catch("Edition-language", set_(EN, "dct:language", '"en"'), EN, "language as a plain string"),
    catch("Edition-language", set_(EN, "dct:language", '"de"^^xsd:language'), EN, "German"),
    catch("Edition-translationOf", set_(NL_ED, "crm:translationOf", "@report/nhfl-2025"), NL_ED,
          "translation of the report instead of the edition"),
    catch("Section-inEdition", drop(SECTION, "crm:inEdition"), SECTION),
    catch("Section-startLine", set_(SECTION, "crm:startLine", '"ten"'), SECTION),
    catch("Section-endLine", drop(SECTION, "crm:endLine"), SECTION),
    catch("Section-span", set_(SECTION, "crm:startLine", "111"), SECTION, "start after end"),
    catch("Section-sectionNumber", set_(SECTION, "crm:sectionNumber", "1"), SECTION, "number as an integer"),
    catch("Passage-inEdition", add(f"{P30} crm:inEdition {NL_ED} ."), P30, "two editions"),
    catch("Passage-startLine", set_(P30, "crm:startLine", "0"), P30, "0-based line"),
    catch("Passage-endLine", set_(P30, "crm:endLine", '"34"'), P30),
    catch("Passage-span", set_(P30, "crm:startLine", "40"), P30, "start after end"),
    passes("Passage-span", set_(P30, "crm:endLine", "30"), P30, "a one-line span"),
    catch("Passage-inSection", add(f"{P30} crm:inSection {SECTION} ."), P30, "two sections"),
    catch("Passage-passageKind", set_(P30, "crm:passageKind", "@activity/recycling"), P30, "wrong scheme"),
    catch("Passage-mentions", add(f'{P30} crm:mentions "Acme Metals" .'), P30, "a name, not an IRI"),
    catch("Passage-disagreesWith", add(f"{P30} crm:disagreesWith {SHARE} ."), P30),
    # --- provenance ---------------------------------------------------------------------------
    # provenance per statement (README, "Provenance"): a crm:Statement cites one triple and its passages
    catch("Statement-wasDerivedFrom", add(f"{STMT} a crm:Statement ; crm:statementSubject {ACME} ; "
                                          f"crm:statementPredicate crm:activity ; crm:statementObject @activity/recycling ."),
          STMT, "a statement no passage supports"),
    catch("Statement-wasDerivedFrom", add(f"{STMT} a crm:Statement ; crm:statementSubject {ACME} ; "
                                          f"crm:statementPredicate crm:activity ; crm:statementObject @activity/recycling ; "
                                          f"prov:wasDerivedFrom {EN} ."), STMT, "cites the edition, not a passage"),
    catch("Statement-subject", add(f"{STMT} a crm:Statement ; crm:statementPredicate crm:activity ; "
                                   f"crm:statementObject @activity/recycling ; prov:wasDerivedFrom {P20} ."), STMT),
    catch("Statement-predicate", add(f"{STMT} a crm:Statement ; crm:statementSubject {ACME} ; "
                                     f'crm:statementPredicate "activity" ; crm:statementObject @activity/recycling ; '
                                     f"prov:wasDerivedFrom {P20} ."), STMT, "a property name as a string"),
    catch("Statement-object", add(f"{STMT} a crm:Statement ; crm:statementSubject {ACME} ; "
                                  f"crm:statementPredicate crm:activity ; prov:wasDerivedFrom {P20} ."), STMT),
    passes("Statement-wasDerivedFrom", add(f"{STMT} a crm:Statement ; crm:statementSubject {ACME} ; "
                                           f"crm:statementPredicate crm:activity ; crm:statementObject @activity/recycling ; "
                                           f"prov:wasDerivedFrom {P20} , {P30} ."), STMT, "two passages state it"),
    catch("check:unsourced-statement", add(f"GRAPH <{GRAPH_NHFL}> {{ @report/nhfl-2025 a crm:Report . "
                                           f"{ACME} crm:worksOnMaterial {GALLIUM} }}"), ACME,
          "a report's claim with no statement citing a passage"),
    catch("check:unsourced-statement", add(f"GRAPH <{GRAPH_NHFL}> {{ @report/nhfl-2025 a crm:Report . "
                                           f"{ACME} crm:worksOnMaterial {GALLIUM} . {STMT} a crm:Statement ; "
                                           f"crm:statementSubject {ACME} ; crm:statementPredicate crm:worksOnMaterial ; "
                                           f"crm:statementObject {GALLIUM} }}"), ACME,
          "a statement node that cites no passage"),
    passes("check:unsourced-statement", add(f"GRAPH <{GRAPH_NHFL}> {{ @report/nhfl-2025 a crm:Report . "
                                            f"{ACME} crm:worksOnMaterial {GALLIUM} . {STMT} a crm:Statement ; "
                                            f"crm:statementSubject {ACME} ; crm:statementPredicate crm:worksOnMaterial ; "
                                            f"crm:statementObject {GALLIUM} ; prov:wasDerivedFrom {P20} }}"), ACME,
           "cited by its statement"),
    passes("check:unsourced-statement", add(f"GRAPH <{GRAPH_REFERENCE}> {{ {ACME} crm:worksOnMaterial {GALLIUM} }}"),
           ACME, "reference data names its source with dct:source, not a passage"),
    catch("Iri-Statement", new(BAD + "statement/nhfl-2025/XYZ", "crm:Statement"), BAD + "statement/nhfl-2025/XYZ",
          "not the triple's digest"),
    catch("ReportStatement-wasDerivedFrom", drop(REC1, "prov:wasDerivedFrom"), REC1, "no passage"),
    catch("ReportStatement-wasDerivedFrom", set_(SHARE, "prov:wasDerivedFrom", EN), SHARE,
          "derived from the edition, not a passage"),
    catch("ReportStatement-wasDerivedFrom", drop(LICENCES, "prov:wasDerivedFrom"), LICENCES, "an event"),
    catch("ReferenceEntity", drop("@place/east-asia", "dct:source"), "@place/east-asia", "no provenance at all"),
    passes("ReferenceEntity", drop(ACME, "dct:source"), ACME, "not in the gazetteer but cites a passage"),
    catch("ReferenceEntity-wasDerivedFrom", add(f"{ACME} prov:wasDerivedFrom @report/nhfl-2025 ."), ACME),
    catch("NotInReference", drop(ACME, "dct:source"), ACME, "an organisation minted outside the gazetteer"),
    catch("ReportClaim-wasDerivedFrom", add("@organisation/metal-network crm:activity @activity/recycling ."),
          "@organisation/metal-network", "a table's activity without its row"),
    # --- labels -------------------------------------------------------------------------------
    catch("BilingualLabel", remove(f'{REC1} rdfs:label "Begin een inzamelregeling voor accu\'s"@nl .'), REC1,
          "no Dutch title"),
    catch("BilingualLabel", add(f'{GALLIUM} rdfs:label "gallium" .'), GALLIUM, "an untagged third label"),
    catch("BilingualLabel", add('@place/velsen rdfs:label "Velsen (gemeente)"@nl .'), "@place/velsen",
          "two Dutch labels"),
    catch("Name", add(f'{ACME} rdfs:label "Acme Metalen"@nl .'), ACME, "a Dutch 'translation' of a name"),
    catch("Name", drop("@person/ann-tester", "rdfs:label"), "@person/ann-tester", "an author without a name"),
    catch("OrganisationPrefLabel", drop("@organisation/metal-network", "skos:prefLabel"),
          "@organisation/metal-network"),
    catch("PrefLabelPerLanguage", add(f'{GALLIUM} skos:prefLabel "Ga"@en .'), GALLIUM),
    catch("PrefLabelIsLabel", set_("@place/east-asia", "skos:prefLabel", '"Eastern Asia"@en, "Oost-Azië"@nl'),
          "@place/east-asia", "the shown and the preferred name differ"),
    catch("Description", add(f'{ACME} crm:description "Recovers metals." .'), ACME, "untagged"),
    passes("Description", add(f'{ACME} crm:description "Also makes magnets (second report)."@en .'), ACME,
           "one description per report"),
    catch("CleanLabel", set_(ACME, "rdfs:label", '"Acme Metals "'), ACME, "trailing space"),
    catch("CleanLabel", set_("@place/east-asia", "rdfs:label", '"East\\nAsia"@en, "Oost-Azië"@nl'),
          "@place/east-asia", "a line break from the PDF"),
    catch("CleanPrefLabel", set_(ACME, "skos:prefLabel", '"Acme  Metals"'), ACME, "doubled space"),
    catch("CleanAltLabel", add(f'{ACME} skos:altLabel " Acme" .'), ACME, "leading space"),
    catch("CleanDescription", add(f'{GROUP} crm:description "Holding of\\tAcme."@en .'), GROUP, "a tab"),
    catch("CleanTitle", set_("@report/zh-2024", "dct:title", '"Test report South (2024) "@en, "Testrapport Zuid (2024)"@nl'),
          "@report/zh-2024"),
    # --- minted IRIs --------------------------------------------------------------------------
    catch("Iri-Material", new(BAD + "material/Gallium", "crm:ChemicalElement"), BAD + "material/Gallium", "capital"),
    catch("Iri-MaterialList", new(BAD + "lists/eu-crm-2023", "crm:CriticalRawMaterialsList"),
          BAD + "lists/eu-crm-2023"),
    catch("Iri-Product", new(BAD + "product/wind_turbine", "crm:Asset"), BAD + "product/wind_turbine"),
    catch("Iri-GoodsCategory", new(BAD + "goods/metals", "crm:GoodsCategory"), BAD + "goods/metals"),
    catch("Iri-Organisation", new(BAD + "organization/acme", "crm:Company"), BAD + "organization/acme",
          "US spelling of the kind"),
    catch("Iri-Person", new(BAD + "people/ann", "crm:Person"), BAD + "people/ann"),
    catch("Iri-Place", new("http://www.wikidata.org/entity/Q55", "crm:Country"),
          "http://www.wikidata.org/entity/Q55", "a Wikidata IRI typed as our place"),
    catch("Iri-Geometry", new(BAD + "point/velsen", "geo:Geometry"), BAD + "point/velsen"),
    catch("Iri-Policy", new(BAD + "policy/crma_2024", "crm:Regulation"), BAD + "policy/crma_2024"),
    catch("Iri-Target", new(BAD + "target/nhfl-2025/processing", "crm:Target"), BAD + "target/nhfl-2025/processing"),
    catch("Iri-Event", new(BAD + "events/export-ban", "crm:TradeMeasure"), BAD + "events/export-ban"),
    catch("Iri-Report", new(BAD + "report/NHFL-2025", "crm:Report"), BAD + "report/NHFL-2025"),
    catch("Iri-Edition", new(BAD + "editions/nhfl-2025-en", "crm:Edition"), BAD + "editions/nhfl-2025-en"),
    catch("Iri-Figure", new(BAD + "figure/gallium-share", "crm:Figure"), BAD + "figure/gallium-share",
          "no report in the IRI"),
    catch("Iri-Opportunity", new(BAD + "opportunity/nhfl-2025/one", "crm:Opportunity"),
          BAD + "opportunity/nhfl-2025/one"),
    catch("Iri-Recommendation", new(BAD + "recommendation/nhfl-2025/3a", "crm:Recommendation"),
          BAD + "recommendation/nhfl-2025/3a"),
    passes("Iri-Recommendation", new(BAD + "recommendation/zh-2024/6.12", "crm:Recommendation"),
           BAD + "recommendation/zh-2024/6.12", "a sub-recommendation"),
    catch("Iri-Challenge", new(BAD + "challenge/1", "crm:Challenge"), BAD + "challenge/1"),
    catch("Iri-SwotItem", new(BAD + "swot/few-technicians", "crm:SwotItem"), BAD + "swot/few-technicians"),
    catch("Iri-Capability", new(BAD + "capability/port-cluster", "crm:Capability"), BAD + "capability/port-cluster"),
    catch("Iri-Section", new(BAD + "section/annex-1", "crm:Section"), BAD + "section/annex-1"),
    catch("Iri-Passage", new(BAD + "passage/nhfl-2025-en/l30", "crm:Passage"), BAD + "passage/nhfl-2025-en/l30"),
    catch("Iri-Concept", new(BAD + "units/percent", "crm:Unit"), BAD + "units/percent"),
    catch("Iri-ConceptScheme", new(BAD + "units", "skos:ConceptScheme"), BAD + "units"),
    # --- strategy -----------------------------------------------------------------------------
    catch("Recommendation-number", set_(REC1, "crm:number", '"1"'), REC1, "number as a string"),
    catch("Recommendation-number", set_(REC1, "crm:number", "0"), REC1),
    catch("Recommendation-notation", set_(ZSUB, "crm:notation", '"2-1"'), ZSUB),
    catch("Recommendation-inReport", drop(REC1, "crm:inReport"), REC1),
    catch("Recommendation-timeFrame", add(f"{REC1} crm:timeFrame @time-frame/1-3-years ."), REC1, "two time frames"),
    catch("Recommendation-responsibleActorType", add(f"{REC1} crm:responsibleActorType {PNH} ."), REC1,
          "the provincial government instead of the actor type"),
    catch("Recommendation-provinceRole", add(f"{REC1} crm:provinceRole @province-role/supporting ."), REC1),
    catch("Recommendation-servesOpportunity", add(f"{REC1} crm:servesOpportunity @opportunity/nhfl-2025/9 ."),
          REC1, "an opportunity number the report does not have"),
    catch("Recommendation-involvesParty", add(f"{REC1} crm:involvesParty @place/velsen ."), REC1),
    catch("Recommendation-subRecommendationOf", add(f"{ZSUB} crm:subRecommendationOf {ZREC1} ."), ZSUB, "two parents"),
    catch("Recommendation-hasSubRecommendation", add(f"{ZREC2} crm:hasSubRecommendation @challenge/zh-2024/1 ."),
          ZREC2),
    catch("Recommendation-addressesChallenge", add(f"{ZREC1} crm:addressesChallenge {ZOPP1} ."), ZREC1),
    passes("Recommendation-addressesChallenge", "", REC2, "a SWOT weakness"),
    catch("Recommendation-usesInstrument", add(f"{REC1} crm:usesInstrument {ACME} ."), REC1),
    catch("ServesAnOpportunity", drop(REC1, "crm:servesOpportunity"), REC1, "an nhfl-2025 row without marks"),
    passes("ServesAnOpportunity", "", ZREC1, "zh-2024 does not link them"),
    catch("ServesNoOpportunity", add(f"{ZREC1} crm:servesOpportunity {ZOPP1} ."), ZREC1, "an invented link"),
    passes("ServesNoOpportunity", "", REC1, "nhfl-2025 links them"),
    catch("Opportunity-number", set_(OPP1, "crm:number", "1.0"), OPP1, "a decimal"),
    catch("Opportunity-notation", set_(OPP1, "crm:notation", '"1."'), OPP1),
    catch("Opportunity-inReport", drop(OPP1, "crm:inReport"), OPP1),
    catch("Opportunity-forRegion", drop(OPP1, "crm:forRegion"), OPP1),
    catch("Opportunity-buildsOn", add(f"{ZOPP1} crm:buildsOn {GROUP} ."), ZOPP1),
    catch("Opportunity-servedBy", add(f"{OPP1} crm:servedBy @challenge/zh-2024/1 ."), OPP1),
    catch("Challenge-inReport", drop("@challenge/zh-2024/1", "crm:inReport"), "@challenge/zh-2024/1"),
    catch("Challenge-challengeCategory", set_("@challenge/zh-2024/1", "crm:challengeCategory", "@swot/weakness"),
          "@challenge/zh-2024/1", "wrong scheme"),
    catch("SwotItem-inReport", drop("@swot/nhfl-2025/few-technicians", "crm:inReport"),
          "@swot/nhfl-2025/few-technicians"),
    catch("SwotItem-swotCategory", drop("@swot/nhfl-2025/few-technicians", "crm:swotCategory"),
          "@swot/nhfl-2025/few-technicians"),
    catch("Capability-inReport", drop("@capability/zh-2024/port-cluster", "crm:inReport"),
          "@capability/zh-2024/port-cluster"),
    catch("Capability-forRegion", add(f"@capability/zh-2024/port-cluster crm:forRegion {GROUP} ."),
          "@capability/zh-2024/port-cluster"),
    catch("Capability-attributedTo", add("@capability/zh-2024/port-cluster prov:wasAttributedTo @place/velsen ."),
          "@capability/zh-2024/port-cluster"),
    catch("ConcernsMaterial", add(f"{ZOPP1} crm:concernsMaterial @product/battery ."), ZOPP1),
    catch("ConcernsProduct", add(f"{OPP1} crm:concernsProduct @material/steel ."), OPP1),
    # --- figures, targets, events -------------------------------------------------------------
    catch("Figure-value", set_(SHARE, "crm:value", "98"), SHARE, "an xsd:integer"),
    catch("Figure-value", drop(SHARE, "crm:value"), SHARE),
    catch("Figure-upperValue", set_(RANGE, "crm:upperValue", '"33"'), RANGE),
    catch("Figure-range", set_(RANGE, "crm:value", "40.0"), RANGE, "range ends swapped"),
    catch("Figure-unit", add(f"{SHARE} crm:unit @unit/count ."), SHARE, "two units"),
    catch("Figure-unit", set_(SHARE, "crm:unit", "@metric/money"), SHARE, "a metric as unit"),
    catch("Figure-metric", drop(SHARE, "crm:metric"), SHARE),
    catch("Figure-qualifier", set_(SHARE, "crm:qualifier", "@unit/percent"), SHARE),
    catch("Figure-inReport", drop(SHARE, "crm:inReport"), SHARE),
    catch("Figure-about", add(f'{SHARE} crm:about "gallium" .'), SHARE, "a name, not an IRI"),
    catch("Figure-inPlace", add(f"{SHARE} crm:inPlace {GROUP} ."), SHARE),
    catch("Figure-supplyStage", set_(SHARE, "crm:supplyStage", "@metric/share-of-global-supply"), SHARE),
    catch("Figure-rank", set_(SHARE, "crm:rank", "0"), SHARE),
    catch("Figure-referenceYear", set_(SHARE, "crm:referenceYear", "23"), SHARE, "two-digit year"),
    catch("Figure-referenceYear", set_(SHARE, "crm:referenceYear", '"2023"^^xsd:gYear'), SHARE, "xsd:gYear"),
    catch("Figure-citesSource", set_(SHARE, "crm:citesSource", '"Test Survey"@en'), SHARE),
    catch("Figure-disagreesWith", add(f"{SHARE} crm:disagreesWith {TARGET} ."), SHARE),
    catch("FigureSubject", drop(SHARE, "crm:about") + " ; " + drop(SHARE, "crm:inPlace"), SHARE),
    catch("Target-value", drop(TARGET, "crm:value"), TARGET),
    catch("Target-unit", add(f"{TARGET} crm:unit @unit/tonne ."), TARGET),
    catch("Target-metric", add(f"{TARGET} crm:metric @metric/recycling-share ."), TARGET),
    catch("Target-qualifier", add(f"{TARGET} crm:qualifier @qualifier/about ."), TARGET),
    catch("Target-targetYear", set_(TARGET, "crm:targetYear", "20300"), TARGET, "a stray digit"),
    catch("Target-targetYear", set_(TARGET, "crm:targetYear", "1930"), TARGET),
    catch("Target-setBy", drop(TARGET, "crm:setBy"), TARGET),
    catch("Target-inReport", add(f"{TARGET} crm:inReport @report/zh-2024 ."), TARGET, "one target for two reports"),
    catch("Target-disagreesWith", add(f"{TARGET} crm:disagreesWith {SHARE} ."), TARGET),
    catch("PercentShare", set_(SHARE, "crm:value", "140.0"), SHARE, "a share over 100"),
    catch("PercentShare", set_(TARGET, "crm:value", '"-5.0"^^xsd:decimal'), TARGET, "a negative share"),
    passes("PercentShare", set_(SHARE, "crm:value", '"100"^^xsd:decimal'), SHARE, "exactly 100"),
    passes("PercentShare", "", GROWTH, "a growth rate over 100"),
    catch("PercentGrowth", set_(GROWTH, "crm:value", '"-150.0"^^xsd:decimal'), GROWTH),
    catch("NonNegativeAmount", set_(TURBINES, "crm:value", '"-1077.0"^^xsd:decimal'), TURBINES),
    catch("NonNegativeAmount", set_(RANGE, "crm:upperValue", '"-33.0"^^xsd:decimal'), RANGE, "negative upper value"),
    catch("WholeCount", set_(TURBINES, "crm:value", "1.077"), TURBINES, "Dutch thousands separator read as a point"),
    passes("WholeCount", set_(TURBINES, "crm:value", '"9500000"^^xsd:decimal'), TURBINES, "a large count"),
    catch("Event-announcedOn", set_(LICENCES, "crm:announcedOn", '"juli 2023"'), LICENCES, "the printed date"),
    catch("Event-announcedOn", set_(LICENCES, "crm:announcedOn", '"1823-07-01"^^xsd:date'), LICENCES),
    catch("Event-effectiveOn", add(f'{LICENCES} crm:effectiveOn "2023-09-01"^^xsd:date .'), LICENCES),
    catch("Event-datePrecision", drop(LICENCES, "crm:datePrecision"), LICENCES),
    catch("Event-actor", drop(LICENCES, "crm:actor"), LICENCES),
    catch("Event-actor", set_(LICENCES, "crm:actor", '"China"'), LICENCES, "a name, not an IRI"),
    catch("Event-affectsCountry", set_(LICENCES, "crm:affectsCountry", "@place/noord-holland"), LICENCES),
    catch("Event-amount", add(f"{SUBSIDY} crm:amount {TARGET} ."), SUBSIDY),
    catch("Event-order", set_(LICENCES, "crm:effectiveOn", '"2023-06-01"^^xsd:date'), LICENCES),
    catch("EventDate", drop(ROUND, "crm:effectiveOn"), ROUND),
    catch("TradeMeasure-measureType", drop(LICENCES, "crm:measureType"), LICENCES),
    # --- places and organisations -------------------------------------------------------------
    catch("Place-locatedIn", add(f"@place/ijmond crm:locatedIn {PNH} ."), "@place/ijmond", "the body for the place"),
    catch("Place-partOfRegion", add(f"@place/velsen crm:partOfRegion {GROUP} ."), "@place/velsen"),
    catch("Place-hasGeometry", add("@place/velsen geo:hasGeometry @geometry/ijmuiden ."), "@place/velsen"),
    catch("Place-cbsCode", add('@place/ijmond crm:cbsCode "GM0001", "GM0002" .'), "@place/ijmond"),
    catch("Place-contains", add('@place/ijmuiden crm:contains "Acme Metals" .'), "@place/ijmuiden"),
    catch("Country-isoCode", set_("@place/netherlands", "crm:isoCode", '"NLD"'), "@place/netherlands", "alpha-3"),
    catch("Country-notLocated", add("@place/netherlands crm:locatedIn @place/european-union ."),
          "@place/netherlands", "EU membership as location"),
    catch("Country-memberStateOf", set_("@place/netherlands", "crm:memberStateOf", "@place/east-asia"),
          "@place/netherlands"),
    catch("Country-hasGeometry", drop("@place/china", "geo:hasGeometry"), "@place/china"),
    catch("Province-cbsCode", set_("@place/noord-holland", "crm:cbsCode", '"GM0453"'), "@place/noord-holland"),
    catch("Province-locatedIn", drop("@place/noord-holland", "crm:locatedIn"), "@place/noord-holland"),
    catch("Province-hasGeometry", drop("@place/zuid-holland", "geo:hasGeometry"), "@place/zuid-holland"),
    catch("Municipality-cbsCode", set_("@place/velsen", "crm:cbsCode", '"453"'), "@place/velsen", "code without GM"),
    catch("Municipality-locatedIn", drop("@place/velsen", "crm:locatedIn"), "@place/velsen"),
    catch("Municipality-hasGeometry", drop("@place/velsen", "geo:hasGeometry"), "@place/velsen"),
    catch("Municipality-tooi", drop("@place/velsen", "skos:exactMatch"), "@place/velsen"),
    catch("Town-locatedIn", drop("@place/ijmuiden", "crm:locatedIn"), "@place/ijmuiden"),
    catch("Town-hasGeometry", drop("@place/ijmuiden", "geo:hasGeometry"), "@place/ijmuiden"),
    catch("PortArea-locatedIn", drop("@place/port-of-velsen", "crm:locatedIn"), "@place/port-of-velsen"),
    catch("SupranationalArea-notLocated", add("@place/european-union crm:locatedIn @place/east-asia ."),
          "@place/european-union"),
    catch("Geometry-asWKT", set_("@geometry/velsen", "geo:asWKT", '"POINT(4,65 52,46)"^^geo:wktLiteral'),
          "@geometry/velsen", "Dutch decimal commas"),
    catch("Geometry-asWKT", set_("@geometry/velsen", "geo:asWKT", '"POINT(4.65 52.46)"'), "@geometry/velsen",
          "a plain string"),
    catch("LocatedInCountry", set_(GROUP, "crm:locatedIn", "@place/east-asia"), GROUP, "a chain without a country"),
    catch("LocatedInCountry", add("@place/east-asia crm:locatedIn @place/north-sea ."), "@place/east-asia"),
    passes("LocatedInCountry", "", EC, "an EU body in the European Union"),
    passes("LocatedInCountry", "", "@organisation/port-of-velsen-authority", "a four-step chain"),
    passes("LocatedInCountry", "", "@place/north-sea", "a water body located nowhere"),
    catch("Organisation-activity", add(f"{ACME} crm:activity @sector/automotive ."), ACME, "a sector as activity"),
    catch("Organisation-locatedIn", add(f"{ACME} crm:locatedIn {GROUP} ."), ACME),
    catch("Organisation-headquarteredIn", add(f"{GROUP} crm:headquarteredIn @place/netherlands ."), GROUP),
    catch("Organisation-governmentLevel", add(f"{PNH} crm:governmentLevel @level/regional ."), PNH),
    catch("Organisation-subOrganizationOf", add(f"{ACME} org:subOrganizationOf @place/ijmuiden ."), ACME),
    catch("Organisation-hasSubOrganization", add(f"{GROUP} org:hasSubOrganization @product/battery ."), GROUP),
    catch("Organisation-worksOnMaterial", add(f"{ACME} crm:worksOnMaterial @product/battery ."), ACME),
    catch("Organisation-worksOnProduct", add(f"{ACME} crm:worksOnProduct {GALLIUM} ."), ACME),
    catch("Organisation-partnerOf", add(f"{ACME} crm:partnerOf @place/velsen ."), ACME),
    catch("Organisation-actorType", add(f"{PNH} crm:actorType @level/provincial ."), PNH),
    catch("Organisation-namedIn", add(f"{ACME} crm:namedIn {EN} ."), ACME, "the edition, not the report"),
    catch("GovernmentBody-governmentLevel", drop(EC, "crm:governmentLevel"), EC),
    catch("ExactMatch", add(f"{GALLIUM} skos:exactMatch <https://www.wikidata.org/wiki/Q861> ."), GALLIUM,
          "the Wikidata page, not the entity"),
    catch("ExactMatch", add(f'{GALLIUM} skos:exactMatch "Q861" .'), GALLIUM, "a bare Q-number"),
    # --- materials, lists, products -----------------------------------------------------------
    catch("Material-onList", add(f"{GALLIUM} crm:onList {ACT} ."), GALLIUM, "the act instead of its list"),
    catch("Material-notOnList", add(f"@material/steel crm:notOnList {ACT} ."), "@material/steel"),
    catch("Material-onAndOff", add(f"{GALLIUM} crm:notOnList {CRM_LIST} ."), GALLIUM),
    catch("Material-entryLabel", add(f'{GALLIUM} crm:entryLabel "Gallium" .'), GALLIUM),
    catch("Material-containedIn", add(f"{GALLIUM} crm:containedIn @material/steel ."), GALLIUM),
    catch("ChemicalElement-symbol", set_(GALLIUM, "crm:elementSymbol", '"GA"'), GALLIUM),
    catch("ChemicalElement-atomicNumber", set_(GALLIUM, "crm:atomicNumber", "310"), GALLIUM),
    catch("ChemicalElement-memberOfGroup", add(f"{GALLIUM} crm:memberOfGroup @material/bauxite ."), GALLIUM),
    catch("ElementGroup-hasGroupMember", add(f"{LREE} crm:hasGroupMember @material/bauxite ."), LREE),
    catch("ElementGroup-subGroupOf", add(f"{LREE} crm:subGroupOf {GALLIUM} ."), LREE),
    catch("MaterialList-listYear", set_(CRM_LIST, "crm:listYear", '"2023"'), CRM_LIST),
    catch("MaterialList-issuedBy", drop(CRM_LIST, "crm:issuedBy"), CRM_LIST),
    catch("MaterialList-listsMaterial", add(f"{CRM_LIST} crm:listsMaterial @product/battery ."), CRM_LIST),
    catch("MaterialList-entryCount", set_(CRM_LIST, "crm:entryCount", "0"), CRM_LIST),
    catch("MaterialList-previousList", add(f"{CRM_LIST} crm:previousList {ACT} ."), CRM_LIST),
    catch("Product-containsMaterial", add("@product/battery crm:containsMaterial @product/permanent-magnet ."),
          "@product/battery"),
    catch("Product-hasPart", add(f"@product/wind-turbine crm:hasPart {GALLIUM} ."), "@product/wind-turbine"),
    catch("Product-partOf", add("@product/battery crm:partOf @goods-category/electrical-equipment ."),
          "@product/battery"),
    catch("Product-inGoodsCategory", set_("@product/battery", "crm:inGoodsCategory", "@sector/automotive"),
          "@product/battery"),
    catch("Product-inSector", add("@product/battery crm:inSector @goods-category/electrical-equipment ."),
          "@product/battery"),
    catch("GoodsCategory-containsMaterial",
          add("@goods-category/electrical-equipment crm:containsMaterial @product/battery ."),
          "@goods-category/electrical-equipment"),
    catch("GoodsCategory-nst2007Code", set_("@goods-category/electrical-equipment", "crm:nst2007Code", '"10,1"'),
          "@goods-category/electrical-equipment"),
    # --- policies -----------------------------------------------------------------------------
    catch("Policy-governmentLevel", drop(STRATEGY, "crm:governmentLevel"), STRATEGY),
    catch("Policy-issuedBy", add(f"{STRATEGY} crm:issuedBy @person/ann-tester ."), STRATEGY),
    catch("Policy-year", set_(ACT, "crm:year", '"2024"'), ACT),
    catch("Policy-startYear", set_(STRATEGY, "crm:startYear", "2.025"), STRATEGY),
    catch("Policy-endYear", set_(STRATEGY, "crm:endYear", "20290"), STRATEGY),
    catch("Policy-period", set_(STRATEGY, "crm:startYear", "2030"), STRATEGY, "period ends before it starts"),
    catch("Policy-celex", set_("@policy/test-proposal", "crm:celex", '"COM(2023) 451"'), "@policy/test-proposal",
          "the COM number instead of the CELEX number"),
    catch("Policy-eli", set_(ACT, "crm:eli", "<https://eur-lex.europa.eu/eli/reg/2024/1252/oj>"), ACT,
          "the EUR-Lex address"),
    catch("Policy-shortName", set_(ACT, "crm:shortName", '"TMA"@en'), ACT),
    catch("Policy-setsTarget", add(f"{ACT} crm:setsTarget {SHARE} ."), ACT),
    catch("Policy-amends", add(f"{ACT} crm:amends {EC} ."), ACT),
    catch("Policy-implements", add(f"{STRATEGY} crm:implements {GALLIUM} ."), STRATEGY),
    catch("Policy-appliesTo", add(f'{ACT} crm:appliesTo "gallium" .'), ACT),
    catch("Regulation-celex", set_(ACT, "crm:celex", '"32024L1252"'), ACT, "a directive's sector letter"),
    catch("Regulation-celex", drop(ACT, "crm:celex"), ACT),
    catch("Directive-celex", set_("@policy/test-waste-directive", "crm:celex", '"32008R0098"'),
          "@policy/test-waste-directive"),
    # --- sites, rankings, flows, forecasts, horizons, dates, roles (issue 22, part 2) --------------
    catch("Site", new(f"{BAD}site/nhfl-2025/test-wind-park", "crm:Site"), f"{BAD}site/nhfl-2025/test-wind-park",
          "a site minted per report"),
    catch("Site-label", remove(f'{SITE} rdfs:label "Testwindpark"@nl .'), SITE),
    catch("Site-siteKind", set_(SITE, "crm:siteKind", "@activity/recycling"), SITE, "an activity, not a site kind"),
    catch("Site-locatedIn", drop(SITE, "crm:locatedIn"), SITE),
    catch("Site-siteStatus", add(f"{SITE} crm:siteStatus @site-status/planned ."), SITE, "two statuses"),
    catch("Site-operatedBy", set_(SITE, "crm:operatedBy", "@place/ijmuiden"), SITE),
    catch("Site-derived", drop(SITE, "prov:wasDerivedFrom"), SITE, "a site no passage names"),
    catch("Claim-inReport", drop(RANKING, "crm:inReport"), RANKING),
    catch("Claim-derived", drop(FLOW, "prov:wasDerivedFrom"), FLOW, "a flow no passage states"),
    catch("Claim-label", remove(f'{FORECAST} rdfs:label "Testtekort aan gallium"@nl .'), FORECAST),
    catch("Claim-likelihood", drop(FORECAST, "crm:likelihood"), FORECAST),
    catch("Ranking", new(f"{BAD}ranking/largest-park", "crm:Ranking"), f"{BAD}ranking/largest-park",
          "a ranking minted without its report"),
    catch("Ranking-ranks", add(f"{RANKING} crm:ranks @place/netherlands ."), RANKING, "two things ranked"),
    catch("Ranking-rankingKind", drop(RANKING, "crm:rankingKind"), RANKING),
    catch("Ranking-rankingScope", set_(RANKING, "crm:rankingScope", "@material/gallium"), RANKING),
    catch("Ranking-rankingPosition", set_(NTH, "crm:rankingPosition", "0"), NTH),
    catch("Ranking-positionOnlyForNth", add(f"{RANKING} crm:rankingPosition 1 ."), RANKING,
          "a position on a plain largest claim"),
    passes("Ranking-positionOnlyForNth", "", NTH, "an n-th largest with its position"),
    catch("Ranking-nthHasPosition", drop(NTH, "crm:rankingPosition"), NTH, "fourth largest without the 4"),
    catch("Flow", new(f"{BAD}flow/turbines", "crm:Flow"), f"{BAD}flow/turbines"),
    catch("Flow-flowKind", set_(FLOW, "crm:flowKind", "@measure-type/export-restriction"), FLOW),
    catch("Flow-flowFrom", set_(FLOW, "crm:flowFrom", "@organisation/acme-metals"), FLOW,
          "a company where a place belongs"),
    catch("Flow-flowTo", set_(FLOW, "crm:flowTo", "@product/battery"), FLOW),
    catch("Flow-flowOf", set_(FLOW, "crm:flowOf", "@place/china"), FLOW),
    catch("Flow-ends", drop(FLOW, "crm:flowFrom") + " ; " + drop(FLOW, "crm:flowTo"), FLOW,
          "a flow from nowhere to nowhere"),
    passes("Flow-ends", drop(FLOW, "crm:flowFrom"), FLOW, "a dependency with only its destination"),
    catch("Forecast", new(f"{BAD}forecast/zh-2024/Deficit", "crm:Forecast"), f"{BAD}forecast/zh-2024/Deficit"),
    catch("Forecast-trendVariable", drop(FORECAST, "crm:trendVariable"), FORECAST),
    catch("Forecast-trendDirection", set_(FORECAST, "crm:trendDirection", "@trend-variable/demand"), FORECAST,
          "a quantity where a direction belongs"),
    catch("Forecast-forecastScope", set_(FORECAST, "crm:forecastScope", "@organisation/acme-metals"), FORECAST),
    catch("Forecast-forecastOf", add(f'{FORECAST} crm:forecastOf "copper" .'), FORECAST),
    catch("Horizon-from", set_(FLOW, "crm:horizonFromYear", '"2026"'), FLOW, "a year as a string"),
    catch("Horizon-to", set_(FORECAST, "crm:horizonToYear", "20350"), FORECAST),
    catch("Horizon-order", set_(FLOW, "crm:horizonFromYear", "2040"), FLOW, "from 2040 by 2036"),
    passes("Horizon-order", "", "@opportunity/zh-2024/1", "from 2035, no end"),
    catch("Policy-presentedOn-value", set_(STRATEGY, "crm:presentedOn", '"2022-12-01T00:00:00"^^xsd:dateTime'), STRATEGY,
          "a month turned into a timestamp"),
    catch("Policy-presentedOn", add(f"{SITE} crm:presentedOn \"2022\"^^xsd:gYear ."), SITE, "not a policy"),
    passes("Policy-presentedOn-value", set_(STRATEGY, "crm:presentedOn", '"2022"^^xsd:gYear'), STRATEGY,
           "a year when the report gives only the year"),
    catch("Recommendation-roles", add(f"{SITE} crm:leadParty {ACME} ."), SITE, "a lead on a site"),
    catch("Recommendation-leadParty", add(f"{ZSUB} crm:partnerParty {PNH} ."), ZSUB,
          "the lead named as partner too"),
    catch("Recommendation-partnerParty", add(f"{ZSUB} crm:partnerParty @place/china ."), ZSUB),
    # --- concepts (the ontology's vocabularies) -------------------------------------------------
    catch("Concept-inScheme", drop("@unit/percent", "skos:inScheme"), "@unit/percent"),
    catch("Concept-prefLabel", remove('@unit/percent skos:prefLabel "procent"@nl .'), "@unit/percent"),
    catch("Concept-definition", drop("@unit/percent", "skos:definition"), "@unit/percent"),
    catch("Concept-broader", add("@unit/percent skos:broader @place/netherlands ."), "@unit/percent"),
    # --- SPARQL checks ------------------------------------------------------------------------
    catch("check:organisation-duplicate-name",
          add('@organisation/acme-metals-bv a crm:Company ; rdfs:label "ACME metals B.V." .'),
          "@organisation/acme-metals-bv", "one company entered twice"),
    catch("check:organisation-duplicate-name",
          add(f'{GROUP} skos:hiddenLabel "Acme-Metals" .'), GROUP, "a misprint that is another company's name"),
    passes("check:organisation-duplicate-name",
           add('@organisation/acme-metals-recycling a crm:Company ; rdfs:label "Acme Metals Recycling" .'),
           "@organisation/acme-metals-recycling", "a longer, different name"),
    catch("check:organisation-common-word", add('@organisation/cleantron a crm:Company ; rdfs:label "Schone troon" .'),
          "@organisation/cleantron", "a mistranslated company name"),
    catch("check:organisation-common-word", add(f'{ACME} skos:altLabel "Energie" .'), ACME),
    passes("check:organisation-common-word", add(f'{ACME} skos:hiddenLabel "Energie" .'), ACME,
           "kept as hidden label"),
    catch("check:material-listed-twice",
          add(f'@material/gallium-metal a crm:ChemicalElement ; rdfs:label "gallium"@en ; crm:onList {CRM_LIST} .'),
          "@material/gallium-metal", "one entry under two IRIs"),
    catch("check:material-listed-twice", add(f"{NEODYMIUM} crm:onList {CRM_LIST} ."), NEODYMIUM,
          "an element besides its group entry"),
    passes("check:material-listed-twice", "", "@material/bauxite", "two entry labels in two languages"),
    catch("check:figure-without-unit", drop(SHARE, "crm:unit"), SHARE),
    catch("check:figure-without-unit", drop(TARGET, "crm:unit"), TARGET, "a target"),
    catch("check:passage-outside-file", set_(P70, "crm:endLine", "125"), P70, "past the last line"),
    catch("check:passage-outside-file", set_(SECTION, "crm:endLine", "121"), SECTION, "a section"),
    passes("check:passage-outside-file", set_(P70, "crm:endLine", "120"), P70, "the last line"),
    catch("check:numbering-gap", f"DELETE WHERE {{ {REC1} ?p ?o }} ; DELETE WHERE {{ ?s ?p {REC1} }}", REC2,
          "a lost table row"),
    catch("check:numbering-gap", set_(ZSUB, "crm:number", "2") + " ; " + set_(ZSUB, "crm:notation", '"2.2"'),
          ZSUB, "a lost sub-recommendation"),
    passes("check:numbering-gap", "", ZSUB, "sub-numbers restart under their parent"),
    catch("check:numbering-gap", f"DELETE WHERE {{ {OPP1} ?p ?o }} ; DELETE WHERE {{ ?s ?p {OPP1} }}",
          "@opportunity/nhfl-2025/2", "recommendation 1 does not stand in for opportunity 1"),
    catch("check:numbering-duplicate", set_(REC2, "crm:number", "1"), REC2),
    catch("check:notation-mismatch", set_(ZSUB, "crm:notation", '"1"'), ZSUB, "sub-number without the parent's"),
    catch("check:notation-mismatch", set_(REC2, "crm:notation", '"3"'), REC2),
    catch("check:sub-recommendation-without-parent", drop(ZSUB, "crm:subRecommendationOf"), ZSUB),
    catch("check:cross-report-link", add(f"{REC1} crm:servesOpportunity {ZOPP1} ."), REC1,
          "an opportunity number resolved in the other report"),
    catch("check:provenance-report-mismatch", add(f"{REC1} prov:wasDerivedFrom {Z40} ."), REC1),
    catch("check:iri-report-mismatch", set_(GROWTH, "crm:inReport", "@report/nhfl-2025"), GROWTH),
    catch("check:dangling-iri", set_(ACME, "crm:locatedIn", "@place/ijmuiden-haven"), ACME,
          "a slug the gazetteer does not have"),
    catch("check:hierarchy-cycle", add("@place/noord-holland crm:locatedIn @place/velsen ."), "@place/noord-holland"),
    catch("check:hierarchy-cycle", add("@product/permanent-magnet crm:hasPart @product/wind-turbine . "
                                       "@product/wind-turbine crm:partOf @product/permanent-magnet ."),
          "@product/wind-turbine", "parts"),
    catch("check:most-specific-place", set_(ACME, "crm:mostSpecificPlace", "@place/velsen"), ACME,
          "the municipality around the town it is in"),
    catch("check:most-specific-place", add(f"{ACME} crm:mostSpecificPlace @place/china ."), ACME,
          "a place it is not in"),
    catch("check:most-specific-place", drop(ACME, "crm:mostSpecificPlace"), ACME, "none"),
    catch("check:most-specific-place", add("@organisation/test-institute crm:headquarteredIn @place/velsen ."),
          "@organisation/test-institute", "a head office inside it counts"),
    passes("check:most-specific-place", add(f"{ACME} crm:locatedIn @place/velsen ."), ACME,
           "a place around the most specific one"),
    passes("check:most-specific-place", add(f"{ACME} crm:locatedIn @place/china ; "
                                            "crm:mostSpecificPlace @place/china ."), ACME,
           "two places, neither inside the other"),
    catch("Organisation-mostSpecificPlace", set_(ACME, "crm:mostSpecificPlace", "@activity/recycling"), ACME),
    catch("check:label-clash", add(f'{ACME} skos:hiddenLabel "Acme Metals" .'), ACME),
    catch("check:place-coordinates", set_("@geometry/velsen", "geo:asWKT", '"POINT(52.46 4.65)"^^geo:wktLiteral'),
          "@place/velsen", "longitude and latitude swapped"),
    catch("check:place-coordinates", set_("@geometry/china", "geo:asWKT", '"POINT(204.2 35.9)"^^geo:wktLiteral'),
          "@place/china", "off the globe"),
    passes("check:place-coordinates", "", "@place/china", "a foreign place outside the Netherlands"),
    catch("check:element-identity", set_(NEODYMIUM, "crm:elementSymbol", '"Ga"'), NEODYMIUM),
    catch("check:event-date-precision", set_(LICENCES, "crm:announcedOn", '"2023-07-15"^^xsd:date'), LICENCES),
    catch("check:event-date-precision", set_(SUBSIDY, "crm:announcedOn", '"2022-06-01"^^xsd:date'), SUBSIDY,
          "a year given as June"),
    passes("check:event-date-precision", "", ROUND, "a day-precise date"),
    catch("check:passage-iri-span", set_(P30, "crm:startLine", "31"), P30),
    catch("check:passage-iri-span", set_(SECTION, "crm:inEdition", NL_ED), SECTION, "a section of another edition"),
    catch("check:concept-scheme", set_("@unit/percent", "skos:inScheme", "<https://w3id.org/crm-kg/id/metric>"),
          "@unit/percent"),
]


# --------------------------------------------------------------------------- applying a case

def clean_graph(settings) -> Graph:
    """The clean fixture with the ontology (class hierarchy, concept schemes)."""
    graph = Graph()
    graph.parse(settings.ontology_dir / "crm.ttl", format="turtle")
    graph.parse(CLEAN, format="turtle")
    return graph


class Fixture:
    """The clean fixture as an rdflib graph (what pyshacl validates) and as a pyoxigraph
    store (where the cases' SPARQL Updates run, and whose quads are quick to compare)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.store = ox.Store()
        self.store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        self.quads = set(self.store)
        # pyoxigraph writes numbers in canonical form; the fixture does too, so that a
        # triple the update removes in the store is the same triple in the graph
        # (blank nodes, only in the ontology's axioms, get new labels; no case touches them)
        ground = {t for t in set(graph) if not any(isinstance(x, BNode) for x in t)}
        assert ground <= _triples(self.quads), "write the fixture's numbers in canonical form"

    @property
    def triples(self) -> set:
        """The union of the fixture's graphs (what the SHACL engines validate)."""
        return _triples(self.quads)


def _triples(quads) -> set:
    return {(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in quads}


@contextlib.contextmanager
def mutated(fixture: Fixture, case: Case):
    """The fixture's graph with the case's update applied, yielded with the added and
    removed triples; both put back as they were afterwards."""
    added, removed = set(), set()
    try:
        if case.update:
            fixture.store.update(case.sparql)
            # the graphs validated are the union: a triple added to a second named graph, or
            # removed from one of two, changes nothing there
            before, after = fixture.triples, _triples(set(fixture.store))
            added, removed = after - before, before - after
        for triple in removed:
            fixture.graph.remove(triple)
        for triple in added:
            fixture.graph.add(triple)
        yield fixture.graph, added, removed
    finally:
        for triple in added:
            fixture.graph.remove(triple)
        for triple in removed:
            fixture.graph.add(triple)
        if case.update:
            now = set(fixture.store)
            for quad in now - fixture.quads:
                fixture.store.remove(quad)
            for quad in fixture.quads - now:
                fixture.store.add(quad)
