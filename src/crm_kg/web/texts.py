"""Passage text, read at serve time from the source files (never from the repo).

The graph cites a passage by edition (file name + SHA-256) and line span
(README, "Provenance"); the reports' sentences stay in the source files.
When ``settings.sources`` names a directory holding the pinned editions, pages
show the passage itself: :mod:`crm_kg.pipeline.sources` reads the file, checks its
digest, repairs the extraction damage and joins the lines. Without the
directory (or with a file that does not match the digest the graph states)
pages show the citation only, and say why.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ..pipeline.sources import Document, SourceError, Span, read_sources

MAX_LINES = 80  # a passage longer than this is shown cut, with a note


@dataclass(frozen=True)
class PassageText:
    text: str | None            # repaired, joined text of the span
    lines: list[tuple[int, str]]  # (line number, repaired line) as in the file
    note: str | None = None     # why there is no text, or that it was cut
    cut: bool = False


class SourceTexts:
    """The configured editions, read once (lazily) per app."""

    def __init__(self, sources_dir: Path | None):
        self.sources_dir = Path(sources_dir) if sources_dir else None
        self._lock = threading.Lock()
        self._documents: dict[str, Document] | None = None
        self._error: str | None = None

    def _load(self) -> None:
        with self._lock:
            if self._documents is not None or self._error is not None:
                return
            if self.sources_dir is None or not self.sources_dir.is_dir():
                self._error = "source files not configured on this server"
                return
            try:
                self._documents = {doc.edition.file: doc for doc in read_sources(self.sources_dir).values()}
            except (SourceError, OSError) as exc:
                self._error = f"source files unavailable: {exc}"

    @property
    def available(self) -> bool:
        self._load()
        return bool(self._documents)

    @property
    def error(self) -> str | None:
        self._load()
        return self._error

    def by_edition(self) -> dict[str, Document]:
        """Edition id → document, in the manifest's order (empty when unavailable)."""
        self._load()
        return {doc.edition.id: doc for doc in (self._documents or {}).values()}

    def document(self, file: str | None, sha256: str | None) -> Document | None:
        self._load()
        doc = (self._documents or {}).get(file or "")
        if doc is None or (sha256 and doc.edition.sha256 != sha256):
            return None
        return doc

    def edition_title(self, file: str | None) -> str | None:
        """The full title from the sources manifest (kept out of the graph)."""
        doc = self.document(file, None)
        return doc.edition.title if doc is not None else None

    def passage(self, file: str | None, sha256: str | None, start: int, end: int) -> PassageText:
        self._load()
        if self._documents is None:
            return PassageText(None, [], self._error)
        doc = self.document(file, sha256)
        if doc is None:
            return PassageText(None, [], f"edition {file} (sha256 {str(sha256)[:12]}…) is not among the "
                                         "configured source files")
        if not 1 <= start <= end <= len(doc):
            return PassageText(None, [], f"lines {start}–{end} lie outside {file} (1–{len(doc)})")
        stop = min(end, start + MAX_LINES - 1)
        cut = stop < end
        lines = [(n, doc.line(n)) for n in range(start, stop + 1)]
        text = doc.text(Span(doc.edition.id, start, stop))
        return PassageText(text, lines, f"first {MAX_LINES} lines shown" if cut else None, cut)

    def section_title(self, file: str | None, sha256: str | None, start: int) -> str | None:
        """The heading of the section starting at ``start``, read from the file."""
        doc = self.document(file, sha256)
        if doc is None:
            return None
        for section in doc.sections:
            if section.span.start == start:
                return section.title
        return None
