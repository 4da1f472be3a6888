"""Benchmark: ``crm-kg validate`` on the committed graph (data/ttl/crm-kg.nq), stage by stage.

Run ``.venv/bin/python -m benchmarks.validate [--repeat N] [--no-owl] [--rudof]`` (or
``main()`` from ``benchmarks/__main__.py``). Prints the median wall time of: parsing
the N-Quads, the union graph, the SHACL shapes (pyshacl), the SPARQL checks
(pyoxigraph: loading the store, then all checks), the OWL step (declarations +
HermiT through owlready2, JVM start included) and, with ``--rudof``, the same
shapes in rudof for comparison. The README states these figures. Not part of
``make test``: speed is measured here, never in timed tests.
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
    shape_count,
    union_graph,
)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="benchmarks.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-owl", action="store_true", help="skip the OWL step (HermiT)")
    parser.add_argument("--rudof", action="store_true", help="also time rudof on the same shapes")
    parser.add_argument("--rudof-only", type=Path, metavar="NQ",
                        help="only rudof on this N-Quads file: read, validate, print the verdict")
    args, _unknown = parser.parse_known_args(argv)
    settings = load_settings()
    if args.rudof_only:
        return _rudof_only(args.rudof_only, load_shapes(settings).serialize(format="turtle"))
    path = settings.ttl_dir / "crm-kg.nq"
    shapes, checks = load_shapes(settings), load_settings_checks(settings)
    timed = Stages()

    for _ in range(args.repeat):
        dataset = Dataset()
        timed("parse crm-kg.nq (rdflib)", dataset.parse, str(path), "nquads")
        data = timed("union graph", union_graph, dataset)
        results = timed("SHACL shapes (pyshacl)", run_shacl, data, shapes)
        assert not [r for r in results if r[0] == "Violation"], "the committed graph has violations"
        nquads = dataset.serialize(format="nquads", encoding="utf-8")
        store = timed("SPARQL checks: load store", check_store, nquads, checks)
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
