"""Kinds for organisations listed under activities, and for names printed in a figure.

* ``activity-lists`` — ``Activity: org, org, …`` items after one or more
  captions, bulleted one per line (``- Processing: …``) or wrapped over lines;
  two figures that list the same may be compared name by name;
* ``activity-blocks`` — a heading line ending in a colon, then names separated
  by commas over several lines, until the next heading or a closing note; the
  headings map to activities through the profile (one heading may be two);
  known extraction damage is repaired by the profile (``join``, ``split``);
* ``figure-mentions`` — the items a figure prints, one per capitalised word
  group, up to the figure's source note.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from ..records import Disagreement, FigureMention, OrganisationListing
from ..resolve import normalise
from ..sources import Document, Span
from .profile import Rule, kind, regex
from .tables import ExtractError, Joined, Output, locate

Listing = dict  # category as printed → [(name, span)]


# --------------------------------------------------------------------------
# activity-lists
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityListsParams:
    captions: list[dict[str, str]]            # [{caption: REGEX, label: "Figure 1"}, …]
    bullet: bool = True                       # "- Category: …" one per line; else wrapped items
    wrapped: int = 110                        # a line this long continues on the next (wrapped items)
    note: str | None = regex(None)            # a note inside the list (skipped)
    compare: bool = False                     # the first two captions list the same names

    def __post_init__(self):
        for entry in self.captions:
            if set(entry) != {"caption", "label"}:
                raise ValueError(f"each of captions needs caption and label, got {sorted(entry)}")
            try:
                re.compile(entry["caption"])
            except re.error as exc:
                raise ValueError(f"caption {entry['caption']!r} is not a valid regex: {exc}") from None
        if self.compare and len(self.captions) < 2:
            raise ValueError("compare needs two captions")


def figure_lists(doc: Document, start: int, *, bullet: bool, wrapped: int = 110, note: str | None = None,
                 rule: Rule | None = None, run=None) -> Listing:
    """``Category: name, name, …`` items after a caption, names with their lines.

    Bulleted items are one line each, led by ``- ``; other items wrap over
    lines (a name may break across two): a line continues the item when the
    line before it fills the figure's width (``wrapped`` characters or more;
    an item's last line is shorter). Stops at the first line that is neither
    an item nor a continuation.
    """
    item = re.compile(r"^\s*-\s+([^:]{2,80}):\s*(.*)$" if bullet else r"^\s*([A-Z][^:]{1,80}):\s+(.*)$")
    note_rx = re.compile(note) if note else None
    items: Listing = {}
    n, seen = start, False
    while n <= len(doc):
        match = item.match(doc.line(n))
        if not match:
            if doc.line(n).strip() and seen and not (note_rx and note_rx.match(doc.line(n))):
                break
            if n - start > 12 and not seen:
                break   # no list right after the caption
            if doc.line(n).strip() and run is not None and not seen:
                run.note(rule, n, "not an 'Activity: names' item: " + doc.line(n).strip()[:60])
            n += 1
            continue
        seen = True
        category = match.group(1).strip()
        chars: list[tuple[str, int]] = [(c, n) for c in match.group(2).rstrip()]
        m = n + 1
        while not bullet and m <= len(doc) and doc.line(m).strip() and not item.match(doc.line(m)) \
                and len(doc.line(m - 1).rstrip()) >= wrapped:
            chars += [(" ", m)] + [(c, m) for c in doc.line(m).strip()]
            m += 1
        items[category] = _split_names(doc, chars)
        n = m if not bullet else n + 1
    if not items:
        raise ExtractError(f"{doc.edition.id}:{start}: no 'Category: names' list after the caption")
    return items


def _split_names(doc: Document, chars: list[tuple[str, int]]) -> list[tuple[str, Span]]:
    names = []
    text = "".join(c for c, _ in chars)
    i = 0
    for j, (c, _line) in enumerate(chars):
        if c == "," and text[j + 1:j + 2] == " ":
            names.append(chars[i:j])
            i = j + 2
    names.append(chars[i:])
    out = []
    for part in names:
        name = re.sub(r"\s+", " ", "".join(c for c, _ in part)).strip()
        lines = [line for c, line in part if not c.isspace()]
        if name:
            out.append((name, doc.span(min(lines), max(lines))))
    return out


def compare_listings(report: str, a: Listing, b: Listing, name_a: str, name_b: str,
                     category_key=lambda c: c) -> list[Disagreement]:
    """Names one figure prints differently from, or not at all in, another.

    Categories are matched by ``category_key`` (a translation across editions);
    names are compared with :func:`crm_kg.pipeline.resolve.normalise`, so punctuation,
    case, IJ and legal forms do not count as differences.
    """
    out = []
    b_by_key = {category_key(c): items for c, items in b.items()}
    for category, items_a in a.items():
        key = category_key(category)
        items_b = b_by_key.get(key, [])
        only_a = _unmatched(items_a, items_b)
        only_b = _unmatched(items_b, items_a)
        for (name1, span1), (name2, span2) in zip(only_a, only_b):
            out.append(Disagreement(report, name1, f"{name_a} prints {name1!r} where {name_b} prints "
                                    f"{name2!r} ({category})", (span1, span2)))
        for name1, span1 in only_a[len(only_b):]:
            out.append(Disagreement(report, name1, f"{name_a} lists {name1!r} under {category}; "
                                    f"{name_b} does not", (span1,)))
        for name2, span2 in only_b[len(only_a):]:
            out.append(Disagreement(report, name2, f"{name_b} lists {name2!r} under {category}; "
                                    f"{name_a} does not", (span2,)))
    return out


def _unmatched(items, others) -> list:
    remaining = Counter(normalise(n) for n, _ in others)
    out = []
    for name, span in items:
        key = normalise(name)
        if remaining[key]:
            remaining[key] -= 1
        else:
            out.append((name, span))
    return out


@kind("activity-lists", ActivityListsParams)
def activity_lists(doc: Document, rule: Rule, run) -> Output:
    """Every name under its activity, for each caption's list; two lists of the same compared."""
    p: ActivityListsParams = rule.params
    figures: list[tuple[str, Listing]] = []
    for entry in p.captions:
        start = locate(doc, entry["caption"]) + 1
        figures.append((entry["label"], figure_lists(doc, start, bullet=p.bullet, wrapped=p.wrapped, note=p.note,
                                                     rule=rule, run=run)))
    out: list = [OrganisationListing(rule.report, name, category, span)
                 for _, items in figures for category, names in items.items() for name, span in names]
    if p.compare:
        (label_a, a), (label_b, b) = figures[0], figures[1]
        out += compare_listings(rule.report, a, b, label_a, label_b)
    return Output(out, figures)


# --------------------------------------------------------------------------
# activity-blocks
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityBlocksParams:
    caption: str = regex()
    categories: dict[str, list[str]] = field(default_factory=dict)   # heading → activity slugs
    note: str | None = regex(None)             # the figure's closing note: what follows is no category's
    join: list[list[str]] = field(default_factory=list)              # [a, b]: "a, b" is one name "a b"
    split: dict[str, list[str]] = field(default_factory=dict)        # printed as one → these names
    stop_as_comma: str = regex(r"(?<=[a-z]{2})\.\s+(?=[A-Z])")       # a full stop standing for a comma

    def __post_init__(self):
        if not self.categories:
            raise ValueError("categories must map each heading to its activities")
        for pair in self.join:
            if len(pair) != 2:
                raise ValueError(f"join entries are pairs of names, got {pair!r}")


def _names(joined: Joined, p: ActivityBlocksParams) -> list[tuple[str, Span]]:
    """Comma-separated names of a joined block, repaired as the profile says."""
    stop_as_comma = re.compile(p.stop_as_comma)
    joins = {tuple(pair) for pair in p.join}
    out: list[tuple[str, int, int]] = []
    pos = 0
    for part in joined.text.split(","):
        start, end = pos, pos + len(part)
        pos = end + 1
        pieces, cut = [], start
        for m in stop_as_comma.finditer(part):
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
        if merged and (merged[-1][0], name) in joins:
            merged[-1] = (f"{merged[-1][0]} {name}", merged[-1][1], b)
        else:
            merged.append((name, a, b))
    result = []
    for name, a, b in merged:
        if name in p.split:
            for part in p.split[name]:
                at = joined.text.index(part.split()[0], a)
                result.append((part, joined.span(at, min(b, at + len(part)))))
        else:
            result.append((name, joined.span(a, b)))
    return result


@kind("activity-blocks", ActivityBlocksParams)
def activity_blocks(doc: Document, rule: Rule, run) -> Output:
    """Every organisation under its heading's activities.

    A heading is a line ending in a colon, together with the lines directly
    above it (no blank line between) when it wraps; its names follow until
    the next heading or the closing ``note``.
    """
    p: ActivityBlocksParams = rule.params
    caption = doc.find(p.caption)
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption /{p.caption}/ not found")
    note = re.compile(p.note) if p.note else None
    chapter = doc.section_at(caption)
    blocks: list[tuple[str, list[int]]] = []
    pending: list[int] = []

    def flush() -> None:
        if pending and blocks and blocks[-1][0]:
            blocks[-1][1].extend(pending)
        elif pending:
            for n in pending:
                run.note(rule, n, "under no heading: " + doc.line(n).strip()[:60])
        pending.clear()

    for n in range(caption + 1, chapter.span.end + 1):
        text = doc.line(n).strip()
        if not text:
            flush()
        elif note and note.match(text):
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
        activities = p.categories.get(label)
        if activities is None:
            raise ExtractError(f"{doc.edition.id}: {rule.label} category {label!r} is not known "
                               f"(known: {', '.join(p.categories)})")
        names = _names(Joined(doc, lines), p)
        if not names:
            raise ExtractError(f"{doc.edition.id}: {rule.label} category {label!r} lists no names")
        out += [OrganisationListing(rule.report, name, activity, span)
                for name, span in names for activity in activities]
    if not out:
        raise ExtractError(f"{doc.edition.id}: {rule.label} lists no organisations")
    return Output(out)


# --------------------------------------------------------------------------
# figure-mentions
# --------------------------------------------------------------------------

_ITEM_START = re.compile(r"(?<!\S)(?=[A-ZÀ-Ý])|(?<=[a-zà-ÿ])(?=[A-ZÀ-Ý])")  # "Kobalt", "…mZeldzame"


@dataclass(frozen=True)
class MentionsParams:
    caption: str = regex()
    conjunction: str = "and"          # "X and y" names two items


@kind("figure-mentions", MentionsParams)
def figure_mentions(doc: Document, rule: Rule, run) -> Output:
    """The items a figure prints, up to its source note (the edition's footnote pattern).

    Each line names one item; a line starting in lower case continues the one
    above; several capitalised words on a line are several items (glued ones
    too); "X <conjunction> y" names two. A phrase with commas (the figure's
    central caption) is skipped.
    """
    p: MentionsParams = rule.params
    caption = doc.find(p.caption)
    if caption is None:
        raise ExtractError(f"{doc.edition.id}: caption /{p.caption}/ not found")
    footnote = re.compile(rule.page.footnote) if rule.page.footnote else None
    end = next((n for n in range(caption + 1, len(doc) + 1) if footnote and footnote.match(doc.line(n))), None)
    if end is None:
        raise ExtractError(f"{doc.edition.id}: {rule.label} has no source note")
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
    conjunction = re.compile(rf"\s+{re.escape(p.conjunction)}\s+")
    for lines in items:
        joined = Joined(doc, lines)
        if "," in joined.text:
            run.note(rule, lines[0], "a phrase with commas (the figure's caption?): " + joined.text[:60])
            continue
        starts = [m.start() for m in _ITEM_START.finditer(joined.text)] + [len(joined.text)]
        for a, b in itertools.pairwise(starts):
            for part in conjunction.split(joined.text[a:b].strip()):
                at = joined.text.index(part, a)
                out.append(FigureMention(rule.report, part, joined.span(at, at + len(part))))
    if not out:
        raise ExtractError(f"{doc.edition.id}: {rule.label} names nothing")
    return Output(out)
