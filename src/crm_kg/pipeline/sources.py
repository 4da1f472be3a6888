"""sources: read report editions, verify them, repair extraction damage, segment.

Stage 1 of the pipeline (README, "Data flow"). An edition is a text file
named in ``../shared/sources/manifest.yaml`` and pinned by SHA-256 in
``data/sources.yaml``. Reading one yields a :class:`Document`:

* ``raw_lines`` — the file's lines as they are (line 1 is ``raw_lines[0]``);
* ``lines`` — the same lines repaired: U+FFFD where a ligature stood
  (``grondsto\\ufffden`` → ``grondstoffen``, ``ra\\ufffdnage`` → ``raffinage``,
  ``e\\ufffdciënt`` → ``efficiënt``), stray U+FFFD bullets removed, ``lj`` read
  for the Dutch digraph ``IJ``, Cyrillic ``Х`` table marks read as ``X``, odd
  spaces made plain; line numbers never change;
* ``paragraphs`` — blocks of text with their line span and kind (heading,
  paragraph, note, table row, list item), paragraphs broken by page breaks or
  interleaved footnotes joined, words hyphenated across lines rejoined;
* ``sections`` — numbered chapters and their titled sub-sections, with spans.

Facts cite a :class:`Span` (edition, first line, last line) — the report's
sentences never leave the source file.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from .. import yamlio
from ..config import ROOT
from ..errors import CrmKgError

FFFD = "\ufffd"
LIGATURES = ("ff", "ffi", "fi", "fl", "ffl")
TERMINAL = tuple('.!?:;”"’)')
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


class SourceError(CrmKgError):
    """A source file is missing, unreadable or not the pinned edition."""


@dataclass(frozen=True)
class Edition:
    id: str
    file: str
    sha256: str
    report: str
    language: str
    title: str
    translation_of: str | None = None
    metadata: dict = field(default_factory=dict, compare=False, hash=False)
    pinned_at: str = field(default="", compare=False, hash=False)   # file:line of its sha256 pin


@dataclass(frozen=True, order=True)
class Span:
    """Lines ``start``..``end`` (1-based, inclusive) of an edition's file."""

    edition: str
    start: int
    end: int

    def __post_init__(self):
        if not 1 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}-{self.end}")

    @property
    def slug(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"

    def union(self, other: "Span") -> "Span":
        if other.edition != self.edition:
            raise ValueError(f"spans of two editions cannot be joined: {self} and {other}")
        return Span(self.edition, min(self.start, other.start), max(self.end, other.end))


@dataclass(frozen=True)
class Section:
    number: str | None
    title: str
    span: Span
    level: int
    heading: Span | None = None  # the lines of the title itself


@dataclass(frozen=True)
class Paragraph:
    span: Span
    text: str
    kind: str  # paragraph | heading | note | table-row | list-item
    section: int | None = None


# --------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------

def report_ids(pins: Path | None = None) -> list[str]:
    """The reports the graph is built from, in the order of ``data/sources.yaml`` — the one
    list of reports: graphs, parsers and curated folders follow it."""
    pinned = yamlio.load(pins or ROOT / "data" / "sources.yaml") or {}
    return list(pinned.get("reports", {}))


def load_editions(sources_dir: Path, pins: Path | None = None) -> dict[str, Edition]:
    """Editions from the shared manifest joined with the pinned digests."""
    pins = pins or ROOT / "data" / "sources.yaml"
    manifest_path = Path(sources_dir) / "manifest.yaml"
    if not manifest_path.is_file():
        raise SourceError(f"no manifest.yaml in sources directory {sources_dir}")
    pinned = yamlio.load(pins) or {}          # line-aware: errors and pins name file:line
    data = manifest_path.read_bytes()
    check_manifest_pin(manifest_path, data, pinned, pins)
    try:
        manifest = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot parse manifest: {exc}") from exc
    editions = {}
    for entry in manifest.get("reports", []):
        pin = pinned.get("editions", {}).get(entry.get("id"))
        if pin is None:
            raise SourceError(f"{manifest_path}: edition {entry.get('id')!r} is not pinned in {pins}")
        if pin["file"] != entry["file"]:
            raise SourceError(f"{entry['id']}: manifest names {entry['file']}, {pins.name} pins {pin['file']}")
        editions[entry["id"]] = Edition(
            id=entry["id"], file=entry["file"], sha256=pin["sha256"], report=pin["report"],
            language=entry.get("language", "en"), title=entry.get("title", ""),
            translation_of=entry.get("translation_of"), metadata=entry,
            pinned_at=pin.where("sha256") if isinstance(pin, yamlio.Mapping) else str(pins))
    missing = set(pinned.get("editions", {})) - set(editions)
    if missing:
        raise SourceError(f"{manifest_path}: pinned editions missing from the manifest: {sorted(missing)}")
    return editions


def check_manifest_pin(manifest_path: Path, data: bytes, pinned, pins: Path) -> None:
    """The manifest (titles and metadata the graph and the web app show) is the pinned one:
    ``manifest_sha256`` in ``data/sources.yaml``, as the editions' files are."""
    actual = hashlib.sha256(data).hexdigest()
    expected = pinned.get("manifest_sha256")
    where = pinned.where("manifest_sha256") if isinstance(pinned, yamlio.Mapping) and expected else str(pins)
    if expected is None:
        raise SourceError(f"{manifest_path} is not pinned: {pins} needs manifest_sha256: {actual}")
    if actual != str(expected):
        raise SourceError(f"{manifest_path}: sha256 {actual[:12]}… does not match the pinned "
                          f"{str(expected)[:12]}… ({where}); review the change, then pin manifest_sha256: {actual}")


def pin_manifest(pins: Path, manifest_path: Path) -> None:
    """Pin the manifest as it is now (``crm-kg add-report`` after adding an edition to it)."""
    digest = hashlib.sha256(Path(manifest_path).read_bytes()).hexdigest()
    text = Path(pins).read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^manifest_sha256:.*$", f"manifest_sha256: {digest}", text, count=1)
    if not found:
        text = f"manifest_sha256: {digest}\n" + text
    Path(pins).write_text(text, encoding="utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_text_verified(sources_dir: Path, edition: Edition) -> str:
    path = Path(sources_dir) / edition.file
    if not path.is_file():
        raise SourceError(f"source file missing: {path} (edition {edition.id})")
    actual = sha256_file(path)
    if actual != edition.sha256:
        pin = f" ({edition.pinned_at})" if edition.pinned_at else ""
        raise SourceError(f"{path}: sha256 {actual[:12]}… does not match the pinned "
                          f"{edition.sha256[:12]}… for edition {edition.id}{pin}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc


# --------------------------------------------------------------------------
# Repairs
# --------------------------------------------------------------------------

def vocabulary(texts) -> Counter:
    """Word frequencies over clean text (words without U+FFFD), lower-cased."""
    counts: Counter = Counter()
    for text in texts:
        for word in _WORD.findall(text):
            if FFFD not in word:
                counts[word.lower()] += 1
    return counts


def _ligature_for(left: str, right: str, vocab: Counter) -> str:
    """Choose the ligature that turns left+?+right into known words."""
    best, best_score = None, (0, 0)
    for lig in LIGATURES:
        word = (left + lig + right).lower()
        cut = len(left)
        score = (0, 0)
        # the longest known word that covers the repaired letters
        for i in range(0, cut + 1):
            for j in range(len(word), cut + len(lig) - 1, -1):
                if j - i <= score[0]:
                    break
                if word[i:j] in vocab:
                    score = max(score, (j - i, vocab[word[i:j]]))
                    break
        if score > best_score:
            best, best_score = lig, score
    if best is not None and best_score[0] >= len(left[-3:]) + 4:
        return best
    # no evidence: ffi before c/n (efficiënt, raffinage, officieel), else ff
    return "ffi" if right[:1].lower() in ("c", "n") else "ff"


_LIG_SITE = re.compile(r"([^\W\d_]*)" + FFFD + r"(-?\s*)([^\W\d_]*)", re.UNICODE)


def repair_ligatures(text: str, vocab: Counter | None = None) -> str:
    """Replace U+FFFD by the ligature it stood for; drop stray U+FFFD marks.

    A ligature site is U+FFFD with a letter before it. When the word breaks at
    a line-end hyphen right after it (``o\\ufffd-`` + ``cieel``), the letters
    after the break decide.
    """
    vocab = vocab if vocab is not None else Counter()

    def fix(match: re.Match) -> str:
        left, gap, right = match.groups()
        if not left:
            return (gap.lstrip(" \t") + right) if gap.strip() != "-" else gap + right
        context_right = right
        if gap.startswith("-") and not right:
            # hyphen at the very end: peek at the continuation
            tail = text[match.end():].lstrip()
            context_right = _WORD.match(tail).group(0) if _WORD.match(tail) else ""
        elif gap and not gap.startswith("-"):
            context_right = ""  # a space: the word ends at the ligature
        return left + _ligature_for(left, context_right, vocab) + gap + right

    return _LIG_SITE.sub(fix, text)


_ODD_SPACES = str.maketrans({"\u00a0": " ", "\u2003": " ", "\u2002": " ", "\u2009": " ",
                             "\u0425": "X", "\u0445": "x"})
_LJ = re.compile(r"(?<![^\W\d_])lj(?=[a-zé])")


def repair_line(line: str, vocab: Counter | None = None, next_line: str = "") -> str:
    """One line repaired; ``next_line`` lets a hyphen-broken ligature look ahead."""
    joined = line + ("\n" + next_line if next_line and line.rstrip().endswith("-") else "")
    fixed = repair_ligatures(joined, vocab)
    if joined != line:
        fixed = fixed.split("\n", 1)[0]
    fixed = fixed.translate(_ODD_SPACES)
    return _LJ.sub("IJ", fixed)


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one text, rejoining words hyphenated at line ends."""
    out = ""
    for line in (l.strip() for l in lines):
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"[a-zà-ÿ]-$", out) and re.match(r"[a-zà-ÿ]", line):
            out = out[:-1] + line          # grond- + stoffen
        elif re.search(r"[^\W_]-$", out) and re.match(r"[^\W\d_]", line):
            out += line                    # CRM- + waardeketen, Zuid- + Holland
        else:
            out += " " + line
    return re.sub(r"[ \t]{2,}", " ", out)


# --------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------

_SUPERSCRIPT = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_NOTE_START = re.compile(r"^\s*(?:[" + _SUPERSCRIPT + r"]+|\^\{\s*\d|\$\s*\^\{|\d{1,3}\s*\t|\d{1,3}  ?[‘'“\"A-Z])")
_CHAPTER = re.compile(r"^\s*(\d{1,2})\.\s+(\S.*)$")
_NAMED_CHAPTER = re.compile(r"^\s*(Summary|Samenvatting|Annex \d+|Bijlage \d+|Table of Contents)\.?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-•]\s+|\d{1,2}\.\d{0,2}\.?\s+|\d{1,2}\.\t)")
_CAPTION = re.compile(r"^\s*(Table|Tabel|Figure|Figuur)\s+\d+\.?\s")


def _is_note(text: str) -> bool:
    return bool(_NOTE_START.match(text)) or "http://" in text or "https://" in text \
        or bool(re.match(r"^\s*(Interview HCSS|HCSS-interview)", text))


def _looks_like_heading(text: str, max_len: int = 110) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > max_len or stripped.endswith(TERMINAL[:1] + (",", ";", "-")):
        return False
    if "\t" in text or _is_note(stripped):
        return False
    return stripped[0].isupper() or stripped[0].isdigit()


@dataclass
class _Unit:
    start: int
    end: int
    lines: list[str]
    kind: str

    @property
    def text(self) -> str:
        return join_lines(self.lines)


class Document:
    """One edition's text with repaired lines, paragraphs and sections."""

    def __init__(self, edition: Edition, text: str, vocab: Counter | None = None):
        self.edition = edition
        self.raw_lines = text.split("\n")
        if self.raw_lines and self.raw_lines[-1] == "":
            self.raw_lines.pop()
        nxt = [next((l for l in self.raw_lines[i + 1:i + 4] if l.strip()), "")
               for i in range(len(self.raw_lines))]
        self.lines = [repair_line(line, vocab, nxt[i]) for i, line in enumerate(self.raw_lines)]

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, number: int) -> str:
        """Repaired text of line ``number`` (1-based)."""
        return self.lines[number - 1]

    def span(self, start: int, end: int | None = None) -> Span:
        end = start if end is None else end
        if not 1 <= start <= end <= len(self.lines):
            raise ValueError(f"{self.edition.id}: span {start}-{end} outside 1-{len(self.lines)}")
        return Span(self.edition.id, start, end)

    def text(self, span: Span) -> str:
        """Repaired text of a span, lines joined and de-hyphenated."""
        return join_lines(self.lines[span.start - 1:span.end])

    def find(self, pattern: str, start: int = 1, end: int | None = None) -> int | None:
        """First line number at or after ``start`` matching the regex, or None."""
        rx = re.compile(pattern)
        for n in range(start, (end or len(self.lines)) + 1):
            if rx.search(self.lines[n - 1]):
                return n
        return None

    # -- segmentation ------------------------------------------------------

    def _units(self) -> list[_Unit]:
        units: list[_Unit] = []
        block: list[int] = []
        for n in range(1, len(self.lines) + 2):
            line = self.lines[n - 1] if n <= len(self.lines) else ""
            if line.strip():
                block.append(n)
                continue
            if block:
                units.extend(self._classify(block))
                block = []
        return units

    def _classify(self, numbers: list[int]) -> list[_Unit]:
        out: list[_Unit] = []
        for n in numbers:
            line = self.lines[n - 1]
            if "\t" in line.strip("\t") and line.count("\t") >= 1 and not _LIST_ITEM.match(line):
                kind = "table-row"
            elif _is_note(line):
                kind = "note"
            elif _LIST_ITEM.match(line):
                kind = "list-item"
            else:
                kind = "paragraph"
            prev = out[-1] if out else None
            continues = prev is not None and (
                (prev.kind == kind and kind in ("paragraph", "note")) or
                (prev.kind == "list-item" and kind == "paragraph") or
                (prev.kind == "note" and kind == "paragraph" and not prev.lines[-1].rstrip().endswith(TERMINAL[:1])))
            if continues:
                prev.lines.append(line)
                prev.end = n
            else:
                out.append(_Unit(n, n, [line], kind))
        return out

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        units = self._heading_units(self._units())
        lengths = sorted(len(l) for l in self.lines if l.strip())
        wrapped = not lengths or lengths[len(lengths) // 2] < 120  # hard-wrapped layout
        short = 60 if wrapped else 110
        for i, unit in enumerate(units):
            following = next((u for u in units[i + 1:] if u.kind != "note"), None)
            runs_on = following is not None and following.lines[0].strip()[:1].islower()
            if unit.kind != "paragraph":
                continue
            if _CAPTION.match(unit.text) and _looks_like_heading(unit.text, 240):
                unit.kind = "heading"
            elif _looks_like_heading(unit.text) and (
                    _NAMED_CHAPTER.match(unit.text) or (len(unit.text) < short and not runs_on)):
                unit.kind = "heading"
        merged: list[_Unit] = []
        for unit in units:
            target = self._continuation_target(merged, unit)
            if target is not None:
                target.lines.extend(unit.lines)
                target.end = unit.end
            else:
                merged.append(unit)
        sections = self.sections
        starts = [s.span.start for s in sections]
        paragraphs = []
        for unit in merged:
            idx = None
            for i, s in enumerate(sections):
                if s.span.start <= unit.start <= s.span.end:
                    idx = i  # innermost: later sections are nested or following
            paragraphs.append(Paragraph(self.span(unit.start, unit.end), unit.text, unit.kind, idx))
        del starts
        return paragraphs

    def _heading_units(self, units: list[_Unit]) -> list[_Unit]:
        """Units that make up a chapter title become one heading unit."""
        out: list[_Unit] = []
        heads = {s.heading.start: s.heading.end for s in self.sections if s.heading}
        stop = 0
        for unit in units:
            if unit.start in heads:
                stop = heads[unit.start]
                out.append(_Unit(unit.start, max(unit.end, stop),
                                 [l for l in self.lines[unit.start - 1:stop] if l.strip()], "heading"))
                continue
            if unit.start <= stop:
                continue
            out.append(unit)
        return out

    @staticmethod
    def _continuation_target(merged: list[_Unit], unit: _Unit) -> _Unit | None:
        """The earlier paragraph this unit continues, skipping interleaved notes."""
        if unit.kind not in ("paragraph", "heading") or not merged:
            return None
        first = unit.lines[0].strip()
        if merged[-1].kind == "note" and unit.kind == "paragraph":
            last = merged[-1].lines[-1].rstrip()
            if last.endswith(("-", "/", ",", "&")) or (not last.endswith(".") and first[:1].islower()):
                return merged[-1]
        for prev in reversed(merged[-8:]):
            if prev.kind == "note":
                continue
            if prev.kind not in ("paragraph", "list-item"):
                return None
            last = prev.lines[-1].rstrip()
            if last.endswith("-") or (not last.endswith(TERMINAL) and (
                    first[:1].islower() or unit.kind == "paragraph")):
                if unit.kind == "heading" and not first[:1].islower():
                    return None
                return prev
            if first[:1].islower() and unit.kind == "paragraph":
                return prev
            return None
        return None

    @cached_property
    def sections(self) -> list[Section]:
        """Numbered chapters (titles may run over several short lines) and annexes.

        A numbered line is a chapter heading when it is short, has no final
        full stop, is not a table-of-contents entry, and has no neighbour
        numbered one more or less within a few lines (that would make it a
        list item); chapters are then taken in the order 1, 2, 3…
        """
        total = len(self.lines)
        candidates: list[tuple[int, str | None]] = []
        for n, line in enumerate(self.lines, 1):
            match = _CHAPTER.match(line)
            if match and len(line.strip()) <= 100 and not line.rstrip().endswith(".") \
                    and not re.search(r"\t\s*[\dIVX]+\s*$", line) and match.group(2)[:1].isupper():
                candidates.append((n, match.group(1)))
            elif _NAMED_CHAPTER.match(line) and "Table of Contents" not in line:
                candidates.append((n, None))
        numbered = [(n, int(m.group(1))) for n, line in enumerate(self.lines, 1)
                    if (m := re.match(r"^\s*(\d{1,2})\.\s+\S", line))]
        listy = {n for n, k in numbered
                 if any(abs(m - n) <= 20 and abs(j - k) == 1 for m, j in numbered)}
        chosen: list[tuple[int, str | None]] = []
        expect, last = 1, 0
        for n, k in candidates:
            if k is None:
                chosen.append((n, None))
            elif n not in listy and int(k) == expect and n > last:
                chosen.append((n, k))
                expect, last = expect + 1, n
        heads = []
        for n, number in chosen:
            end, title_lines = self._title_lines(n)
            heads.append((n, end, number, join_lines(title_lines).strip()))
        sections = []
        for i, (start, _end, number, title) in enumerate(heads):
            stop = heads[i + 1][0] - 1 if i + 1 < len(heads) else total
            sections.append(Section(number, title, self.span(start, max(start, stop)), 1,
                                    self.span(start, _end)))
        return sections

    def _title_lines(self, n: int) -> tuple[int, list[str]]:
        """A heading's title, following it over short continuation lines."""
        line = self.lines[n - 1]
        match = _CHAPTER.match(line)
        title = [match.group(2) if match else line.strip().rstrip(".")]
        double_spaced = n < len(self.lines) and not self.lines[n].strip()
        end, m = n, n + 1
        while m <= len(self.lines) and len(title) < 7:
            nxt = self.lines[m - 1].strip()
            if not nxt:
                if not double_spaced or m - end > 1:
                    break
                m += 1
                continue
            if len(nxt) >= 40 or _CHAPTER.match(nxt) or _is_note(nxt) or title[-1].rstrip().endswith(("?", ".")):
                break
            if double_spaced and not (nxt[:1].islower() or len(" ".join(title)) < 30 or title[-1].rstrip().endswith("-")):
                break
            title.append(nxt)
            end, m = m, m + 1
        return end, title

    def section_at(self, line: int) -> Section | None:
        found = None
        for section in self.sections:
            if section.span.start <= line <= section.span.end:
                found = section
        return found


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------

def read_sources(sources_dir: Path, only: list[str] | None = None,
                 pins: Path | None = None) -> dict[str, Document]:
    """All pinned editions (or ``only`` these), verified, repaired and segmented."""
    editions = load_editions(sources_dir, pins)
    unknown = set(only or []) - set(editions)
    if unknown:
        raise SourceError(f"unknown edition(s): {', '.join(sorted(unknown))}")
    texts = {eid: read_text_verified(sources_dir, ed) for eid, ed in editions.items()
             if not only or eid in only}
    vocab = vocabulary(texts.values())
    return {eid: Document(editions[eid], text, vocab) for eid, text in texts.items()}
