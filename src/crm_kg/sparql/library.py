"""Saved queries: ``queries/*.rq`` files with a ``#+`` YAML header.

A saved query is data: its header gives a title in English and Dutch, a
description, tags and typed parameters; the body is SPARQL 1.1 in which each
parameter appears as ``$name``. A request's raw value is checked against the
parameter's type (integer or year with bounds, decimal, string, language tag,
IRI) and against its closed list — given in the header (``allowed``), the
members of a class (``class``) or the answer of a ``values_query`` — and bound
as an RDF term in a ``VALUES`` block (:mod:`crm_kg.sparql.binding`, on every store):
the raw value never becomes query text. A bad value raises
:class:`ParamError` naming the parameter.

Header example::

    #+ title: {en: …, nl: …}
    #+ description: {en: …, nl: …}
    #+ tags: [recommendations]
    #+ chart: {type: bar, label: activity, value: organisations}
    #+ labels: {title: recommendation}      # ?title is the name of ?recommendation
    #+ pages: {by: report, keys: "SELECT ?report WHERE {…} ORDER BY ?report"}   # keyset pages
    #+ columns: {number: {en: "No.", nl: "Nr."}}
    #+ params:
    #+   opportunity: {type: integer, min: 1, default: 3, label: {en: …, nl: …}}
    #+   actor: {type: iri, class: crm:ActorType, base: "https://w3id.org/crm-kg/id/actor-type/"}
    #+   province: {type: iri, optional: true, values_query: "SELECT ?value ?label WHERE {…}"}

Parameters: a value that is absent takes the default; an empty value (a form
field left at "any") leaves an ``optional`` parameter unbound — it then
matches every value — and otherwise takes the default too. Names used by the
pages and the API (``format``, ``limit``, ``offset``, ``q``, ``page``) are
reserved. Every parameter of a SELECT must be projected, so an answer row
carries the values it was asked for (pages hide parameter columns).

Charts (``chart``): ``bar`` (``label``, ``value``), ``grouped-bar``
(``label``, ``series``, ``value``, optional ``unit``) and ``matrix`` (``row``,
``column``); the names are projected variables. ``labels`` maps a column of
names to the IRI column it names (``{v}Label`` names ``{v}`` without saying so).

:meth:`SavedQuery.editor_text` is the very text the store runs, values bound,
for a person to read and edit in the SPARQL editor.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rdflib import XSD, Literal, URIRef
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node

from ..errors import CrmKgError
from ..iri import PREFIXES
from .binding import bind

PARAM_TYPES = {"integer", "decimal", "string", "language", "iri", "year"}
RESERVED = {"format", "limit", "offset", "q", "page"}
CHARTS = {"bar": ("label", "value"), "grouped-bar": ("label", "series", "value"),
          "matrix": ("row", "column")}
# variables a chart may name besides: a value's qualifier (up to, almost…), short names of a matrix
CHART_OPTIONS = ("qualifier", "row_label", "column_label")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$", re.I)


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
    optional: bool = False          # an empty value leaves it unbound ("any"), default or not
    min: float | None = None
    max: float | None = None
    cls: str | None = None          # IRI values: class they must belong to
    base: str | None = None         # IRI values: prefix for bare slugs
    allowed: tuple = ()             # closed list given in the header
    values_query: str | None = None  # closed list drawn from the graph (?value, ?label)

    @property
    def may_be_empty(self) -> bool:
        """True when leaving the parameter unbound is allowed."""
        return self.optional or (self.default is None and not self.required)

    @property
    def closed(self) -> bool:
        """True when the values come from a closed list (header or graph)."""
        return bool(self.allowed or self.values_query or (self.type == "iri" and self.cls))

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
            if not re.fullmatch(r"[+-]?(\d{1,12}(\.\d{0,12})?|\.\d{1,12})", text):
                raise ParamError(self.name, f"{text!r} is not a decimal number")
            self._bounds(float(text))
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

    def shown(self, term: Node) -> str:
        """A term as typed in a form or URL: IRIs under ``base`` by their slug."""
        text = str(term)
        if isinstance(term, URIRef) and self.base and text.startswith(self.base):
            return text[len(self.base):]
        return text

    def _bounds(self, value: float) -> None:
        if self.min is not None and value < self.min:
            raise ParamError(self.name, f"{value:g} is below the minimum {self.min:g}")
        if self.max is not None and value > self.max:
            raise ParamError(self.name, f"{value:g} is above the maximum {self.max:g}")


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
    form: str = "select"            # select | ask | construct | describe
    variables: tuple[str, ...] = ()  # projected variables of a SELECT, in order ("*": none known)
    labels: dict = field(default_factory=dict)   # name column -> IRI column it names
    columns: dict = field(default_factory=dict)  # column -> {en, nl} heading
    pages: dict | None = None       # {by: variable, class: IRI}: keyset pages (:mod:`.keyset`)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw: dict) -> dict[str, Node]:
        """Typed bindings for every parameter: given values, else defaults (see the module doc)."""
        unknown = set(raw) - {p.name for p in self.params}
        if unknown:
            name = sorted(unknown)[0]
            raise ParamError(name, f"unknown parameter (this query takes: "
                                   f"{', '.join(p.name for p in self.params) or 'none'})")
        bindings = {}
        for p in self.params:
            given = p.name in raw
            value = raw.get(p.name) if given else p.default
            if value is None or str(value).strip() == "":
                if given and p.optional:
                    continue
                value = p.default
            if value is None or str(value).strip() == "":
                if p.required:
                    raise ParamError(p.name, "a value is required")
                continue
            bindings[p.name] = p.coerce(value)
        return bindings

    def label(self, lang: str = "en") -> str:
        return self.title.get(lang) or self.title.get("en") or self.name

    def matches(self, text: str) -> bool:
        """True when every word of ``text`` is in the name, titles, descriptions, tags or
        parameter labels (case- and accent-insensitive) — the library's search."""
        haystack = fold(" ".join([self.name, *self.title.values(), *self.description.values(),
                                  *self.tags, *(v for p in self.params for v in p.label.values())]))
        return all(word in haystack for word in fold(text).split())

    def editor_text(self, bindings: dict[str, Node]) -> str:
        """The query as the store runs it (:func:`crm_kg.sparql.binding.bind`), for the SPARQL editor.
        Unbound parameters stay variables, as they are for the engine."""
        head = [f"# {self.label('en')}"]
        if bindings:
            head.append("# The form's values are bound in the VALUES block(s) below.")
        return "\n".join(head) + "\n" + bind(self.text, bindings)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


# -- reading .rq files --------------------------------------------------------------

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


HEADER_KEYS = {"title", "description", "tags", "params", "chart", "labels", "columns", "pages"}
PARAM_KEYS = {"type", "label", "default", "required", "optional", "min", "max", "class", "base",
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
        tree = parse_sparql(body)
    except Exception as exc:  # pyparsing's ParseException and friends
        raise error(f"{path}: SPARQL does not parse: {exc}") from None
    return meta, body, tree


@lru_cache(maxsize=1024)
def parse_sparql(text: str):
    """rdflib's SPARQL 1.1 parse tree of ``text`` (slow: ~0.1 s a query), once per text.
    The tree is only read, never changed."""
    return parseQuery(text)


def projection(tree) -> set[str] | None:
    """Variables a SELECT projects (``?x`` and ``(expr AS ?x)``); None for SELECT *, ASK,
    CONSTRUCT and DESCRIBE, which see every variable."""
    names = projected(tree)
    return None if names is None else set(names)


def projected_names(text: str) -> list[str] | None:
    """The projected variables of a SELECT query text, in order (None: not a plain SELECT)."""
    try:
        return projected(parseQuery(text))
    except Exception:  # noqa: BLE001 — a text that does not parse projects nothing we can name
        return None


def projected(tree) -> list[str] | None:
    """The projected variables of a SELECT in order; None for SELECT * and other forms."""
    query = tree[1]
    if query.name != "SelectQuery" or query.get("projection") is None:
        return None
    names = []
    for item in query["projection"]:
        # CompValue.get returns the key itself when it is missing: test membership
        var = item["evar"] if "evar" in item else item["var"] if "var" in item else None
        if var is not None:
            names.append(str(var))
    return names


def _form(tree) -> str:
    return {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
            "DescribeQuery": "describe"}.get(tree[1].name, "select")


def _values_query(text, name: str, path: Path) -> str:
    if not isinstance(text, str):
        raise QueryDefinitionError(f"{path}: parameter {name!r}: values_query must be SPARQL text")
    try:
        tree = parse_sparql(text)
    except Exception as exc:
        raise QueryDefinitionError(f"{path}: parameter {name!r}: values_query does not parse: {exc}") from None
    names = projection(tree)
    if names is None or "value" not in names or _PARAM.search(text):
        raise QueryDefinitionError(f"{path}: parameter {name!r}: values_query must be a SELECT that "
                                   "projects ?value (and may project ?label) and takes no parameters")
    return text


def _param(name: str, spec, path: Path) -> Param:
    spec = spec or {}
    if not _NAME.match(name) or name in RESERVED:
        raise QueryDefinitionError(f"{path}: parameter name {name!r} is reserved or not a plain name "
                                   f"(reserved: {', '.join(sorted(RESERVED))})")
    bad = set(spec) - PARAM_KEYS
    if bad:
        raise QueryDefinitionError(f"{path}: parameter {name!r} has unknown key(s) {sorted(bad)}")
    ptype = spec.get("type", "string")
    if ptype not in PARAM_TYPES:
        raise QueryDefinitionError(f"{path}: parameter {name!r} has unknown type {ptype!r}")
    param = Param(
        name=name, type=ptype, label=_text(spec.get("label", name), "label", path),
        default=spec.get("default"), required=bool(spec.get("required", False)),
        optional=bool(spec.get("optional", False)),
        min=spec.get("min"), max=spec.get("max"), cls=_expand(spec.get("class")),
        base=spec.get("base"), allowed=tuple(spec.get("allowed") or ()),
        values_query=_values_query(spec["values_query"], name, path) if "values_query" in spec else None)
    if param.default is not None:
        try:
            param.coerce(param.default)
        except ParamError as exc:
            raise QueryDefinitionError(f"{path}: the default of {exc}") from None
    return param


def _check_chart(chart, variables: list[str] | None, path: Path) -> dict | None:
    if chart is None:
        return None
    if not isinstance(chart, dict) or chart.get("type") not in CHARTS:
        raise QueryDefinitionError(f"{path}: chart must be a mapping with type one of {sorted(CHARTS)}")
    for key in CHARTS[chart["type"]]:
        if key not in chart:
            raise QueryDefinitionError(f"{path}: a {chart['type']} chart needs {key!r}")
        if variables is not None and chart[key] not in variables:
            raise QueryDefinitionError(f"{path}: chart {key} ?{chart[key]} is not a projected variable")
    for key in CHART_OPTIONS:
        if key in chart and variables is not None and chart[key] not in variables:
            raise QueryDefinitionError(f"{path}: chart {key} ?{chart[key]} is not a projected variable")
    return dict(chart)


def _check_pages(pages, body: str, variables: list[str] | None, declared: set[str], path: Path) -> dict | None:
    """``pages: {by: v, keys: SELECT ?v … ORDER BY …}`` (:mod:`.keyset`): ?v is projected by the
    query and by the keys query, which names only the query's parameters (that the query's own
    order agrees with the keys' is what the tests compare)."""
    if pages is None:
        return None
    if not isinstance(pages, dict) or set(pages) != {"by", "keys"}:
        raise QueryDefinitionError(f"{path}: pages must be a mapping {{by: variable, keys: SELECT query}}")
    by, keys = pages["by"], pages["keys"]
    if not isinstance(by, str) or variables is None or by not in variables or by in declared:
        raise QueryDefinitionError(f"{path}: pages by ?{by}: not a projected variable of a SELECT "
                                   "(nor a parameter)")
    try:
        names = projection(parse_sparql(keys)) if isinstance(keys, str) else None
    except Exception as exc:  # pyparsing's ParseException and friends
        raise QueryDefinitionError(f"{path}: pages keys does not parse: {exc}") from None
    if names is None or by not in names or "ORDER" not in keys.upper():
        raise QueryDefinitionError(f"{path}: pages keys must be a SELECT that projects ?{by}, "
                                   "with an ORDER BY (the answer's order)")
    if set(_PARAM.findall(keys)) - declared:
        raise QueryDefinitionError(f"{path}: pages keys names undeclared parameter(s) "
                                   f"{sorted(set(_PARAM.findall(keys)) - declared)}")
    return {"by": by, "keys": keys}


def parse_saved_query(path: Path) -> SavedQuery:
    """Read and check one ``.rq`` file (header, parameters, SPARQL syntax)."""
    path = Path(path)
    meta, body, tree = read_query_file(path, HEADER_KEYS)
    title = _text(meta["title"], "title", path)
    if not title.get("en") or not title.get("nl"):
        raise QueryDefinitionError(f"{path}: the title needs English and Dutch (en, nl)")
    params = [_param(name, spec, path) for name, spec in (meta.get("params") or {}).items()]
    used = set(_PARAM.findall(body))
    declared = {p.name for p in params}
    if used - declared:
        raise QueryDefinitionError(f"{path}: undeclared parameter(s) {sorted(used - declared)}")
    if declared - used:
        raise QueryDefinitionError(f"{path}: parameter(s) {sorted(declared - used)} not used in the query")
    variables = projected(tree)
    missing = declared - set(variables or declared)
    if missing:  # an answer row carries the values it was asked for
        raise QueryDefinitionError(
            f"{path}: parameter(s) {sorted(missing)} must be in the SELECT projection "
            "(add them after the other variables; pages hide parameter columns)")
    labels = meta.get("labels") or {}
    columns = {k: _text(v, f"column {k}", path) for k, v in (meta.get("columns") or {}).items()}
    for name_col, iri_col in labels.items():
        if variables is not None and (name_col not in variables or iri_col not in variables):
            raise QueryDefinitionError(f"{path}: labels {name_col} → {iri_col}: not projected variables")
    return SavedQuery(name=path.stem, title=title,
                      description=_text(meta.get("description", ""), "description", path),
                      tags=tuple(meta.get("tags") or ()), params=tuple(params), text=body,
                      path=path, chart=_check_chart(meta.get("chart"), variables, path),
                      form=_form(tree), variables=tuple(variables or ()), labels=dict(labels),
                      columns=columns, pages=_check_pages(meta.get("pages"), body, variables, declared, path))


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

    def by_tag(self, queries=None) -> dict[str, list[SavedQuery]]:
        groups: dict[str, list[SavedQuery]] = {}
        for q in (self.queries.values() if queries is None else queries):
            for tag in q.tags or ("other",):
                groups.setdefault(tag, []).append(q)
        return dict(sorted(groups.items()))

    def search(self, text: str) -> list[SavedQuery]:
        return [q for q in self if q.matches(text)]


# -- closed lists drawn from the graph ------------------------------------------------

CLASS_MEMBERS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?value ?label $class WHERE {
  ?value a $class .
  OPTIONAL { ?value rdfs:label|skos:prefLabel ?label }
} ORDER BY ?value"""
IS_MEMBER = "ASK { $value a $class }"


@dataclass(frozen=True)
class Choice:
    """One allowed value: as typed (a slug under the parameter's base for IRIs), the term,
    and its names by language (``""`` for an untagged name)."""

    value: str
    term: Node
    labels: dict

    def label(self, lang: str) -> str:
        return (self.labels.get(lang) or self.labels.get("") or
                next((v for k, v in sorted(self.labels.items()) if v), None) or self.value)


LISTS_FORMAT = 1       # of :meth:`Choices.dump`; a change makes every saved file stale


def lists_digest(library, limit: int = 1000) -> str:
    """What the closed lists of ``library`` are computed from, as a digest: a saved set of
    lists (:meth:`Choices.dump`) is only reused for the same definitions and graph."""
    defs = [[q.name, p.name, p.type, p.cls, p.base, p.values_query, [str(a) for a in p.allowed]]
            for q in library for p in q.params if p.closed]
    text = json.dumps([LISTS_FORMAT, limit, defs], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Choices:
    """The closed lists of a store's saved queries, computed once per store and parameter.

    A list longer than ``limit`` values is not listed (pages show a text box):
    its values are then checked one by one (``ASK { $value a $class }``).
    ``lists`` are lists computed before (:meth:`load`): those are not asked again.
    """

    def __init__(self, store, limit: int = 1000, lists: dict | None = None):
        self.store = store
        self.limit = limit
        self._lists: dict[tuple[str, str], list[Choice] | None] = dict(lists or {})
        self._lock = threading.Lock()

    def complete(self, library) -> int:
        """Compute every closed list of ``library``'s queries not known yet; how many were."""
        computed = 0
        for query in library:
            for param in query.params:
                if param.closed and (query.name, param.name) not in self._lists:
                    self.get(query, param)
                    computed += 1
        return computed

    def covers(self, library) -> bool:
        """Whether every closed list of ``library`` is known (computed or loaded)."""
        return all((q.name, p.name) in self._lists for q in library for p in q.params if p.closed)

    def dump(self) -> dict:
        """The lists as JSON-ready data: terms in N-Triples syntax, names by language."""
        with self._lock:
            items = sorted(self._lists.items())
        return {f"{q}/{p}": None if listed is None else
                [{"value": c.value, "term": c.term.n3(), "labels": c.labels} for c in listed]
                for (q, p), listed in items}

    @classmethod
    def load(cls, store, data: dict, limit: int = 1000) -> "Choices":
        """The :class:`Choices` of ``store`` with the lists of :meth:`dump` (ValueError when
        ``data`` is not such lists)."""
        from rdflib.util import from_n3

        lists: dict = {}
        for key, listed in data.items():
            q, _, p = key.partition("/")
            if listed is None:
                lists[(q, p)] = None
                continue
            lists[(q, p)] = [Choice(str(c["value"]), from_n3(c["term"]), dict(c["labels"])) for c in listed]
        return cls(store, limit, lists)

    def get(self, query: SavedQuery, param: Param) -> list[Choice] | None:
        """The allowed values of ``param`` in order, or None when it has no closed list
        (or one too long to list)."""
        key = (query.name, param.name)
        if key not in self._lists:
            listed = self._compute(param)
            with self._lock:
                self._lists[key] = listed
        return self._lists[key]

    def _compute(self, param: Param) -> list[Choice] | None:
        if param.allowed:
            return [Choice(str(a), param.coerce(a), {}) for a in param.allowed]
        if param.values_query:
            result = self.store.query(param.values_query, limit=self.limit * 4)
        elif param.type == "iri" and param.cls:
            result = self.store.query(CLASS_MEMBERS, {"class": URIRef(param.cls)}, limit=self.limit * 4)
        else:
            return None
        choices: dict[str, Choice] = {}
        for row in result.rows:
            term = row.get("value")
            if term is None:
                continue
            shown = param.shown(term)
            choice = choices.setdefault(shown, Choice(shown, term, {}))
            name = row.get("label")
            if name is not None:
                lang = getattr(name, "language", None) or ""
                if lang in choice.labels and str(name) not in choice.labels[lang].split(" · "):
                    choice.labels[lang] += " · " + str(name)
                else:
                    choice.labels.setdefault(lang, str(name))
        if result.truncated or len(choices) > self.limit:
            return None
        return list(choices.values())

    def check(self, query: SavedQuery, bindings: dict[str, Node]) -> None:
        """Raise ParamError for a bound value outside its parameter's closed list."""
        for p in query.params:
            if p.name not in bindings or not p.closed or p.allowed:
                continue
            term = bindings[p.name]
            listed = self.get(query, p)
            if listed is not None:
                ok = any(c.term == term or str(c.term) == str(term) for c in listed)
            elif p.cls:
                ok = self.store.query(IS_MEMBER, {"value": term, "class": URIRef(p.cls)}).boolean
            else:
                ok = True   # a values_query list too long to hold: the query itself filters
            if not ok:
                raise ParamError(p.name, f"{p.shown(term)!r} is not one of the allowed values")
