"""extract: per-report parsers that read facts from a :class:`~crm_kg.sources.Document`.

Each parser knows where its table or list starts and how its rows look, and
returns records from :mod:`crm_kg.facts` carrying their source span. Parsers
are registered in :data:`PARSERS` by edition id; :func:`extract_all` runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..sources import Document
from . import nhfl, zh

Parser = Callable[[Document], Iterable[object]]

PARSERS: dict[str, list[Parser]] = {
    "nhfl-2025-en": [nhfl.recommendations_table5, nhfl.opportunities, nhfl.organisations_table6],
    "zh-2024-nl": [zh.crm_list, zh.figure1, zh.organisations_figure4, zh.opportunities, zh.challenges,
                   zh.recommendations],
}


def extract_all(documents: dict[str, Document]) -> list[object]:
    """Run every registered parser over the documents it is registered for."""
    facts: list[object] = []
    for edition_id, parsers in PARSERS.items():
        doc = documents.get(edition_id)
        if doc is None:
            continue
        for parser in parsers:
            facts.extend(parser(doc))
    return facts
