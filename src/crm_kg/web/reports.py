"""``/reports/<id>/coverage``: the coverage map of a report (:mod:`crm_kg.pipeline.coverage`).

Per edition and section, how many paragraphs yield a statement of the graph; the
paragraphs that yield nothing are listed with their text, read from the source
file at serve time (the reports' sentences are not stored), so a reviewer sees
at once what was not modelled.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from .. import yamlio
from ..pipeline import coverage
from . import state
from .ld import services

bp = Blueprint("reports", __name__)


@bp.route("/reports/<report>/coverage")
def report_coverage(report: str):
    settings = state.settings()
    reports = state.per_version("reports", lambda: _reports(settings.data_dir / "sources.yaml"))
    if report not in reports:
        abort(404)
    label = (reports[report] or {}).get("label") or {}
    title = label.get(g.lang) or label.get("en") or report
    texts = services()["texts"]
    if not texts.available:
        return render_template("coverage.html", title=title, maps=[], error=texts.error, lang=g.lang), 503

    def measure():
        return coverage.measure(state.store(), texts.by_edition(), settings.queries_dir,
                                settings.data_dir / "review" / "coverage-scope.yaml", report)

    maps = state.per_version(f"coverage:{report}", measure)
    return render_template("coverage.html", title=title, maps=maps, error=None, lang=g.lang)


def _reports(pins) -> dict:
    """The reports of ``data/sources.yaml`` (id → entry, in its order), read once per graph version."""
    return dict((yamlio.load(pins) or {}).get("reports") or {})
