"""Layout helpers shared by the extractors: tables flattened to tab-separated lines, running
text between footnotes and footers, lines joined with their line numbers kept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import CrmKgError
from ..sources import Document, Span


class ExtractError(CrmKgError):
    """A table or list is not where, or not how, its parser expects it."""


@dataclass(frozen=True)
class Row:
    line: int
    cells: tuple[str, ...]


def locate(doc: Document, caption: str, start: int = 1) -> int:
    """Line number of a caption (regex), or a clear error naming the edition."""
    line = doc.find(caption, start)
    if line is None:
        raise ExtractError(f"{doc.edition.id}: caption /{caption}/ not found")
    return line


def tab_rows(doc: Document, first: int, stop: str | None = None, *,
             min_cells: int = 2, max_gap: int = 3) -> list[Row]:
    """Tab-separated rows from line ``first`` until ``stop`` matches or rows end.

    Blank lines are skipped; more than ``max_gap`` consecutive non-row lines
    end the table (a page break may put up to that many lines in between).
    """
    stop_rx = re.compile(stop) if stop else None
    rows: list[Row] = []
    gap = 0
    for n in range(first, len(doc) + 1):
        text = doc.line(n)
        if stop_rx and stop_rx.search(text):
            break
        if not text.strip():
            continue
        cells = tuple(c.strip() for c in text.split("\t"))
        if len(cells) >= min_cells:
            rows.append(Row(n, cells))
            gap = 0
        elif rows:
            gap += 1
            if gap > max_gap:
                break
    return rows


def is_mark(cell: str) -> bool:
    """A table tick: X or x (Cyrillic marks are repaired to Latin by sources)."""
    return cell.strip() in ("X", "x")


def tab_cells(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split("\t"))


# --------------------------------------------------------------------------
# Running text: sections, page furniture, lines joined
# --------------------------------------------------------------------------

def section(doc: Document, number: str | None, title: str | None = None):
    """A chapter by number (or the unnumbered one with that title), or a clear error."""
    for s in doc.sections:
        if (number is not None and s.number == number) or (number is None and s.title == title):
            return s
    raise ExtractError(f"{doc.edition.id}: section {number or title!r} not found")


def body_lines(doc: Document, first: int, last: int, page) -> list[int]:
    """Line numbers of running text in ``first..last``: no blanks, footnotes or footers.

    ``page`` is the edition's :class:`~.profile.PageLayout`. A footnote runs
    from its numbered first line to the end of its page (the next page opens
    with a ``page.page_start`` line, after the footer).
    """
    footer = re.compile(page.footer) if page.footer else None
    footnote = re.compile(page.footnote) if page.footnote else None
    page_start = re.compile(page.page_start) if page.page_start else None
    out: list[int] = []
    in_note = False
    for n in range(first, last + 1):
        line = doc.line(n)
        if not line.strip():
            continue
        if footer and footer.match(line):
            in_note = False
            continue
        if in_note and not (page_start and page_start.match(line)):
            continue
        in_note = bool(footnote and footnote.match(line))
        if not in_note:
            out.append(n)
    return out


def text_span(doc: Document, first: int, last: int, page) -> Span:
    """``first..last`` with trailing blanks, footnotes and footers cut off."""
    body = body_lines(doc, first, last, page)
    if not body or body[0] != first:
        raise ExtractError(f"{doc.edition.id}:{first}: expected running text here")
    return doc.span(first, body[-1])


class Joined:
    """Lines joined into one text that remembers which line each character came from."""

    def __init__(self, doc: Document, lines):
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


@dataclass
class Output:
    """What a rule read: the records it yields and kind-specific data for rules that refer to it."""

    records: list
    data: object = None
