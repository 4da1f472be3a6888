"""Golden tests: every parser on a fixture written in its report's layout (see tests/golden.py)."""

from __future__ import annotations

import pytest
from golden import GOLDEN, run_case
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden(name):
    # through Turtle and back, as expected.ttl went (decimals are written 40.0)
    actual = Graph().parse(data=run_case(name).serialize(format="turtle"), format="turtle")
    expected = Graph().parse(GOLDEN[name].expected, format="turtle")
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(f"{name}: output differs from {GOLDEN[name].expected.name}\n"
                    f"only in output:\n{only_actual.serialize(format='nt')}\n"
                    f"only in expected:\n{only_expected.serialize(format='nt')}")
    assert len(expected) > 5


def test_every_parser_has_a_golden_case():
    from crm_kg.pipeline.extract import PARSERS

    registered = {p for parsers in PARSERS.values() for p in parsers}
    covered = {case.parser for case in GOLDEN.values()}
    assert registered <= covered, sorted(p.__name__ for p in registered - covered)
