"""Materialised inferences, kept in their own named graph (``graph/inferred``).

What a SPARQL user should not have to spell out: types implied by the class
hierarchy (a ``crm:Company`` is a ``crm:Organisation`` and an
``org:Organization``), super-properties, inverse and symmetric properties,
the transitive closure of ``crm:locatedIn`` / ``crm:partOf`` and friends, and
``crm:namedIn`` (which reports an entity comes from or is mentioned in).
Rules are data, like every other query: ``queries/inference/*.rq``, each a
CONSTRUCT with a ``#+`` header (title, description, ``stage``). The
``closure`` rules are evaluated by pyoxigraph until nothing new appears (the
transitive rule doubles the chains it reaches each round); only triples not
asserted anywhere are returned.

Then the ``after-closure`` rules, once, on the closure: ``crm:mostSpecificPlace``, the places a non-place is in
that hold no other place it is in. It is not a rule of the loop, since a place
found later inside it would take it back; saved queries and pages read it in
one step instead of searching each organisation's located-in chain per row
(at 1M triples that search was most of a query's time, issue 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from ...errors import CrmKgError
from ...sparql.library import read_query_file
from ...sparql.terms import dataset_quads

STAGES = ("closure", "after-closure")
RULE_KEYS = {"title", "description", "stage"}


class RuleError(CrmKgError):
    """An inference rule file cannot be used."""


@dataclass(frozen=True)
class Rule:
    name: str
    stage: str
    text: str


def load_rules(directory: Path) -> list[Rule]:
    """The rules of ``directory`` (``*.rq``), in file-name order."""
    rules = []
    for path in sorted(Path(directory).glob("*.rq")):
        meta, body, tree = read_query_file(path, RULE_KEYS, RuleError)
        if tree[1].name != "ConstructQuery":
            raise RuleError(f"{path}: an inference rule is a CONSTRUCT query")
        stage = meta.get("stage", "closure")
        if stage not in STAGES:
            raise RuleError(f"{path}: stage must be one of {', '.join(STAGES)}, not {stage!r}")
        rules.append(Rule(path.stem, stage, body))
    if not rules:
        raise RuleError(f"{directory}: no inference rules (*.rq)")
    return rules


def _to_store(dataset: Dataset) -> ox.Store:
    store = ox.Store()
    store.extend(dataset_quads(dataset))
    return store


def _construct(store: ox.Store, rule: Rule) -> set:
    return {(t.subject, t.predicate, t.object)
            for t in store.query(rule.text, use_default_graph_as_union=True)}


def infer(dataset: Dataset, rules: list[Rule], max_rounds: int = 12) -> Graph:
    """Triples entailed by ``rules`` (the closure, then what is read off it), asserted in no graph."""
    store = _to_store(dataset)
    asserted = {(q.subject, q.predicate, q.object) for q in store}
    inferred: set = set()
    target = ox.NamedNode("urn:crm-kg:inferred")
    closure = [r for r in rules if r.stage == "closure"]
    for _ in range(max_rounds):
        new = set()
        for rule in closure:
            new |= _construct(store, rule) - asserted - inferred
        if not new:
            break
        inferred |= new
        store.extend(ox.Quad(s, p, o, target) for s, p, o in new)
    else:
        raise RuleError(f"the inference rules still add triples after {max_rounds} rounds")
    for rule in rules:
        if rule.stage == "after-closure":
            inferred |= _construct(store, rule) - asserted
    graph = Graph()
    text = ox.serialize([ox.Triple(*t) for t in inferred], format=ox.RdfFormat.N_TRIPLES)
    if text:
        graph.parse(data=text.decode("utf-8"), format="nt")
    return graph
