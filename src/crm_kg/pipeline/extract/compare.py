"""Compare rules: one edition's block checked against another's (a translation against its original).

Each compare rule names two edition rules, ``a`` (the reference) and ``b``, as
``edition/rule-id``, and yields a Disagreement for every difference; labels
the translation changed are mapped through the profile:

* ``compare-recommendations`` — recommendation matrices row by row (``actors``:
  b's actor labels → a's);
* ``compare-activity-lists`` — the lists of each caption, name by name (``categories``:
  b's headings → a's; a heading without a mapping is an error);
* ``compare-entry-count`` — two material lists have as many entries;
* ``compare-shares`` — the same share for each place and rank;
* ``compare-organisations`` — organisation tables row by row: activity
  (``activities``: b's → a's) and place, and the rows per activity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..records import Disagreement
from ..resolve import normalise
from ..sources import Span
from .listings import compare_listings
from .matrix import compare_row
from .profile import Rule, kind
from .tables import ExtractError, Output


@dataclass(frozen=True)
class CompareParams:
    a: str                                  # edition/rule-id of the reference
    b: str                                  # edition/rule-id compared with it
    qualify: list[str] = field(default_factory=list)   # ["English", "Dutch"]: how messages name a and b
    actors: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.qualify and len(self.qualify) != 2:
            raise ValueError("qualify names a and b: two words")


def _names(rule: Rule, label_a: str, label_b: str) -> tuple[str, str]:
    q = rule.params.qualify
    return (f"{label_a} ({q[0]})", f"{label_b} ({q[1]})") if q else (label_a, label_b)


@kind("compare-recommendations", CompareParams, compare=True)
def recommendation_rows(rule: Rule, run) -> Output:
    """Recommendation matrices row by row; ticks without columns are compared by their number."""
    p: CompareParams = rule.params
    rule_a, out_a = run.ref(p.a)
    rule_b, out_b = run.ref(p.b)
    layout_b = rule_b.params.layout
    reference = {pr.row.number: pr.row for pr in out_a.data}
    name_a, name_b = _names(rule, rule_a.label, rule_b.label)
    out = []
    for pr in out_b.data:
        ref = reference.get(pr.row.number)
        if ref is None:
            out.append(Disagreement(rule.report, f"recommendation {pr.row.number}",
                                    f"{rule_b.label} has recommendation {pr.row.number}; {rule_a.label} does not",
                                    (pr.row.source,)))
            continue
        differences = compare_row(ref, pr.row, name_a, name_b,
                                  actor_key=lambda label: p.actors.get(label.casefold(), label.casefold()),
                                  marks=pr.marks if layout_b == "wrapped" else None)
        if differences:
            out.append(Disagreement(rule.report, f"recommendation {pr.row.number}",
                                    f"{rule_b.label} row {pr.row.number} differs from {rule_a.label}: "
                                    + "; ".join(differences), (pr.row.source, ref.source)))
    return Output(out)


@kind("compare-activity-lists", CompareParams, compare=True)
def compare_activity_lists(rule: Rule, run) -> Output:
    """Each caption's list of b against the same caption's list of a (in the order of the captions)."""
    p: CompareParams = rule.params
    _, out_a = run.ref(p.a)
    _, out_b = run.ref(p.b)
    out = []
    for (label_a, a), (label_b, b) in zip(out_a.data, out_b.data):
        unknown = set(b) - set(p.categories)
        if unknown:
            raise ExtractError(f"{p.b}: {label_b} has categories without a mapping: {sorted(unknown)}")
        name_a, name_b = _names(rule, label_a, label_b)
        out += compare_listings(rule.report, a, b, name_a, name_b,
                                category_key=lambda c: p.categories.get(c, c))
    return Output(out)


@kind("compare-entry-count", CompareParams, compare=True)
def entry_count(rule: Rule, run) -> Output:
    """Two printings of a list have as many entries."""
    rule_a, out_a = run.ref(rule.params.a)
    rule_b, out_b = run.ref(rule.params.b)
    a, b = out_a.records, out_b.records
    if len(a) == len(b):
        return Output([])
    return Output([Disagreement(rule.report, a[0].list, f"{rule_a.label} has {len(a)} entries, "
                                f"{rule_b.label} {len(b)}",
                                (a[0].source.union(a[-1].source), b[0].source.union(b[-1].source)))])


@kind("compare-shares", CompareParams, compare=True)
def shares(rule: Rule, run) -> Output:
    """The same share for each place and rank."""
    rule_a, out_a = run.ref(rule.params.a)
    rule_b, out_b = run.ref(rule.params.b)
    a = {(normalise(r.province), r.rank): r for r in out_a.records}
    out = []
    for row in out_b.records:
        ref = a.get((normalise(row.province), row.rank))
        if ref is None or ref.share != row.share:
            out.append(Disagreement(rule.report, f"goods share {row.province} {row.rank}",
                                    f"{rule_b.label} gives {row.share}% for rank {row.rank} in {row.province}, "
                                    f"{rule_a.label} {ref.share if ref else 'nothing'}",
                                    (row.source,) + ((ref.source,) if ref else ())))
    return Output(out)


@kind("compare-organisations", CompareParams, compare=True)
def organisation_rows(rule: Rule, run) -> Output:
    """Organisation tables row by row: activity (translated) and place; the rows per activity."""
    p: CompareParams = rule.params
    rule_a, out_a = run.ref(p.a)
    rule_b, out_b = run.ref(p.b)
    a, b = out_a.records, out_b.records
    la, lb = rule_a.label, rule_b.label
    out = []
    if len(a) != len(b):
        out.append(Disagreement(rule.report, la, f"{la} has {len(a)} rows, {lb} {len(b)}",
                                (Span(a[0].source.edition, a[0].source.start, a[-1].source.end),
                                 Span(b[0].source.edition, b[0].source.start, b[-1].source.end))))
    for row_a, row_b in zip(a, b):
        differences = []
        if p.activities.get(row_b.activity) != row_a.activity:
            differences.append(f"activity {row_b.activity!r} in {lb}, {row_a.activity!r} in {la}")
        if normalise(row_b.location) != normalise(row_a.location):
            differences.append(f"place {row_b.location!r} in {lb}, {row_a.location!r} in {la}")
        if differences:
            out.append(Disagreement(rule.report, row_a.name, f"{lb} row for {row_b.name!r} differs from "
                                    f"{la} row {row_a.name!r}: " + "; ".join(differences),
                                    (row_b.source, row_a.source)))
    counts_a = Counter(r.activity for r in a)
    counts_b = Counter(p.activities.get(r.activity, r.activity) for r in b)
    if counts_a != counts_b and len(a) == len(b):
        out.append(Disagreement(rule.report, la, f"rows per activity differ: {dict(counts_a)} vs {dict(counts_b)}",
                                (a[0].source, b[0].source)))
    return Output(out)
