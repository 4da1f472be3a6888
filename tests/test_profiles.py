"""Report profiles (data/profiles/*.yaml): the format is checked when a profile loads, every
error names the profile file, its line and the rule; the real profiles load and cover
every edition of data/sources.yaml."""

from __future__ import annotations

import dataclasses
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


def test_a_sniffed_draft_reads_the_real_english_edition_as_its_profile_does(settings, tmp_path):
    """add-report's sniffer on nhfl-2025-en (a layout it was not tuned to): the draft's rules
    read what the hand-written profile's rules read, table by table."""
    from crm_kg.pipeline.extract import Run
    from crm_kg.pipeline.extract.entities import load_gazetteers
    from crm_kg.pipeline.extract.sniff import draft_profile, sniff
    from crm_kg.pipeline.sources import read_sources

    doc = read_sources(settings.sources, only=["nhfl-2025-en"])["nhfl-2025-en"]
    found = sniff(doc, load_gazetteers()["material"])
    path = tmp_path / "nhfl-2025.yaml"
    path.write_text(draft_profile("nhfl-2025", "nhfl-2025-en", found), encoding="utf-8")
    draft = Run(load(path), {"nhfl-2025-en": doc})
    real = Run(load_report("nhfl-2025"), {"nhfl-2025-en": doc})
    same = {"table-5": "table-5", "table-6": "table-6", "table-2": "table-2", "table-3": "table-3",
            "table-4": "table-4", "opportunity-headings": "opportunities"}
    def plain(record):   # the concept a person maps a bare "Recycling" to is not sniffed
        return dataclasses.replace(record, activity_concept=None) if hasattr(record, "activity_concept") else record

    for drafted, hand in same.items():
        ours = draft.output(draft.profile.rule("nhfl-2025-en", drafted)).records
        theirs = real.output(real.profile.rule("nhfl-2025-en", hand)).records
        assert ours == [plain(r) for r in theirs] and ours, drafted
    # the two figures: one rule each in the draft, one rule for both by hand (which compares them)
    listed = [r for rule in ("figure-1", "figure-10")
              for r in draft.output(draft.profile.rule("nhfl-2025-en", rule)).records]
    by_hand = [r for r in real.output(real.profile.rule("nhfl-2025-en", "figures")).records
               if type(r).__name__ == "OrganisationListing"]
    assert listed == by_hand and len(listed) == 120
    # Table 1 is Table 5 with damaged rows: the draft reads it, a person must add the repairs
    assert any("Table 1" in t for t in found.todo)


def test_a_challenge_list_needs_its_category(tmp_path):
    text = """\
    report: demo
    editions:
      demo-en:
        rules:
          - {id: hurdles, kind: numbered-headings, heading: '^Hurdle (?P<number>\\d):', record: challenge}
    """
    with pytest.raises(ProfileError, match=r"demo.yaml:5: rule 'hurdles': record challenge needs a category"):
        load(_profile(tmp_path, text))
    rule = load(_profile(tmp_path, text.replace("record: challenge", "record: challenge, category: social")))
    assert rule.rule("demo-en", "hurdles").params.category == "social"
