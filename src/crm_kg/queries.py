"""Saved queries: ``queries/*.rq`` files with a ``#+`` YAML header.

A saved query is data: its header gives a title in English and Dutch, a
description, tags and typed parameters; the body is SPARQL in which each
parameter appears as ``$name``. A request's raw value is checked against the
parameter's type (integer with bounds, string, language tag, IRI of a class,
closed list) and bound as an RDF term by the store — the query text is never
edited. A bad value raises :class:`ParamError` naming the parameter.

Header example::

    #+ title: {en: …, nl: …}
    #+ description: {en: …, nl: …}
    #+ tags: [recommendations]
    #+ params:
    #+   opportunity: {type: integer, min: 1, default: 3, label: {en: …, nl: …}}
    #+   actor: {type: iri, class: crm:ActorType, base: "https://w3id.org/crm-kg/id/actor-type/"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import XSD, Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node

from . import CrmKgError
from .iri import PREFIXES

PARAM_TYPES = {"integer", "decimal", "string", "language", "iri", "year"}
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class QueryDefinitionError(CrmKgError):
    """A saved query file is malformed."""


class UnknownQuery(CrmKgError):
    """No saved query has that name."""


class ParamError(CrmKgError):
    """A parameter value is missing, of the wrong type or not allowed."""

    def __init__(self, param: str, message: str):
        super().__init__(f"parameter {param!r}: {message}")
        self.param = param
        self.detail = message


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    label: dict = field(default_factory=dict)
    default: object = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    cls: str | None = None          # IRI values: class they must belong to
    base: str | None = None         # IRI values: prefix for bare slugs
    allowed: tuple = ()             # closed list given in the header
    values_query: str | None = None  # closed list drawn from the graph

    def coerce(self, raw) -> Node:
        """The RDF term for a raw (string) value, or a ParamError."""
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise ParamError(self.name, "a value is required")
        if len(text) > 500:
            raise ParamError(self.name, "value too long")
        if self.allowed and text not in [str(a) for a in self.allowed]:
            raise ParamError(self.name, f"{text!r} is not one of {', '.join(map(str, self.allowed))}")
        if self.type in ("integer", "year"):
            if not re.fullmatch(r"[+-]?\d{1,9}", text):
                raise ParamError(self.name, f"{text!r} is not an integer")
            value = int(text)
            self._bounds(value)
            return Literal(value, datatype=XSD.integer)
        if self.type == "decimal":
            try:
                value = float(text)
            except ValueError:
                raise ParamError(self.name, f"{text!r} is not a number") from None
            self._bounds(value)
            return Literal(text, datatype=XSD.decimal)
        if self.type == "language":
            if not _LANG.match(text):
                raise ParamError(self.name, f"{text!r} is not a language tag")
            return Literal(text)
        if self.type == "iri":
            iri = text if re.match(r"^https?://", text) else (self.base or "") + text
            if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", iri):
                raise ParamError(self.name, f"{text!r} is not an IRI")
            return URIRef(iri)
        return Literal(text)

    def _bounds(self, value: float) -> None:
        if self.min is not None and value < self.min:
            raise ParamError(self.name, f"{value} is below the minimum {self.min:g}")
        if self.max is not None and value > self.max:
            raise ParamError(self.name, f"{value} is above the maximum {self.max:g}")


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: dict
    description: dict
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str                       # the SPARQL, header removed
    path: Path | None = None
    chart: dict | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw: dict) -> dict[str, Node]:
        """Typed bindings for every parameter: given values, else defaults."""
        unknown = set(raw) - {p.name for p in self.params}
        if unknown:
            name = sorted(unknown)[0]
            raise ParamError(name, f"unknown parameter (this query takes: "
                                   f"{', '.join(p.name for p in self.params) or 'none'})")
        bindings = {}
        for p in self.params:
            value = raw.get(p.name)
            if value in (None, "") and p.default is not None:
                value = p.default
            if value in (None, ""):
                if p.required:
                    raise ParamError(p.name, "a value is required")
                continue
            bindings[p.name] = p.coerce(value)
        return bindings

    def label(self, lang: str = "en") -> str:
        return self.title.get(lang) or self.title.get("en") or self.name


def _text(value, what: str, path: Path) -> dict:
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise QueryDefinitionError(f"{path}: {what} must be text or {{en: …, nl: …}}")


def _expand(curie: str | None) -> str | None:
    if curie and ":" in curie and not curie.startswith("http"):
        prefix, local = curie.split(":", 1)
        if prefix in PREFIXES:
            return PREFIXES[prefix] + local
    return curie


HEADER_KEYS = {"title", "description", "tags", "params", "chart"}
PARAM_KEYS = {"type", "label", "default", "required", "min", "max", "class", "base",
              "allowed", "values_query"}


def read_query_file(path: Path, keys: set[str], error=None) -> tuple[dict, str, object]:
    """A ``.rq`` file with a ``#+`` YAML header: (header, SPARQL body, parse tree).

    Shared by saved queries and the pages' describe blocks; raises ``error``
    (default :class:`QueryDefinitionError`) naming the file for a header that is
    not YAML, unknown header keys, a missing title or SPARQL that does not parse.
    """
    error = error or QueryDefinitionError
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line[3:] if line.startswith("#+ ") else line[2:] for line in lines if line.startswith("#+")]
    body = "\n".join(line for line in lines if not line.startswith("#+")).strip() + "\n"
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: header is not YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise error(f"{path}: header must be a mapping")
    unknown = set(meta) - keys
    if unknown:
        raise error(f"{path}: unknown header key(s) {sorted(unknown)}")
    if "title" not in meta:
        raise error(f"{path}: the header has no title")
    try:
        tree = parseQuery(body)
    except Exception as exc:  # pyparsing's ParseException and friends
        raise error(f"{path}: SPARQL does not parse: {exc}") from None
    return meta, body, tree


def projection(tree) -> set[str] | None:
    """Variables a SELECT projects (``?x`` and ``(expr AS ?x)``); None for SELECT *, ASK,
    CONSTRUCT and DESCRIBE, which see every variable."""
    query = tree[1]
    if query.name != "SelectQuery" or query.get("projection") is None:
        return None
    names = set()
    for item in query["projection"]:
        # CompValue.get returns the key itself when it is missing: test membership
        var = item["evar"] if "evar" in item else item["var"] if "var" in item else None
        if var is not None:
            names.add(str(var))
    return names


def parse_saved_query(path: Path) -> SavedQuery:
    """Read and check one ``.rq`` file (header, parameters, SPARQL syntax)."""
    path = Path(path)
    meta, body, tree = read_query_file(path, HEADER_KEYS)
    title = _text(meta["title"], "title", path)
    if not title.get("en") or not title.get("nl"):
        raise QueryDefinitionError(f"{path}: the title needs English and Dutch (en, nl)")
    params = []
    for name, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        bad = set(spec) - PARAM_KEYS
        if bad:
            raise QueryDefinitionError(f"{path}: parameter {name!r} has unknown key(s) {sorted(bad)}")
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise QueryDefinitionError(f"{path}: parameter {name!r} has unknown type {ptype!r}")
        params.append(Param(
            name=name, type=ptype, label=_text(spec.get("label", name), "label", path),
            default=spec.get("default"), required=bool(spec.get("required", False)),
            min=spec.get("min"), max=spec.get("max"), cls=_expand(spec.get("class")),
            base=spec.get("base"), allowed=tuple(spec.get("allowed") or ()),
            values_query=spec.get("values_query")))
    used = set(_PARAM.findall(body))
    declared = {p.name for p in params}
    if used - declared:
        raise QueryDefinitionError(f"{path}: undeclared parameter(s) {sorted(used - declared)}")
    if declared - used:
        raise QueryDefinitionError(f"{path}: parameter(s) {sorted(declared - used)} not used in the query")
    missing = declared - (projection(tree) or declared)
    if missing:  # engines bind parameters by substitution (SEP-0007): they must be projected
        raise QueryDefinitionError(
            f"{path}: parameter(s) {sorted(missing)} must be in the SELECT projection "
            "(add them after the other variables; pages hide parameter columns)")
    return SavedQuery(name=path.stem, title=title,
                      description=_text(meta.get("description", ""), "description", path),
                      tags=tuple(meta.get("tags") or ()), params=tuple(params), text=body,
                      path=path, chart=meta.get("chart"))


class QueryLibrary:
    """All saved queries of a directory, parsed once."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.queries = {q.name: q for q in
                        (parse_saved_query(p) for p in sorted(self.directory.glob("*.rq")))}

    def __iter__(self):
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> SavedQuery:
        query = self.queries.get(name)
        if query is None:
            raise UnknownQuery(f"no saved query named {name!r} (see `crm-kg query --list`)")
        return query

    def by_tag(self) -> dict[str, list[SavedQuery]]:
        groups: dict[str, list[SavedQuery]] = {}
        for q in self.queries.values():
            for tag in q.tags or ("other",):
                groups.setdefault(tag, []).append(q)
        return dict(sorted(groups.items()))
