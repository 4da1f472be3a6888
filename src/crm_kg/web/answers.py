"""Answers of saved queries: run, page, show and write them.

* :func:`execute` runs a saved query with its bindings on the app's store
  (answers are cut at ``max_result_rows``) — the one place a cache of answers
  can hook in — and :func:`page` gives a page of it: sliced from the whole
  answer, or, for a query that declares ``pages`` (an answer that grows with
  the store), computed a run of keys at a time (:mod:`crm_kg.sparql.keyset`)
  from the keys already evaluated for that query, bindings and graph version.
* :func:`form_choices` gives the closed lists of a query's parameters, each
  value named in the reader's language (falling back to the other language).
  The lists are computed once per graph version and saved beside the graph
  (``data/.ttl.store/lists/<version>-<definitions>.json``, :func:`prepare_lists`):
  a served app (:func:`warm`) computes or reads them at start-up and before
  a reload swaps its graph in, and ``/readyz`` says not ready until they are
  there — at 10M triples computing them took over a minute.
* :func:`table` turns a page of an answer into rows of cells: IRIs become
  links to their pages named by their label (the query's own label column
  where it has one — ``{v}Label`` or the header's ``labels`` — else the
  graph's label in the reader's language, else in the other), citations
  such as ``nhfl-2025-en:1267-1269`` link to their passage pages, and
  columns that hold a bound parameter (a constant) are left out.
* :func:`csv_body`, :func:`json_body` and :func:`turtle_body` write a page of
  an answer: SPARQL 1.1 Query Results CSV and JSON (W3C Recommendations,
  2013), and — for SELECT answers — Turtle in the result-set vocabulary the
  W3C SPARQL test suites use (``rs:ResultSet``, ``rs:solution``,
  ``rs:binding``, ``rs:index``), a lossless tabular-to-RDF view.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from ..media import CSV, SPARQL_JSON
from ..sparql import keyset
from ..sparql.library import Choices, ParamError, SavedQuery, lists_digest
from ..sparql.results import Result, write_answer
from ..store.disk import store_root
from . import state
from .i18n import phrase
from .ld import services
from .render import local_href
from .wording import heading, language_name

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}
_CITATION = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*-[a-z]{2}):(\d+)(?:-(\d+))?$")


log = logging.getLogger(__name__)
LISTS_KEEP = 8        # saved sets of lists kept (graph versions × definitions)


def choices() -> Choices:
    """This app's closed lists, computed once per parameter and graph version: a request does
    not re-run a drop-down's query, and a reload brings the new graph's lists. Lists saved for
    this graph version (:func:`prepare_lists`) are read, not computed."""
    app_state = state.current()
    return app_state.per_version("choices", lambda: _saved_or_new(app_state, app_state.store.current))


def lists_path(app_state, version: str) -> Path:
    """Where the closed lists of graph ``version`` are saved: beside the on-disk stores."""
    digest = lists_digest(app_state.library)
    return store_root(app_state.settings.ttl_dir) / "lists" / f"{version}-{digest}.json"


def _read_lists(path: Path, version: str, digest: str) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != version or data.get("definitions") != digest \
            or not isinstance(data.get("lists"), dict):
        return None
    return data["lists"]


def _saved_or_new(app_state, store) -> Choices:
    """The lists saved for ``store``'s version, or (none saved) lists computed as asked."""
    path = lists_path(app_state, store.version)
    saved = _read_lists(path, store.version, lists_digest(app_state.library))
    if saved is not None:
        try:
            return Choices.load(store, saved)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("%s: not readable as parameter lists; computing them anew", path)
    return Choices(store)


def prepare_lists(app_state, store=None) -> Choices:
    """Every closed list of the saved queries over ``store`` (default: the current graph),
    read from its saved file or computed and saved there (written whole, then renamed).

    A lock beside the files makes two web processes starting at once compute them once."""
    store = store if store is not None else app_state.store.current
    path = lists_path(app_state, store.version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(path.parent / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:          # a read-only data directory: computed, not saved
        log.warning("cannot save the parameter lists in %s (%s): computing them in memory", path.parent, exc)
        listed = Choices(store)
        listed.complete(app_state.library)
        return listed
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        listed = _saved_or_new(app_state, store)
        if listed.complete(app_state.library):
            data = {"version": store.version, "definitions": lists_digest(app_state.library),
                    "lists": listed.dump()}
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
            _prune(path)
        return listed
    finally:
        os.close(lock)


def _prune(keep: Path) -> None:
    saved = sorted(keep.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in saved if p != keep][LISTS_KEEP - 1:]:
        old.unlink(missing_ok=True)


def warm(app) -> threading.Thread:
    """For a served app: the lists of the served graph prepared in the background (``/readyz``
    says not ready until they are), and those of each reloaded graph before it is swapped in."""
    app_state = state.of(app)
    app_state.once("lists-warm", lambda: True)

    def _current():
        try:
            app_state.per_version("choices", lambda: prepare_lists(app_state))
        except Exception:  # noqa: BLE001 — requests then compute the lists they need
            log.exception("preparing the parameter lists failed; requests compute the ones they need")
            app_state.once("lists-failed", lambda: True)     # ready all the same, not 503 for ever

    def _opened(store):
        try:
            prepare_lists(app_state, store)
        except Exception:
            app_state.once("lists-failed", lambda: True)
            raise                              # logged by the reload, which goes on

    app_state.store.on_open(_opened)
    thread = threading.Thread(target=_current, name="crm-kg-lists", daemon=True)
    thread.start()
    return thread


def lists_pending(app_state) -> str | None:
    """Why a served app is not ready yet: its parameter lists are being prepared (else None)."""
    if not app_state.has("lists-warm") or app_state.has("lists-failed"):
        return None
    listed = app_state.peek("choices")
    if listed is not None and listed.covers(app_state.library):
        return None
    if listed is None and lists_path(app_state, app_state.store.version).is_file():
        return None                # saved before a reload swapped this graph in: read when asked
    return "preparing the parameter lists of the saved queries"


def index():
    return services()["index"]


def execute(query: SavedQuery, bindings: dict) -> Result:
    """The whole answer (up to ``max_result_rows``) of a saved query with checked bindings."""
    return state.store().query(query.text, bindings, limit=state.settings().max_result_rows)


KEYED_KEPT = 50_000      # rows of keyed answers kept per graph version (least recently used go)


@dataclass(frozen=True)
class Page:
    """Rows ``offset``… of an answer: ``result`` is the whole answer (a keyed one: the page),
    ``total`` None while a keyed answer's end is not reached, ``more`` whether rows follow."""

    result: Result
    rows: list
    total: int | None
    more: bool


def items(result: Result) -> list:
    """The rows of a SELECT answer, the triples of a graph, nothing for ASK."""
    return result.rows if result.kind == "select" else result.triples if result.kind == "graph" else []


def page(query: SavedQuery, bindings: dict, offset: int, limit: int) -> Page:
    """Rows ``offset`` to ``offset + limit`` of the query's answer (cut at ``max_result_rows``)."""
    if not query.pages:
        result = execute(query, bindings)
        rows = items(result)
        return Page(result, rows[offset:offset + limit], len(rows), offset + limit < len(rows))
    store, cap = state.store(), state.settings().max_result_rows

    def run(text, values, most):
        return store.query(text, values, limit=most)

    kept = state.per_version("keyed-answers", lambda: _Kept(KEYED_KEPT))
    answer = kept.get((query.name, tuple(sorted((k, v.n3()) for k, v in bindings.items()))),
                      lambda: keyset.KeyedAnswer(query.text, query.pages["by"], dict(bindings),
                                                 query.pages["keys"]))
    got = answer.page(run, offset, limit, cap)
    return Page(got.result, got.result.rows, got.total, got.more)


class _Kept:
    """Keyed answers of one graph version, least recently used dropped past ``rows`` rows."""

    def __init__(self, rows: int):
        self.rows, self._answers, self._lock = rows, {}, threading.Lock()

    def get(self, key, make):
        with self._lock:
            answer = self._answers.pop(key, None) or make()
            self._answers[key] = answer              # most recently used last
            while len(self._answers) > 1 and sum(len(a.rows) + len(a.keys or ()) for a in
                                                 self._answers.values()) > self.rows:
                self._answers.pop(next(iter(self._answers)))
            return answer


# -- forms -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    value: str
    label: str
    within: str = ""      # the value of the parameter this list depends on ("" = any)


def depends_on(query: SavedQuery, p) -> str | None:
    """The parameter whose value narrows ``p``'s list: a variable of its ``values_query``
    named like another parameter (``?report`` → the opportunities of that report)."""
    if not p.values_query:
        return None
    from ..sparql.library import projected_names

    names = projected_names(p.values_query) or []
    return next((n for n in names if n not in ("value", "label") and n != p.name and query.param(n)), None)


def _dependent(query: SavedQuery, p, dep: str, lang: str) -> list[Option]:
    """Every value of ``p`` with the value of ``dep`` it belongs to, labelled in ``lang``."""
    rows = state.per_version(("dependent-options", query.name, p.name),
                      lambda: state.store().query(p.values_query, limit=20_000).rows)
    other = query.param(dep)
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for row in rows:
        value, within, label = row.get("value"), row.get(dep), row.get("label")
        if value is None or within is None:
            continue
        key = (p.shown(value), other.shown(within))
        rank = 0 if getattr(label, "language", None) == lang else 1
        if key not in best or rank < best[key][0]:
            best[key] = (rank, str(label) if label is not None else key[0])
    return [Option(v, f"{v} — {label}" if label != v else v, w) for (v, w), (_, label) in best.items()]


def form_choices(query: SavedQuery, lang: str) -> dict[str, list[Option]]:
    """Closed lists per parameter, labelled in ``lang``; class lists sorted by label."""
    out = {}
    graph_index = index()
    for p in query.params:
        dep = depends_on(query, p)
        if dep is not None:
            out[p.name] = _dependent(query, p, dep, lang)
            continue
        listed = choices().get(query, p)
        if listed is None:
            continue
        options = []
        for c in listed:
            official = isinstance(c.term, URIRef) and str(c.term) in getattr(graph_index, "dutch_places", ())
            label = c.label(lang) if c.labels and not official else (   # Dutch places by their Dutch names
                graph_index.label(str(c.term), lang) if isinstance(c.term, URIRef) else c.value)
            if p.type == "language":
                label = language_name(c.value, lang)
            elif p.type in ("integer", "year") and label != c.value:
                label = f"{c.value} — {label}"
            options.append(Option(c.value, label))
        if p.cls and not p.values_query:
            options.sort(key=lambda o: o.label.casefold())
        out[p.name] = options
    return out


WORDS = {
    "required": {"en": "A value is needed.", "nl": "Een waarde is nodig."},
    "integer": {"en": "“{v}” is not a whole number.", "nl": "“{v}” is geen geheel getal."},
    "decimal": {"en": "“{v}” is not a number.", "nl": "“{v}” is geen getal."},
    "low": {"en": "{v} is below the lowest allowed value, {n}.", "nl": "{v} is lager dan de laagste toegestane waarde, {n}."},
    "high": {"en": "{v} is above the highest allowed value, {n}.", "nl": "{v} is hoger dan de hoogste toegestane waarde, {n}."},
    "not_listed": {"en": "“{v}” is not one of the allowed values.", "nl": "“{v}” is geen van de toegestane waarden."},
    "not_within": {"en": "“{v}” is not among the values for the chosen {dep}.",
                   "nl": "“{v}” hoort niet bij de gekozen {dep}."},
    "bad": {"en": "“{v}” cannot be used here.", "nl": "“{v}” kan hier niet gebruikt worden."},
    "allowed": {"en": "Allowed: {values}.", "nl": "Toegestaan: {values}."},
}
MAX_SHOWN = 12   # allowed values named in an error


def _word(key: str, lang: str, **kw) -> str:
    return phrase(WORDS[key], lang, **kw)


def form_errors(query: SavedQuery, raw: dict, lang: str, options: dict[str, list[Option]]) -> dict[str, str]:
    """Every bad parameter at once, each with a sentence in ``lang`` and the values allowed
    (a value outside its list is never replaced by another: it is an error)."""
    errors: dict[str, str] = {}
    values = form_values(query, raw)
    for p in query.params:
        text = str(raw.get(p.name, "")).strip() if p.name in raw else None
        if not text:
            if p.name in raw and not p.may_be_empty and p.default is None:
                errors[p.name] = _word("required", lang)
            continue
        listed = options.get(p.name)
        dep = depends_on(query, p)
        if listed is not None and dep is not None:
            listed = [o for o in listed if o.within == values.get(dep)]
        try:
            p.coerce(text)
        except ParamError:
            if p.type in ("integer", "year", "decimal") and not re.fullmatch(r"[+-]?\d+(\.\d*)?", text):
                message = _word("integer" if p.type != "decimal" else "decimal", lang, v=text)
            elif p.min is not None and _number(text) is not None and _number(text) < p.min:
                message = _word("low", lang, v=text, n=f"{p.min:g}")
            elif p.max is not None and _number(text) is not None and _number(text) > p.max:
                message = _word("high", lang, v=text, n=f"{p.max:g}")
            elif listed is not None:
                message = _word("not_listed", lang, v=text)
            else:
                message = _word("bad", lang, v=text)
            errors[p.name] = message + _allowed(listed, lang)
            continue
        if listed is not None and text not in {o.value for o in listed}:
            key = "not_within" if dep is not None else "not_listed"
            dep_label = (query.param(dep).label.get(lang) or dep).lower() if dep else ""
            errors[p.name] = _word(key, lang, v=text, dep=dep_label) + _allowed(listed, lang)
    return errors


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _allowed(listed: list[Option] | None, lang: str) -> str:
    if not listed:
        return ""
    shown = ", ".join(o.value for o in listed[:MAX_SHOWN]) + (" …" if len(listed) > MAX_SHOWN else "")
    return " " + _word("allowed", lang, values=shown)


def form_values(query: SavedQuery, raw: dict) -> dict[str, str]:
    """What each form field shows: the value given, else the default."""
    return {p.name: str(raw[p.name]) if p.name in raw else ("" if p.default is None else str(p.default))
            for p in query.params}


# -- tables ----------------------------------------------------------------------------

def label_columns(query: SavedQuery, variables: list[str], hidden: set[str]) -> dict[str, str]:
    """Label column → the IRI column it names (``{v}Label`` and the header's ``labels``)."""
    pairs = {f"{v}Label": v for v in variables if f"{v}Label" in variables}
    pairs.update(query.labels)
    return {name: iri for name, iri in pairs.items()
            if name in variables and iri in variables and iri not in hidden}


def table(query: SavedQuery, result: Result, bindings: dict, lang: str, rows: list[dict]) -> dict:
    """Headings and cells of ``rows`` (a page of ``result``) for the page's table."""
    hidden = {v for v in result.variables if query.param(v) is not None and (
        v in bindings or all(r.get(v) is None for r in result.rows))}
    merged = label_columns(query, result.variables, hidden)
    named_by = {iri: name for name, iri in merged.items()}
    shown = [v for v in result.variables if v not in hidden and v not in merged]
    graph_index = index()
    body = []
    for row in rows:
        cells = []
        for v in shown:
            cells.append(cell(row.get(v), row.get(named_by[v]) if v in named_by else None, lang, graph_index))
        body.append(cells)
    return {"variables": shown, "headings": [heading(query, v, lang) for v in shown], "rows": body}


def cell(term, name, lang: str, graph_index) -> dict:
    """One term for a template: text, link, kind, language or datatype, citations."""
    if term is None:
        return {"text": "", "kind": "empty"}
    if isinstance(term, URIRef):
        iri = str(term)
        official = iri in getattr(graph_index, "dutch_places", ())   # Dutch places by their Dutch names
        text = str(name) if name is not None and str(name) and not official else graph_index.label(iri, lang)
        return {"text": text, "href": local_href(iri), "kind": "iri", "iri": iri}
    if isinstance(term, Literal):
        text = str(term)
        datatype = str(term.datatype) if term.datatype else None
        out = {"text": text, "kind": "literal", "lang": term.language, "datatype": datatype,
               "numeric": datatype in NUMERIC}
        citations = citation_links(text)
        if citations:
            out["citations"] = citations
        return out
    return {"text": str(term), "kind": "bnode"}


def citation_links(text: str) -> list[tuple[str, str]] | None:
    """``edition:start-end`` tokens as (text, link to the passage page), in edition and line
    order (a GROUP_CONCAT's order is the engine's, SPARQL 1.1 §18.5.1.7); None unless all are."""
    tokens = text.split()
    if not tokens:
        return None
    base = state.settings().base_iri
    links = []
    for token in tokens:
        match = _CITATION.match(token)
        if not match:
            return None
        edition, start, end = match.groups()
        span = start if end is None or end == start else f"{start}-{end}"
        links.append(((edition, int(start)), token, local_href(f"{base}id/passage/{edition}/{span}")))
    return [(token, href) for _, token, href in sorted(links)]


# -- writing answers ---------------------------------------------------------------------

def json_body(result: Result, rows: list[dict]) -> bytes:
    return write_answer(result, SPARQL_JSON, rows)


def csv_body(result: Result, rows: list[dict]) -> bytes:
    return write_answer(result, CSV, rows)


def turtle_body(query: SavedQuery, result: Result, rows: list[dict], offset: int) -> str:
    """A page of a SELECT answer as an ``rs:ResultSet``; ``rs:index`` counts from the first
    row of the whole answer (1-based)."""
    graph = Graph()
    graph.bind("rs", RS)
    graph.bind("dct", DCTERMS)
    root = BNode()
    graph.add((root, RDF.type, RS.ResultSet))
    for lang, title in sorted(query.title.items()):
        graph.add((root, DCTERMS.title, Literal(title, lang=lang)))
    for v in result.variables:
        graph.add((root, RS.resultVariable, Literal(v)))
    for number, row in enumerate(rows, start=offset + 1):
        solution = BNode()
        graph.add((root, RS.solution, solution))
        graph.add((solution, RS["index"], Literal(number)))  # RS.index is str.index
        for v in result.variables:
            value = row.get(v)
            if value is None:
                continue
            binding = BNode()
            graph.add((solution, RS.binding, binding))
            graph.add((binding, RS.variable, Literal(v)))
            graph.add((binding, RS.value, value))
    return graph.serialize(format="turtle")

