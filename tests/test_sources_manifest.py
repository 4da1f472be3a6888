"""The sources' manifest.yaml is pinned like the reports (issue 23): its SHA-256 is in
data/sources.yaml, and a manifest that differs (a changed title) is refused in one line, by
the build and by the web app that shows the titles."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from crm_kg import cli
from crm_kg.config import Settings
from crm_kg.pipeline.sources import SourceError, load_editions, pin_manifest
from crm_kg.web.texts import SourceTexts


@pytest.fixture()
def copies(settings, tmp_path):
    """A copy of the sources and of data/sources.yaml to change."""
    sources = tmp_path / "sources"
    shutil.copytree(settings.sources, sources)
    pins = tmp_path / "sources.yaml"
    shutil.copy(settings.data_dir / "sources.yaml", pins)
    return sources, pins


def _retitle(sources):
    manifest = sources / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("Towards Resilient Supply Chains", "Something Else", 1), encoding="utf-8")
    assert manifest.read_text(encoding="utf-8") != text
    return hashlib.sha256(manifest.read_bytes()).hexdigest()


def test_the_committed_pin_matches(settings):
    digest = hashlib.sha256((settings.sources / "manifest.yaml").read_bytes()).hexdigest()
    assert f"\nmanifest_sha256: {digest}\n" in (settings.data_dir / "sources.yaml").read_text(encoding="utf-8")
    assert len(load_editions(settings.sources, settings.data_dir / "sources.yaml")) == 3


def test_a_changed_title_is_refused_in_one_line(copies):
    sources, pins = copies
    digest = _retitle(sources)
    with pytest.raises(SourceError) as caught:
        load_editions(sources, pins)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{sources / 'manifest.yaml'}: sha256 {digest[:12]}… does not match the pinned")
    line = next(n for n, text in enumerate(pins.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("manifest_sha256:"))
    assert f"({pins}:{line})" in message and f"manifest_sha256: {digest}" in message


def test_an_unpinned_manifest_is_refused(copies):
    sources, pins = copies
    text = pins.read_text(encoding="utf-8")
    pins.write_text("\n".join(x for x in text.splitlines() if not x.startswith("manifest_sha256:")) + "\n",
                    encoding="utf-8")
    with pytest.raises(SourceError, match="manifest.yaml is not pinned: .* needs manifest_sha256: [0-9a-f]{64}$"):
        load_editions(sources, pins)


def test_pinning_again_accepts_the_reviewed_manifest(copies):
    sources, pins = copies
    digest = _retitle(sources)
    pin_manifest(pins, sources / "manifest.yaml")
    assert f"\nmanifest_sha256: {digest}\n" in pins.read_text(encoding="utf-8")
    editions = load_editions(sources, pins)
    assert editions["nhfl-2025-en"].title.endswith("Something Else")


def test_the_web_app_shows_no_title_from_a_changed_manifest(settings, copies):
    sources, _ = copies
    assert SourceTexts(sources).edition_title("002_99edad7c3c8ce4b6.txt").endswith("Resilient Supply Chains")
    _retitle(sources)
    texts = SourceTexts(sources)
    assert texts.edition_title("002_99edad7c3c8ce4b6.txt") is None
    assert "manifest.yaml: sha256" in texts.error


def test_the_build_refuses_it(settings, copies, tmp_path, capsys, monkeypatch):
    sources, _ = copies
    _retitle(sources)
    root = tmp_path / "root"
    shutil.copytree(settings.data_dir, root / "data", ignore=shutil.ignore_patterns("ttl", ".ttl.*"))
    for name in ("ontology", "queries"):
        (root / name).symlink_to(getattr(settings, f"{name}_dir"))
    project = Settings(root=root, sources=sources, ttl_dir=tmp_path / "ttl")
    monkeypatch.setattr(cli, "load_settings", lambda **kw: project)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crm-kg: error: ") and "manifest.yaml: sha256" in err
    assert not (tmp_path / "ttl").exists()
