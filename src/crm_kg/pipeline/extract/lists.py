"""Kinds for numbered text: headings, lists, outlines with sub-items, category tables, dated headings.

* ``numbered-headings`` — ``Opportunity 1:`` … headings; each item runs to the
  next heading or the end of its section (NHFL section 5);
* ``numbered-list`` — a short list ``1. … 5.`` standing just before a line
  that matches ``marker`` (NHFL: the lists before "(Table 1)");
* ``outline`` — numbered items with sub-items (``1.``, ``1.1``, ``2.2.``) in a
  numbered section, optionally echoed by a top-level list in another section
  (ZH section 6 and the summary);
* ``numbered-paragraphs`` — numbered paragraphs of a section and the inline
  lists ``(1) …; (2) …`` that announce them (ZH section 4);
* ``category-table`` — a two-column table (name, explanation) whose category
  is printed downwards, one or two letters per line (ZH section 5);
* ``dated-headings`` — month-year headings of a timeline, for checking curated
  events against the text (yields no records).

``record`` chooses what an item becomes: ``opportunity``
(:class:`~crm_kg.pipeline.records.OpportunityItem`, numbered),
``recommendation`` (:class:`~crm_kg.pipeline.records.RecommendationItem`, by
notation: ``1``, ``1.1``) or ``challenge``
(:class:`~crm_kg.pipeline.records.ChallengeFact` with the rule's ``category``,
a challenge-category concept; its title is curated in titles.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import ChallengeFact, OpportunityItem, RecommendationItem
from ..sources import Document, Span
from .profile import Rule, kind, regex
from .tables import ExtractError, Output, section, text_span

RECORDS = {"opportunity": "opportunities", "recommendation": "recommendations", "challenge": "challenges"}


def _record(rule: Rule, record: str, notation: str, span: Span):
    if record == "opportunity":
        return OpportunityItem(rule.report, int(notation.split(".")[0]), span)
    if record == "challenge":
        return ChallengeFact(report=rule.report, source=span, id=notation, label={}, category=rule.params.category)
    return RecommendationItem(rule.report, notation, span)


def _check_record(params) -> None:
    if params.record not in RECORDS:
        raise ValueError(f"record must be one of {', '.join(RECORDS)}, got {params.record!r}")
    if (params.record == "challenge") != bool(params.category):
        raise ValueError("record challenge needs a category (a challenge-category concept), "
                         "and only it takes one")


# --------------------------------------------------------------------------
# numbered-headings
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class HeadingsParams:
    heading: str = regex(groups=("number",))
    until: str | None = regex(None)      # a line that ends the last item (the next chapter's heading)
    record: str = "opportunity"
    category: str | None = None          # record challenge: its challenge-category

    def __post_init__(self):
        _check_record(self)


@kind("numbered-headings", HeadingsParams)
def numbered_headings(doc: Document, rule: Rule, run) -> Output:
    """Numbered headings, each cited with its body up to the next heading or the section's end."""
    p: HeadingsParams = rule.params
    rx = re.compile(p.heading)
    starts = [n for n in range(1, len(doc) + 1) if rx.match(doc.line(n))]
    if not starts:
        raise ExtractError(f"{doc.edition.id}: no headings /{p.heading}/ found")
    sect = doc.section_at(starts[-1])
    last_line = sect.span.end if sect else len(doc)
    chapter = doc.find(p.until, starts[-1] + 1, last_line) if p.until else None
    if chapter is not None:
        last_line = chapter - 1
    out = []
    for i, start in enumerate(starts):
        end = (starts[i + 1] - 1) if i + 1 < len(starts) else last_line
        while end > start and not doc.line(end).strip():
            end -= 1
        out.append(_record(rule, p.record, rx.match(doc.line(start)).group("number"), doc.span(start, end)))
    return Output(out, starts)


# --------------------------------------------------------------------------
# numbered-list (before a marker line)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ListParams:
    marker: str = regex()                # the line the list stands before
    item: str = regex(r"^\s*(?:-\s+)?(?P<number>\d)\.\s+\S", groups=("number",))
    window: int = 20                     # how many lines above the marker the list may start
    record: str = "opportunity"
    category: str | None = None          # record challenge: its challenge-category

    def __post_init__(self):
        _check_record(self)


@kind("numbered-list", ListParams)
def numbered_list(doc: Document, rule: Rule, run) -> Output:
    """Lists ``1. … n.`` just before each marker line; an item wraps over lines starting lower-case."""
    p: ListParams = rule.params
    item = re.compile(p.item)
    out = []
    for marker in (n for n in range(1, len(doc) + 1) if re.search(p.marker, doc.line(n))):
        starts = [n for n in range(max(1, marker - p.window), marker) if item.match(doc.line(n))]
        numbers = [int(item.match(doc.line(n)).group("number")) for n in starts]
        if 1 not in numbers:
            run.note(rule, marker, "marker line without a list 1 … n above it")
            continue
        first = len(numbers) - 1 - numbers[::-1].index(1)
        starts, numbers = starts[first:], numbers[first:]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ExtractError(f"{doc.edition.id}:{starts[0]}: {rule.label} numbered {numbers}")
        for i, start in enumerate(starts):
            limit = starts[i + 1] if i + 1 < len(starts) else marker
            end, m = start, start + 1
            while m < limit:   # wrapped lines of the item start lower-case
                text = doc.line(m).strip()
                if text and not text[:1].islower():
                    break
                end = m if text else end
                m += 1
            out.append(_record(rule, p.record, str(numbers[i]), doc.span(start, end)))
    return Output(out)


# --------------------------------------------------------------------------
# outline: 1., 1.1, 2.2. … in a section, the top level echoed elsewhere
# --------------------------------------------------------------------------

OUTLINE_ITEM = r"^\s?(\d{1,2})\.(?:(\d{1,2})\.?)?\s+\S"


def _items(doc: Document, first: int, last: int, pattern: re.Pattern) -> list[tuple[int, str]]:
    """Numbered items (line, notation without trailing dot) in ``first..last``."""
    out = []
    for n in range(first, last + 1):
        match = pattern.match(doc.line(n))
        if match:
            out.append((n, ".".join(g for g in match.groups() if g)))
    return out


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


@dataclass(frozen=True)
class OutlineParams:
    section: str                          # number of the section that holds the items
    item: str = regex(OUTLINE_ITEM)       # groups: the levels of the notation (1, 1.1)
    stop_at_colon: bool = True            # a line ending with ':' ends an item (a sub-heading)
    summary: str | None = None            # title of an unnumbered section that lists the top level
    record: str = "recommendation"
    category: str | None = None          # record challenge: its challenge-category

    def __post_init__(self):
        _check_record(self)


@kind("outline", OutlineParams)
def outline(doc: Document, rule: Rule, run) -> Output:
    """Numbered items with sub-items in a section; then the summary's list of the top level.

    An item runs to the line before the next item (or before a line ending
    with a colon); trailing footnotes and footers are cut off.
    """
    p: OutlineParams = rule.params
    item = re.compile(p.item)
    chapter = section(doc, p.section)
    start = chapter.heading.end + 1
    found = _items(doc, start, chapter.span.end, item)
    if not found:
        raise ExtractError(f"{doc.edition.id}: no numbered items in section {p.section}")
    _check_outline(doc, [n for _, n in found], f"section {p.section}")
    colon = {n for n in range(start, chapter.span.end + 1)
             if p.stop_at_colon and doc.line(n).rstrip().endswith(":") and not item.match(doc.line(n))}
    stops = sorted({n for n, _ in found} | colon | {chapter.span.end + 1})
    out = [_record(rule, p.record, notation, text_span(doc, line, next(s for s in stops if s > line) - 1, rule.page))
           for line, notation in found]
    if p.summary:
        summary = section(doc, None, p.summary)
        listed = _items(doc, summary.span.start, summary.span.end, item)
        tops = [n for _, n in found if "." not in n]
        if [n for _, n in listed] != tops:
            raise ExtractError(f"{doc.edition.id}: the summary lists {[n for _, n in listed]}, "
                               f"section {p.section} has {tops}")
        ends = [line for line, _ in listed[1:]] + [summary.span.end + 1]
        out += [_record(rule, p.record, notation, text_span(doc, line, end - 1, rule.page))
                for (line, notation), end in zip(listed, ends)]
    return Output(out)


# --------------------------------------------------------------------------
# numbered-paragraphs and their inline lists
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ParagraphsParams:
    section: str
    item: str = regex(OUTLINE_ITEM)
    inline: str = regex(r"\((?P<number>\d)\)", groups=("number",))   # "(1) …"
    summary: str | None = None     # unnumbered section whose inline list names the items
    intro: bool = False            # the section's introduction has such an inline list too
    record: str = "opportunity"
    category: str | None = None          # record challenge: its challenge-category

    def __post_init__(self):
        _check_record(self)


def _inline_list(doc: Document, first: int, last: int, inline: re.Pattern) -> list[tuple[int, Span]]:
    """The items of an inline list "(1) …; (2) …; (3) … ." with their lines."""
    marks = [(n, int(m.group("number"))) for n in range(first, last + 1) for m in inline.finditer(doc.line(n))]
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


@kind("numbered-paragraphs", ParagraphsParams)
def numbered_paragraphs(doc: Document, rule: Rule, run) -> Output:
    """A section's numbered paragraphs, then the inline lists (summary, introduction) naming them."""
    p: ParagraphsParams = rule.params
    chapter = section(doc, p.section)
    start = chapter.heading.end + 1
    found = _items(doc, start, chapter.span.end, re.compile(p.item))
    noun = RECORDS[p.record]
    if [n for _, n in found] != [str(i) for i in range(1, len(found) + 1)] or not found:
        raise ExtractError(f"{doc.edition.id}: section {p.section} numbers its {noun} {[n for _, n in found]}")
    ends = [line for line, _ in found[1:]] + [chapter.span.end + 1]
    out = [_record(rule, p.record, notation, text_span(doc, line, end - 1, rule.page))
           for (line, notation), end in zip(found, ends)]
    lists = []
    if p.summary:
        summary = section(doc, None, p.summary)
        lists.append((summary.span.start, summary.span.end, "summary"))
    if p.intro:
        lists.append((start, found[0][0] - 1, f"section {p.section}"))
    for first, last, where in lists:
        listed = _inline_list(doc, first, last, re.compile(p.inline))
        if len(listed) != len(found):
            raise ExtractError(f"{doc.edition.id}: the {where} lists {len(listed)} {noun}, "
                               f"section {p.section} has {len(found)}")
        out += [_record(rule, p.record, str(k), span) for k, span in listed]
    return Output(out)


# --------------------------------------------------------------------------
# category-table: name | explanation rows, the category printed downwards
# --------------------------------------------------------------------------

_CAPITALISED = re.compile(r"(?<!\S)(?=[A-ZÀ-Ý])")     # where a capitalised word starts


@dataclass(frozen=True)
class CategoryTableParams:
    section: str
    header: str | None = regex(None)              # the table's header line (skipped)
    letters: str = regex(r"^[A-Za-z]{1,2}$")      # a line of the category written downwards
    name_width: int = 30                          # the name column holds at most this many characters


def _split_name(text: str, width: int) -> tuple[str, str] | None:
    """A row printed on one line: the name ends where the next capitalised word starts."""
    for match in _CAPITALISED.finditer(text):
        cut = match.start()
        if 0 < cut <= width and re.fullmatch(r"[^\W\d_][\w\s’'-]*", text[:cut].strip()):
            return text[:cut].strip(), text[cut:]
    return None


@kind("category-table", CategoryTableParams)
def category_table(doc: Document, rule: Rule, run) -> Output:
    """Challenges with their category, numbered in table order (titles are curated).

    A category is the letters printed downwards before its first row. A name
    is one or more short lines (at most ``name_width`` characters); its
    explanation starts with the next long line and runs until a line closes a
    sentence and a new name or category follows. A row printed on one line
    is split before the explanation's first capitalised word.
    """
    p: CategoryTableParams = rule.params
    header = re.compile(p.header) if p.header else None
    footer = re.compile(rule.page.footer) if rule.page.footer else None
    letters_rx = re.compile(p.letters)
    chapter = section(doc, p.section)
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
        if _split_name(text, p.name_width) is None:
            raise ExtractError(f"{doc.edition.id}:{n}: cannot tell the challenge name from its explanation")
        finish()
        name.append(n)

    for n in range(chapter.heading.end + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text or (header and header.match(text)) or (footer and footer.match(text)):
            continue
        if letters_rx.match(text):
            if not letters:
                finish()
            letters.append(text)
            continue
        if letters:
            category, letters = "".join(letters), []
        if category is None:
            continue                            # the section's introduction
        if not (explained and not closed):      # else: the explanation goes on
            if len(text) <= p.name_width:
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
        raise ExtractError(f"{doc.edition.id}: no challenges found in section {p.section}")
    return Output([ChallengeFact(report=rule.report, source=doc.span(first, end), id=str(i), label={},
                                 category=cat) for i, (cat, first, end) in enumerate(rows, 1)])


# --------------------------------------------------------------------------
# dated-headings: a timeline's month-year headings
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class DatesParams:
    caption: str = regex()
    date: str = regex(r"^\s*(?P<month>[A-Za-z]+) (?P<year>\d{4})\s*$", groups=("month", "year"))
    months: dict[str, int] = field(default_factory=dict)   # month name (lower case) → 1..12


@kind("dated-headings", DatesParams)
def dated_headings(doc: Document, rule: Rule, run) -> Output:
    """A timeline's date headings as (line, "YYYY-MM"), up to the first footnote; no records."""
    p: DatesParams = rule.params
    caption = doc.find(p.caption)
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption /{p.caption}/ not found")
    footnote = re.compile(rule.page.footnote) if rule.page.footnote else None
    date = re.compile(p.date)
    out = []
    for n in range(caption + 1, len(doc) + 1):
        line = doc.line(n)
        if footnote and footnote.match(line):
            break
        match = date.match(line)
        if match and match.group("month").lower() in p.months:
            out.append((n, f"{match.group('year')}-{p.months[match.group('month').lower()]:02d}"))
    return Output([], out)
