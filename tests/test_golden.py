"""Golden tests: every profile rule on a fixture written in its report's layout (see tests/golden.py)."""

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


def test_every_profile_rule_has_a_golden_case():
    from crm_kg.pipeline.extract import load_report
    from crm_kg.pipeline.sources import report_ids

    registered = {(rule.edition, rule.id) for report in report_ids()
                  for rule in load_report(report).rules()
                  if rule.edition and rule.kind != "dated-headings"}     # that one yields no records
    covered = {(case.edition, case.rule) for case in GOLDEN.values()}
    assert registered <= covered, sorted(registered - covered)
