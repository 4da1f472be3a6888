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
