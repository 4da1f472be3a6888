"""checks: SPARQL checks for what SHACL says badly (``queries/checks/*-violation.rq``).

Each check is a SELECT that must return no rows (README, "Style": checks
that SHACL expresses badly are ``queries/checks/*-violation.rq``). A check is
data: a ``#+`` YAML header (read by :func:`crm_kg.sparql.library.read_query_file`)
gives its title, a message template and its severity, and may name word lists
that live beside it::

    #+ title: Two organisations with the same normalised name
    #+ message: "{focus_label} and {other_label} normalise to the same name {key!r}"
    #+ severity: Violation            # or Warning (listed, does not fail)
    #+ lists: [dutch-common-words.txt]

Every row names the node that is wrong as ``?focus``; ``?path`` (an IRI) and
``?value`` are reported when projected, and every projected variable can be
used in the message as ``{name}`` (``{name!r}`` quotes it). A word list is a
text file, one entry per line (``#`` starts a comment); its entries are loaded
beside the data as ``<https://w3id.org/crm-kg/checks/{list name}> rdf:value
"entry"`` so the query joins against them — values are never pasted into the
query text. The checks run on pyoxigraph over the union of all named graphs.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import CrmKgError
from ..sparql.library import projection, read_query_file

CHECK_KEYS = {"title", "message", "severity", "description", "lists"}
SEVERITIES = ("Violation", "Warning", "Info")
LIST_BASE = "https://w3id.org/crm-kg/checks/"
RDF_VALUE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
LISTS_GRAPH = ox.NamedNode(LIST_BASE + "lists")
SUFFIX = "-violation.rq"


class CheckDefinitionError(CrmKgError):
    """A check file is malformed."""


@dataclass(frozen=True)
class Check:
    name: str
    path: Path
    title: str
    message: str
    severity: str
    query: str
    lists: tuple[Path, ...] = ()

    @property
    def rule(self) -> str:
        return f"check:{self.name}"


@dataclass
class Row:
    """One row of a check's answer: the focus node and the rendered message."""

    check: Check
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    message: str
    path: ox.NamedNode | None = None
    value: object = None


def check_paths(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("*" + SUFFIX))


def load_check(path: Path) -> Check:
    path = Path(path)
    meta, body, tree = read_query_file(path, CHECK_KEYS, CheckDefinitionError)
    if tree[1].name != "SelectQuery":
        raise CheckDefinitionError(f"{path}: a check is a SELECT query")
    if not isinstance(meta.get("message"), str) or not meta["message"].strip():
        raise CheckDefinitionError(f"{path}: the header needs a message")
    severity = meta.get("severity", "Violation")
    if severity not in SEVERITIES:
        raise CheckDefinitionError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    lists = []
    for name in meta.get("lists") or []:
        list_path = path.parent / str(name)
        if not list_path.is_file():
            raise CheckDefinitionError(f"{path}: word list {name!r} not found beside the check")
        lists.append(list_path)
    variables = projection(tree)
    if variables is not None and "focus" not in variables:
        raise CheckDefinitionError(f"{path}: the query must project ?focus")
    return Check(name=path.name[: -len(SUFFIX)], path=path, title=str(meta["title"]),
                 message=meta["message"].strip(), severity=severity, query=body, lists=tuple(lists))


def load_checks(directory: Path) -> list[Check]:
    return [load_check(p) for p in check_paths(directory)]


def read_list(path: Path) -> list[str]:
    """The entries of a word list: one per line, ``#`` comments and blank lines skipped."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def list_quads(checks: list[Check]) -> list[ox.Quad]:
    quads = []
    for path in sorted({p for c in checks for p in c.lists}):
        subject = ox.NamedNode(LIST_BASE + path.stem)
        quads += [ox.Quad(subject, RDF_VALUE, ox.Literal(w), LISTS_GRAPH) for w in read_list(path)]
    return quads


def short(term) -> str:
    """A compact, readable rendering of an RDF term for messages."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    text = term.value if isinstance(term, (ox.NamedNode, ox.BlankNode)) else str(term)
    for base, prefix in (("https://w3id.org/crm-kg/id/", ""), ("https://w3id.org/crm-kg/ontology#", "crm:")):
        if text.startswith(base):
            return prefix + text[len(base):]
    return text


class _Fields(dict):
    def __missing__(self, key):
        return "?"


def render(template: str, fields: dict) -> str:
    try:
        return string.Formatter().vformat(template, (), _Fields(fields))
    except (ValueError, IndexError, KeyError) as exc:
        return f"{template} (message template error: {exc})"


def run_check(store: ox.Store, check: Check) -> list[Row]:
    try:
        solutions = store.query(check.query, use_default_graph_as_union=True)
    except (SyntaxError, OSError, ValueError) as exc:
        raise CheckDefinitionError(f"{check.path}: {exc}") from None
    names = [v.value for v in solutions.variables]
    if "focus" not in names:
        raise CheckDefinitionError(f"{check.path}: the query must project ?focus")
    rows = []
    for solution in solutions:
        values = {n: solution[n] for n in names}
        if values["focus"] is None:
            continue
        fields = {n: short(v) for n, v in values.items()}
        path = values.get("path")
        rows.append(Row(check=check, focus=values["focus"],
                        message=render(check.message, fields),
                        path=path if isinstance(path, ox.NamedNode) else None,
                        value=values.get("value")))
    return rows


def check_store(quads: list[ox.Quad], checks: list[Check]) -> ox.Store:
    """A store with the data (pyoxigraph quads) and the checks' word lists."""
    store = ox.Store()
    store.extend(quads)
    store.extend(list_quads(checks))
    return store


def run_checks(store: ox.Store, checks: list[Check]) -> list[Row]:
    rows = []
    for check in checks:
        rows += run_check(store, check)
    return rows
