"""Query shapes that keep a saved query's cost linear in the graph (issue 26).

On pyoxigraph's in-memory store, looking up one node's ``rdfs:label`` costs more the more
statements point at that node; places, activities, materials and reports are pointed at by
every organisation, so a label looked up per row made organisations-working-on-material
grow with rows x graph (36 s at 10M triples). Its labels and reports come from sub-SELECTs
joined once; a per-row lookup creeping back in fails here, not in a benchmark.
"""

from __future__ import annotations

import re

from crm_kg.sparql.library import QueryLibrary


def _outside_sub_selects(text: str) -> str:
    """``text`` with every ``{ SELECT … }`` block removed."""
    out, i = [], 0
    for match in re.finditer(r"\{\s*SELECT\b", text):
        if match.start() < i:
            continue
        out.append(text[i:match.start()])
        depth, j = 0, match.start()
        while True:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        i = j
    return "".join(out) + text[i:]


def test_labels_of_much_cited_nodes_are_joined_once(settings):
    query = QueryLibrary(settings.queries_dir).get("organisations-working-on-material")
    body = query.text[query.text.index("WHERE"):]
    outside = _outside_sub_selects(body)
    assert "rdfs:label" in body and "rdfs:label" not in outside
    assert "FILTER EXISTS" not in outside and "a crm:Report" not in outside


def test_the_helper_removes_nested_sub_selects():
    text = "A { SELECT ?x WHERE { ?x rdfs:label ?l { SELECT ?y WHERE { ?y ?p ?o } } } } B"
    assert _outside_sub_selects(text) == "A  B"


def _union_branches(text: str) -> list[str]:
    """The groups on either side of each ``UNION`` in ``text`` (a side removed as a sub-SELECT
    is not there)."""
    branches = []
    for match in re.finditer(r"\bUNION\b", text):
        after = re.compile(r"\s*\{").match(text, match.end())
        if after:
            j = k = after.end() - 1
            depth = 0
            while True:
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                k += 1
                if depth == 0:
                    break
            branches.append(text[j:k])
        before = text[:match.start()].rstrip()
        if before.endswith("}"):
            k = j = len(before) - 1
            depth = 0
            while True:
                depth += {"}": 1, "{": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j -= 1
            branches.append(text[j:k + 1])
    return branches


def test_parameters_reach_every_union_branch(settings):
    """A parameter's VALUES block goes first in the outer group and in each sub-SELECT naming it
    (crm_kg.sparql.binding); pyoxigraph joins it with a UNION only after evaluating the branches,
    so a branch naming a parameter outside a sub-SELECT runs over the whole graph
    (statement-sources: 81 s at 10M triples, 7 ms at 1M as sub-SELECTs). Such a branch must
    be a sub-SELECT (a new query that needs one fails here). Four are left as they are, measured:
    their branches run over triples that do not grow with the number of reports — flows
    (flows-from-place, 7 ms at 1M), the product reference data (materials-in-product,
    products-containing-material: 13 and 40 ms at 10M) and one subject's statements
    (statements-about, 18 ms at 10M)."""
    bounded = {"flows-from-place", "materials-in-product", "products-containing-material", "statements-about"}
    offending = []
    for query in QueryLibrary(settings.queries_dir):
        if query.name in bounded:
            continue
        body = query.text[query.text.index("WHERE"):]
        outside = _outside_sub_selects(re.sub(r"#[^\n]*", "", body))
        for branch in _union_branches(outside):
            offending += [f"{query.name}: ${p.name}" for p in query.params
                          if re.search(rf"[$?]{p.name}\b", branch)]
    assert offending == []


def test_the_union_helper_finds_both_sides():
    text = "{ { ?a ?b $x } UNION { ?c ?d ?e } }"
    assert _union_branches(text) == ["{ ?c ?d ?e }", "{ ?a ?b $x }"]
