"""Words of the saved-query pages in English and Dutch: tags, column headings, UI text.

A column heading is the query header's ``columns`` entry, else the entry here
for the variable's name, else the variable's name split at its capitals
(``startLine`` → "start line") — in either language.
"""

from __future__ import annotations

import re

from .i18n import phrase

TAGS = {
    "challenges": {"en": "Challenges and SWOT", "nl": "Uitdagingen en SWOT"},
    "figures": {"en": "Figures", "nl": "Kengetallen"},
    "goods": {"en": "Goods categories", "nl": "Goederencategorieën"},
    "lists": {"en": "EU lists", "nl": "EU-lijsten"},
    "materials": {"en": "Materials", "nl": "Materialen"},
    "mentions": {"en": "Mentions", "nl": "Vermeldingen"},
    "opportunities": {"en": "Opportunities", "nl": "Kansen"},
    "organisations": {"en": "Organisations", "nl": "Organisaties"},
    "places": {"en": "Places", "nl": "Plaatsen"},
    "policies": {"en": "Policies and targets", "nl": "Beleid en doelen"},
    "products": {"en": "Products", "nl": "Producten"},
    "recommendations": {"en": "Recommendations", "nl": "Aanbevelingen"},
    "reports": {"en": "Reports", "nl": "Rapporten"},
    "sources": {"en": "Sources and provenance", "nl": "Bronnen en herkomst"},
    "trade": {"en": "Trade measures", "nl": "Handelsmaatregelen"},
    "sites": {"en": "Sites and facilities", "nl": "Locaties en installaties"},          # issue 22
    "flows": {"en": "Flows between places", "nl": "Stromen tussen plaatsen"},
    "forecasts": {"en": "Forecasts and trends", "nl": "Verwachtingen en trends"},
    "other": {"en": "Other", "nl": "Overig"},
}

COLUMNS = {
    "a": ("first report", "eerste rapport"), "b": ("second report", "tweede rapport"),
    "activities": ("activities", "activiteiten"), "activitiesInA": ("activities in the first report",
                                                                    "activiteiten in het eerste rapport"),
    "activitiesInB": ("activities in the second report", "activiteiten in het tweede rapport"),
    "activity": ("activity", "activiteit"), "actor": ("actor", "actor"), "actors": ("actors", "actoren"),
    "addressedBy": ("addressed by recommendation", "aangepakt door aanbeveling"),
    "amount": ("amount", "bedrag"), "announced": ("announced", "aangekondigd"),
    "atomicNumber": ("atomic number", "atoomnummer"), "buildsOn": ("builds on", "bouwt voort op"),
    "category": ("category", "categorie"), "challenge": ("challenge", "uitdaging"),
    "concerns": ("concerns", "betreft"), "container": ("contained in", "zit in"),
    "country": ("country", "land"), "currency": ("currency", "munteenheid"),
    "direction": ("direction", "richting"), "disagreesWith": ("disagrees with", "in strijd met"),
    "edition": ("edition", "editie"), "effective": ("in effect", "van kracht"),
    "endLine": ("last line", "laatste regel"), "entryLabel": ("name on the list", "naam op de lijst"),
    "event": ("event", "gebeurtenis"), "figure": ("figure", "kengetal"),
    "firstPassage": ("first passage", "eerste passage"), "frame": ("time frame", "tijdspanne"),
    "graph": ("named graph", "benoemde graaf"), "instruments": ("instruments", "instrumenten"),
    "issuedBy": ("issued by", "uitgegeven door"), "item": ("item", "onderdeel"), "kind": ("kind", "soort"),
    "language": ("language", "taal"), "level": ("level", "bestuurslaag"), "list": ("list", "lijst"),
    "listedAs": ("listed as", "ingedeeld als"), "material": ("material", "materiaal"),
    "materials": ("materials", "materialen"), "measure": ("kind of measure", "soort maatregel"),
    "measureLabel": ("kind of measure", "soort maatregel"), "metricLabel": ("what it measures", "maatstaf"),
    "named": ("named as", "genoemd als"), "notation": ("number", "nummer"), "note": ("note", "toelichting"),
    "number": ("number", "nummer"), "opportunities": ("opportunities", "kansen"),
    "opportunity": ("opportunity", "kans"), "opportunityNumber": ("opportunity number", "nummer van de kans"),
    "organisation": ("organisation", "organisatie"), "organisations": ("organisations", "organisaties"),
    "other": ("other statement", "andere uitspraak"), "otherReport": ("its report", "rapport daarvan"),
    "otherSources": ("its passages", "passages daarvan"), "otherValue": ("its value", "waarde daarvan"),
    "parentNotation": ("part of", "onderdeel van"), "part": ("in part", "in onderdeel"),
    "parties": ("parties", "partijen"), "passage": ("passage", "passage"), "passages": ("passages", "passages"),
    "place": ("place", "plaats"), "placeLabel": ("place", "plaats"), "policy": ("policy", "beleid"),
    "product": ("product", "product"), "products": ("products", "producten"), "property": ("property", "eigenschap"),
    "province": ("province", "provincie"), "qualifierLabel": ("qualifier", "kwalificatie"),
    "rank": ("rank", "rang"), "recommendation": ("recommendation", "aanbeveling"),
    "recommendations": ("recommendations", "aanbevelingen"), "report": ("report", "rapport"),
    "reports": ("reports", "rapporten"), "sector": ("sector", "sector"), "share": ("share (%)", "aandeel (%)"),
    "shortName": ("short name", "afkorting"), "sources": ("passages", "passages"),
    "stageLabel": ("supply-chain stage", "ketenfase"), "startLine": ("first line", "eerste regel"),
    "statement": ("statement", "uitspraak"), "subject": ("about", "over"), "symbol": ("symbol", "symbool"),
    "target": ("target", "doel"), "targetYear": ("target year", "doeljaar"),
    "targets": ("target statements", "doeluitspraken"), "timeFrame": ("time frame", "tijdspanne"),
    "town": ("place", "plaats"), "unit": ("unit", "eenheid"), "unitLabel": ("unit", "eenheid"),
    "upperValue": ("up to", "tot"), "value": ("value", "waarde"), "wikidata": ("Wikidata", "Wikidata"),
    "worksOn": ("works on", "werkt met"), "year": ("year", "jaar"),
    # sites, flows, forecasts (issue 22)
    "site": ("site", "locatie"), "kindLabel": ("kind", "soort"), "statusLabel": ("status", "status"),
    "townLabel": ("place", "plaats"), "rankings": ("rankings", "rangschikkingen"), "flow": ("flow", "stroom"),
    "likelihoodLabel": ("how firmly stated", "hoe stellig"), "horizonFrom": ("from year", "vanaf jaar"),
    "horizonTo": ("by year", "uiterlijk in jaar"), "destinations": ("to", "naar"), "what": ("what", "wat"),
    "forecast": ("forecast", "verwachting"), "variableLabel": ("quantity", "grootheid"),
    "directionLabel": ("direction", "richting"), "about": ("about", "over"), "scope": ("scope", "bereik"),
    "until": ("horizon starting by", "horizon begint uiterlijk"),
}

TEXT = {
    "any": {"en": "(any)", "nl": "(alle)"},
    "answer": {"en": "Answer", "nl": "Beantwoorden"},
    "results": {"en": "result|results", "nl": "resultaat|resultaten"},
    "showing": {"en": "showing {first}–{last} of {total}", "nl": "{first}–{last} van {total} getoond"},
    # an answer computed a page at a time: its total is known only at its end
    "showing_more": {"en": "showing {first}–{last}; more follow on the next pages",
                     "nl": "{first}–{last} getoond; er volgen meer op de volgende pagina's"},
    "no_results": {"en": "No results.", "nl": "Geen resultaten."},
    "truncated": {"en": "The answer was cut off at {n} rows (the limit of this service).",
                  "nl": "Het antwoord is afgekapt op {n} rijen (de limiet van deze dienst)."},
    "show_sparql": {"en": "Show the SPARQL", "nl": "Toon de SPARQL"},
    "open_editor": {"en": "Open in the SPARQL editor", "nl": "Open in de SPARQL-editor"},
    "editor_note": {"en": "The editor shows the query with the values of this form written into it.",
                    "nl": "De editor toont de vraag met de waarden uit dit formulier erin geschreven."},
    "download": {"en": "Download the answer", "nl": "Download het antwoord"},
    "next": {"en": "Next", "nl": "Volgende"}, "prev": {"en": "Previous", "nl": "Vorige"},
    "chart": {"en": "Chart", "nl": "Grafiek"}, "table": {"en": "Table", "nl": "Tabel"},
    "questions": {"en": "Questions to the knowledge graph", "nl": "Vragen aan de kennisgraaf"},
    "intro": {"en": "Pick a question, fill in the form, read the answer — with links to everything it names, "
                    "and downloads. The same answers are an API: ",
              "nl": "Kies een vraag, vul het formulier in en lees het antwoord — met links naar alles wat "
                    "erin voorkomt, en downloads. Dezelfde antwoorden zijn een API: "},
    "search": {"en": "Search the questions", "nl": "Zoek in de vragen"},
    "search_button": {"en": "Search", "nl": "Zoeken"},
    "all_tags": {"en": "all topics", "nl": "alle onderwerpen"},
    "found": {"en": "{n} of {total} questions", "nl": "{n} van {total} vragen"},
    "nothing_found": {"en": "No question matches.", "nl": "Geen vraag gevonden."},
    "parameters": {"en": "Parameters", "nl": "Parameters"},
    "all_questions": {"en": "All questions", "nl": "Alle vragen"},
}


def t(key: str, lang: str, **kwargs) -> str:
    """A text of the query pages, :data:`TEXT` (:func:`.i18n.phrase`)."""
    return phrase(TEXT[key], lang, **kwargs)


def tag_name(tag: str, lang: str) -> str:
    entry = TAGS.get(tag)
    return (entry.get(lang) or entry["en"]) if entry else tag


def heading(query, variable: str, lang: str) -> str:
    """The heading of a result column in ``lang`` (see the module doc)."""
    own = query.columns.get(variable) if query is not None else None
    if own:
        text = own.get(lang) or own.get("en") or variable
    elif variable in COLUMNS:
        en, nl = COLUMNS[variable]
        text = nl if lang == "nl" else en
    else:
        text = re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: " " + m.group(1).lower(), variable)
    return text[:1].upper() + text[1:]


LANGUAGES = {"en": {"en": "English", "nl": "Engels"}, "nl": {"en": "Dutch", "nl": "Nederlands"}}


def language_name(code: str, lang: str) -> str:
    entry = LANGUAGES.get(code)
    return (entry.get(lang) or entry["en"]) if entry else code
