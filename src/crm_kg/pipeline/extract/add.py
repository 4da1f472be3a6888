"""``crm-kg add-report FILE``: register a new report edition and draft what reads it.

Steps, each undone by nothing else (every file written is new or appended to):

1. the text goes into the sources folder (copied there unless it is there);
2. the sources' ``manifest.yaml`` gets an entry for it if it has none;
3. ``data/sources.yaml`` pins the file's SHA-256 under ``editions`` and
   describes the report under ``reports`` (a short label, year, publisher);
4. ``data/profiles/<report>.yaml`` is drafted from the sniffed layout
   (:mod:`.sniff`);
5. ``data/curated/<report>/titles.yaml`` starts the curated folder, empty.

Nothing is overwritten: a report or edition id already in ``sources.yaml``, an
existing profile or curated folder is an error before anything is written.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from ... import yamlio
from ..sources import Document, Edition, pin_manifest
from .entities import load_gazetteers
from .sniff import Sniffed, draft_profile, sniff
from .tables import ExtractError

_ID = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


class AddReportError(ExtractError):
    """The report cannot be added as asked (nothing was written)."""


@dataclass
class Added:
    edition: str
    report: str
    sha256: str
    source: Path
    profile: Path
    curated: Path
    found: Sniffed
    document: Document


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_report(file: Path, report: str, *, sources: Path, data_dir: Path, language: str = "en",
               edition: str | None = None, label: str | None = None, year: int | None = None,
               publisher: str | None = None, title: str | None = None) -> Added:
    """Pin ``file`` as edition ``edition`` of ``report`` and draft its profile (see the module doc)."""
    file, sources, data_dir = Path(file), Path(sources), Path(data_dir)
    edition = edition or f"{report}-{language}"
    for what, value in (("report id", report), ("edition id", edition)):
        if not _ID.match(value):
            raise AddReportError(f"{what} {value!r}: use lower-case letters, digits and hyphens")
    if not file.is_file():
        raise AddReportError(f"{file}: no such file")
    pins_path = data_dir / "sources.yaml"
    pins = yamlio.load(pins_path) or {}
    if report in (pins.get("reports") or {}):
        raise AddReportError(f"{pins_path}: report {report!r} is there already")
    if edition in (pins.get("editions") or {}):
        raise AddReportError(f"{pins_path}: edition {edition!r} is there already")
    profile = data_dir / "profiles" / f"{report}.yaml"
    curated = data_dir / "curated" / report
    for path in (profile, curated):
        if path.exists():
            raise AddReportError(f"{path} exists already")
    manifest_path = sources / "manifest.yaml"
    manifest = (yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}) if manifest_path.exists() else {}
    listed = [e for e in manifest.get("reports") or [] if e.get("file") == file.name]
    if listed and listed[0].get("id") != edition:
        raise AddReportError(f"{manifest_path}: {file.name} is listed as edition {listed[0].get('id')!r}")
    target = sources / file.name
    if target.exists() and target.resolve() != file.resolve() and target.read_bytes() != file.read_bytes():
        raise AddReportError(f"{target}: another file of that name is in the sources folder")

    text_bytes = file.read_bytes()
    sha256 = hashlib.sha256(text_bytes).hexdigest()
    text = text_bytes.decode("utf-8")
    title = title or next((line.strip() for line in text.splitlines() if line.strip()), report)
    document = Document(Edition(id=edition, file=file.name, sha256=sha256, report=report,
                                language=language, title=title), text)
    found = sniff(document, load_gazetteers(data_dir / "reference")["material"])

    # -- write (everything checked above) -------------------------------------
    sources.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(file, target)
    if not listed:
        entry = (f"  - file: {file.name}\n    id: {edition}\n    title: {_quote(title)}\n"
                 f"    language: {language}\n    translation_of: null\n")
        existing = manifest_path.read_text(encoding="utf-8") if manifest_path.exists() else "reports:\n"
        existing = re.sub(r"(?m)^reports:\s*\[\]\s*$", "reports:", existing)
        if not re.search(r"(?m)^reports:\s*$", existing):
            raise AddReportError(f"{manifest_path}: no top-level 'reports:' list to add the edition to")
        manifest_path.write_text(existing.rstrip("\n") + "\n" + entry, encoding="utf-8")
        pin_manifest(pins_path, manifest_path)   # the manifest is pinned like the editions
    _pin(pins_path, edition, report, file.name, sha256, label or report, year, publisher)
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text(draft_profile(report, edition, found), encoding="utf-8")
    curated.mkdir(parents=True)
    (curated / "titles.yaml").write_text(
        f"# Short titles (en, nl) of the numbered items of {report}, in our own words:\n"
        "# opportunities: {1: {en: …, nl: …}}, recommendations: {\"1.1\": {en: …, nl: …}}, challenges: …\n"
        "{}\n", encoding="utf-8")
    return Added(edition, report, sha256, target, profile, curated, found, document)


def _pin(path: Path, edition: str, report: str, file: str, sha256: str, label: str,
         year: int | None, publisher: str | None) -> None:
    """Insert the edition under ``editions:`` and append the report under ``reports:`` (text kept)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = ["editions:" if line.replace(" ", "") == "editions:{}" else line for line in lines]
    block = [f"  {edition}:", f"    file: {file}", f"    sha256: {sha256}", f"    report: {report}"]
    try:
        at = lines.index("reports:")
    except ValueError:
        raise AddReportError(f"{path}: no top-level 'reports:' key") from None
    while at > 0 and not lines[at - 1].strip():
        at -= 1
    lines[at:at] = block
    lines += [f"  {report}:",
              f"    label: {{en: {_quote(label)}, nl: {_quote(label)}}}   # a short name, en and nl",
              *([f"    year: {year}"] if year else []),
              *([f"    publisher: {publisher}"] if publisher else []),
              f"    original_edition: {edition}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
