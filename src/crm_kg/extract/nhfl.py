"""Parsers for the Noord-Holland & Flevoland report (nhfl-2025, English edition).

Follows the report's layout as extracted: Table 5 (Section 6, "Policy
recommendations": time frame, recommendation, responsible actor, five
opportunity columns ticked with X), the "Opportunity N:" headings of
Section 5, and Table 6 (Annex 2: company, supply-chain activity, location).
"""

from __future__ import annotations

import re

from ..facts import OpportunityItem, OrganisationRow, RecommendationRow
from ..sources import Document
from .tables import ExtractError, is_mark, locate, tab_rows

REPORT = "nhfl-2025"
_REC_NUMBER = re.compile(r"^\s*(\d{1,2})\.\s")
_OPPORTUNITY = re.compile(r"^\s*Opportunity\s+(\d)\s*:")


def recommendations_table5(doc: Document) -> list[RecommendationRow]:
    """Table 5: ten recommendations × time frame × actors × opportunities 1–5.

    A row is ``time frame, "N. text", actors, mark1..mark5``; a tick is X.
    """
    caption = locate(doc, r"^Table 5\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^The recommendations are further detailed")
    out: list[RecommendationRow] = []
    for row in rows:
        match = _REC_NUMBER.match(row.cells[1]) if len(row.cells) > 1 else None
        if not match:
            continue  # the two header lines
        if len(row.cells) != 8:
            raise ExtractError(f"{doc.edition.id}:{row.line}: Table 5 row has {len(row.cells)} cells, expected 8")
        actors = tuple(a.strip() for a in row.cells[2].split(",") if a.strip())
        opportunities = tuple(i + 1 for i, cell in enumerate(row.cells[3:8]) if is_mark(cell))
        out.append(RecommendationRow(REPORT, int(match.group(1)), row.cells[0], actors,
                                     opportunities, doc.span(row.line)))
    numbers = [r.number for r in out]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise ExtractError(f"{doc.edition.id}: Table 5 numbers are {numbers}, expected 1..n")
    return out


def opportunities(doc: Document) -> list[OpportunityItem]:
    """The numbered opportunities of Section 5, cited at their heading and body."""
    starts = [n for n in range(1, len(doc) + 1) if _OPPORTUNITY.match(doc.line(n))]
    if not starts:
        raise ExtractError(f"{doc.edition.id}: no 'Opportunity N:' headings found")
    section = doc.section_at(starts[-1])
    last_line = section.span.end if section else len(doc)
    chapter = doc.find(r"^\s*\d{1,2}\.\s+[A-Z][^.]{0,80}$", starts[-1] + 1, last_line)
    if chapter is not None:
        last_line = chapter - 1
    out = []
    for i, start in enumerate(starts):
        end = (starts[i + 1] - 1) if i + 1 < len(starts) else last_line
        # stop before the next chapter heading if the section ends earlier
        while end > start and not doc.line(end).strip():
            end -= 1
        number = int(_OPPORTUNITY.match(doc.line(start)).group(1))
        out.append(OpportunityItem(REPORT, number, doc.span(start, end)))
    return out


def organisations_table6(doc: Document) -> list[OrganisationRow]:
    """Table 6 (Annex 2): one organisation per row with activity and location.

    The table repeats its header after a page break; header rows are skipped.
    """
    caption = locate(doc, r"^Table 6\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^HCSS\s*$")
    out = []
    for row in rows:
        if row.cells[0] == "Company":
            continue
        if len(row.cells) != 3 or not all(row.cells):
            raise ExtractError(f"{doc.edition.id}:{row.line}: Table 6 row needs 3 cells, got {row.cells}")
        name, activity, location = row.cells
        out.append(OrganisationRow(REPORT, name, activity, location, doc.span(row.line)))
    if not out:
        raise ExtractError(f"{doc.edition.id}: Table 6 has no rows")
    return out
