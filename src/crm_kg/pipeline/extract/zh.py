"""Parsers for the Zuid-Holland report (zh-2024; one edition, Dutch: zh-2024-nl).

They follow the report's layout as extracted: hard-wrapped lines separated by
blank lines, every page opening with a line that starts with one space,
footnotes ("38 ‘Government …") closing a page, a running footer
("16Kritieke grondstoffen … | Wat, waarom en hoe?"), figures and tables
flattened to lines. What they read:

* the EU list of critical raw materials 2023 (box "Wat zijn kritieke
  grondstoffen?" in section 1): a three-column table flattened to one line per
  row, multi-word entries continuing in lower case → :class:`ListEntryRow`;
* Figure 1 (section 2): the applications of CRM in four vital sectors and the
  materials in the figure's centre → :class:`FigureMention`;
* Figure 4 (section 3): organisations per value-chain category, names
  separated by commas and broken over lines → :class:`OrganisationListing`;
* the four opportunities ("kansen"): the numbered paragraphs of section 4
  and the inline lists "(1) …; (2) …" of the summary and of section 4's
  introduction → :class:`OpportunityItem`;
* the challenges table (section 5): the category printed one or two letters
  per line ("S / o / c / ia / a / l"), challenge names wrapped in the first
  column, explanations in the second → :class:`ChallengeFact` (numbered in
  table order; their short titles are curated in titles.yaml);
* the recommendations (section 6: "1.", "1.1", "2.2." …, sub-recommendations
  under their parent) and the summary's numbered list 1–9 →
  :class:`RecommendationItem`, one record per passage that states an item.

Figure 2 (the 2022–2024 trade-measure timeline) is transcribed in
``data/curated/zh-2024/events.yaml``; :func:`timeline` reads its date headings
so that tests can check the transcription against the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from ..records import (
    ChallengeFact,
    FigureMention,
    ListEntryRow,
    OpportunityItem,
    OrganisationListing,
    RecommendationItem,
)
from ..sources import Document, Section, Span
from .tables import ExtractError

REPORT = "zh-2024"

_PAGE_START = re.compile(r"^ \S")                     # first line of a page
_FOOTNOTE = re.compile(r"^\d{1,2}\s+\S")              # "38 ‘Government …", "15  European …"
_FOOTER = re.compile(r"^\d{1,3}[A-Z][^|]*\|")         # "12Kritieke grondstoffen … | Wat, waarom en hoe?"
_ITEM = re.compile(r"^\s?(\d{1,2})\.(?:(\d{1,2})\.?)?\s+\S")  # "1. ", "1.1 ", "2.2. "
_INLINE = re.compile(r"\((\d)\)")                     # "(1) logistiek …"
_CAPITALISED = re.compile(r"(?<!\S)(?=[A-ZÀ-Ý])")     # where a capitalised word starts


# --------------------------------------------------------------------------
# Layout helpers
# --------------------------------------------------------------------------

def section(doc: Document, number: str | None, title: str | None = None) -> Section:
    """A chapter by number (or the unnumbered one with that title), or a clear error."""
    for s in doc.sections:
        if (number is not None and s.number == number) or (number is None and s.title == title):
            return s
    raise ExtractError(f"{doc.edition.id}: section {number or title!r} not found")


def body_lines(doc: Document, first: int, last: int) -> list[int]:
    """Line numbers of running text in ``first..last``: no blanks, footnotes or footers.

    A footnote runs from its numbered first line to the end of its page (the
    next page opens with a line starting with one space, after the footer).
    """
    out: list[int] = []
    in_note = False
    for n in range(first, last + 1):
        line = doc.line(n)
        if not line.strip():
            continue
        if _FOOTER.match(line):
            in_note = False
            continue
        if in_note and not _PAGE_START.match(line):
            continue
        in_note = bool(_FOOTNOTE.match(line))
        if not in_note:
            out.append(n)
    return out


def _text_span(doc: Document, first: int, last: int) -> Span:
    """``first..last`` with trailing blanks, footnotes and footers cut off."""
    body = body_lines(doc, first, last)
    if not body or body[0] != first:
        raise ExtractError(f"{doc.edition.id}:{first}: expected running text here")
    return doc.span(first, body[-1])


def _items(doc: Document, first: int, last: int, pattern: re.Pattern = _ITEM) -> list[tuple[int, str]]:
    """Numbered items (line, notation without trailing dot) in ``first..last``."""
    out = []
    for n in range(first, last + 1):
        match = pattern.match(doc.line(n))
        if match:
            out.append((n, ".".join(g for g in match.groups() if g)))
    return out


# --------------------------------------------------------------------------
# Recommendations (section 6 and the summary)
# --------------------------------------------------------------------------

def _check_outline(doc: Document, notations: list[str], where: str) -> None:
    """Top level 1, 2, 3 … in order; each sub-level 1, 2 … under its parent."""
    top, sub = 0, 0
    for notation in notations:
        parts = [int(p) for p in notation.split(".")]
        if len(parts) == 1:
            top, sub = top + 1, 0
            ok = parts[0] == top
        else:
            sub += 1
            ok = parts == [top, sub]
        if not ok:
            raise ExtractError(f"{doc.edition.id}: {where}: item {notation!r} out of order in {notations}")


def recommendations(doc: Document) -> list[RecommendationItem]:
    """Section 6's numbered (sub-)recommendations, then the summary's list 1–9.

    An item runs to the line before the next item or before a line that ends
    with a colon (the headings that split recommendations the province can
    lead from those it can support); trailing footnotes are cut off.
    """
    chapter = section(doc, "6")
    start = chapter.heading.end + 1
    found = _items(doc, start, chapter.span.end)
    if not found:
        raise ExtractError(f"{doc.edition.id}: no numbered recommendations in section 6")
    _check_outline(doc, [n for _, n in found], "section 6")
    stops = sorted({n for n, _ in found} | {
        n for n in range(start, chapter.span.end + 1)
        if doc.line(n).rstrip().endswith(":") and not _ITEM.match(doc.line(n))} | {chapter.span.end + 1})
    out = [RecommendationItem(REPORT, notation, _text_span(doc, line, next(s for s in stops if s > line) - 1))
           for line, notation in found]
    summary = section(doc, None, "Samenvatting")
    listed = _items(doc, summary.span.start, summary.span.end)
    tops = [n for _, n in found if "." not in n]
    if [n for _, n in listed] != tops:
        raise ExtractError(f"{doc.edition.id}: the summary lists {[n for _, n in listed]}, "
                           f"section 6 has {tops}")
    ends = [line for line, _ in listed[1:]] + [summary.span.end + 1]
    out += [RecommendationItem(REPORT, notation, _text_span(doc, line, end - 1))
            for (line, notation), end in zip(listed, ends)]
    return out


# --------------------------------------------------------------------------
# Opportunities (section 4 and the summary)
# --------------------------------------------------------------------------

def _inline_list(doc: Document, first: int, last: int) -> list[tuple[int, Span]]:
    """The items of an inline list "(1) …; (2) …; (3) …; (4) … ." with their lines."""
    marks = [(n, int(m.group(1))) for n in range(first, last + 1) for m in _INLINE.finditer(doc.line(n))]
    if not marks:
        return []
    numbers = [k for _, k in marks]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ExtractError(f"{doc.edition.id}:{marks[0][0]}: inline list numbered {numbers}")
    out = []
    for i, (line, k) in enumerate(marks):
        if i + 1 < len(marks):
            end = marks[i + 1][0]
        else:  # the last item ends at the full stop that closes the list
            tail = doc.line(line).split(f"({k})", 1)[1]
            end = line
            while "." not in tail:
                end += 1
                if end > last:
                    raise ExtractError(f"{doc.edition.id}:{line}: inline list does not end")
                tail = doc.line(end)
        out.append((k, doc.span(line, end)))
    return out


def opportunities(doc: Document) -> list[OpportunityItem]:
    """Section 4's numbered paragraphs, then the inline lists of the summary and of section 4.

    A numbered paragraph runs to the next one or to the end of the section,
    footnotes and page footers at its end cut off (those in between stay).
    """
    chapter = section(doc, "4")
    start = chapter.heading.end + 1
    found = _items(doc, start, chapter.span.end)
    if [n for _, n in found] != [str(i) for i in range(1, len(found) + 1)] or not found:
        raise ExtractError(f"{doc.edition.id}: section 4 numbers its opportunities {[n for _, n in found]}")
    ends = [line for line, _ in found[1:]] + [chapter.span.end + 1]
    out = [OpportunityItem(REPORT, int(notation), _text_span(doc, line, end - 1))
           for (line, notation), end in zip(found, ends)]
    summary = section(doc, None, "Samenvatting")
    for first, last, where in ((summary.span.start, summary.span.end, "summary"),
                               (start, found[0][0] - 1, "section 4")):
        listed = _inline_list(doc, first, last)
        if len(listed) != len(found):
            raise ExtractError(f"{doc.edition.id}: the {where} lists {len(listed)} opportunities, "
                               f"section 4 has {len(found)}")
        out += [OpportunityItem(REPORT, k, span) for k, span in listed]
    return out


# --------------------------------------------------------------------------
# Challenges table (section 5)
# --------------------------------------------------------------------------

_LETTERS = re.compile(r"^[A-Za-z]{1,2}$")      # "S", "ia", "th": a category written downwards
_TABLE_HEADER = re.compile(r"^Uitdaging\s+Toelichting$")
NAME_WIDTH = 30                               # the name column holds at most this many characters


def _split_name(text: str) -> tuple[str, str] | None:
    """A row printed on one line: the name ends where the next capitalised word starts."""
    for match in _CAPITALISED.finditer(text):
        cut = match.start()
        if 0 < cut <= NAME_WIDTH and re.fullmatch(r"[^\W\d_][\w\s’'-]*", text[:cut].strip()):
            return text[:cut].strip(), text[cut:]
    return None


def challenges(doc: Document) -> list[ChallengeFact]:
    """Every challenge of the table with its category, numbered in table order.

    A category is the letters printed downwards before its first row. A name
    is one or more short lines (at most NAME_WIDTH characters); its
    explanation starts with the next long line and runs until a line closes a
    sentence and a new name or category follows. One row prints name and
    explanation on a single line ("Ongelijk speelveld Verschillen in …"); it
    is split before the explanation's first capitalised word.
    """
    chapter = section(doc, "5")
    rows: list[tuple[str, int, int]] = []      # (category as printed, first line, last line)
    letters: list[str] = []
    category: str | None = None
    name: list[int] = []                       # lines of the current row's name
    explained = closed = False                 # explanation started / its last line ended a sentence
    last = chapter.heading.end

    def finish() -> None:
        nonlocal name, explained
        if name:
            if not explained:
                raise ExtractError(f"{doc.edition.id}:{name[0]}: challenge without explanation")
            rows.append((category, name[0], last))
        name, explained = [], False

    def one_line_row(n: int, text: str) -> None:
        if _split_name(text) is None:
            raise ExtractError(f"{doc.edition.id}:{n}: cannot tell the challenge name from its explanation")
        finish()
        name.append(n)

    for n in range(chapter.heading.end + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text or _TABLE_HEADER.match(text) or _FOOTER.match(text):
            continue
        if _LETTERS.match(text):
            if not letters:
                finish()
            letters.append(text)
            continue
        if letters:
            category, letters = "".join(letters), []
        if category is None:
            continue                            # the section's introduction
        if not (explained and not closed):      # else: the explanation goes on
            if len(text) <= NAME_WIDTH:
                if explained:
                    finish()
                name.append(n)
                last = n
                continue
            if not name or explained:           # a long line where a name is due
                one_line_row(n, text)
        explained, closed, last = True, text.endswith("."), n
    finish()
    if not rows:
        raise ExtractError(f"{doc.edition.id}: no challenges found in section 5")
    return [ChallengeFact(report=REPORT, source=doc.span(first, end), id=str(i), label={}, category=cat)
            for i, (cat, first, end) in enumerate(rows, 1)]


# --------------------------------------------------------------------------
# Figure texts: names separated by commas or spaces, broken over lines
# --------------------------------------------------------------------------

class _Joined:
    """Lines joined into one text that remembers which line each character came from."""

    def __init__(self, doc: Document, lines: Iterable[int]):
        self.doc, self.text, self.where = doc, "", []
        for n in lines:
            piece = doc.line(n).strip()
            if self.text:
                self.text += " "
                self.where.append(n)
            self.text += piece
            self.where += [n] * len(piece)

    def span(self, start: int, end: int) -> Span:
        """The lines of characters ``start..end-1`` of the text."""
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        return self.doc.span(self.where[start], self.where[end - 1])


# Figure 4's categories → activity concepts (a combined category is two activities).
FIGURE4_ACTIVITIES = {
    "Productie": ("manufacturing",),
    "Raffinage": ("refining",),
    "Recycling (inzameling en voorbehandeling schroot)": ("recycling-collection",),
    "Recycling (black mass-productie en metaalherwinning)": ("black-mass-production", "metal-recovery"),
    "Kennis en onderzoek": ("research-and-development",),
    "Diensten en handel": ("services-and-trade",),
}
# Repairs of the figure's extraction, checked by hand against the list: a comma
# printed inside one company's name, and two firms printed without a comma.
FIGURE4_JOIN = {("Siemens", "Gamesa")}
FIGURE4_SPLIT = {
    "Lion Metals Maarten van Rijn Oud Ijzer en Metalen": ("Lion Metals", "Maarten van Rijn Oud Ijzer en Metalen"),
    "Van Oord WD Trading B.V.": ("Van Oord", "WD Trading B.V."),
}
_NOTE = re.compile(r"^Opmerking:")
# a full stop standing for a comma: after a word (not an initial "B." or a legal form "B.V.")
_STOP_AS_COMMA = re.compile(r"(?<=[a-z]{2})\.\s+(?=[A-Z])")


def _names(joined: _Joined) -> list[tuple[str, Span]]:
    """Comma-separated names of a joined block, repaired as documented above."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    for part in joined.text.split(","):
        start, end = pos, pos + len(part)
        pos = end + 1
        pieces, cut = [], start
        for m in _STOP_AS_COMMA.finditer(part):
            pieces.append((cut, start + m.start()))
            cut = start + m.end()
        pieces.append((cut, end))
        for a, b in pieces:
            name = re.sub(r"\s+", " ", joined.text[a:b]).strip()
            name = name[:-1] if name.endswith("..") else name
            name = re.sub(r"(?<![A-Z]\.[A-Z])\.$", "", name)   # list-closing full stop
            if name:
                out.append((name, a, b))
    merged: list[tuple[str, int, int]] = []
    for name, a, b in out:
        if merged and (merged[-1][0], name) in FIGURE4_JOIN:
            merged[-1] = (f"{merged[-1][0]} {name}", merged[-1][1], b)
        else:
            merged.append((name, a, b))
    result = []
    for name, a, b in merged:
        if name in FIGURE4_SPLIT:
            for part in FIGURE4_SPLIT[name]:
                at = joined.text.index(part.split()[0], a)
                result.append((part, joined.span(at, min(b, at + len(part)))))
        else:
            result.append((name, joined.span(a, b)))
    return result


def organisations_figure4(doc: Document) -> list[OrganisationListing]:
    """Figure 4: every organisation under its value-chain category.

    A category heading is a line ending in a colon, together with the lines
    directly above it (no blank line between) when the heading wraps; its
    names follow until the next heading or the figure's closing note
    ("Opmerking: …").
    """
    caption = doc.find(r"^\s*Figuur 4\.")
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption 'Figuur 4.' not found")
    chapter = doc.section_at(caption)
    blocks: list[tuple[str, list[int]]] = []
    pending: list[int] = []

    def flush() -> None:
        if pending and blocks and blocks[-1][0]:
            blocks[-1][1].extend(pending)
        pending.clear()

    for n in range(caption + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text:
            flush()
        elif _NOTE.match(text):
            flush()
            blocks.append(("", []))              # what follows the note is no category's
        elif text.endswith(":"):
            label = " ".join(doc.line(h).strip() for h in [*pending, n])[:-1]
            blocks.append((re.sub(r"\s+", " ", label), []))
            pending.clear()
        else:
            pending.append(n)
    flush()
    out = []
    for label, lines in blocks:
        if not label:
            continue
        activities = FIGURE4_ACTIVITIES.get(label)
        if activities is None:
            raise ExtractError(f"{doc.edition.id}: Figure 4 category {label!r} is not known "
                               f"(known: {', '.join(FIGURE4_ACTIVITIES)})")
        names = _names(_Joined(doc, lines))
        if not names:
            raise ExtractError(f"{doc.edition.id}: Figure 4 category {label!r} lists no names")
        out += [OrganisationListing(REPORT, name, activity, span)
                for name, span in names for activity in activities]
    if not out:
        raise ExtractError(f"{doc.edition.id}: Figure 4 lists no organisations")
    return out


_ITEM_START = re.compile(r"(?<!\S)(?=[A-ZÀ-Ý])|(?<=[a-zà-ÿ])(?=[A-ZÀ-Ý])")  # "Kobalt", "…mZeldzame"


def figure1(doc: Document) -> list[FigureMention]:
    """Figure 1: applications of CRM per vital sector and the materials shown.

    Each line names one item; a line starting in lower case continues the one
    above; several capitalised words on a line are several items
    ("Silicium Gallium Kobalt", glued ones too: "GermaniumZeldzame"); "X en y"
    names two applications. The figure's central caption (a phrase with
    commas) names the sectors themselves and is skipped.
    """
    caption = doc.find(r"^\s*Figuur 1\.")
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption 'Figuur 1.' not found")
    end = next((n for n in range(caption + 1, len(doc) + 1) if _FOOTNOTE.match(doc.line(n))), None)
    if end is None:
        raise ExtractError(f"{doc.edition.id}: Figure 1 has no source note")
    items: list[list[int]] = []
    for n in range(caption + 1, end):
        text = doc.line(n).strip()
        if not text:
            continue
        if text[0].islower() and items:
            items[-1].append(n)
        else:
            items.append([n])
    out = []
    for lines in items:
        joined = _Joined(doc, lines)
        if "," in joined.text:
            continue                                      # the central caption
        starts = [m.start() for m in _ITEM_START.finditer(joined.text)] + [len(joined.text)]
        for a, b in itertools.pairwise(starts):
            for part in re.split(r"\s+en\s+", joined.text[a:b].strip()):
                at = joined.text.index(part, a)
                out.append(FigureMention(REPORT, part, joined.span(at, at + len(part))))
    if not out:
        raise ExtractError(f"{doc.edition.id}: Figure 1 names nothing")
    return out


# --------------------------------------------------------------------------
# The EU list of critical raw materials (box in section 1)
# --------------------------------------------------------------------------

def crm_list(doc: Document) -> list[ListEntryRow]:
    """The 2023 list as printed: one row per line, three entries per row.

    Entries start with a capital; lower-case words continue an entry
    ("Lichte zeldzame aardmetalen"). The box's introduction states how many
    materials the list has; the rows must add up to that number.
    """
    box = doc.find(r"^\s*Wat zijn kritieke grondstoffen\?")
    if box is None:
        raise ExtractError(f"{doc.edition.id}: box 'Wat zijn kritieke grondstoffen?' not found")
    chapter = doc.section_at(box)
    intro_end = next(n for n in range(box + 1, chapter.span.end + 1) if doc.line(n).rstrip().endswith("."))
    stated = re.search(r"\b(\d{1,3}) grondstoffen\b", doc.text(doc.span(box, intro_end)))
    out = []
    for n in range(intro_end + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text:
            continue
        starts = [m.start() for m in _CAPITALISED.finditer(text)] + [len(text)]
        cells = [text[a:b].strip() for a, b in itertools.pairwise(starts)]
        if not 1 <= len(cells) <= 3:
            raise ExtractError(f"{doc.edition.id}:{n}: CRM table row has {len(cells)} entries")
        out += [ListEntryRow(REPORT, "eu-crm-2023", cell, "nl", doc.span(n)) for cell in cells]
    if stated is None or int(stated.group(1)) != len(out):
        raise ExtractError(f"{doc.edition.id}: the CRM table has {len(out)} entries, the text says "
                           f"{stated.group(1) if stated else '?'}")
    return out


# --------------------------------------------------------------------------
# Figure 2: the dates of the timeline (for checking the curated events)
# --------------------------------------------------------------------------

MONTHS = {name: i for i, name in enumerate(
    ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
     "oktober", "november", "december"], 1)}
MONTHS["october"] = 10      # the figure prints one heading in English
_DATE = re.compile(r"^\s*([A-Za-z]+) (\d{4})\s*$")


def timeline(doc: Document) -> list[tuple[int, str]]:
    """Figure 2's date headings: (line, "YYYY-MM"), in printed order."""
    caption = doc.find(r"^\s*Figuur 2\.")
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption 'Figuur 2.' not found")
    out = []
    for n in range(caption + 1, len(doc) + 1):
        line = doc.line(n)
        if _FOOTNOTE.match(line):
            break
        match = _DATE.match(line)
        if match and match.group(1).lower() in MONTHS:
            out.append((n, f"{match.group(2)}-{MONTHS[match.group(1).lower()]:02d}"))
    return out
