"""Parsers for the Noord-Holland & Flevoland report (nhfl-2025), English edition.

Follows the report's layout as extracted, tables flattened to tab-separated
lines (the Dutch edition's parsers are in :mod:`.nhfl_nl`):

* Table 1 (Summary) and Table 5 (Section 6, "Conclusions and
  recommendations"): time frame, numbered recommendation, responsible actor,
  five opportunity columns ticked with X. Table 5 is the reference; Table 1
  repeats it with damaged rows and is compared with it row by row.
* the "Opportunity N:" headings of Section 5;
* Table 2 (Section 2): the EU list of critical raw materials 2023, 4 columns;
* Table 3 (Section 3): rank, goods category and ≈% share per province;
* Table 4 (Section 4): supply-chain activity categories and their definitions;
* Figure 1 (Summary) and Figure 10 (Section 4): organisations listed per
  activity, one "- Category: name, name, …" line each;
* Table 6 (Annex 2): company, supply-chain activity, location.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from ..records import (
    ActivityDefinitionRow,
    Disagreement,
    GoodsShareRow,
    ListEntryRow,
    OpportunityItem,
    OrganisationListing,
    OrganisationRow,
    RecommendationRow,
)
from ..resolve import normalise
from ..sources import Document, Span
from .tables import ExtractError, is_mark, locate, tab_rows

REPORT = "nhfl-2025"
EU_CRM_2023 = "eu-crm-2023"
_REC_NUMBER = re.compile(r"^\s*(\d{1,2})\.\s")
# Table 1 prints stray letters before one number ("rs 7. …") and drops another.
_REC_NUMBER_DAMAGED = re.compile(r"^\s*(?:(\S{1,3})\s+)?(\d{1,2})\.\s")
_OPPORTUNITY = r"^\s*Opportunity\s+(\d)\s*:"
_TIME_FRAME = re.compile(r"^\s*(<\s*1|1\s*-\s*3)\s")
# The actor labels of Table 1/5's "Responsible actor" column (a closed list).
_ACTORS = r"(?:National government|Provinces|Municipalities)"
_TRAILING_ACTORS = re.compile(rf"\s+({_ACTORS}(?:\s*,\s*{_ACTORS})*)\s*$", re.I)
_SHARE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


# --------------------------------------------------------------------------
# Table 1 / Table 5: recommendations
# --------------------------------------------------------------------------

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
    _check_numbers(doc, "Table 5", out)
    return out


def _check_numbers(doc: Document, table: str, rows: list[RecommendationRow]) -> None:
    numbers = [r.number for r in rows]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise ExtractError(f"{doc.edition.id}: {table} numbers are {numbers}, expected 1..n")


def summary_table1(doc: Document) -> list[RecommendationRow | Disagreement]:
    """Table 1 (Summary) read as printed, then compared row by row with Table 5.

    Table 1 is the same table as Table 5 with extraction damage: an actor cell
    merged into the recommendation text, an empty actor cell, a missing number,
    stray letters before a number. What a row says is recovered where the text
    allows (a merged actor is read from the end of the text; a missing number
    follows from the row's position) and every row that differs from Table 5
    yields a :class:`Disagreement` naming the damage. Table 1 rows are cited as
    provenance of the same recommendations and assert nothing.
    """
    caption = locate(doc, r"^Table 1\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^\s*1\.\s+Introduction\s*$")
    printed: list[tuple[RecommendationRow, list[str]]] = []
    for row in rows:
        if not _TIME_FRAME.match(row.cells[0] + " "):
            continue  # header lines
        if len(row.cells) != 8:
            raise ExtractError(f"{doc.edition.id}:{row.line}: Table 1 row has {len(row.cells)} cells, expected 8")
        damage: list[str] = []
        text, actor_cell = row.cells[1], row.cells[2]
        match = _REC_NUMBER_DAMAGED.match(text)
        if match:
            number = int(match.group(2))
            if match.group(1):
                damage.append(f"stray characters {match.group(1)!r} before the number")
        else:
            number = printed[-1][0].number + 1 if printed else 1
            damage.append("the recommendation number is missing (row identified by its position)")
        actors = _split_actors(actor_cell)
        if not actors:
            merged = _TRAILING_ACTORS.search(text)
            if merged:
                actors = _split_actors(merged.group(1))
                damage.append(f"the responsible actor ({merged.group(1)}) is merged into the "
                              "recommendation text; its own cell is empty")
        opportunities = tuple(i + 1 for i, cell in enumerate(row.cells[3:8]) if is_mark(cell))
        printed.append((RecommendationRow(REPORT, number, row.cells[0], actors, opportunities,
                                          doc.span(row.line), table="Table 1", asserts=False), damage))
    table1 = [row for row, _ in printed]
    _check_numbers(doc, "Table 1", table1)
    reference = {r.number: r for r in recommendations_table5(doc)}
    out: list[RecommendationRow | Disagreement] = list(table1)
    for row, damage in printed:
        ref = reference.get(row.number)
        if ref is None:
            raise ExtractError(f"{doc.edition.id}:{row.source.start}: Table 1 row {row.number} is not in Table 5")
        differences = damage + compare_row(ref, row, "Table 5", "Table 1")
        if differences:
            out.append(Disagreement(REPORT, f"recommendation {row.number}",
                                    f"Table 1 row {row.number} differs from Table 5: " + "; ".join(differences),
                                    (row.source, ref.source)))
    return out


def _split_actors(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split(",") if a.strip())


def compare_row(ref: RecommendationRow, row: RecommendationRow, ref_name: str, name: str,
                actor_key=lambda a: a.casefold(), marks: int | None = None) -> list[str]:
    """What a printing of a recommendation row says differently from the reference.

    ``actor_key`` maps a printed actor label to a comparable key (a translation
    for the Dutch edition); ``marks`` is the number of ticks when their columns
    are lost (the Dutch tables), compared with the reference's opportunities.
    """
    out = []
    if _frame_key(ref.time_frame) != _frame_key(row.time_frame):
        out.append(f"time frame {row.time_frame!r} in {name} but {ref.time_frame!r} in {ref_name}")
    if not row.actors and ref.actors:
        out.append(f"no responsible actor in {name} but {', '.join(ref.actors)} in {ref_name}")
    elif {actor_key(a) for a in row.actors} != {a.casefold() for a in ref.actors}:
        out.append(f"actors {', '.join(row.actors)} in {name} but {', '.join(ref.actors)} in {ref_name}")
    if marks is not None:
        if marks != len(ref.opportunities):
            out.append(f"{marks} opportunity marks in {name} but {len(ref.opportunities)} in {ref_name} "
                       f"({', '.join(map(str, ref.opportunities))})")
    elif row.opportunities != ref.opportunities:
        out.append(f"opportunities {_nums(row.opportunities)} in {name} but {_nums(ref.opportunities)} in {ref_name}")
    return out


def _nums(numbers) -> str:
    return ", ".join(map(str, numbers)) or "none"


def _frame_key(text: str) -> str:
    """``"<1 year"``, ``"< 1 jaar"`` → ``"<1"``; ``"1-3 years"`` → ``"1-3"`` (language-free)."""
    return re.sub(r"[^0-9<>-]", "", text)


# --------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------

def opportunities(doc: Document, heading: str = _OPPORTUNITY) -> list[OpportunityItem]:
    """The numbered opportunities of Section 5, cited at their heading and body.

    ``heading`` is the regex of a heading line with the number as group 1
    (``Opportunity 1:``; the Dutch edition's ``Kans 1:``).
    """
    rx = re.compile(heading)
    starts = [n for n in range(1, len(doc) + 1) if rx.match(doc.line(n))]
    if not starts:
        raise ExtractError(f"{doc.edition.id}: no opportunity headings /{heading}/ found")
    section = doc.section_at(starts[-1])
    last_line = section.span.end if section else len(doc)
    chapter = doc.find(r"^\s*\d{1,2}\.\s+[A-Z][^.]{0,80}$", starts[-1] + 1, last_line)
    if chapter is not None:
        last_line = chapter - 1
    out = []
    for i, start in enumerate(starts):
        end = (starts[i + 1] - 1) if i + 1 < len(starts) else last_line
        while end > start and not doc.line(end).strip():
            end -= 1
        number = int(rx.match(doc.line(start)).group(1))
        out.append(OpportunityItem(REPORT, number, doc.span(start, end)))
    return out


_LIST_ITEM = re.compile(r"^\s*(?:-\s+)?(\d)\.\s+\S")
_LIST_LEADS_TO = r"\((?:Table|Tabel)\s+[15]\)"


def opportunity_lists(doc: Document) -> list[OpportunityItem]:
    """The numbered lists of the opportunities (Summary and Section 6, both editions).

    Each list stands just before the sentence that refers to the table of
    recommendations ("(Table 1)", "(Tabel 5)"); an item may wrap over lines.
    """
    out = []
    for marker in (n for n in range(1, len(doc) + 1) if re.search(_LIST_LEADS_TO, doc.line(n))):
        starts = [n for n in range(max(1, marker - 20), marker) if _LIST_ITEM.match(doc.line(n))]
        numbers = [int(_LIST_ITEM.match(doc.line(n)).group(1)) for n in starts]
        if 1 not in numbers:
            continue
        first = len(numbers) - 1 - numbers[::-1].index(1)
        starts, numbers = starts[first:], numbers[first:]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ExtractError(f"{doc.edition.id}:{starts[0]}: opportunity list numbered {numbers}")
        for i, start in enumerate(starts):
            limit = starts[i + 1] if i + 1 < len(starts) else marker
            end, m = start, start + 1
            while m < limit:   # wrapped lines of the item start lower-case
                text = doc.line(m).strip()
                if text and not text[:1].islower():
                    break
                end = m if text else end
                m += 1
            out.append(OpportunityItem(REPORT, numbers[i], doc.span(start, end)))
    return out


# --------------------------------------------------------------------------
# Table 2, Table 3, Table 4
# --------------------------------------------------------------------------

def crm_list_table2(doc: Document) -> list[ListEntryRow]:
    """Table 2: the 34 entries of the EU CRM list 2023, read row by row (4 columns)."""
    caption = locate(doc, r"^Table 2\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^Eur\. Comm\.")
    out = [ListEntryRow(REPORT, EU_CRM_2023, cell, "en", doc.span(row.line))
           for row in rows for cell in row.cells if cell]
    if not out:
        raise ExtractError(f"{doc.edition.id}: Table 2 has no entries")
    return out


def goods_table3(doc: Document) -> list[GoodsShareRow]:
    """Table 3: per rank, a goods category and its ≈% share for each of two provinces."""
    caption = locate(doc, r"^Table 3\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^Source \(geoFluxus")
    header = next((r for r in rows if "≈%" in r.cells), None)
    if header is None:
        raise ExtractError(f"{doc.edition.id}: Table 3 header with provinces not found")
    provinces = [(i, c) for i, c in enumerate(header.cells) if c and c != "≈%"]
    out = []
    for row in rows:
        if not re.fullmatch(r"\d", row.cells[0]):
            continue
        for i, province in provinces:
            if i + 1 >= len(row.cells):
                raise ExtractError(f"{doc.edition.id}:{row.line}: Table 3 row lacks {province}")
            out.append(_goods_row(doc, province, int(row.cells[0]), row.cells[i], row.cells[i + 1], row.line))
    return out


def _goods_row(doc: Document, province: str, rank: int, category: str, share: str, line: int) -> GoodsShareRow:
    match = _SHARE.match(share)
    if not match or not category.strip():
        raise ExtractError(f"{doc.edition.id}:{line}: Table 3 cell {category!r} / {share!r} is not category + share")
    return GoodsShareRow(REPORT, province, rank, category.strip(),
                         Decimal(match.group(1).replace(",", ".")), doc.span(line))


def activities_table4(doc: Document) -> list[ActivityDefinitionRow]:
    """Table 4: activity categories (first cell) and their definitions (second cell)."""
    caption = locate(doc, r"^Table 4\.\s")
    rows = tab_rows(doc, caption + 1, stop=r"^Figure 10\.\s")
    out = [ActivityDefinitionRow(REPORT, row.cells[0], "en", doc.span(row.line))
           for row in rows if row.cells[0] != "Categories" and len(row.cells) == 2]
    if len(out) != len([r for r in rows if r.cells[0] != "Categories"]):
        raise ExtractError(f"{doc.edition.id}: a Table 4 row does not have 2 cells")
    return out


# --------------------------------------------------------------------------
# Figure 1 / Figure 10: organisations per activity
# --------------------------------------------------------------------------

Listing = dict  # category as printed → [(name, span)]
WRAPPED = 110   # the Dutch figures wrap at 130-146 characters; last lines are ≤ 90


def figure_lists(doc: Document, start: int, *, bullet: bool) -> Listing:
    """``Category: name, name, …`` items after a caption, names with their lines.

    English items are one line each, led by ``- ``; Dutch items wrap over lines
    (a name may break across two): a line continues the item when the line
    before it was wrapped, i.e. fills the figure's width (``WRAPPED``
    characters or more; an item's last line is shorter). Stops at the first
    line that is neither an item nor a continuation.
    """
    item = re.compile(r"^\s*-\s+([^:]{2,80}):\s*(.*)$" if bullet else r"^\s*([A-Z][^:]{1,80}):\s+(.*)$")
    items: Listing = {}
    n, seen = start, False
    while n <= len(doc):
        match = item.match(doc.line(n))
        if not match:
            if doc.line(n).strip() and seen and not _is_figure_note(doc.line(n)):
                break
            if n - start > 12 and not seen:
                break   # no list right after the caption
            n += 1
            continue
        seen = True
        category = match.group(1).strip()
        chars: list[tuple[str, int]] = [(c, n) for c in match.group(2).rstrip()]
        m = n + 1
        while not bullet and m <= len(doc) and doc.line(m).strip() and not item.match(doc.line(m)) \
                and len(doc.line(m - 1).rstrip()) >= WRAPPED:
            chars += [(" ", m)] + [(c, m) for c in doc.line(m).strip()]
            m += 1
        items[category] = _split_names(doc, chars)
        n = m if not bullet else n + 1
    if not items:
        raise ExtractError(f"{doc.edition.id}:{start}: no 'Category: names' list after the caption")
    return items


def _is_figure_note(text: str) -> bool:
    return bool(re.match(r"^\s*Note this list", text))


def _split_names(doc: Document, chars: list[tuple[str, int]]) -> list[tuple[str, Span]]:
    names = []
    text = "".join(c for c, _ in chars)
    i = 0
    for j, (c, _line) in enumerate(chars):
        if c == "," and text[j + 1:j + 2] == " ":
            names.append(chars[i:j])
            i = j + 2
    names.append(chars[i:])
    out = []
    for part in names:
        name = re.sub(r"\s+", " ", "".join(c for c, _ in part)).strip()
        lines = [line for c, line in part if not c.isspace()]
        if name:
            out.append((name, doc.span(min(lines), max(lines))))
    return out


def organisation_figures(doc: Document) -> list[OrganisationListing | Disagreement]:
    """Figure 1 and Figure 10: every name under its activity; the two figures compared."""
    figures = {}
    for number in (1, 10):
        caption = locate(doc, rf"^Figure {number}\.\s")
        figures[number] = figure_lists(doc, caption + 1, bullet=True)
    out: list[OrganisationListing | Disagreement] = [
        OrganisationListing(REPORT, name, category, span)
        for items in figures.values() for category, names in items.items() for name, span in names]
    out += compare_listings(figures[1], figures[10], "Figure 1", "Figure 10")
    return out


def compare_listings(a: Listing, b: Listing, name_a: str, name_b: str,
                     category_key=lambda c: c) -> list[Disagreement]:
    """Names one figure prints differently from, or not at all in, another.

    Categories are matched by ``category_key`` (a translation across editions);
    names are compared with :func:`crm_kg.pipeline.resolve.normalise`, so punctuation,
    case, IJ and legal forms do not count as differences.
    """
    out = []
    b_by_key = {category_key(c): items for c, items in b.items()}
    for category, items_a in a.items():
        key = category_key(category)
        items_b = b_by_key.get(key, [])
        only_a = _unmatched(items_a, items_b)
        only_b = _unmatched(items_b, items_a)
        for (name1, span1), (name2, span2) in zip(only_a, only_b):
            out.append(Disagreement(REPORT, name1, f"{name_a} prints {name1!r} where {name_b} prints "
                                    f"{name2!r} ({category})", (span1, span2)))
        for name1, span1 in only_a[len(only_b):]:
            out.append(Disagreement(REPORT, name1, f"{name_a} lists {name1!r} under {category}; "
                                    f"{name_b} does not", (span1,)))
        for name2, span2 in only_b[len(only_a):]:
            out.append(Disagreement(REPORT, name2, f"{name_b} lists {name2!r} under {category}; "
                                    f"{name_a} does not", (span2,)))
    return out


def _unmatched(items, others) -> list:
    remaining = Counter(normalise(n) for n, _ in others)
    out = []
    for name, span in items:
        key = normalise(name)
        if remaining[key]:
            remaining[key] -= 1
        else:
            out.append((name, span))
    return out


# --------------------------------------------------------------------------
# Table 6: organisations with activity and town
# --------------------------------------------------------------------------

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
