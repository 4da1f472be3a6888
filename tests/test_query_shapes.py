"""Query shapes that keep a saved query's cost bounded (issue 26).

An answer that grows with the store (every passage of every report naming a material) is
computed a run of reports at a time (``pages``, :mod:`crm_kg.sparql.keyset`): a page must
cost its own rows, not the store. So such a query reads a report's facts in the report's own
graph (``GRAPH ?graph`` with the graph computed from ``?report``, evaluated per report), and
looks labels up for its rows only: a sub-SELECT over every label, joined once, is a scan of
every label of the store on each page (seconds at 10M triples on the on-disk store), and a
per-row lookup creeping into the unbounded part fails here, not in a benchmark.
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


def test_keyed_queries_read_each_report_in_its_graph_and_label_their_rows_only(settings):
    keyed = [q for q in QueryLibrary(settings.queries_dir) if q.pages]
    assert sum(q.pages["by"] == "report" for q in keyed) >= 3
    for query in keyed:
        body = query.text[query.text.index("WHERE"):]
        for sub in re.finditer(r"\{\s*SELECT\b[^{]*\{([^{}]*)\}", body):
            assert not re.search(r"rdfs:label|skos:prefLabel", sub.group(1)), (query.name, "a sub-SELECT over every label")
        if query.pages["by"] != "report":
            continue
        assert re.search(r"BIND\(IRI\(CONCAT\(\"https://w3id.org/crm-kg/graph/\", STRAFTER\(STR\(\?report\), "
                         r"\"/report/\"\)\)\) AS \?graph\)", body), query.name
        assert "GRAPH ?graph {" in body, query.name
        assert "FILTER EXISTS" not in _outside_sub_selects(body), query.name


def test_the_helper_removes_nested_sub_selects():
    text = "A { SELECT ?x WHERE { ?x rdfs:label ?l { SELECT ?y WHERE { ?y ?p ?o } } } } B"
    assert _outside_sub_selects(text) == "A  B"
