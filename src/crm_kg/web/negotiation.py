"""Content negotiation (RFC 9110 §12.5.1): Accept with q-values, or ``format=``."""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept


class NotAcceptable(Exception):
    def __init__(self, supported: list[str]):
        super().__init__("not acceptable")
        self.supported = supported


def choose(accept: MIMEAccept, offers: list[str], format_param: str | None = None,
           aliases: dict[str, str] | None = None) -> str:
    """The offered media type the client prefers; ``format=`` overrides Accept."""
    if format_param:
        wanted = (aliases or {}).get(format_param, format_param)
        if wanted in offers:
            return wanted
        raise NotAcceptable(offers)
    if not accept or not list(accept.values()):
        return offers[0]
    best = accept.best_match(offers)
    if best is None:
        raise NotAcceptable(offers)
    return best
