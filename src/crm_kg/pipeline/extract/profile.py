"""Report profiles: the declarative description of a report's layout (``data/profiles/<report>.yaml``).

A profile names, per edition of the report, the **rules** that read it: each
rule has an ``id``, a ``kind`` (which generic extractor interprets it: a
recommendation matrix, an organisation table, a numbered list …) and the
parameters of that kind — where the block starts (a caption regex), where it
stops, which column holds what, which labels form a closed list. Report-level
``compare`` rules check one edition against another (a translation against
its original). Kinds and their parameters are dataclasses registered with
:func:`kind`; a profile is checked against them when it is loaded, and every
error names the profile file, the line and the rule.

Format::

    report: <report id of data/sources.yaml>
    editions:
      <edition id>:
        page: {footnote: REGEX, footer: REGEX, page_start: REGEX}   # optional
        rules:
          - {id: table-5, kind: recommendation-matrix, label: Table 5, caption: '^Table 5\\.\\s', …}
    compare:                                                        # optional
      - {id: tables-5, kind: recommendation-rows, a: <edition>/<rule>, b: <edition>/<rule>, …}
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ... import yamlio
from ...config import ROOT
from .tables import ExtractError

PROFILES = ROOT / "data" / "profiles"


class ProfileError(yamlio.InputError):
    """A profile does not describe a layout the extractors can read (names file:line and rule)."""


def regex(default=dataclasses.MISSING, *, groups: tuple[str, ...] = ()):
    """A dataclass field holding a regular expression (checked when the profile loads).

    ``groups`` lists named groups the pattern must define (``(?P<number>…)``).
    """
    kwargs = {} if default is dataclasses.MISSING else {"default": default}
    return field(metadata={"regex": True, "groups": groups}, **kwargs)


@dataclass(frozen=True)
class Kind:
    name: str
    params: type
    read: Callable
    doc: str
    compare: bool = False      # a report-level rule over two editions


KINDS: dict[str, Kind] = {}


def kind(name: str, params: type, *, compare: bool = False):
    """Register ``read(doc, rule, run) -> Output`` (or ``read(rule, run)`` for comparisons)."""
    def register(read: Callable) -> Callable:
        KINDS[name] = Kind(name, params, read, (read.__doc__ or "").strip().split("\n")[0], compare)
        return read
    return register


@dataclass(frozen=True)
class PageLayout:
    """What running text looks like around a page break (footnotes, footers)."""

    footnote: str | None = None     # first line of a footnote ("38 'Government …")
    footer: str | None = None       # a running footer line
    page_start: str | None = None   # the first line of a page


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    report: str
    edition: str | None          # None for compare rules
    label: str                   # how messages and records name the block ("Table 5")
    params: object
    where: str                   # profile file:line
    page: PageLayout = PageLayout()

    def error(self, message: str) -> ProfileError:
        return ProfileError(f"{self.where}: rule {self.id!r} ({self.kind}): {message}")


@dataclass(frozen=True)
class Profile:
    report: str
    path: Path
    editions: dict[str, list[Rule]]
    compare: list[Rule]
    unknown: str = "warn"        # entities.unknown: warn (mint, warn) | curate (list them, refuse)

    def rule(self, edition: str, rule_id: str) -> Rule:
        for rule in self.editions.get(edition, []):
            if rule.id == rule_id:
                return rule
        raise ProfileError(f"{self.path}: edition {edition!r} has no rule {rule_id!r}")

    def rules(self):
        for rules in self.editions.values():
            yield from rules
        yield from self.compare


def _type_ok(value, hint) -> bool:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is typing.Any:
        return True
    if origin is list:
        return isinstance(value, list) and all(_type_ok(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_type_ok(k, args[0]) and _type_ok(v, args[1])
                                               for k, v in value.items())
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint) -> str:
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")


def _params(spec: Kind, node: yamlio.Mapping, rule_where: str, rule_name: str):
    """The kind's parameter dataclass from a rule's mapping: unknown keys, types, regexes checked."""
    hints = typing.get_type_hints(spec.params)
    fields = {f.name: f for f in dataclasses.fields(spec.params)}
    values = {}
    for key, value in node.items():
        if key in ("id", "kind", "label"):
            continue
        where = node.where(key) if hasattr(node, "where") else rule_where
        if key not in fields:
            raise ProfileError(f"{where}: rule {rule_name}: unknown parameter {key!r} for kind {spec.name!r} "
                               f"(allowed: {', '.join(sorted(fields))})")
        if not _type_ok(value, hints[key]):
            raise ProfileError(f"{where}: rule {rule_name}: {key!r} must be {_type_name(hints[key])}, "
                               f"got {value!r}")
        meta = fields[key].metadata
        if meta.get("regex") and value is not None:
            try:
                compiled = re.compile(value)
            except re.error as exc:
                raise ProfileError(f"{where}: rule {rule_name}: {key!r} is not a valid regex: {exc}") from None
            missing = [g for g in meta["groups"] if g not in compiled.groupindex]
            if missing:
                raise ProfileError(f"{where}: rule {rule_name}: {key!r} needs the named group(s) "
                                   + ", ".join(f"(?P<{g}>…)" for g in missing))
        values[key] = value
    missing = [f.name for f in fields.values()
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               and f.name not in values]
    if missing:
        raise ProfileError(f"{rule_where}: rule {rule_name}: kind {spec.name!r} needs {', '.join(missing)}")
    try:
        return spec.params(**values)
    except (ValueError, ExtractError) as exc:   # __post_init__ checks
        raise ProfileError(f"{rule_where}: rule {rule_name}: {exc}") from None


def _rule(node, report: str, edition: str | None, page: PageLayout, seen: set[str]) -> Rule:
    if not isinstance(node, yamlio.Mapping):
        raise ProfileError(f"{getattr(node, 'file', '?')}: a rule must be a mapping, got {node!r}")
    where = node.where()
    rule_id, kind_name = node.get("id"), node.get("kind")
    if not isinstance(rule_id, str) or not rule_id:
        raise ProfileError(f"{where}: a rule needs an id")
    if rule_id in seen:
        raise ProfileError(f"{where}: rule id {rule_id!r} is used twice in the same edition")
    seen.add(rule_id)
    spec = KINDS.get(kind_name)
    if spec is None:
        raise ProfileError(f"{where}: rule {rule_id!r}: unknown kind {kind_name!r} "
                           f"(known: {', '.join(sorted(KINDS))})")
    if spec.compare != (edition is None):
        placement = "under compare:" if spec.compare else "under an edition's rules:"
        raise ProfileError(f"{where}: rule {rule_id!r}: kind {kind_name!r} belongs {placement}")
    label = node.get("label", rule_id)
    if not isinstance(label, str):
        raise ProfileError(f"{where}: rule {rule_id!r}: label must be a string")
    params = _params(spec, node, where, repr(rule_id))
    return Rule(rule_id, kind_name, report, edition, label, params, where, page)


def load(path: Path) -> Profile:
    """A profile file, checked against the registered kinds (:mod:`.kinds`)."""
    data = yamlio.load(path)
    yamlio.check(data, {"report": ("str", True), "editions": ("dict", True), "compare": "list",
                        "entities": "dict"}, "profile")
    report = data["report"]
    editions: dict[str, list[Rule]] = {}
    for edition, spec in data["editions"].items():
        where = data["editions"].where(edition)
        if not isinstance(spec, yamlio.Mapping):
            raise ProfileError(f"{where}: edition {edition!r} must be a mapping with rules")
        yamlio.check(spec, {"rules": ("list", True), "page": "dict"}, f"edition {edition!r}")
        page_node = spec.get("page") or {}
        if page_node:
            yamlio.check(page_node, {"footnote": "str", "footer": "str", "page_start": "str"}, "page")
            for key, value in page_node.items():
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ProfileError(f"{page_node.where(key)}: page {key!r} is not a valid regex: {exc}") from None
        page = PageLayout(**dict(page_node))
        seen: set[str] = set()
        editions[edition] = [_rule(node, report, edition, page, seen) for node in spec["rules"]]
    seen = set()
    compare = [_rule(node, report, None, PageLayout(), seen) for node in data.get("compare") or []]
    for rule in compare:
        for ref in (rule.params.a, rule.params.b):
            edition, _, rule_id = ref.partition("/")
            if not any(r.id == rule_id for r in editions.get(edition, [])):
                raise rule.error(f"{ref!r} names no rule of the profile (edition/rule-id)")
    entities = data.get("entities") or {}
    if entities:
        yamlio.check(entities, {"unknown": "str"}, "entities")
    unknown = entities.get("unknown", "warn")
    if unknown not in ("warn", "curate"):
        raise ProfileError(f"{entities.where('unknown')}: entities.unknown must be warn or curate, got {unknown!r}")
    profile = Profile(report, Path(path), editions, compare, unknown)
    for rule in profile.rules():
        for ref in getattr(rule.params, "references", lambda: [])():
            if rule.edition and not any(r.id == ref for r in editions[rule.edition]):
                raise rule.error(f"refers to rule {ref!r}, which edition {rule.edition!r} does not have")
    return profile


def profile_path(report: str, root: Path | None = None) -> Path:
    return Path(root or PROFILES) / f"{report}.yaml"


def load_report(report: str, root: Path | None = None) -> Profile | None:
    """The profile of a report, or None when it has none (all its facts curated)."""
    path = profile_path(report, root)
    return load(path) if path.exists() else None
