"""sources: verification, repairs and segmentation keep line numbers."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from crm_kg.pipeline.sources import (
    Document,
    SourceError,
    join_lines,
    read_sources,
    repair_ligatures,
    repair_line,
)


@pytest.fixture(scope="module")
def documents(settings):
    return read_sources(settings.sources)


@pytest.mark.parametrize("broken, fixed", [
    ("grondsto\ufffden", "grondstoffen"),
    ("ra\ufffdnage", "raffinage"),
    ("e\ufffdciënt", "efficiënt"),
    ("gera\ufffdneerde", "geraffineerde"),
    ("hal\ufffdabricaten", "halffabricaten"),
    ("e\ufffdecten", "effecten"),
])
def test_ligatures_without_vocabulary(broken, fixed):
    assert repair_ligatures(broken) == fixed


def test_ligature_chosen_by_vocabulary():
    vocab = Counter({"officieel": 3, "grondstoffen": 10})
    assert repair_ligatures("niet o\ufffd-\ncieel", vocab).startswith("niet offi-")
    assert repair_ligatures("Grondsto\ufffdenstrategie", vocab) == "Grondstoffenstrategie"


def test_stray_replacement_marks_and_ij_repair():
    assert repair_line("2.\t\ufffdVan globaal naar ") == "2.\tVan globaal naar "
    assert repair_line("Holland batteries\tServices and Trade\tljmuiden") .endswith("\tIJmuiden")
    assert repair_line("Oud ljzer Handel") == "Oud IJzer Handel"
    assert repair_line("<1 year\t\u0425\t\u0445") == "<1 year\tX\tx"


def test_join_lines_rejoins_hyphenated_words():
    assert join_lines(["de grond-", "stoffen en CRM-", "waardeketens in Zuid-", "Holland"]) == \
        "de grondstoffen en CRM-waardeketens in Zuid-Holland"


def test_every_pinned_edition_reads(documents):
    assert set(documents) == {"nhfl-2025-en", "nhfl-2025-nl", "zh-2024-nl"}
    for doc in documents.values():
        assert len(doc.lines) == len(doc.raw_lines)
        assert not any("\ufffd" in line for line in doc.lines), doc.edition.id


def test_line_numbers_are_the_files(documents, settings):
    doc = documents["nhfl-2025-en"]
    raw = (settings.sources / doc.edition.file).read_text(encoding="utf-8").split("\n")
    n = doc.find(r"^Table 5\. Policy recommendations")
    assert raw[n - 1].startswith("Table 5. Policy recommendations")


def test_chapters_found_in_all_editions(documents):
    numbers = {eid: [s.number for s in d.sections if s.number] for eid, d in documents.items()}
    assert numbers["nhfl-2025-en"] == ["1", "2", "3", "4", "5", "6"]
    assert numbers["nhfl-2025-nl"] == ["1", "2", "3", "4", "5", "6"]
    assert numbers["zh-2024-nl"] == ["1", "2", "3", "4", "5", "6"]
    zh = {s.number: s.title for s in documents["zh-2024-nl"].sections}
    assert zh["1"] == "Waarom deze studie?"
    assert zh["6"] == "Beleidsaanbevelingen"


def test_paragraphs_join_hard_wrapped_lines(documents):
    zh = documents["zh-2024-nl"]
    first = next(p for p in zh.paragraphs if p.kind == "paragraph")
    assert first.span.start == 3 and first.span.end > 10
    assert "Nationale Grondstoffenstrategie" in first.text
    assert "grond- stoffen" not in first.text


def test_sha_mismatch_is_refused(settings, tmp_path):
    for path in settings.sources.iterdir():
        shutil.copy(path, tmp_path / path.name)
    victim = tmp_path / "002_99edad7c3c8ce4b6.txt"
    victim.write_text(victim.read_text(encoding="utf-8") + "tampered\n", encoding="utf-8")
    with pytest.raises(SourceError, match="does not match the pinned"):
        read_sources(tmp_path)


def test_missing_file_is_reported(settings, tmp_path):
    shutil.copy(settings.sources / "manifest.yaml", tmp_path / "manifest.yaml")
    with pytest.raises(SourceError, match="source file missing"):
        read_sources(tmp_path)


def test_document_text_of_span(documents):
    doc = documents["nhfl-2025-en"]
    n = doc.find(r"^Table 6\.")
    assert doc.text(doc.span(n)).startswith("Table 6.")
    with pytest.raises(ValueError):
        doc.span(0, 3)
    assert isinstance(doc, Document)
