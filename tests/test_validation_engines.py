"""The shapes mean the same in the other SHACL engines, and are themselves well-formed SHACL.

The sparql engine (the shapes compiled to SPARQL, crm_kg.quality.shacl_sparql; the
gate's engine for large graphs) must give pyshacl's findings — rule, focus, path,
value, severity — on the real graph clean and broken, and on every broken fixture
of tests/validation_cases.py the findings of the case's rule (compared in
tests/test_validation_rules.py, beside the pyshacl run each case makes). rudof (pyrudof, Rust)
validates the same graphs; it must give pyshacl's verdict — the same rule on the
same focus node, or nothing on a near miss. Where rudof lacks a feature a shape
uses, RUDOF_UNSUPPORTED names the shape and why, and only that shape's cases are
skipped (today none is). The shapes graph conforms to the W3C SHACL-SHACL shapes
graph (shapes for shapes; the copy pyshacl ships in pyshacl/assets), in both engines.
"""

from __future__ import annotations

from importlib import resources

import pyoxigraph as ox
import pyrudof  # a dev dependency: without the second engine these tests fail, not skip
import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from test_validation_rules import shape_rules
from validation_cases import CASES, Fixture, clean_graph, mutated

from crm_kg.iri import CRM, GEO, ID
from crm_kg.quality import shacl_sparql
from crm_kg.quality.validate import StoreGraph, load_shapes, run_shacl, union_graph, validate_graph
from crm_kg.sparql.terms import to_ox

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/crm-kg/shapes#"
SHACL_SHACL = resources.files("pyshacl") / "assets" / "shacl-shacl.ttl"
# shape → the SHACL feature rudof lacks for it (its cases are skipped, nothing else)
RUDOF_UNSUPPORTED: dict[str, str] = {}
SHACL_CASES = [c for c in CASES if c.rule.startswith("shapes:")]


def rudof_session(data_nt: str, shapes_ttl: str):
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data_nt, format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes_ttl)
    return rudof


def verdict(report) -> set[tuple[str, str]]:
    """(rule, focus) of every result of a rudof report."""
    return {(str(e.source_shape), str(e.focus_node)) for e in report}


@pytest.fixture(scope="module")
def shapes(settings) -> Graph:
    return load_shapes(settings)


@pytest.fixture(scope="module")
def shapes_ttl(shapes) -> str:
    return shapes.serialize(format="turtle")


@pytest.fixture(scope="module")
def base(settings) -> Fixture:
    return Fixture(clean_graph(settings))


@pytest.fixture(scope="module")
def rudof_base(base, shapes_ttl):
    return rudof_session(base.graph.serialize(format="nt"), shapes_ttl)


def test_rudof_and_pyshacl_agree_on_the_built_graph(built, shapes, shapes_ttl):
    """Clean: both conform. Broken in three places: both name the same rules on the same nodes."""
    _, result = built
    data = union_graph(result.dataset)
    rudof = rudof_session(data.serialize(format="nt"), shapes_ttl)
    report = rudof.validate_shacl()
    assert report.conforms and len(report) == 0, sorted(verdict(report))[:10]

    rec, gallium = ID["recommendation/nhfl-2025/3"], ID["material/gallium"]
    broken = [(rec, RDFS.label, lbl) for lbl in data.objects(rec, RDFS.label) if lbl.language == "nl"]
    assert broken, "the NHFL report's recommendation 3 has a Dutch title"
    data.remove(broken[0])
    data.set((gallium, CRM.atomicNumber, Literal(310)))
    data.set((ID["geometry/velsen"], GEO.asWKT, Literal("POINT(4,6 52,4)", datatype=GEO.wktLiteral)))
    expected = {(str(shape), str(focus)) for _sev, shape, focus, _p, _v, _m in run_shacl(data, shapes)}
    assert {(SHAPES_NS + "BilingualLabel", str(rec)), (SHAPES_NS + "ChemicalElement-atomicNumber", str(gallium)),
            (SHAPES_NS + "Geometry-asWKT", str(ID["geometry/velsen"]))} <= expected
    rudof = rudof_session(data.serialize(format="nt"), shapes_ttl)
    report = rudof.validate_shacl()
    assert not report.conforms
    assert verdict(report) == expected


def test_rudof_passes_the_clean_fixture(rudof_base):
    report = rudof_base.validate_shacl()
    assert report.conforms, sorted(verdict(report))


@pytest.mark.parametrize("case", SHACL_CASES, ids=[c.id for c in SHACL_CASES])
def test_rudof_gives_pyshacls_verdict_on_each_case(case, base, rudof_base):
    if case.rule in RUDOF_UNSUPPORTED:
        pytest.skip(f"rudof lacks {RUDOF_UNSUPPORTED[case.rule]} (used by {case.rule})")
    rule = SHAPES_NS + case.rule.split(":", 1)[1]
    with mutated(base, case) as (_graph, added, removed):
        rudof_base.begin_staging()
        try:
            rudof_base.remove_triples([tuple(t.n3() for t in triple) for triple in removed])
            rudof_base.add_triples([tuple(t.n3() for t in triple) for triple in added])
            found = verdict(rudof_base.validate_shacl())
        finally:
            rudof_base.rollback_staging()
    if case.catches:
        assert (rule, case.focus_iri) in found, f"rudof misses {case.rule} on {case.focus}: {sorted(found)}"
    else:
        assert (rule, case.focus_iri) not in found, f"rudof wrongly reports {case.rule} on {case.focus}"


def test_unsupported_list_names_real_shapes(shapes):
    for rule in RUDOF_UNSUPPORTED:
        assert (URIRef(SHAPES_NS + rule.split(":", 1)[1]), None, None) in shapes, rule


# --------------------------------------------------------------------------- shapes for shapes

def test_shapes_conform_to_shacl_shacl(shapes):
    """The W3C SHACL-SHACL graph (syntax rules of SHACL as shapes) accepts our shapes, in both engines."""
    from pyshacl import validate

    meta = Graph().parse(SHACL_SHACL, format="turtle")
    assert (URIRef("http://www.w3.org/ns/shacl-shacl#ShapeShape"), None, None) in meta
    conforms, _graph, text = validate(shapes, shacl_graph=meta, inference="none")
    assert conforms, text
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(shapes.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(str(SHACL_SHACL))
    report = rudof.validate_shacl()
    assert report.conforms, sorted(verdict(report))


def test_shacl_shacl_catches_a_malformed_shape(shapes):
    """Broken fixture for the meta-check: a min count that is not an integer, a path that is a literal."""
    from pyshacl import validate

    meta = Graph().parse(SHACL_SHACL, format="turtle")
    broken = Graph()
    broken += shapes
    broken.set((URIRef(SHAPES_NS + "Report-hasEdition"), SH.minCount, Literal("one")))
    broken.set((URIRef(SHAPES_NS + "Figure-value"), SH.path, Literal("crm:value")))
    conforms, results, _text = validate(broken, shacl_graph=meta, inference="none")
    assert not conforms
    focus = {str(f) for f in results.objects(None, SH.focusNode)}
    assert {SHAPES_NS + "Report-hasEdition", SHAPES_NS + "Figure-value"} <= focus


# --------------------------------------------------------------------------- rudof as the gate's engine

def test_the_gate_with_rudof_reports_what_it_reports_with_pyshacl(built, shapes):
    """validate_graph(engine="rudof") — the engine for large graphs — gives the same findings
    (severity, rule, focus, path) as the reference engine, on the real graph clean and broken."""
    from crm_kg.quality.validate import validate_graph

    _, result = built
    data = union_graph(result.dataset)
    assert validate_graph(data, shapes, engine="rudof").conforms
    rec, gallium = ID["recommendation/nhfl-2025/3"], ID["material/gallium"]
    data.remove(next((rec, RDFS.label, lbl) for lbl in data.objects(rec, RDFS.label) if lbl.language == "nl"))
    data.set((gallium, CRM.atomicNumber, Literal(310)))
    data.add((ID["organisation/nowhere-bv"], RDFS.label, Literal("Nowhere BV", lang="en")))

    def key(report):
        return {(f.severity, f.rule, f.focus, f.path, f.value) for f in report.findings}

    reference, fast = validate_graph(data, shapes), validate_graph(data, shapes, engine="rudof")
    assert not fast.conforms and key(fast) == key(reference)
    assert ("Violation", "shapes:BilingualLabel", str(rec), "rdfs:label", None) in key(fast)
    assert fast.stats["engine"] == "rudof" and reference.stats["engine"] == "pyshacl"


def test_auto_picks_the_sparql_engine_for_large_graphs_only(settings):
    from crm_kg.quality.validate import ValidationSetupError, shacl_engine

    assert shacl_engine(settings.with_(shacl_engine="auto", shacl_fast_above=1000), 999) == "pyshacl"
    assert shacl_engine(settings.with_(shacl_engine="auto", shacl_fast_above=1000), 1001) == "sparql"
    assert shacl_engine(settings.with_(shacl_engine="pyshacl", shacl_fast_above=10), 10**6) == "pyshacl"
    assert shacl_engine(settings.with_(shacl_engine="rudof"), 1) == "rudof"
    with pytest.raises(ValidationSetupError, match="unknown shacl_engine 'fast'"):
        shacl_engine(settings.with_(shacl_engine="fast"), 1)


# --------------------------------------------------------------------------- the sparql engine

def keys(findings) -> set[tuple]:
    return {(f.severity, f.rule, f.focus, f.path, f.value) for f in findings}


def test_the_gate_with_the_sparql_engine_reports_what_pyshacl_reports(built, shapes):
    """The real graph, clean and broken in five places: the same findings (severity, rule,
    focus, path, value) and, read from the store, the same labels and source passages."""
    _, result = built
    data = union_graph(result.dataset)
    assert validate_graph(data, shapes, engine="sparql").findings == []
    rec, gallium, velsen = ID["recommendation/nhfl-2025/3"], ID["material/gallium"], ID["geometry/velsen"]
    data.remove(next((rec, RDFS.label, lbl) for lbl in data.objects(rec, RDFS.label) if lbl.language == "nl"))
    data.set((gallium, CRM.atomicNumber, Literal("31.0", datatype=XSD.integer)))   # ill-typed
    data.set((velsen, GEO.asWKT, Literal("POINT(4,6 52,4)", datatype=GEO.wktLiteral)))
    data.add((ID["organisation/nowhere-bv"], RDFS.label, Literal("Nowhere BV", lang="en")))
    data.remove((ID["place/velsen"], RDF.type, None))
    reference = validate_graph(data, shapes)
    store = ox.Store()
    store.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in data])
    fast = validate_graph(StoreGraph(store), shapes, store=store, engine="sparql")
    assert not fast.conforms and keys(fast.findings) == keys(reference.findings)
    assert {("Violation", "shapes:BilingualLabel", str(rec), "rdfs:label", None),
            ("Violation", "shapes:Geometry-asWKT", str(velsen), "geo:asWKT",
             '"POINT(4,6 52,4)"^^geo:wktLiteral')} <= keys(fast.findings)
    assert any(f.rule == "shapes:ChemicalElement-atomicNumber" and f.focus == str(gallium) for f in fast.findings)

    def described(report):
        return {(f.rule, f.focus, f.value, f.label, tuple(s.cite() for s in f.sources)) for f in report.findings}

    assert described(fast) == described(reference)
    assert fast.stats["engine"] == "sparql" and reference.stats["engine"] == "pyshacl"


@pytest.fixture(scope="module")
def plan(shapes):
    return shacl_sparql.compile_shapes(shapes)


def test_every_shape_compiles(shapes, plan):
    """Every targeted shape of ontology/shapes/ becomes SPARQL (none is refused or lost)."""
    assert {c.shape for c in plan.constraints} == set(shape_rules(shapes))
    assert len(plan) > 400
