"""Every SHACL shape and every SPARQL check catches the mistakes it is for, and passes clean data.

The cases are the table in tests/validation_cases.py: one SPARQL Update each on
the clean fixture (tests/cases/validation/clean.ttl with ontology/crm.ttl). A
meta-test fails when a shape or a check has no catching case, so a new rule
comes with its proof; a second one when a class the real graph uses has no shape.
The same cases run in a second SHACL engine in tests/test_validation_engines.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, BNode, Graph, Namespace, URIRef
from validation_cases import CASES, Case, Fixture, clean_graph, mutated

from crm_kg.iri import GRAPH
from crm_kg.quality import shacl_sparql
from crm_kg.quality.checks import list_quads, load_checks, run_check
from crm_kg.quality.validate import load_shapes, term_text, validate_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/crm-kg/shapes#"
ROOT = Path(__file__).resolve().parents[1]
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
CONSTRAINTS = {SH[p] for p in (
    "class datatype nodeKind minCount maxCount minInclusive maxInclusive minExclusive maxExclusive "
    "minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and "
    "or xone node qualifiedValueShape hasValue in closed").split()}


def rule_iri(rule: str) -> URIRef:
    return URIRef(SHAPES_NS + rule.split(":", 1)[1])


def shape_rules(shapes: Graph) -> dict[URIRef, URIRef]:
    """Every rule a finding can name → the targeted shape that runs it (pyshacl's use_shapes).

    A rule is a targeted shape with a constraint of its own, or a property shape
    of a targeted node shape. Helper shapes used only inside sh:or / sh:not are
    proved through the rule that uses them.
    """
    owners: dict[URIRef, URIRef] = {}
    for shape in {s for t in TARGETS for s in shapes.subjects(t, None)}:
        if isinstance(shape, URIRef) and set(shapes.predicates(shape, None)) & CONSTRAINTS:
            owners[shape] = shape
        for prop in shapes.objects(shape, SH.property):
            owners.setdefault(prop, shape)
    return owners


@pytest.fixture(scope="module")
def shapes(settings) -> Graph:
    return load_shapes(settings)


@pytest.fixture(scope="module")
def checks(settings) -> dict:
    return {c.rule: c for c in load_checks(settings.queries_dir / "checks")}


@pytest.fixture(scope="module")
def base(settings, checks) -> Fixture:
    fixture = Fixture(clean_graph(settings))
    fixture.store.extend(list_quads(list(checks.values())))  # the checks' word lists
    fixture.quads = set(fixture.store)
    return fixture


def reachable_shapes(shapes: Graph, owner: URIRef) -> list[str]:
    """``owner`` and every named shape it uses (through sh:property, sh:or lists, sh:not…):
    pyshacl's use_shapes does not follow named property shapes on its own."""
    seen, todo, named = set(), [owner], [str(owner)]
    while todo:
        node = todo.pop()
        for obj in shapes.objects(node, None):
            if obj in seen or not isinstance(obj, (URIRef, BNode)):
                continue
            seen.add(obj)
            if isinstance(obj, URIRef):
                if str(obj).startswith(SHAPES_NS):
                    named.append(str(obj))
                    todo.append(obj)
            else:
                todo.append(obj)
    return named


def shacl_hits(graph: Graph, shapes: Graph, owner: URIRef, rule: URIRef) -> tuple[dict[str, list], set]:
    """focus → [(severity, message)] of the results ``rule`` gives, running only its owner shape;
    and the results as (severity, focus, path, value) for comparing engines."""
    _conforms, results, _text = shacl_validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True,
                                               use_shapes=reachable_shapes(shapes, owner))
    hits: dict[str, list] = {}
    rows = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.sourceShape) == rule:
            hits.setdefault(str(results.value(result, SH.focusNode)), []).append(
                (str(results.value(result, SH.resultSeverity)), str(results.value(result, SH.resultMessage))))
            rows.append((results.value(result, SH.resultSeverity), rule, results.value(result, SH.focusNode),
                         results.value(result, SH.resultPath), results.value(result, SH.value), None))
    return hits, result_keys(rows)


def result_keys(rows) -> set[tuple]:
    """(severity, focus, path, value) of engine results (validate.run_shacl's tuples)."""
    return {(str(sev).rsplit("#", 1)[-1], str(focus), term_text(path), term_text(value))
            for sev, _shape, focus, path, value, _message in rows}


@pytest.fixture(scope="module")
def plan(shapes):
    return shacl_sparql.compile_shapes(shapes)


def test_clean_fixture_passes_every_shape_and_check(base, shapes, checks):
    report = validate_graph(base.graph, shapes, list(checks.values()))
    assert report.findings == [], report.text()
    assert report.stats["shapes"] > 200 and report.stats["checks"] == len(checks) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_catches_its_mistake_and_passes_near_misses(case, base, shapes, checks, plan):
    """… in pyshacl; and the sparql engine (crm_kg.quality.shacl_sparql) gives the same
    findings of the rule — focus, path, value, severity — on the same broken fixture."""
    owners = shape_rules(shapes)
    with mutated(base, case) as (graph, added, removed):
        changed = added or removed or set(base.store) != base.quads   # (a quad into a second graph)
        assert changed or not case.update, f"the update of {case.id} changed nothing"
        if case.rule.startswith("check:"):
            check = checks[case.rule]
            rows = run_check(base.store, check)
            hits = {r.focus.value: [(check.severity, r.message)] for r in rows}
            expected_message = check.message.split("{", 1)[0]
        else:
            rule = rule_iri(case.rule)
            assert rule in owners, f"{case.rule} is not a shape that reports (no target, or unnamed)"
            hits, reference = shacl_hits(graph, shapes, owners[rule], rule)
            expected_message = str(shapes.value(rule, SH.message))
            own = shacl_sparql.Plan([c for c in plan.constraints if c.shape == rule])
            assert own.constraints, f"{case.rule} compiled to nothing"
            assert result_keys(shacl_sparql.run(base.store, own)) == reference, "the sparql engine differs"
    if case.catches:
        assert case.focus_iri in hits, f"{case.rule} did not catch {case.why or case.update}: {hits}"
        assert all(message.startswith(expected_message) for _s, message in hits[case.focus_iri])
    else:
        assert case.focus_iri not in hits, f"{case.rule} wrongly caught {case.why}: {hits[case.focus_iri]}"


def uncovered(shapes: Graph, checks: dict, cases: list[Case]) -> tuple[set, set]:
    """(rules without a catching case, cases naming no rule)."""
    rules = {f"shapes:{str(r)[len(SHAPES_NS):]}" for r in shape_rules(shapes)} | set(checks)
    caught = {c.rule for c in cases if c.catches}
    return rules - caught, {c.rule for c in cases} - rules


def test_every_shape_and_check_has_a_catching_case(shapes, checks):
    missing, stale = uncovered(shapes, checks, CASES)
    assert not missing, f"rules without a case in tests/validation_cases.py: {sorted(missing)}"
    assert not stale, f"cases for rules that do not exist: {sorted(stale)}"


def test_a_new_shape_or_check_without_a_case_fails_the_meta_test(shapes, checks):
    extra = Graph()
    extra += shapes
    extra.parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix crm: <https://w3id.org/crm-kg/ontology#> .
        @prefix shapes: <https://w3id.org/crm-kg/shapes#> .
        shapes:Report sh:property shapes:Report-newRule .
        shapes:Report-newRule a sh:PropertyShape ; sh:path crm:fileName ; sh:maxCount 0 .
        shapes:NewNodeRule a sh:NodeShape ; sh:targetClass crm:Figure ; sh:closed false ; sh:nodeKind sh:IRI .
        shapes:Helper a sh:NodeShape ; sh:nodeKind sh:IRI .""", format="turtle")
    more_checks = {**checks, "check:new-check": None}
    missing, _stale = uncovered(extra, more_checks, CASES)
    assert missing == {"shapes:Report-newRule", "shapes:NewNodeRule", "check:new-check"}
    _missing, stale = uncovered(shapes, checks, CASES + [Case("shapes:Gone", "", "@report/x")])
    assert stale == {"shapes:Gone"}


def test_every_rule_says_what_is_wrong(shapes):
    for rule, owner in shape_rules(shapes).items():
        assert shapes.value(rule, SH.message), f"{rule} has no sh:message"
        assert rule.startswith(SHAPES_NS), f"unnamed shape in {owner}"


def test_every_class_the_data_uses_has_a_shape(built, shapes):
    """Each class of the built graph (ontology graph aside) is a target, or a subclass of one."""
    _, result = built
    used = set()
    for name in ("reference", "nhfl-2025", "zh-2024"):
        used |= set(result.dataset.graph(GRAPH[name]).objects(None, RDF.type))
    ontology = result.dataset.graph(GRAPH["ontology"])
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = [c for c in used
               if not ({c} | set(ontology.transitive_objects(c, RDFS.subClassOf))) & targeted]
    assert not missing, f"classes without a shape: {sorted(missing)}"
    # the concept classes of the vocabularies live in the ontology graph
    assert URIRef("https://w3id.org/crm-kg/ontology#Concept") in targeted


def test_shapes_use_only_shacl_core(shapes):
    """No SHACL-SPARQL or SHACL-AF: what a second engine must implement is SHACL core."""
    for predicate in (SH.sparql, SH.select, SH.ask, SH.rule, SH.target, SH.js):
        assert not list(shapes.subject_objects(predicate)), f"shapes use {predicate}"
