"""Kinds for tables of names: a printed materials list, goods shares, definitions, organisations.

* ``material-list`` — the entries of a printed list (the EU CRM list): one per
  tab cell (``tabs``), capitalised words wrapping over lines (``words``), or
  up to ``max_cells`` capitalised cells per line checked against the count the
  text states (``lines``);
* ``shares-table`` — rank, then a category and its ≈% share per place;
* ``definitions-table`` — a category and its definition per row;
* ``organisation-table`` — an organisation, its activity and its place per
  row, in the columns the profile names (``tabs``), or as one space-separated
  line whose activity is one of the table's closed list (``spaced``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..records import ActivityDefinitionRow, GoodsShareRow, ListEntryRow, OrganisationRow
from ..sources import Document
from .profile import Rule, kind, regex
from .tables import ExtractError, Output, locate, tab_rows

_CAPITALISED = re.compile(r"(?<!\S)(?=[A-ZÀ-Ý])")     # where a capitalised word starts


def _layout(value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"layout must be one of {', '.join(allowed)}, got {value!r}")


# --------------------------------------------------------------------------
# material-list
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class MaterialListParams:
    list: str                                   # the list's slug (data/reference: eu-crm-2023)
    caption: str = regex()                      # tabs, words: the caption; lines: the box's first line
    layout: str = "tabs"                        # tabs | words | lines
    stop: str | None = regex(None)
    language: str | None = None                 # default: the edition's
    form_words: list[str] = field(default_factory=list)   # words: capitalised words that continue an entry
    count: str | None = regex(None, groups=("count",))     # lines: how the box states the number
    max_cells: int = 3

    def __post_init__(self):
        _layout(self.layout, ("tabs", "words", "lines"))


@kind("material-list", MaterialListParams)
def material_list(doc: Document, rule: Rule, run) -> Output:
    """The entries of a printed materials list, each cited at its line(s)."""
    p: MaterialListParams = rule.params
    language = p.language or doc.edition.language
    if p.layout == "tabs":
        rows = tab_rows(doc, locate(doc, p.caption) + 1, stop=p.stop)
        out = [ListEntryRow(rule.report, p.list, cell, language, doc.span(row.line))
               for row in rows for cell in row.cells if cell]
    elif p.layout == "words":
        out = _words(doc, rule, p, language)
    else:
        out = _lines(doc, rule, p, language)
    if not out:
        raise ExtractError(f"{doc.edition.id}: {rule.label} has no entries")
    return Output(out)


def _words(doc: Document, rule: Rule, p: MaterialListParams, language: str) -> list[ListEntryRow]:
    """Entries start with a capital letter; a line starting lower-case continues one."""
    n = locate(doc, p.caption) + 1
    stop = re.compile(p.stop) if p.stop else None
    cells: list[list] = []     # [text, first line, last line]
    while n <= len(doc) and not (stop and stop.match(doc.line(n))):
        line = doc.line(n).strip()
        if line:
            for word in line.split():
                starts = word[:1].isupper() and word not in p.form_words
                if starts or not cells:
                    cells.append([word, n, n])
                else:
                    cells[-1][0] += " " + word
                    cells[-1][2] = n
        n += 1
    return [ListEntryRow(rule.report, p.list, text, language, doc.span(first, last)) for text, first, last in cells]


def _lines(doc: Document, rule: Rule, p: MaterialListParams, language: str) -> list[ListEntryRow]:
    """One row per line, entries starting with a capital; the box's introduction states the count."""
    box = doc.find(p.caption)
    if box is None:
        raise ExtractError(f"{doc.edition.id}: box /{p.caption}/ not found")
    chapter = doc.section_at(box)
    intro_end = next(n for n in range(box + 1, chapter.span.end + 1) if doc.line(n).rstrip().endswith("."))
    stated = re.search(p.count, doc.text(doc.span(box, intro_end))) if p.count else None
    out = []
    for n in range(intro_end + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text:
            continue
        starts = [m.start() for m in _CAPITALISED.finditer(text)] + [len(text)]
        cells = [text[a:b].strip() for a, b in itertools.pairwise(starts)]
        if not 1 <= len(cells) <= p.max_cells:
            raise ExtractError(f"{doc.edition.id}:{n}: {rule.label} row has {len(cells)} entries")
        out += [ListEntryRow(rule.report, p.list, cell, language, doc.span(n)) for cell in cells]
    if p.count and (stated is None or int(stated.group("count")) != len(out)):
        raise ExtractError(f"{doc.edition.id}: {rule.label} has {len(out)} entries, the text says "
                           f"{stated.group('count') if stated else '?'}")
    return out


# --------------------------------------------------------------------------
# shares-table
# --------------------------------------------------------------------------

_SHARE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class SharesParams:
    caption: str = regex()
    layout: str = "tabs"                  # tabs | spaced
    stop: str | None = regex(None)
    header: str = "≈%"                    # tabs: the cell after each place's column; spaced: a regex
    rank: str = regex(r"\d")              # tabs: a data row's first cell (full match)
    row: str | None = regex(None)         # spaced: rank, category, share, category, share
    places: str | None = regex(None)      # spaced: the places in the header line (findall)

    def __post_init__(self):
        _layout(self.layout, ("tabs", "spaced"))
        if self.layout == "spaced" and not (self.row and self.places):
            raise ValueError("layout spaced needs row and places")


def _share(doc, rule, place, rank, category, share, line) -> GoodsShareRow:
    match = _SHARE.match(share)
    if not match or not category.strip():
        raise ExtractError(f"{doc.edition.id}:{line}: {rule.label} cell {category!r} / {share!r} "
                           "is not category + share")
    return GoodsShareRow(rule.report, place, rank, category.strip(),
                         Decimal(match.group(1).replace(",", ".")), doc.span(line))


@kind("shares-table", SharesParams)
def shares_table(doc: Document, rule: Rule, run) -> Output:
    """Per rank, a goods category and its ≈% share for each place of the header."""
    p: SharesParams = rule.params
    caption = locate(doc, p.caption)
    out = []
    if p.layout == "tabs":
        rows = tab_rows(doc, caption + 1, stop=p.stop)
        header = next((r for r in rows if p.header in r.cells), None)
        if header is None:
            raise ExtractError(f"{doc.edition.id}: {rule.label} header with places not found")
        places = [(i, c) for i, c in enumerate(header.cells) if c and c != p.header]
        for row in rows:
            if not re.fullmatch(p.rank, row.cells[0]):
                if row is not header:
                    run.note(rule, row.line, "not a data row: " + " | ".join(row.cells)[:60])
                continue
            for i, place in places:
                if i + 1 >= len(row.cells):
                    raise ExtractError(f"{doc.edition.id}:{row.line}: {rule.label} row lacks {place}")
                out.append(_share(doc, rule, place, int(row.cells[0]), row.cells[i], row.cells[i + 1], row.line))
        return Output(out)
    header = doc.find(p.header, caption, caption + 10)
    if header is None:
        raise ExtractError(f"{doc.edition.id}: {rule.label} header with places not found")
    places = [x.strip() for x in re.findall(p.places, doc.line(header))]
    row_rx = re.compile(p.row)
    stop = re.compile(p.stop) if p.stop else None
    n = header + 1
    while n <= len(doc) and not (stop and stop.match(doc.line(n))):
        match = row_rx.match(doc.line(n))
        if match:
            rank = int(match.group(1))
            pairs = [(match.group(i), match.group(i + 1)) for i in range(2, len(match.groups()), 2)]
            for place, (category, share) in zip(places, pairs):
                out.append(GoodsShareRow(rule.report, place, rank, category.strip(),
                                         Decimal(share.replace(",", ".")), doc.span(n)))
        elif doc.line(n).strip():
            raise ExtractError(f"{doc.edition.id}:{n}: not a {rule.label} row: {doc.line(n)!r}")
        n += 1
    return Output(out)


# --------------------------------------------------------------------------
# definitions-table
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class DefinitionsParams:
    caption: str = regex()
    layout: str = "tabs"                   # tabs | wrapped
    stop: str | None = regex(None)
    header: str = regex("^Categories$")    # the header row (first cell, or line for wrapped)
    definition: str | None = regex(None)   # wrapped: (category)(first words of a definition)
    language: str | None = None

    def __post_init__(self):
        _layout(self.layout, ("tabs", "wrapped"))
        if self.layout == "wrapped" and not self.definition:
            raise ValueError("layout wrapped needs definition")


@kind("definitions-table", DefinitionsParams)
def definitions_table(doc: Document, rule: Rule, run) -> Output:
    """Categories and their definitions: a category per row (or over lines, then its definition)."""
    p: DefinitionsParams = rule.params
    language = p.language or doc.edition.language
    if p.layout == "tabs":
        rows = [r for r in tab_rows(doc, locate(doc, p.caption) + 1, stop=p.stop)
                if not re.match(p.header, r.cells[0])]
        bad = [r for r in rows if len(r.cells) != 2]
        if bad:
            raise ExtractError(f"{doc.edition.id}:{bad[0].line}: a {rule.label} row does not have 2 cells")
        return Output([ActivityDefinitionRow(rule.report, r.cells[0], language, doc.span(r.line)) for r in rows])
    n = locate(doc, p.caption) + 1
    header = doc.find(p.header, n, n + 5)
    n = (header or n) + 1
    definition = re.compile(p.definition)
    stop = re.compile(p.stop) if p.stop else None
    out, pending, previous_blank = [], None, True
    while n <= len(doc) and not (stop and stop.match(doc.line(n))):
        line = doc.line(n).strip()
        if not line:
            previous_blank = True
            n += 1
            continue
        match = definition.match(line)
        if match and match.group(1):
            out.append(ActivityDefinitionRow(rule.report, match.group(1), language, doc.span(n)))
            pending = None
        elif match:
            if pending is None:
                raise ExtractError(f"{doc.edition.id}:{n}: {rule.label} definition without a category")
            out.append(ActivityDefinitionRow(rule.report, " ".join(pending[0]), language, doc.span(pending[1], n)))
            pending = None
        elif pending is not None and not previous_blank:
            pending[0].append(line)
        elif previous_blank and line[:1].isupper():
            pending = ([line], n)
        elif previous_blank:                     # (other lines continue a definition)
            run.note(rule, n, "neither a category nor a definition: " + line[:60])
        previous_blank = False
        n += 1
    if not out:
        raise ExtractError(f"{doc.edition.id}: {rule.label} has no rows")
    return Output(out)


# --------------------------------------------------------------------------
# organisation-table
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class OrganisationsParams:
    caption: str = regex()
    layout: str = "tabs"                  # tabs | spaced
    stop: str | None = regex(None)
    header: str = regex("^Company$")      # tabs: a header row's first cell; spaced: a header line
    columns: dict[str, int] = field(default_factory=lambda: {"name": 0, "activity": 1, "place": 2})
    activities: list[str] = field(default_factory=list)   # spaced: the activity column's closed list
    activity_concepts: dict[str, str] = field(default_factory=dict)  # printed label → activity slug

    def __post_init__(self):
        _layout(self.layout, ("tabs", "spaced"))
        if set(self.columns) != {"name", "activity", "place"}:
            raise ValueError(f"columns must map name, activity and place to column numbers, got "
                             f"{sorted(self.columns)}")
        if self.layout == "spaced" and not self.activities:
            raise ValueError("layout spaced needs the closed list of activities")


@kind("organisation-table", OrganisationsParams)
def organisation_table(doc: Document, rule: Rule, run) -> Output:
    """One organisation per row with its activity and place; repeated headers are skipped."""
    p: OrganisationsParams = rule.params
    caption = locate(doc, p.caption)
    out = []
    if p.layout == "tabs":
        width = len(p.columns)
        for row in tab_rows(doc, caption + 1, stop=p.stop):
            if re.match(p.header, row.cells[0]):
                run.note(rule, row.line, "header row: " + " | ".join(row.cells)[:60])
                continue
            if len(row.cells) != width or not all(row.cells):
                raise ExtractError(f"{doc.edition.id}:{row.line}: {rule.label} row needs {width} cells, "
                                   f"got {row.cells}")
            c = {k: row.cells[i] for k, i in p.columns.items()}
            out.append(OrganisationRow(rule.report, c["name"], c["activity"], c["place"], doc.span(row.line),
                                       p.activity_concepts.get(c["activity"])))
    else:
        activities = sorted(p.activities, key=len, reverse=True)
        row_rx = re.compile(r"^\s*(?P<name>.+) (?P<activity>" + "|".join(re.escape(a) for a in activities)
                            + r") (?P<place>\S.*?)\s*$")
        header = locate(doc, p.header, caption)
        stop = re.compile(p.stop) if p.stop else None
        for n in range(header + 1, len(doc) + 1):
            line = doc.line(n)
            if stop and stop.match(line):
                break
            if not line.strip():
                continue
            if re.match(p.header, line):
                run.note(rule, n, "header row: " + line.strip()[:60])
                continue
            match = row_rx.match(line)
            if not match:
                raise ExtractError(f"{doc.edition.id}:{n}: not a {rule.label} row: {line!r}")
            out.append(OrganisationRow(rule.report, match["name"].strip(), match["activity"], match["place"],
                                       doc.span(n), p.activity_concepts.get(match["activity"])))
    if not out:
        raise ExtractError(f"{doc.edition.id}: {rule.label} has no rows")
    return Output(out)
