"""The coverage map (issue 22 §3): which paragraphs of a report yield a statement.

A fixture text of our own (tests/cases/coverage/report.txt) for the counting rules;
the real build for the command and the page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import fixture_document

from crm_kg import yamlio
from crm_kg.cli import main
from crm_kg.pipeline import coverage

FIXTURE = Path(__file__).parent / "cases" / "coverage" / "report.txt"


@pytest.fixture(scope="module")
def doc():
    return fixture_document(FIXTURE)


def test_a_paragraph_counts_when_a_cited_passage_overlaps_it(doc):
    # cited: line 11 (a one-line passage) and 16-18 (a span that overlaps the paragraph at 15-17)
    m = coverage.edition_coverage(doc, [(11, 11), (16, 18)])
    [section] = m.sections
    assert [p.span.start for p in section.yielding] == [11, 15]
    assert m.counted == len(doc.paragraphs) == 10 and m.yielding == 2 and m.excluded == 0
    assert [p.span.start for p in section.silent] == [1, 3, 4, 5, 7, 13, 19, 21]
    assert m.share == pytest.approx(0.2)


def test_reviewed_exclusions_leave_the_count(doc, tmp_path):
    scope_file = tmp_path / "scope.yaml"
    scope_file.write_text("nhfl-2025-en:\n"
                          "  - lines: [1, 5]\n    why: title and table of contents\n"
                          "  - notes_with_urls: true\n    why: footnotes citing a web source\n")
    scope = coverage.load_scope(scope_file)
    m = coverage.edition_coverage(doc, [(11, 11)], scope["nhfl-2025-en"])
    excluded = {p.span.start: why for s in m.sections for p, why in s.excluded}
    assert excluded == {1: "title and table of contents", 3: "title and table of contents",
                        4: "title and table of contents", 5: "title and table of contents",
                        13: "footnotes citing a web source"}
    assert m.counted == 5 and m.yielding == 1      # the note without a URL (line 21) still counts
    assert m.to_json()["sections"][0]["silent"] == [[7, 9], [15, 17], [19, 19], [21, 21]]


@pytest.mark.parametrize("text, message", [
    ("nhfl-2025-en:\n  - lines: [5, 2]\n    why: x\n", "lines must be [first] or [first, last]"),
    ("nhfl-2025-en:\n  - why: x\n", "give lines: [first, last] or notes_with_urls: true"),
    ("nhfl-2025-en:\n  - lines: [1, 2]\n", "why"),
    ("- a list\n", "expected a mapping"),
])
def test_a_bad_scope_file_is_refused_with_its_place(tmp_path, text, message):
    path = tmp_path / "scope.yaml"
    path.write_text(text)
    with pytest.raises(yamlio.InputError, match=re.escape(message)):
        coverage.load_scope(path)


def test_the_real_scope_file_reads(settings):
    scope = coverage.load_scope(settings.data_dir / "review" / "coverage-scope.yaml")
    assert set(scope) == {"nhfl-2025-en", "nhfl-2025-nl", "zh-2024-nl"}
    assert all(x.why for xs in scope.values() for x in xs)


def test_the_command_prints_the_map_per_section(built, capsys):
    build_settings, _ = built
    assert main(["coverage", "--ttl-dir", str(build_settings.ttl_dir), "--report", "zh-2024",
                 "--format", "json"]) == 0
    [m] = json.loads(capsys.readouterr().out)
    assert m["edition"] == "zh-2024-nl" and m["language"] == "nl"
    assert m["paragraphs"] == sum(s["paragraphs"] for s in m["sections"]) > 150
    assert m["with_claims"] == sum(s["with_claims"] for s in m["sections"])
    assert 0.7 <= m["share"] <= 1
    # the recommendations (§ 6) are modelled almost entirely
    [recommendations] = [s for s in m["sections"] if s["number"] == "6"]
    assert recommendations["with_claims"] / recommendations["paragraphs"] >= 0.8
    assert main(["coverage", "--ttl-dir", str(build_settings.ttl_dir)]) == 0
    table = capsys.readouterr().out
    assert "nhfl-2025-en (nhfl-2025)" in table and "in-scope paragraphs yield a claim" in table


def test_the_command_refuses_an_unknown_report(built, capsys):
    assert main(["coverage", "--ttl-dir", str(built[0].ttl_dir), "--report", "xx-2030"]) == 1
    assert "unknown report 'xx-2030'" in capsys.readouterr().err


def test_the_page_lists_what_yields_nothing_with_its_text(client, settings):
    page = client.get("/reports/zh-2024/coverage?lang=nl")
    assert page.status_code == 200
    html = page.text
    assert "Nederlandse editie" in html and "zonder bewering" in html
    assert "English" not in html and "without a statement" not in html
    # each silent paragraph shows its lines and its text, read from the source file
    items = re.findall(r'data-lines="(\d+)-(\d+)"', html)
    assert len(items) > 10
    source = (settings.sources / "001_a062f07da275960c.txt").read_text(encoding="utf-8").splitlines()
    start, _end = map(int, items[0])
    first_words = source[start - 1].strip()[:20]
    assert first_words and first_words.replace("&", "&amp;") in html
    english = client.get("/reports/nhfl-2025/coverage?lang=en")
    assert english.status_code == 200 and "English edition" in english.text and "Dutch edition" in english.text
    assert client.get("/reports/nope-2030/coverage").status_code == 404


def test_the_page_reads_the_report_list_once_per_graph_version(app, monkeypatch):
    """The report list and titles come from data/sources.yaml once per graph version, not per request."""
    from crm_kg.web import reports

    client = app.test_client()
    client.get("/reports/zh-2024/coverage")            # whatever an earlier test left cached
    reads = []
    monkeypatch.setattr(reports, "_reports", lambda pins: reads.append(pins) or {})
    for _ in range(3):
        assert client.get("/reports/zh-2024/coverage").status_code == 200
    assert reads == []


def test_the_page_rounds_shares_as_the_command_does(client):
    """245 of 454 is 54 %, on the page as in `crm-kg coverage` and the README (the page cut it to 53)."""
    html = client.get("/reports/nhfl-2025/coverage?lang=en").text
    totals = re.findall(r"<strong>(\d+)</strong> of <strong>(\d+)</strong>[^(]*\((\d+)%\)", html)
    assert len(totals) == 2                                   # one per edition
    for yielding, counted, share in totals:
        assert int(share) == round(int(yielding) / int(counted) * 100), (yielding, counted, share)
    cells = re.findall(r'<meter min="0" max="100" value="\d+"></meter> (\d+)%', html)
    assert cells and all(0 <= int(c) <= 100 for c in cells)
