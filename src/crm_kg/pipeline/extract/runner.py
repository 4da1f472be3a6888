"""Run a report's profile over its editions: every rule once, results shared, review notes kept.

:class:`Run` interprets the rules of one :class:`~.profile.Profile` over the
documents of its editions. A rule's output is computed once and cached, so a
rule that checks itself against another (Table 1 against Table 5) or a compare
rule reuses what the other rule read. Extraction errors are re-raised naming
the profile file, line, rule id and kind, before the report line they concern.
Kinds note the lines of their block that matched nothing (:meth:`Run.note`);
``crm-kg build --report`` prints them (the review loop).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..sources import Document
from .entities import check_entities, load_gazetteers
from .profile import KINDS, Profile, Rule, load_report
from .tables import ExtractError, Output


class Run:
    """The rules of one report over the documents of its editions."""

    def __init__(self, profile: Profile, documents: dict[str, Document]):
        self.profile = profile
        self.documents = documents
        self._cache: dict[tuple[str | None, str], Output] = {}
        self.notes: dict[str, list[tuple[str, int, str]]] = {}   # rule key → (edition, line, what)

    @staticmethod
    def key(rule: Rule) -> str:
        return f"{rule.edition}/{rule.id}" if rule.edition else rule.id

    def runnable(self, rule: Rule) -> bool:
        if rule.edition is not None:
            return rule.edition in self.documents
        return all(ref.partition("/")[0] in self.documents for ref in (rule.params.a, rule.params.b))

    def output(self, rule: Rule) -> Output:
        """What ``rule`` reads (cached); an ExtractError names the rule and the line."""
        key = (rule.edition, rule.id)
        if key in self._cache:
            return self._cache[key]
        spec = KINDS[rule.kind]
        self.notes.setdefault(self.key(rule), [])
        try:
            if rule.edition is None:
                out = spec.read(rule, self)
            else:
                out = spec.read(self.documents[rule.edition], rule, self)
        except ExtractError as exc:
            if getattr(exc, "rule", None):
                raise
            error = ExtractError(f"{rule.where}: rule {rule.id!r} ({rule.kind}): {exc}")
            error.rule = rule.id
            raise error from None
        self._cache[key] = out
        return out

    def refer(self, rule: Rule, rule_id: str) -> Output:
        """The output of another rule of the same edition."""
        return self.output(self.profile.rule(rule.edition, rule_id))

    def ref(self, ref: str) -> tuple[Rule, Output]:
        """``edition/rule-id`` → the rule and its output (for compare rules)."""
        edition, _, rule_id = ref.partition("/")
        rule = self.profile.rule(edition, rule_id)
        return rule, self.output(rule)

    def note(self, rule: Rule, line: int, what: str) -> None:
        """A line of the rule's block that yielded nothing (shown in the review)."""
        self.notes.setdefault(self.key(rule), []).append((rule.edition or "", line, what))

    def edition_records(self) -> list:
        out: list = []
        for rules in self.profile.editions.values():
            for rule in rules:
                if self.runnable(rule):
                    out.extend(self.output(rule).records)
        return out

    def compare_records(self) -> list:
        out: list = []
        for rule in self.profile.compare:
            if self.runnable(rule):
                out.extend(self.output(rule).records)
        return out

    def summary(self) -> list[tuple[Rule, Counter, list[tuple[str, int, str]]]]:
        """Per rule run: the records it yielded by type and the lines that matched nothing."""
        out = []
        for rule in self.profile.rules():
            if (rule.edition, rule.id) in self._cache:
                counts = Counter(type(r).__name__ for r in self._cache[(rule.edition, rule.id)].records)
                out.append((rule, counts, self.notes.get(self.key(rule), [])))
        return out


def runs(documents: dict[str, Document], root: Path | None = None,
         only: list[str] | None = None) -> list[Run]:
    """One :class:`Run` per report that has documents and a profile, in the documents' order."""
    reports: list[str] = []
    for doc in documents.values():
        if doc.edition.report not in reports and (only is None or doc.edition.report in only):
            reports.append(doc.edition.report)
    out = []
    for report in reports:
        profile = load_report(report, root)
        if profile is not None:
            out.append(Run(profile, {e: d for e, d in documents.items() if d.edition.report == report}))
    return out


def extract_all(documents: dict[str, Document], root: Path | None = None,
                reference: Path | None = None) -> list[object]:
    """Every rule of every profile over its editions, then the compare rules.

    A profile with ``entities: {unknown: curate}`` stops here when its records
    print a name the reference data (``reference``: data/reference) does not know.
    """
    active = runs(documents, root)
    facts: list[object] = []
    for run in active:
        records = run.edition_records()
        if run.profile.unknown == "curate":
            check_entities(run.profile.report, records, load_gazetteers(reference))
        facts.extend(records)
    for run in active:
        facts.extend(run.compare_records())
    return facts


def rule_parser(rule_id: str, root: Path | None = None) -> Callable[[Document], list]:
    """``doc → records`` of one rule of the profile of the document's report (for tests)."""

    def parse(doc: Document) -> list:
        profile = load_report(doc.edition.report, root)
        if profile is None:
            raise ExtractError(f"{doc.edition.report}: no profile")
        return Run(profile, {doc.edition.id: doc}).output(profile.rule(doc.edition.id, rule_id)).records

    parse.__name__ = rule_id
    return parse


def rule_data(doc: Document, rule_id: str, root: Path | None = None):
    """The kind-specific data a rule read from ``doc`` (printed rows, listings, dates …)."""
    profile = load_report(doc.edition.report, root)
    if profile is None:
        raise ExtractError(f"{doc.edition.report}: no profile")
    return Run(profile, {doc.edition.id: doc}).output(profile.rule(doc.edition.id, rule_id)).data
