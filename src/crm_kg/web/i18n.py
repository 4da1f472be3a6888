"""Language choice (English/Dutch) and label helpers for pages."""

from __future__ import annotations

LANGUAGES = ("en", "nl")

TEXT = {
    "home": {"en": "Home", "nl": "Start"},
    "queries": {"en": "Questions", "nl": "Vragen"},
    "sparql": {"en": "SPARQL", "nl": "SPARQL"},
    "run": {"en": "Answer", "nl": "Beantwoorden"},
    "results": {"en": "result(s)", "nl": "resultaat/resultaten"},
    "no_results": {"en": "No results.", "nl": "Geen resultaten."},
    "show_sparql": {"en": "Show the SPARQL", "nl": "Toon de SPARQL"},
    "open_editor": {"en": "Open in the SPARQL editor", "nl": "Open in de SPARQL-editor"},
    "download": {"en": "Download", "nl": "Download"},
    "truncated": {"en": "The answer was cut off at {n} rows.", "nl": "Het antwoord is afgekapt op {n} rijen."},
}


def pick_language(request) -> str:
    """``?lang=`` wins, then the ``lang`` cookie, then ``Accept-Language``, then English."""
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "en"


def t(key: str, lang: str, **kwargs) -> str:
    entry = TEXT.get(key, {})
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**kwargs) if kwargs else text


def pick(texts: dict, lang: str) -> str:
    """A text in the wanted language, falling back to the other one."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
