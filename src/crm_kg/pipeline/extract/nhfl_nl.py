"""Parsers for the Dutch edition of the Noord-Holland & Flevoland report (nhfl-2025-nl).

The Dutch edition is a translation of the English one (:mod:`.nhfl`) with a
different extraction: tables are flattened to single spaces and wrap over
lines, so rows are recognised by their shape rather than by tabs:

* Tabel 1 (Samenvatting) and Tabel 5 (hoofdstuk 6): a row starts with a time
  frame and a number (``< 1 jaar 3. …``), its text wraps, then the actors and
  the ticks follow (``Provincies, Gemeenten x x x``). The ticks have lost
  their columns: only their number is known, so the rows cite the same
  recommendations as the English Table 5 and are compared with it;
* the ``Kans N:`` headings of hoofdstuk 5;
* Tabel 2: entries of the EU list, each starting with a capital letter;
* Tabel 3: ``rank category share% category share%``;
* Tabel 4: category, then a definition that starts with ``<Noun> die …``;
* Figuur 1 / Figuur 10: ``Categorie: naam, naam, …`` wrapped over lines;
* Tabel 6 (Bijlage 2): ``name activity place`` with the activity one of the
  table's own six labels. Company names the translation turned into Dutch
  words stay names here; the gazetteer maps them to the English names.

:func:`compare_editions` compares both editions' tables and figures and
returns a :class:`~crm_kg.pipeline.records.Disagreement` for every difference.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
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
from . import nhfl
from .nhfl import EU_CRM_2023, REPORT, compare_listings, compare_row, figure_lists
from .tables import ExtractError, locate

EN, NL = "nhfl-2025-en", "nhfl-2025-nl"
_ROW_START = re.compile(r"^\s*(<\s*1\s+jaar|1\s*-\s*3\s+jaar)\s+(\d{1,2})\.\s+\S")
_NOTE = re.compile(r"^\s*\d{1,3}\t")
# Table 1/5 actor labels, Dutch → English (the column's closed list).
ACTORS = {"rijksoverheid": "national government", "provincies": "provinces", "gemeenten": "municipalities"}
# Tabel 6 activity labels (the table's own closed list), longest first.
TABLE6_ACTIVITIES = ("Recycling (terugwinning van metalen)", "Diensten en handel",
                     "Onderzoek en ontwikkeling", "Verwerking", "Productie", "Recycling")
_TABLE6_ROW = re.compile(r"^\s*(?P<name>.+) (?P<activity>"
                         + "|".join(re.escape(a) for a in TABLE6_ACTIVITIES) + r") (?P<place>\S.*?)\s*$")
# English labels of the same categories in Table 6 and in Figure 1/10.
TABLE6_EN = {"Verwerking": "Processing", "Productie": "Manufacturing", "Recycling": "Recycling",
             "Recycling (terugwinning van metalen)": "Recycling (metal recovery)",
             "Diensten en handel": "Services and Trade", "Onderzoek en ontwikkeling": "Research & Development"}
FIGURE_EN = {"Verwerking": "Processing", "Productie": "Manufacturing",
             "Recycling (inzameling, scheiding, en voorbereiding)":
                 "Recycling (waste collection and pre-treatment of scrap)",
             "Recycling (terugwinning van metalen)": "Recycling (metal recovery)",
             "Diensten en handel": "Services and Trade", "Onderzoek en ontwerp": "Research and Development"}
# Tabel 2 capitalises the form word of one two-word entry ("Silicium Metaal");
# such a word continues the entry before it instead of starting one.
_FORM_WORDS = {"Metaal"}


@dataclass(frozen=True)
class PrintedRow:
    """A Dutch recommendation row as printed: ticks counted, columns lost."""

    row: RecommendationRow
    marks: int


# --------------------------------------------------------------------------
# Tabel 1 / Tabel 5
# --------------------------------------------------------------------------

def printed_rows(doc: Document, caption: str, table: str) -> list[PrintedRow]:
    """The rows of a Dutch recommendations table, in order."""
    n = locate(doc, caption) + 1
    out: list[PrintedRow] = []
    while n <= len(doc):
        match = _ROW_START.match(doc.line(n))
        if not match:
            if out and doc.line(n).strip():
                break   # the first line after the last row
            n += 1
            continue
        start, number = n, int(match.group(2))
        n += 1
        while n <= len(doc) and doc.line(n).strip():   # the recommendation text
            n += 1
        actor_words: list[str] = []
        marks = 0
        while n <= len(doc) and not marks:
            words = doc.line(n).split()
            tail = len(words)
            while tail and words[tail - 1] in ("x", "X"):
                tail -= 1
            marks = len(words) - tail
            actor_words += words[:tail]
            if _ROW_START.match(doc.line(n)) or (words and marks == 0 and _NOTE.match(doc.line(n))):
                raise ExtractError(f"{doc.edition.id}:{start}: {table} row {number} has no ticks")
            n += 1
        actors = tuple(a.strip() for a in " ".join(actor_words).split(",") if a.strip())
        row = RecommendationRow(REPORT, number, match.group(1), actors, (), doc.span(start, n - 1),
                                table=table, asserts=False)
        out.append(PrintedRow(row, marks))
    numbers = [p.row.number for p in out]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise ExtractError(f"{doc.edition.id}: {table} numbers are {numbers}, expected 1..n")
    return out


def _actor_key(label: str) -> str:
    return ACTORS.get(label.casefold(), label.casefold())


def recommendations_tabel5(doc: Document) -> list[RecommendationRow]:
    """Tabel 5: the Dutch printing of the reference table, cited for the same recommendations."""
    return [p.row for p in printed_rows(doc, r"^\s*Tabel 5\.\s", "Tabel 5")]


def summary_tabel1(doc: Document) -> list[RecommendationRow | Disagreement]:
    """Tabel 1 (Samenvatting), compared with the Dutch Tabel 5 row by row."""
    table1 = printed_rows(doc, r"^\s*Tabel 1\.\s", "Tabel 1")
    table5 = {p.row.number: p for p in printed_rows(doc, r"^\s*Tabel 5\.\s", "Tabel 5")}
    out: list[RecommendationRow | Disagreement] = [p.row for p in table1]
    for p in table1:
        ref = table5.get(p.row.number)
        if ref is None:
            raise ExtractError(f"{doc.edition.id}:{p.row.source.start}: Tabel 1 row {p.row.number} not in Tabel 5")
        differences = compare_row(ref.row, p.row, "Tabel 5", "Tabel 1")   # ticks have no columns:
        if p.marks != ref.marks:                                           # compare their number
            differences.append(f"{p.marks} ticks in Tabel 1 but {ref.marks} in Tabel 5")
        if differences:
            out.append(Disagreement(REPORT, f"recommendation {p.row.number}",
                                    f"Tabel 1 row {p.row.number} differs from Tabel 5: " + "; ".join(differences),
                                    (p.row.source, ref.row.source)))
    return out


def kansen(doc: Document) -> list[OpportunityItem]:
    """The ``Kans N:`` headings of hoofdstuk 5, cited for the same opportunities."""
    return nhfl.opportunities(doc, heading=r"^\s*Kans\s+(\d)\s*:")


# --------------------------------------------------------------------------
# Tabel 2, Tabel 3, Tabel 4
# --------------------------------------------------------------------------

def crm_list_tabel2(doc: Document) -> list[ListEntryRow]:
    """Tabel 2: entries start with a capital letter; a line starting lower-case continues one."""
    n = locate(doc, r"^\s*Tabel 2\.\s") + 1
    cells: list[list] = []     # [text, first line, last line]
    while n <= len(doc) and not _NOTE.match(doc.line(n)):
        line = doc.line(n).strip()
        if line:
            for word in line.split():
                starts = word[:1].isupper() and word not in _FORM_WORDS
                if starts or not cells:
                    cells.append([word, n, n])
                else:
                    cells[-1][0] += " " + word
                    cells[-1][2] = n
        n += 1
    if not cells:
        raise ExtractError(f"{doc.edition.id}: Tabel 2 has no entries")
    return [ListEntryRow(REPORT, EU_CRM_2023, text, "nl", doc.span(first, last)) for text, first, last in cells]


_TABLE3_ROW = re.compile(r"^\s*(\d)\s+(.+?)\s+(\d+(?:[.,]\d+)?)\s*%\s+(.+?)\s+(\d+(?:[.,]\d+)?)\s*%\s*$")


def goods_tabel3(doc: Document) -> list[GoodsShareRow]:
    """Tabel 3: ``rank category share% category share%`` under a ``Province ≈ %`` header."""
    caption = locate(doc, r"^\s*Tabel 3\.\s")
    header = doc.find(r"≈\s*%.*≈\s*%", caption, caption + 10)
    if header is None:
        raise ExtractError(f"{doc.edition.id}: Tabel 3 header with provinces not found")
    provinces = [p.strip() for p in re.findall(r"(\S[^≈]*?)\s*≈\s*%", doc.line(header))]
    out = []
    n = header + 1
    while n <= len(doc) and not doc.line(n).startswith("Bron"):
        match = _TABLE3_ROW.match(doc.line(n))
        if match:
            rank = int(match.group(1))
            for province, (category, share) in zip(provinces, ((match.group(2), match.group(3)),
                                                               (match.group(4), match.group(5)))):
                out.append(GoodsShareRow(REPORT, province, rank, category.strip(),
                                         Decimal(share.replace(",", ".")), doc.span(n)))
        elif doc.line(n).strip():
            raise ExtractError(f"{doc.edition.id}:{n}: not a Tabel 3 row: {doc.line(n)!r}")
        n += 1
    return out


_DEFINITION = re.compile(r"^(.*?)\s*\b([A-Z][a-z]+ die)\b")


def activities_tabel4(doc: Document) -> list[ActivityDefinitionRow]:
    """Tabel 4: a category (possibly over lines) and a definition starting ``<Noun> die``."""
    n = locate(doc, r"^\s*Tabel 4\.\s") + 1
    header = doc.find(r"^Categorie", n, n + 5)
    n = (header or n) + 1
    out, pending, previous_blank = [], None, True
    while n <= len(doc) and not _NOTE.match(doc.line(n)) and not re.match(r"^\s*Figuur", doc.line(n)):
        line = doc.line(n).strip()
        if not line:
            previous_blank = True
            n += 1
            continue
        match = _DEFINITION.match(line)
        if match and match.group(1):
            out.append(ActivityDefinitionRow(REPORT, match.group(1), "nl", doc.span(n)))
            pending = None
        elif match:
            if pending is None:
                raise ExtractError(f"{doc.edition.id}:{n}: Tabel 4 definition without a category")
            out.append(ActivityDefinitionRow(REPORT, " ".join(pending[0]), "nl", doc.span(pending[1], n)))
            pending = None
        elif pending is not None and not previous_blank:
            pending[0].append(line)
        elif previous_blank and line[:1].isupper():
            pending = ([line], n)
        previous_blank = False
        n += 1
    if not out:
        raise ExtractError(f"{doc.edition.id}: Tabel 4 has no rows")
    return out


# --------------------------------------------------------------------------
# Figuur 1 / Figuur 10, Tabel 6
# --------------------------------------------------------------------------

def _figures(doc: Document) -> dict[int, dict]:
    return {number: figure_lists(doc, locate(doc, rf"^\s*Figuur {number}\.\s") + 1, bullet=False)
            for number in (1, 10)}


def organisation_figures(doc: Document) -> list[OrganisationListing | Disagreement]:
    """Figuur 1 and Figuur 10: every name under its activity; the two figures compared."""
    figures = _figures(doc)
    out: list[OrganisationListing | Disagreement] = [
        OrganisationListing(REPORT, name, category, span)
        for items in figures.values() for category, names in items.items() for name, span in names]
    out += compare_listings(figures[1], figures[10], "Figuur 1", "Figuur 10")
    return out


def organisations_tabel6(doc: Document) -> list[OrganisationRow]:
    """Tabel 6 (Bijlage 2): ``name activity place`` per line; the header repeats after a page break."""
    caption = locate(doc, r"^\s*Tabel 6\.\s")
    header = locate(doc, r"^\s*Bedrijf\s", caption)
    out = []
    for n in range(header + 1, len(doc) + 1):
        line = doc.line(n)
        if not line.strip() or line.strip().startswith("Bedrijf "):
            continue
        match = _TABLE6_ROW.match(line)
        if not match:
            raise ExtractError(f"{doc.edition.id}:{n}: not a Tabel 6 row: {line!r}")
        out.append(OrganisationRow(REPORT, match["name"].strip(), match["activity"], match["place"],
                                   doc.span(n)))
    if not out:
        raise ExtractError(f"{doc.edition.id}: Tabel 6 has no rows")
    return out


# --------------------------------------------------------------------------
# The two editions compared
# --------------------------------------------------------------------------

def compare_editions(documents: dict[str, Document]) -> list[Disagreement]:
    """Every table and figure of the Dutch edition checked against the English one."""
    en, nl = documents[EN], documents[NL]
    out: list[Disagreement] = []
    reference = {r.number: r for r in nhfl.recommendations_table5(en)}
    for caption, table in ((r"^\s*Tabel 1\.\s", "Tabel 1"), (r"^\s*Tabel 5\.\s", "Tabel 5")):
        for p in printed_rows(nl, caption, table):
            ref = reference.get(p.row.number)
            if ref is None:
                out.append(Disagreement(REPORT, f"recommendation {p.row.number}",
                                        f"{table} has recommendation {p.row.number}; Table 5 does not",
                                        (p.row.source,)))
                continue
            differences = compare_row(ref, p.row, "Table 5 (English)", f"{table} (Dutch)",
                                      actor_key=_actor_key, marks=p.marks)
            if differences:
                out.append(Disagreement(REPORT, f"recommendation {p.row.number}",
                                        f"{table} row {p.row.number} differs from Table 5: " + "; ".join(differences),
                                        (p.row.source, ref.source)))
    en_figures = {n: figure_lists(en, locate(en, rf"^Figure {n}\.\s") + 1, bullet=True) for n in (1, 10)}
    nl_figures = _figures(nl)
    for number in (1, 10):
        unknown = set(nl_figures[number]) - set(FIGURE_EN)
        if unknown:
            raise ExtractError(f"{NL}: Figuur {number} has categories without an English label: {sorted(unknown)}")
        out += compare_listings(en_figures[number], nl_figures[number], f"Figure {number} (English)",
                                f"Figuur {number} (Dutch)", category_key=lambda c: FIGURE_EN.get(c, c))
    out += _compare_table2(en, nl) + _compare_table3(en, nl) + _compare_table6(en, nl)
    return out


def _compare_table2(en: Document, nl: Document) -> list[Disagreement]:
    a, b = nhfl.crm_list_table2(en), crm_list_tabel2(nl)
    if len(a) == len(b):
        return []
    return [Disagreement(REPORT, EU_CRM_2023, f"Table 2 has {len(a)} entries, Tabel 2 {len(b)}",
                         (a[0].source.union(a[-1].source), b[0].source.union(b[-1].source)))]


def _compare_table3(en: Document, nl: Document) -> list[Disagreement]:
    out = []
    a = {(normalise(r.province), r.rank): r for r in nhfl.goods_table3(en)}
    for row in goods_tabel3(nl):
        ref = a.get((normalise(row.province), row.rank))
        if ref is None or ref.share != row.share:
            out.append(Disagreement(REPORT, f"goods share {row.province} {row.rank}",
                                    f"Tabel 3 gives {row.share}% for rank {row.rank} in {row.province}, "
                                    f"Table 3 {ref.share if ref else 'nothing'}",
                                    (row.source,) + ((ref.source,) if ref else ())))
    return out


def _compare_table6(en: Document, nl: Document) -> list[Disagreement]:
    a, b = nhfl.organisations_table6(en), organisations_tabel6(nl)
    out = []
    if len(a) != len(b):
        out.append(Disagreement(REPORT, "Table 6", f"Table 6 has {len(a)} rows, Tabel 6 {len(b)}",
                                (Span(EN, a[0].source.start, a[-1].source.end),
                                 Span(NL, b[0].source.start, b[-1].source.end))))
    for row_en, row_nl in zip(a, b):
        differences = []
        if TABLE6_EN.get(row_nl.activity) != row_en.activity:
            differences.append(f"activity {row_nl.activity!r} in Tabel 6, {row_en.activity!r} in Table 6")
        if normalise(row_nl.location) != normalise(row_en.location):
            differences.append(f"place {row_nl.location!r} in Tabel 6, {row_en.location!r} in Table 6")
        if differences:
            out.append(Disagreement(REPORT, row_en.name, f"Tabel 6 row for {row_nl.name!r} differs from "
                                    f"Table 6 row {row_en.name!r}: " + "; ".join(differences),
                                    (row_nl.source, row_en.source)))
    counts_en = Counter(r.activity for r in a)
    counts_nl = Counter(TABLE6_EN.get(r.activity, r.activity) for r in b)
    if counts_en != counts_nl and len(a) == len(b):
        out.append(Disagreement(REPORT, "Table 6", f"rows per activity differ: {dict(counts_en)} vs {dict(counts_nl)}",
                                (a[0].source, b[0].source)))
    return out
