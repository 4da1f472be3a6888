"""Benchmark: ``crm-kg validate`` on the committed graph (data/ttl/crm-kg.nq), stage by stage.

Run ``.venv/bin/python -m benchmarks.validate [--repeat N] [--no-owl] [--rudof]`` (or
``main()`` from ``benchmarks/__main__.py``). Prints the median wall time of: parsing
the N-Quads, the union graph, the SHACL shapes (pyshacl), the same shapes compiled
to SPARQL (the sparql engine, :mod:`crm_kg.quality.shacl_sparql`, on the checks'
store), the SPARQL checks (pyoxigraph: loading the store, then all checks), the OWL
step (declarations + HermiT through owlready2, JVM start included) and, with
``--rudof``, the same shapes in rudof for comparison. The README states these
figures. Not part of ``make test``: speed is measured here, never in timed tests.

On a large graph (``benchmarks/__main__.py`` runs these in a child process per size):
``--sparql-only NQ`` reads the N-Quads into a pyoxigraph store, validates with the
sparql engine, then runs the SPARQL checks — the gate's work at that size — and
prints each step and the verdict; ``--rudof-only NQ`` reads and validates with rudof.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rdflib import Dataset

from benchmarks.common import Stages
from crm_kg.config import load_settings
from crm_kg.quality.checks import check_store, run_checks
from crm_kg.quality.validate import (
    load_settings_checks,
    load_shapes,
    run_shacl,
    run_sparql,
    shape_count,
    union_graph,
)
from crm_kg.sparql.terms import dataset_quads


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="benchmarks.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-owl", action="store_true", help="skip the OWL step (HermiT)")
    parser.add_argument("--rudof", action="store_true", help="also time rudof on the same shapes")
    parser.add_argument("--rudof-only", type=Path, metavar="NQ",
                        help="only rudof on this N-Quads file: read, validate, print the verdict")
    parser.add_argument("--sparql-only", type=Path, metavar="NQ",
                        help="only the sparql engine (and the SPARQL checks) on this N-Quads file")
    args, _unknown = parser.parse_known_args(argv)
    settings = load_settings()
    if args.rudof_only:
        return _rudof_only(args.rudof_only, load_shapes(settings).serialize(format="turtle"))
    if args.sparql_only:
        return _sparql_only(args.sparql_only, load_shapes(settings), load_settings_checks(settings))
    path = settings.ttl_dir / "crm-kg.nq"
    shapes, checks = load_shapes(settings), load_settings_checks(settings)
    timed = Stages()

    for _ in range(args.repeat):
        dataset = Dataset()
        timed("parse crm-kg.nq (rdflib)", dataset.parse, str(path), "nquads")
        data = timed("union graph", union_graph, dataset)
        results = timed("SHACL shapes (pyshacl)", run_shacl, data, shapes)
        assert not [r for r in results if r[0] == "Violation"], "the committed graph has violations"
        store = timed("SPARQL checks: load store", check_store, dataset_quads(dataset), checks)
        fast = timed("SHACL shapes (sparql engine)", run_sparql, None, shapes, store)
        assert not [r for r in fast if r[0] == "Violation"], "the committed graph has violations"
        rows = timed("SPARQL checks: run all", run_checks, store, checks)
        assert not rows, "the committed graph fails a check"
        if not args.no_owl:
            from crm_kg.quality.reasoning import check_dataset

            owl = timed("OWL: declarations + HermiT", check_dataset, dataset, settings)
            assert owl.conforms, owl.text()
        if args.rudof:
            timed("SHACL shapes (rudof, load + validate)", _rudof, path, shapes.serialize(format="turtle"))
    medians = timed.medians()
    print(f"{len(data)} triples; {shape_count(shapes)} shapes; {len(checks)} checks; "
          f"median of {args.repeat} run(s)")
    for name, seconds in medians.items():
        print(f"  {name:40s} {seconds:7.2f} s")
    gate = sum(medians[k] for k in ("SHACL shapes (pyshacl)", "SPARQL checks: load store",
                                    "SPARQL checks: run all"))
    print(f"  {'build gate (shapes + checks)':40s} {gate:7.2f} s")
    medians["build gate"] = gate
    return medians


def _sparql_only(path: Path, shapes, checks) -> dict[str, float]:
    """The gate's work on a large graph with the sparql engine: read the N-Quads into a
    pyoxigraph store (with the checks' word lists), compile and run the shapes, run the checks."""
    import time

    import pyoxigraph as ox

    from crm_kg.quality.checks import list_quads

    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    store.extend(list_quads(checks))
    read = time.perf_counter()
    print(f"  read {read - start:.1f} s", flush=True)      # progress on long runs
    results = run_sparql(None, shapes, store)
    shacl = time.perf_counter()
    print(f"  shapes {shacl - read:.1f} s", flush=True)
    rows = run_checks(store, checks)
    done = time.perf_counter()
    violations = sum(1 for r in results if r[0] == "Violation")
    distinct = len({(r[0], str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in results})
    print(f"sparql engine: read {read - start:.1f} s, shapes {shacl - read:.1f} s "
          f"({len(results)} results, {distinct} distinct, {violations} violations), "
          f"checks {done - shacl:.1f} s ({len(rows)} rows); read + shapes {shacl - start:.1f} s, "
          f"gate {done - start:.1f} s")
    return {"read": read - start, "shapes": shacl - read, "checks": done - shacl,
            "results": len(results), "total": done - start}


def _rudof_only(path: Path, shapes_ttl: str) -> dict[str, float]:
    import time

    import pyrudof

    start = time.perf_counter()
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(str(path), format=pyrudof.RDFFormat.NQuads)
    read = time.perf_counter() - start
    rudof.read_shacl(shapes_ttl)
    report = rudof.validate_shacl()
    total = time.perf_counter() - start
    print(f"rudof: read {read:.1f} s, validate {total - read:.1f} s; conforms {report.conforms}, "
          f"{len(report)} results")
    return {"read": read, "total": total}


def _rudof(path, shapes_ttl: str) -> bool:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(str(path), format=pyrudof.RDFFormat.NQuads)
    rudof.read_shacl(shapes_ttl)
    return rudof.validate_shacl().conforms


if __name__ == "__main__":
    main()
