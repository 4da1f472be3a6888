"""Content negotiation (RFC 9110 §12.5.1): ``Accept`` with q-values, or ``format=``.

A route says what it serves as a :class:`crm_kg.media.Offers` (media types of
the one table, best first). ``format=`` (also ``output=``, as SPARQLWrapper
and Fuseki send it) overrides ``Accept``; it may be given several times
(SPARQLWrapper sends ``format=tsv`` and ``format=text/tab-separated-values``)
and the first value the route offers wins. Values are the table's names
(``json``, ``ttl``…) or media types. No ``Accept``, an unparsable one or
``*/*`` get the first offer; a type with ``q=0`` is never chosen.

May import: werkzeug, :mod:`crm_kg.media`.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from ..media import Offers


class NotAcceptable(Exception):
    def __init__(self, supported: list[str]):
        super().__init__("not acceptable")
        self.supported = supported


def choose(accept: MIMEAccept, offers: Offers, format_param: str | list[str] | None = None) -> str:
    """The offered media type the client prefers; ``format=`` values override Accept."""
    values = [format_param] if isinstance(format_param, str) else list(format_param or [])
    values = [v.split(";")[0].strip().lower() for v in values if v and v.strip()]
    if values:
        for value in values:
            wanted = offers.aliases.get(value, value)
            if wanted in offers:
                return wanted
        raise NotAcceptable(list(offers))
    if not accept or not list(accept.values()):
        return offers.types[0]
    best = accept.best_match(offers.types)
    if best is None:
        raise NotAcceptable(list(offers))
    return best


def prefers_html(accept: MIMEAccept) -> bool:
    """True for a browser: text/html ranks above text/plain (``*/*`` alone does not)."""
    return accept.best_match(["text/plain", "text/html"]) == "text/html"
