"""Language choice (English/Dutch) and label helpers for pages."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("en", "nl")

TEXT = {
    "home": {"en": "Home", "nl": "Start"},
    "queries": {"en": "Questions", "nl": "Vragen"},
    "sparql": {"en": "SPARQL", "nl": "SPARQL"},
    "run": {"en": "Answer", "nl": "Beantwoorden"},
    "results": {"en": "result|results", "nl": "resultaat|resultaten"},
    "results_for": {"en": "result for|results for", "nl": "resultaat voor|resultaten voor"},
    "rows": {"en": "row|rows", "nl": "rij|rijen"},
    "footer": {"en": "crm-kg — critical raw materials in the Dutch provinces. Data derived from HCSS "
                     "reports; every fact cites its passage.",
               "nl": "crm-kg — kritieke grondstoffen in de Nederlandse provincies. Gegevens afgeleid uit "
                     "rapporten van HCSS; elk feit verwijst naar de passage waar het staat."},
    "no_results": {"en": "No results.", "nl": "Geen resultaten."},
    "show_sparql": {"en": "Show the SPARQL", "nl": "Toon de SPARQL"},
    "open_editor": {"en": "Open in the SPARQL editor", "nl": "Open in de SPARQL-editor"},
    "download": {"en": "Download", "nl": "Download"},
    "truncated": {"en": "The answer was cut off at {n} rows.", "nl": "Het antwoord is afgekapt op {n} rijen."},
}


def pick_language(request) -> str:
    """``?lang=`` wins, then the ``lang`` cookie, then ``Accept-Language``, then English."""
    chosen = request.args.get("lang") or (
        request.cookies.get("lang") if request.environ.get("HTTP_COOKIE") else None)
    if chosen in LANGUAGES:
        return chosen
    return _accepted(request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))


@lru_cache(maxsize=256)
def _accepted(header: str) -> str:
    """The best of :data:`LANGUAGES` for an ``Accept-Language`` header (RFC 9110 §12.5.4), or
    English: read once per distinct header, not once per request."""
    return parse_accept_header(header or None, LanguageAccept).best_match(LANGUAGES) or "en"


def phrase(entry: dict, lang: str, **kwargs) -> str:
    """The text of ``entry`` ({"en": …, "nl": …}) in ``lang`` (English when it has none):
    "one|other" gives the plural unless ``n`` is 1 (CLDR plural categories of en and nl);
    ``{name}`` fields are filled from ``kwargs``."""
    text = entry.get(lang) or entry["en"]
    if "|" in text:
        one, other = text.split("|", 1)
        text = one if kwargs.get("n") == 1 else other
    return text.format(**kwargs) if kwargs else text


def t(key: str, lang: str, **kwargs) -> str:
    """A page text of :data:`TEXT` (the key itself when there is none)."""
    return phrase(TEXT.get(key) or {"en": key}, lang, **kwargs)


def plural(key: str, n: int, lang: str) -> str:
    """``n`` and the word in its number: "1 result", "5 resultaten" (CLDR: one/other, en and nl)."""
    return f"{n} {t(key, lang, n=n)}"


def pick(texts: dict, lang: str) -> str:
    """A text in the wanted language, falling back to the other one."""
    if not texts:
        return ""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
