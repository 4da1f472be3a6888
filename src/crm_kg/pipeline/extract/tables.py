"""Helpers for tables flattened to tab-separated lines by PDF extraction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import CrmKgError
from ..sources import Document


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
