"""Review of a report's extraction for ``crm-kg build --report`` and ``crm-kg add-report``.

:func:`review_text` renders a :class:`~.runner.Run`: per rule what it read and
which lines of its block matched nothing, then the names the reference data
does not know (:mod:`.entities`) with suggestions; :func:`review_report` runs
a report's rules with errors caught per rule, so one broken table does not
hide what the others read.
"""

from __future__ import annotations

from pathlib import Path

from ..resolve import Gazetteer
from .entities import load_gazetteers, unknown_entities
from .runner import Run, runs
from .tables import ExtractError


def review_text(run: Run, gazetteers: dict[str, Gazetteer]) -> str:
    """What each rule of ``run`` read and what matched nothing; then the unknown names."""
    lines = [f"report {run.profile.report} (profile {run.profile.path})"]
    records = []
    for rule, counts, notes in run.summary():
        got = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or \
            ("no records" if rule.edition else "no disagreement")
        lines.append(f"  {run.key(rule)} ({rule.kind}, {rule.where}): {got}")
        for edition, line, what in notes:
            lines.append(f"      unmatched {edition}:{line}: {what}")
        if rule.edition:
            records.extend(run.output(rule).records)
    skipped = [r for r in run.profile.rules() if not run.runnable(r)]
    for rule in skipped:
        lines.append(f"  {run.key(rule)} ({rule.kind}): not run, its edition is not read")
    unknown = unknown_entities(records, gazetteers)
    if unknown:
        lines.append(f"  {len(unknown)} unknown name(s) for curation (data/reference/):")
        lines += [f"    {u.text()}" for u in unknown]
    else:
        lines.append("  every organisation, place and material name is known to the reference data")
    return "\n".join(lines)


def review_report(documents, profiles: Path | None = None, reference: Path | None = None) -> tuple[str, int]:
    """Run every rule of the documents' report, errors caught per rule: (review text, problems).

    Problems are rules that failed and unknown names; the text is :func:`review_text`
    followed by each failing rule's error.
    """
    active = runs(documents, profiles)
    if not active:
        reports = sorted({d.edition.report for d in documents.values()})
        return f"report {', '.join(reports)}: no profile (data/profiles/<report>.yaml); nothing is parsed", 1
    run = active[0]
    errors = []
    for rule in run.profile.rules():
        if run.runnable(rule):
            try:
                run.output(rule)
            except ExtractError as exc:
                errors.append(str(exc))
    gazetteers = load_gazetteers(reference)
    text = review_text(run, gazetteers)
    records = [r for rule, _, _ in run.summary() if rule.edition for r in run.output(rule).records]
    problems = len(errors) + len(unknown_entities(records, gazetteers))
    if errors:
        text += f"\n  {len(errors)} rule(s) failed:\n" + "\n".join(f"    {e}" for e in errors)
    return text, problems
