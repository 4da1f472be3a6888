"""Kind ``recommendation-matrix``: a table of numbered recommendations × time frame × actors × ticks.

Two layouts (the NHFL report's Table 1/5 and their Dutch printing):

* ``tabs`` — one tab-separated row per recommendation; the profile names the
  column of the time frame, the text (with the number), the actors and the
  tick columns (each tick column is one opportunity, 1, 2 … in order);
* ``wrapped`` — a row starts with a line matching ``row_start`` (groups
  ``time_frame`` and ``number``), the text wraps, then a line ends with the
  actors and the ticks; the ticks have lost their columns, only their number
  is kept.

A printing that repeats another rule's table (``reference``) asserts nothing;
every row that differs from the reference yields a Disagreement. Damage the
profile allows for is repaired and reported: a number preceded by stray
characters (group ``stray`` of ``number``), a missing number
(``missing_number: position``), the actor merged into the text
(``merged_actors``: the column's closed list of labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import Disagreement, RecommendationRow
from ..sources import Document
from .profile import Rule, kind, regex
from .tables import ExtractError, Output, is_mark, locate, tab_rows


@dataclass(frozen=True)
class PrintedRow:
    """A recommendation row as printed, with the number of ticks it shows."""

    row: RecommendationRow
    marks: int


@dataclass(frozen=True)
class MatrixParams:
    caption: str = regex()
    layout: str = "tabs"                     # tabs | wrapped
    stop: str | None = regex(None)
    # tabs
    cells: int = 0                           # cells per data row (0: not checked)
    row_column: int = 1                      # the column that tells a data row from a header
    row_pattern: str = regex(r"^\s*\d{1,2}\.\s")
    number: str = regex(r"^\s*(?P<number>\d{1,2})\.\s", groups=("number",))
    time_frame_column: int = 0
    text_column: int = 1
    actors_column: int = 2
    tick_columns: list[int] = field(default_factory=list)
    missing_number: str = "error"            # error | position
    merged_actors: list[str] = field(default_factory=list)
    # wrapped
    row_start: str | None = regex(None, groups=("time_frame", "number"))
    note: str | None = regex(None)           # a footnote line: a row that reaches it has no ticks
    # both
    asserts: bool = True
    reference: str | None = None             # rule id of the table this one reprints

    def __post_init__(self):
        if self.layout not in ("tabs", "wrapped"):
            raise ValueError(f"layout must be tabs or wrapped, got {self.layout!r}")
        if self.layout == "wrapped" and not self.row_start:
            raise ValueError("layout wrapped needs row_start")
        if self.layout == "tabs" and not self.tick_columns:
            raise ValueError("layout tabs needs tick_columns")
        if self.missing_number not in ("error", "position"):
            raise ValueError(f"missing_number must be error or position, got {self.missing_number!r}")

    def references(self) -> list[str]:
        return [self.reference] if self.reference else []


def split_actors(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split(",") if a.strip())


def frame_key(text: str) -> str:
    """``"<1 year"``, ``"< 1 jaar"`` → ``"<1"``; ``"1-3 years"`` → ``"1-3"`` (language-free)."""
    return re.sub(r"[^0-9<>-]", "", text)


def _nums(numbers) -> str:
    return ", ".join(map(str, numbers)) or "none"


def compare_row(ref: RecommendationRow, row: RecommendationRow, ref_name: str, name: str,
                actor_key=lambda a: a.casefold(), marks: int | None = None) -> list[str]:
    """What a printing of a recommendation row says differently from the reference.

    ``actor_key`` maps a printed actor label to a comparable key (a translation
    for another edition); ``marks`` is the number of ticks when their columns
    are lost, compared with the reference's opportunities.
    """
    out = []
    if frame_key(ref.time_frame) != frame_key(row.time_frame):
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


def _check_numbers(doc: Document, table: str, numbers: list[int]) -> None:
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise ExtractError(f"{doc.edition.id}: {table} numbers are {numbers}, expected 1..n")


def _tab_rows(doc: Document, rule: Rule, run, p: MatrixParams) -> list[tuple[PrintedRow, list[str]]]:
    caption = locate(doc, p.caption)
    merged_rx = (re.compile(r"\s+((?:" + "|".join(map(re.escape, p.merged_actors)) + r")(?:\s*,\s*(?:"
                            + "|".join(map(re.escape, p.merged_actors)) + r"))*)\s*$", re.I)
                 if p.merged_actors else None)
    printed: list[tuple[PrintedRow, list[str]]] = []
    for row in tab_rows(doc, caption + 1, stop=p.stop):
        cell = row.cells[p.row_column] if len(row.cells) > p.row_column else None
        if cell is None or not re.match(p.row_pattern, cell):
            run.note(rule, row.line, "not a data row (header?): " + " | ".join(c for c in row.cells if c)[:60])
            continue
        if p.cells and len(row.cells) != p.cells:
            raise ExtractError(f"{doc.edition.id}:{row.line}: {rule.label} row has {len(row.cells)} cells, "
                               f"expected {p.cells}")
        needed = max(p.time_frame_column, p.text_column, p.actors_column, *p.tick_columns)
        if len(row.cells) <= needed:
            raise ExtractError(f"{doc.edition.id}:{row.line}: {rule.label} row has {len(row.cells)} cells, "
                               f"the profile reads column {needed}")
        damage: list[str] = []
        text = row.cells[p.text_column]
        match = re.match(p.number, text)
        if match:
            number = int(match.group("number"))
            stray = match.groupdict().get("stray")
            if stray:
                damage.append(f"stray characters {stray!r} before the number")
        elif p.missing_number == "position":
            number = printed[-1][0].row.number + 1 if printed else 1
            damage.append("the recommendation number is missing (row identified by its position)")
        else:
            raise ExtractError(f"{doc.edition.id}:{row.line}: {rule.label} row has no number: {text[:40]!r}")
        actors = split_actors(row.cells[p.actors_column])
        if not actors and merged_rx:
            merged = merged_rx.search(text)
            if merged:
                actors = split_actors(merged.group(1))
                damage.append(f"the responsible actor ({merged.group(1)}) is merged into the "
                              "recommendation text; its own cell is empty")
        opportunities = tuple(i + 1 for i, c in enumerate(p.tick_columns) if is_mark(row.cells[c]))
        record = RecommendationRow(rule.report, number, row.cells[p.time_frame_column], actors, opportunities,
                                   doc.span(row.line), table=rule.label, asserts=p.asserts)
        printed.append((PrintedRow(record, len(opportunities)), damage))
    return printed


def _wrapped_rows(doc: Document, rule: Rule, run, p: MatrixParams) -> list[tuple[PrintedRow, list[str]]]:
    row_start = re.compile(p.row_start)
    note = re.compile(p.note) if p.note else None
    n = locate(doc, p.caption) + 1
    out: list[tuple[PrintedRow, list[str]]] = []
    while n <= len(doc):
        match = row_start.match(doc.line(n))
        if not match:
            if out and doc.line(n).strip():
                break   # the first line after the last row
            if doc.line(n).strip():
                run.note(rule, n, "before the first row: " + doc.line(n).strip()[:60])
            n += 1
            continue
        start, number = n, int(match.group("number"))
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
            if row_start.match(doc.line(n)) or (words and marks == 0 and note and note.match(doc.line(n))):
                raise ExtractError(f"{doc.edition.id}:{start}: {rule.label} row {number} has no ticks")
            n += 1
        actors = tuple(a.strip() for a in " ".join(actor_words).split(",") if a.strip())
        record = RecommendationRow(rule.report, number, match.group("time_frame"), actors, (),
                                   doc.span(start, n - 1), table=rule.label, asserts=p.asserts)
        out.append((PrintedRow(record, marks), []))
    return out


@kind("recommendation-matrix", MatrixParams)
def recommendation_matrix(doc: Document, rule: Rule, run) -> Output:
    """Numbered recommendations with time frame, actors and ticked opportunity columns."""
    p: MatrixParams = rule.params
    printed = (_tab_rows if p.layout == "tabs" else _wrapped_rows)(doc, rule, run, p)
    _check_numbers(doc, rule.label, [pr.row.number for pr, _ in printed])
    rows = [pr for pr, _ in printed]
    records: list = [pr.row for pr in rows]
    if p.reference:
        ref_rule = run.profile.rule(rule.edition, p.reference)
        reference = {pr.row.number: pr for pr in run.refer(rule, p.reference).data}
        for pr, damage in printed:
            ref = reference.get(pr.row.number)
            if ref is None:
                raise ExtractError(f"{doc.edition.id}:{pr.row.source.start}: {rule.label} row {pr.row.number} "
                                   f"is not in {ref_rule.label}")
            differences = damage + compare_row(ref.row, pr.row, ref_rule.label, rule.label)
            if p.layout == "wrapped" and pr.marks != ref.marks:   # ticks without columns: their number
                differences.append(f"{pr.marks} ticks in {rule.label} but {ref.marks} in {ref_rule.label}")
            if differences:
                records.append(Disagreement(rule.report, f"recommendation {pr.row.number}",
                                            f"{rule.label} row {pr.row.number} differs from {ref_rule.label}: "
                                            + "; ".join(differences), (pr.row.source, ref.row.source)))
    return Output(records, rows)
