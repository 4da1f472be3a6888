"""Report profiles (data/profiles/*.yaml): the format is checked when a profile loads, every
error names the profile file, its line and the rule; the real profiles load and cover
every edition of data/sources.yaml."""

from __future__ import annotations

import textwrap

import pytest

from crm_kg import yamlio
from crm_kg.pipeline.extract import KINDS, ProfileError, load, load_report
from crm_kg.pipeline.sources import report_ids

GOOD = """\
report: demo
editions:
  demo-en:
    rules:
      - id: recs
        kind: recommendation-matrix
        caption: '^Table 9\\.'
        tick_columns: [3, 4]
"""


def _profile(tmp_path, text: str):
    path = tmp_path / "demo.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_real_profiles_cover_every_pinned_edition(settings):
    pinned = yamlio.load(settings.data_dir / "sources.yaml")["editions"]
    for report in report_ids(settings.data_dir / "sources.yaml"):
        profile = load_report(report)
        assert profile is not None and profile.report == report
        editions = {e for e, spec in pinned.items() if spec["report"] == report}
        assert set(profile.editions) == editions


def test_a_good_profile_loads(tmp_path):
    profile = load(_profile(tmp_path, GOOD))
    rule = profile.rule("demo-en", "recs")
    assert rule.kind == "recommendation-matrix" and rule.label == "recs"
    assert rule.params.tick_columns == [3, 4] and rule.params.layout == "tabs"
    assert rule.where.endswith("demo.yaml:5")


@pytest.mark.parametrize("change, message", [
    (("kind: recommendation-matrix", "kind: recomendation-matrix"),
     r"demo.yaml:5: rule 'recs': unknown kind 'recomendation-matrix'"),
    (("tick_columns: [3, 4]", "tick_columns: [3, 4]\n        captoin: x"),
     r"demo.yaml:9: rule 'recs': unknown parameter 'captoin' for kind 'recommendation-matrix'"),
    (("tick_columns: [3, 4]", "tick_columns: three"),
     r"demo.yaml:8: rule 'recs': 'tick_columns' must be list\[int\]"),
    (("caption: '^Table 9\\.'", "caption: '^Table (9'"),
     r"demo.yaml:7: rule 'recs': 'caption' is not a valid regex"),
    (("tick_columns: [3, 4]", "tick_columns: [3, 4]\n        number: '^(\\d+)\\.'"),
     r"demo.yaml:9: rule 'recs': 'number' needs the named group\(s\) \(\?P<number>…\)"),
    (("tick_columns: [3, 4]", "tick_columns: [3, 4]\n        layout: grid"),
     r"demo.yaml:5: rule 'recs': layout must be tabs or wrapped"),
    (("        caption: '^Table 9\\.'\n", ""),
     r"demo.yaml:5: rule 'recs': kind 'recommendation-matrix' needs caption"),
    (("tick_columns: [3, 4]", "tick_columns: [3, 4]\n        reference: table-5"),
     r"rule 'recs' \(recommendation-matrix\): refers to rule 'table-5'"),
    (("editions:", "compare:\n  - {id: c, kind: compare-shares, a: demo-en/recs, b: demo-nl/x}\neditions:"),
     r"rule 'c' \(compare-shares\): 'demo-nl/x' names no rule"),
    (("kind: recommendation-matrix", "kind: compare-shares"),
     r"rule 'recs': kind 'compare-shares' belongs under compare:"),
])
def test_profile_errors_name_file_line_and_rule(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(ProfileError, match=message):
        load(_profile(tmp_path, GOOD.replace(old, new)))


def test_every_kind_documents_itself():
    assert len(KINDS) >= 15
    for name, spec in KINDS.items():
        assert spec.doc, name
