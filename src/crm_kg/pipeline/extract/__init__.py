"""extract: per-report parsers that read facts from a :class:`~crm_kg.pipeline.sources.Document`.

Each parser knows where its table or list starts and how its rows look, and
returns records from :mod:`crm_kg.pipeline.records` carrying their source span. Parsers
are registered in :data:`PARSERS` by edition id; :data:`CROSS_EDITION` holds
checks that read several editions of one report (a translation compared with
its original); :func:`extract_all` runs them all.

May import: :mod:`crm_kg.pipeline.sources`, :mod:`~crm_kg.pipeline.records`,
:mod:`~crm_kg.pipeline.resolve` and the root basics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..sources import Document
from . import nhfl, nhfl_nl, zh

Parser = Callable[[Document], Iterable[object]]
CrossParser = Callable[[dict[str, Document]], Iterable[object]]

PARSERS: dict[str, list[Parser]] = {
    "nhfl-2025-en": [nhfl.recommendations_table5, nhfl.opportunities, nhfl.organisations_table6,
                     nhfl.summary_table1, nhfl.crm_list_table2, nhfl.goods_table3,
                     nhfl.activities_table4, nhfl.organisation_figures, nhfl.opportunity_lists],
    "nhfl-2025-nl": [nhfl_nl.recommendations_tabel5, nhfl_nl.summary_tabel1, nhfl_nl.kansen,
                     nhfl_nl.crm_list_tabel2, nhfl_nl.goods_tabel3, nhfl_nl.activities_tabel4,
                     nhfl_nl.organisation_figures, nhfl_nl.organisations_tabel6, nhfl.opportunity_lists],
    "zh-2024-nl": [zh.crm_list, zh.figure1, zh.organisations_figure4, zh.opportunities, zh.challenges,
                   zh.recommendations],
}

# Editions a check needs (all must be present) → the checks.
CROSS_EDITION: dict[tuple[str, ...], list[CrossParser]] = {
    ("nhfl-2025-en", "nhfl-2025-nl"): [nhfl_nl.compare_editions],
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
    for editions, checks in CROSS_EDITION.items():
        if all(e in documents for e in editions):
            for check in checks:
                facts.extend(check(documents))
    return facts
