"""The coverage map: which paragraphs of each report yield at least one claim (issue 22 §3).

A paragraph of an edition (:attr:`~crm_kg.pipeline.sources.Document.paragraphs`: a
paragraph, heading, list item, table row or note with its line span) *yields a
claim* when a passage the graph cites (``queries/coverage/cited-passages.rq``:
anything ``prov:wasDerivedFrom`` it) overlaps its lines. What carries no facts by
nature — title pages, tables of contents, footnote URLs — is listed, with the
reason, in the reviewed file ``data/review/coverage-scope.yaml``; every other
paragraph counts. ``crm-kg coverage`` prints the map per section; the web page
``/reports/<id>/coverage`` shows it with the paragraphs that yield nothing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from .. import yamlio
from .sources import Document, Paragraph

SCOPE_SCHEMA = {"lines": ("list", False), "notes_with_urls": ("bool", False), "why": ("str", True)}
URL = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Exclusion:
    """Lines ``start``–``end`` out of scope, or (``notes_with_urls``) every footnote citing a URL."""

    start: int
    end: int
    why: str
    notes_with_urls: bool = False

    def covers(self, paragraph: Paragraph) -> bool:
        if self.notes_with_urls:
            return paragraph.kind == "note" and bool(URL.search(paragraph.text))
        return self.start <= paragraph.span.start and paragraph.span.end <= self.end


@dataclass
class SectionCoverage:
    """One section of an edition: its paragraphs, and which yield a claim."""

    number: str | None
    title: str
    start: int
    end: int
    counted: list[Paragraph] = field(default_factory=list)
    yielding: list[Paragraph] = field(default_factory=list)
    excluded: list[tuple[Paragraph, str]] = field(default_factory=list)

    @property
    def silent(self) -> list[Paragraph]:
        """The counted paragraphs that yield nothing (what a reviewer looks at)."""
        seen = {p.span for p in self.yielding}
        return [p for p in self.counted if p.span not in seen]

    @property
    def share(self) -> float | None:
        return len(self.yielding) / len(self.counted) if self.counted else None


@dataclass
class EditionCoverage:
    edition: str
    report: str
    language: str
    sections: list[SectionCoverage]

    @property
    def counted(self) -> int:
        return sum(len(s.counted) for s in self.sections)

    @property
    def yielding(self) -> int:
        return sum(len(s.yielding) for s in self.sections)

    @property
    def excluded(self) -> int:
        return sum(len(s.excluded) for s in self.sections)

    @property
    def share(self) -> float | None:
        return self.yielding / self.counted if self.counted else None

    def to_json(self) -> dict:
        return {"edition": self.edition, "report": self.report, "language": self.language,
                "paragraphs": self.counted,
                "with_claims": self.yielding, "out_of_scope": self.excluded,
                "share": None if self.share is None else round(self.share, 4),
                "sections": [{"number": s.number, "title": s.title, "lines": [s.start, s.end],
                              "paragraphs": len(s.counted), "with_claims": len(s.yielding),
                              "silent": [[p.span.start, p.span.end] for p in s.silent]}
                             for s in self.sections]}


def load_scope(path: Path) -> dict[str, list[Exclusion]]:
    """``data/review/coverage-scope.yaml``: per edition, line ranges out of scope and why."""
    if not path.exists():
        return {}
    data = yamlio.load(path) or {}
    if not isinstance(data, dict):
        raise yamlio.InputError(f"{path}: expected a mapping of edition ids to lists")
    scope: dict[str, list[Exclusion]] = {}
    for edition, entries in data.items():
        for i, entry in enumerate(entries or []):
            where = f"{path}: {edition}[{i}]"
            yamlio.check(entry, SCOPE_SCHEMA, where)
            if entry.get("notes_with_urls"):
                scope.setdefault(str(edition), []).append(Exclusion(0, 0, entry["why"], True))
                continue
            if "lines" not in entry:
                raise yamlio.InputError(f"{where}: give lines: [first, last] or notes_with_urls: true")
            lines = [int(n) for n in entry["lines"]]
            if len(lines) not in (1, 2) or lines[0] < 1 or lines[-1] < lines[0]:
                raise yamlio.InputError(f"{where}: lines must be [first] or [first, last], got {entry['lines']}")
            scope.setdefault(str(edition), []).append(Exclusion(lines[0], lines[-1], entry["why"]))
    return scope


class _Cited:
    """The cited line spans of one edition, for overlap tests."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        self.max_len = max((e - s for s, e in self.spans), default=0)

    def overlaps(self, start: int, end: int) -> bool:
        hi = bisect_right(self.starts, end)
        lo = bisect_right(self.starts, start - self.max_len - 1)
        return any(s <= end and start <= e for s, e in self.spans[lo:hi])


def edition_coverage(doc: Document, cited: list[tuple[int, int]],
                     exclusions: list[Exclusion] = ()) -> EditionCoverage:
    index = _Cited(cited)
    sections: list[SectionCoverage] = []
    by_start: dict[int, SectionCoverage] = {}
    for paragraph in doc.paragraphs:
        section = doc.section_at(paragraph.span.start)
        key = section.span.start if section else 0
        if key not in by_start:
            by_start[key] = SectionCoverage(
                section.number if section else None, section.title if section else "",
                section.span.start if section else 1, section.span.end if section else paragraph.span.end)
            sections.append(by_start[key])
        entry = by_start[key]
        why = next((x.why for x in exclusions if x.covers(paragraph)), None)
        if why is not None:
            entry.excluded.append((paragraph, why))
            continue
        entry.counted.append(paragraph)
        if index.overlaps(paragraph.span.start, paragraph.span.end):
            entry.yielding.append(paragraph)
    return EditionCoverage(doc.edition.id, doc.edition.report, doc.edition.language, sections)


def cited_spans(rows) -> dict[str, list[tuple[int, int]]]:
    """Rows of ``cited-passages.rq`` → edition id → [(start, end)]."""
    out: dict[str, list[tuple[int, int]]] = {}
    for row in rows:
        edition = str(row["edition"]).rsplit("/", 1)[-1]
        out.setdefault(edition, []).append((int(row["start"]), int(row["end"])))
    return out


def coverage(documents: dict[str, Document], cited: dict[str, list[tuple[int, int]]],
             scope: dict[str, list[Exclusion]], report: str | None = None) -> list[EditionCoverage]:
    """The map of every edition (of ``report``, if given), in the order of ``documents``."""
    return [edition_coverage(doc, cited.get(edition, []), scope.get(edition, []))
            for edition, doc in documents.items() if report in (None, doc.edition.report)]


def query_text(queries_dir: Path) -> str:
    return (queries_dir / "coverage" / "cited-passages.rq").read_text(encoding="utf-8")


def measure(store, documents: dict[str, Document], queries_dir: Path, scope_path: Path,
            report: str | None = None) -> list[EditionCoverage]:
    """The coverage map of the graph in ``store`` (any store of :mod:`crm_kg.store`)."""
    cited = cited_spans(store.query(query_text(queries_dir)).rows)
    return coverage(documents, cited, load_scope(scope_path), report)


def render_table(maps: list[EditionCoverage], width: int = 100) -> str:
    """The map as text: one line per section, then the edition's and the report's totals."""
    lines = []
    for m in maps:
        lines.append(f"{m.edition} ({m.report})")
        lines.append(f"  {'section':<{width - 40}} {'paragraphs':>10} {'with claims':>11} {'share':>6}")
        for s in m.sections:
            if not s.counted:
                continue
            name = f"§ {s.number} {s.title}" if s.number else (s.title or "(before the first heading)")
            name = name if len(name) <= width - 40 else name[:width - 41] + "…"
            lines.append(f"  {name:<{width - 40}} {len(s.counted):>10} {len(s.yielding):>11} {s.share:>6.0%}")
        share = f"{m.share:.0%}" if m.share is not None else "-"
        lines.append(f"  {'total (' + str(m.excluded) + ' paragraphs out of scope)':<{width - 40}} "
                     f"{m.counted:>10} {m.yielding:>11} {share:>6}")
        lines.append("")
    by_report: dict[str, list[int]] = {}
    for m in maps:
        totals = by_report.setdefault(m.report, [0, 0])
        totals[0] += m.counted
        totals[1] += m.yielding
    for report, (counted, yielding) in by_report.items():
        lines.append(f"{report}: {yielding} of {counted} in-scope paragraphs yield a claim "
                     f"({yielding / counted:.0%})" if counted else f"{report}: no paragraphs in scope")
    return "\n".join(lines)
