"""Content negotiation (RFC 9110 §12.5.1): ``Accept`` with q-values, or ``format=``.

A route says what it serves as a :class:`crm_kg.media.Offers` (media types of
the one table, best first). One rule on every surface:

* ``Accept`` is read as RFC 9110 writes it: each media range may carry
  parameters; ``q`` (0 to 1, default 1) weighs it, and every other parameter
  (``charset=utf-8``, ``profile=…``) is ignored — it never stops a match.
  A range matches an offer when it names the offer's type, a type the table
  lists as asking for the same thing (``text/n3`` for Turtle,
  ``application/json`` for JSON-LD), the offer's ``type/*``, or ``*/*``; the most specific matching range gives the offer its weight
  (§12.5.1: "the most specific reference has precedence").
* The offer with the highest weight wins; among equal weights the one matched
  more specifically (a named type beats ``type/*`` beats ``*/*``), then the one
  the client listed first, then the route's order. ``q=0`` is "not acceptable".
  So ``*/*`` alone gets the route's first offer, and a browser, which lists
  ``text/html`` before ``*/*;q=0.8``, gets HTML.
* ``format=`` (also ``output=``, as SPARQLWrapper and Fuseki send it)
  overrides ``Accept``; it may be given several times (SPARQLWrapper sends
  ``format=tsv`` and ``format=text/tab-separated-values``) and the first value
  the route offers wins. Values are the table's names (``json``, ``ttl``…) or
  media types.
* No ``Accept`` or an unparsable one get the first offer. When nothing offered
  is acceptable, :class:`NotAcceptable` is raised (a 406 listing the offers) —
  unless the caller asks for ``fallback``: the SPARQL endpoint then answers the
  query form's default format, as Fuseki does (§12.5.1 allows either).

May import: werkzeug, :mod:`crm_kg.media`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..media import BY_TYPE, Offers

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"^\s*({_TCHARS})/({_TCHARS})\s*((?:;.*)?)$")
_Q = re.compile(r"^\s*[qQ]\s*=\s*\"?([0-9](?:\.[0-9]{0,3})?)\"?\s*$")


class NotAcceptable(Exception):
    def __init__(self, supported: list[str]):
        super().__init__("not acceptable")
        self.supported = supported


@dataclass(frozen=True)
class Range:
    """One media range of an ``Accept`` header: ``type/subtype``, its weight, its place."""
    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str, also: tuple[str, ...]) -> int:
        """3 for the type itself, 2 for an equivalent the table lists, 1 for ``type/*`` (of the
        type itself: ``application/*`` is not HTML for its XHTML equivalent), 0 for ``*/*``;
        -1: no match."""
        name = f"{self.type}/{self.subtype}"
        if name == media_type:
            return 3
        if name in also:
            return 2
        if self.subtype == "*" and self.type == media_type.split("/")[0]:
            return 1
        if self.type == "*" and self.subtype == "*":
            return 0
        return -1


def parse_accept(header: str | None) -> list[Range] | None:
    """The media ranges of ``header``; None when it is absent, empty or not an Accept value."""
    if header is None or not header.strip():
        return None
    ranges = []
    for position, item in enumerate(header.split(",")):
        if not item.strip():
            continue
        match = _RANGE.match(item)
        if match is None:
            return None
        q = 1.0
        for param in match.group(3).split(";")[1:]:
            weight = _Q.match(param)
            if weight is not None:
                q = min(float(weight.group(1)), 1.0)
                break                   # what follows q= are accept-extensions, also ignored
        ranges.append(Range(match.group(1).lower(), match.group(2).lower(), q, position))
    return ranges or None


def _rank(media_type: str, ranges: list[Range]) -> tuple[float, int, int] | None:
    """(weight, specificity, -position) of the most specific range matching ``media_type``."""
    entry = BY_TYPE.get(media_type)
    also = entry.also if entry is not None else ()
    best = None
    for r in ranges:
        spec = r.specificity(media_type, also)
        if spec < 0:
            continue
        key = (spec, r.q, -r.position)
        if best is None or key > best:
            best = key
    if best is None:
        return None
    spec, q, position = best
    return (q, spec, position)


def _accept_text(accept) -> str | None:
    if accept is None or isinstance(accept, str):
        return accept
    return accept.to_header()        # a werkzeug Accept: ordered by its own rules, not the client's


def choose(accept, offers: Offers, format_param: str | list[str] | None = None,
           fallback: bool = False) -> str:
    """The offered media type the client prefers; ``format=`` values override Accept.

    ``accept`` is the ``Accept`` header's text (the order of its ranges matters for ties).
    """
    values = [format_param] if isinstance(format_param, str) else list(format_param or [])
    values = [v.split(";")[0].strip().lower() for v in values if v and v.strip()]
    if values:
        for value in values:
            wanted = offers.aliases.get(value, value)
            if wanted in offers:
                return wanted
        if fallback:
            return offers.types[0]
        raise NotAcceptable(list(offers))
    ranges = parse_accept(_accept_text(accept))
    if ranges is None:
        return offers.types[0]
    best, best_key = None, None
    for index, media_type in enumerate(offers.types):
        rank = _rank(media_type, ranges)
        if rank is None or rank[0] <= 0:
            continue
        key = (*rank, -index)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    if best is None:
        if fallback:
            return offers.types[0]
        raise NotAcceptable(list(offers))
    return best


def prefers_html(accept) -> bool:
    """True for a browser: text/html ranks above text/plain (``*/*`` alone does not)."""
    ranges = parse_accept(_accept_text(accept))
    if ranges is None:
        return False
    html, plain = _rank("text/html", ranges), _rank("text/plain", ranges)
    return html is not None and html[0] > 0 and (plain is None or html > plain)
