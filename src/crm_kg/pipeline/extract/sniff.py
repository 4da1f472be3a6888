"""Sniff a new report's layout and draft its profile (``crm-kg add-report``).

:func:`sniff` looks for what the generic kinds read: numbered chapters
(:attr:`~crm_kg.pipeline.sources.Document.sections`), captions ("Table 3.",
"Figuur 2.") followed by tab-separated rows or by a bulleted
``- Activity: org, org`` list, series of numbered headings ("Opportunity 1:"),
and numbered lists with sub-items in a chapter. Each find becomes a draft rule
with its parameters guessed (columns from the header words, tick columns
from the X marks); what a guess cannot settle is listed in ``todo`` for a
person. :func:`draft_profile` renders the rules as a profile file that loads
as it is, so ``crm-kg build --report`` can show what they read at once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..sources import Document
from .tables import is_mark, tab_rows

_CAPTION = re.compile(r"^\s*(Table|Tabel|Figure|Figuur)\s+(\d+)\.?\s")
_BULLET = re.compile(r"^\s*-\s+[^:]{2,80}:\s+\S")
_SERIES = re.compile(r"^\s*([A-Z][\w-]{2,30})\s+(\d{1,2})\s*:")
_ITEM = re.compile(r"^\s?(\d{1,2})\.(?:(\d{1,2})\.?)?\s+\S")
_NUMBERED_CELL = re.compile(r"^\s*\d{1,2}\.\s")
_FRAME_CELL = re.compile(r"^\s*(<\s*\d|\d+\s*-\s*\d+)\s*\w*")
# header words → the organisation-table column they name (en, nl)
_HEADER_WORDS = {"name": ("company", "organisation", "organization", "name", "bedrijf", "organisatie", "naam"),
                 "activity": ("activity", "activities", "activiteit", "categorie", "category"),
                 "place": ("place", "location", "town", "city", "plaats", "locatie", "gemeente", "vestiging")}
_OPPORTUNITY_WORDS = ("opportunit", "kans")
_RECOMMENDATION_WORDS = ("recommend", "aanbevel")
_CHALLENGE_WORDS = ("challeng", "uitdaging")


@dataclass
class Draft:
    """A rule the sniffer proposes: profile keys in order, and why (a comment)."""

    rule: dict
    note: str
    line: int


@dataclass
class Sniffed:
    sections: list[tuple[str | None, str, int]] = field(default_factory=list)   # (number, title, line)
    rules: list[Draft] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)


def _rx(text: str) -> str:
    """``text`` as a regex matching itself (spaces left readable)."""
    return re.escape(text).replace("\\ ", " ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _stop_after(doc: Document, last_row: int) -> str | None:
    """A regex for the first text line after a table's last row (where the table ends)."""
    for n in range(last_row + 1, min(len(doc), last_row + 6) + 1):
        text = doc.line(n).strip()
        if text and "\t" not in doc.line(n):
            return "^" + _rx(" ".join(text.split()[:3]))
    return None


def _table(doc: Document, caption: int, label: str, found: Sniffed, materials=None) -> bool:
    rows = tab_rows(doc, caption + 1)
    if len(rows) < 2 or rows[0].line > caption + 8:
        return False
    width = Counter(len(r.cells) for r in rows).most_common(1)[0][0]
    data = [r for r in rows if len(r.cells) == width]
    header = rows[0].cells
    base = {"id": _slug(label), "kind": "", "label": label, "caption": f"^\\s*{_rx(label)}\\.\\s"}
    stop = _stop_after(doc, rows[-1].line)
    if stop:
        base["stop"] = stop
    numbered = [i for i in range(width) if sum(bool(_NUMBERED_CELL.match(r.cells[i])) for r in data) >= 2]
    ticks = [i for i in range(width) if any(is_mark(r.cells[i]) for r in data)]
    if numbered and ticks:
        text = numbered[0]
        frame = next((i for i in range(width) if i not in ticks and i != text
                      and sum(bool(_FRAME_CELL.match(r.cells[i])) for r in data) >= 2), None)
        others = [i for i in range(width) if i not in ticks and i not in (text, frame)]
        rule = {**base, "kind": "recommendation-matrix", "cells": width, "row_column": text,
                "row_pattern": r"^\s*\d{1,2}\.\s", "text_column": text,
                "time_frame_column": frame if frame is not None else 0,
                "actors_column": others[0] if others else 0, "tick_columns": ticks}
        rows_numbered = sum(bool(_NUMBERED_CELL.match(r.cells[text])) for r in data)
        found.rules.append(Draft(rule, f"{rows_numbered} numbered rows with X ticks in columns {ticks}", caption))
        if frame is None or not others:
            found.todo.append(f"{label} (line {caption}): set time_frame_column and actors_column")
        found.todo.append(f"{label} (line {caption}): tick column k is opportunity k — check the order")
        return True
    columns = {}
    for key, words in _HEADER_WORDS.items():
        for i, cell in enumerate(header):
            if any(w in cell.casefold() for w in words) and i not in columns.values():
                columns[key] = i
                break
    if len(columns) == 3 and width == 3:
        rule = {**base, "kind": "organisation-table", "header": f"^{_rx(header[0])}$", "columns": columns}
        found.rules.append(Draft(rule, f"{len(data) - 1} rows under the header {' | '.join(header)}", caption))
        return True
    cells = [c for r in rows for c in r.cells if c]
    shares = sum(bool(re.fullmatch(r"\d+(?:[.,]\d+)?\s*%", c)) for c in cells)
    if shares >= 2 and "≈%" in header:
        rule = {**base, "kind": "shares-table", "header": "≈%"}
        found.rules.append(Draft(rule, f"{shares} shares under the header {' | '.join(header)}", caption))
        found.todo.append(f"{label} (line {caption}): the header's names must be places of data/reference")
        return True
    if materials is not None and sum(materials.resolve(c).how != "unlisted" for c in cells) >= 0.8 * len(cells):
        rule = {**base, "kind": "material-list", "list": "eu-crm-2023"}
        found.rules.append(Draft(rule, f"{len(cells)} cells, all materials of data/reference", caption))
        found.todo.append(f"{label} (line {caption}): which list it prints (list: eu-crm-2023 is a guess)")
        return True
    if width == 2 and any(w in header[0].casefold() for w in ("categor", "activit")):
        rule = {**base, "kind": "definitions-table", "header": f"^{_rx(header[0])}$"}
        found.rules.append(Draft(rule, f"{len(rows) - 1} rows of category | definition", caption))
        return True
    found.todo.append(f"{label} (line {caption}): {len(data)} rows of {width} tab-separated cells, "
                      f"header {' | '.join(header)}: no kind reads it as it is; describe it in the "
                      "profile or curate its facts")
    return True


def _bullets(doc: Document, caption: int, label: str, found: Sniffed) -> bool:
    lines = [n for n in range(caption + 1, min(len(doc), caption + 12) + 1) if _BULLET.match(doc.line(n))]
    if not lines:
        return False
    rule = {"id": _slug(label), "kind": "activity-lists", "label": label,
            "captions": [{"caption": f"^\\s*{_rx(label)}\\.\\s", "label": label}], "bullet": True}
    found.rules.append(Draft(rule, f"'- Activity: names' lines from line {lines[0]}", caption))
    found.todo.append(f"{label} (line {caption}): each activity label must be an activity concept's "
                      "label (ontology/crm.ttl, scheme id/activity)")
    return True


def _record(text: str) -> str | None:
    low = text.casefold()
    if any(w in low for w in _OPPORTUNITY_WORDS):
        return "opportunity"
    if any(w in low for w in _RECOMMENDATION_WORDS):
        return "recommendation"
    if any(w in low for w in _CHALLENGE_WORDS):
        return "challenge"
    return None


def sniff(doc: Document, materials=None) -> Sniffed:
    """Sections, tables, bulleted activity lists, numbered headings and lists of a new edition.

    ``materials``: the materials gazetteer, to tell a printed list of materials from other tables.
    """
    found = Sniffed(sections=[(s.number, s.title, s.span.start) for s in doc.sections])
    if not [s for s in doc.sections if s.number]:
        found.todo.append("no numbered chapters found: outline and numbered-paragraphs rules need them")
    table_lines: set[int] = set()
    for n in range(1, len(doc) + 1):
        match = _CAPTION.match(doc.line(n))
        if not match:
            continue
        label = f"{match.group(1)} {match.group(2)}"
        if any(d.rule.get("label") == label for d in found.rules):
            continue    # the caption again (a list of figures, a repeat after a page break)
        if _table(doc, n, label, found, materials):
            table_lines |= {r.line for r in tab_rows(doc, n + 1)}
        elif not _bullets(doc, n, label, found):
            found.todo.append(f"{label} (line {n}): no tab-separated rows or '- Activity: names' lines "
                              "after it; curate its facts if they matter")
    series: dict[str, list[tuple[int, int]]] = {}
    for n in range(1, len(doc) + 1):
        match = _SERIES.match(doc.line(n))
        if match:
            series.setdefault(match.group(1), []).append((n, int(match.group(2))))
    for word, hits in series.items():
        numbers = [k for _, k in hits]
        if len(set(numbers)) < 2 or 1 not in numbers:
            continue
        record = _record(word) or "opportunity"
        rule = {"id": _slug(word) + "-headings", "kind": "numbered-headings", "label": f"{word} headings",
                "heading": rf"^\s*{_rx(word)}\s+(?P<number>\d{{1,2}})\s*:", "record": record}
        if record == "challenge":
            rule["category"] = "economic"
            found.todo.append(f"'{word} N:' headings (line {hits[0][0]}): category economic is a placeholder "
                              "(a challenge-category concept: social, environmental, ethical, economic, political)")
        found.rules.append(Draft(rule, f"'{word} N:' headings {sorted(set(numbers))}", hits[0][0]))
        if _record(word) is None:
            found.todo.append(f"'{word} N:' headings (line {hits[0][0]}): record opportunity is a guess")
    for number, title, start in found.sections:
        if not number:
            continue
        section = next(s for s in doc.sections if s.number == number)
        items = [(n, m) for n in range(section.heading.end + 1, section.span.end + 1)
                 if n not in table_lines and (m := _ITEM.match(doc.line(n)))]
        tops = [int(m.group(1)) for _, m in items if not m.group(2)]
        if len(tops) < 2 or tops[:2] != [1, 2]:
            continue
        record = _record(title)
        rule = {"id": f"section-{number}-list", "kind": "outline", "label": f"section {number} list",
                "section": number, "record": record or "recommendation"}
        subs = sum(1 for _, m in items if m.group(2))
        found.rules.append(Draft(rule, f"numbered list in section {number} ({title}): {len(tops)} items, "
                                 f"{subs} sub-items", items[0][0]))
        if record is None:
            found.todo.append(f"section {number} list (line {items[0][0]}): record recommendation is a guess")
    return found


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def draft_profile(report: str, edition: str, found: Sniffed) -> str:
    """The draft profile as YAML text: every proposed rule with a comment saying what was seen."""
    out = [f"# Draft profile of {report}, written by `crm-kg add-report`: review every rule,",
           "# then `crm-kg build --report " + report + "` shows what each one reads.",
           "# Kinds and their parameters: src/crm_kg/pipeline/extract/ (README, \"Adding a report\").",
           f"report: {report}",
           "# Names the reference data does not know stop the build (listed with suggestions).",
           "entities: {unknown: curate}",
           "editions:",
           f"  {edition}:",
           "    rules:" + ("" if found.rules else " []")]
    for draft in found.rules:
        out.append(f"      # line {draft.line}: {draft.note}")
        first = True
        for key, value in draft.rule.items():
            out.append(("      - " if first else "        ") + f"{key}: {_value(value) if key != 'id' else value}")
            first = False
    if found.todo:
        out.append("# Still needs a person:")
        out += [f"#   - {t}" for t in found.todo]
    return "\n".join(out) + "\n"
