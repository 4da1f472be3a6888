"""Benchmark: the OWL step of ``crm-kg validate`` on the committed graph (data/ttl).

Run: ``.venv/bin/python -m benchmarks.owl_consistency [--repeat N]``. Prints the
median wall time of each stage (parse, declaration checks, preparing literals,
HermiT through owlready2) so a slow-down is visible before it reaches the
test suite. Not part of ``make test``.
"""

from __future__ import annotations

import argparse

from rdflib import Dataset

from benchmarks.common import Stages
from crm_kg.config import load_settings
from crm_kg.quality.reasoning import for_hermit, hermit, split
from crm_kg.quality.release import lint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    timed = Stages()

    for _ in range(args.repeat):
        dataset = Dataset()
        timed("parse data/ttl/crm-kg.nq", dataset.parse, str(settings.ttl_dir / "crm-kg.nq"), "nquads")
        ontology, data = timed("split ontology/data", split, dataset, settings)
        timed("declaration checks", lint, ontology, data)
        prepared, converted = timed("literals for HermiT", for_hermit, ontology + data)
        consistent, unsatisfiable = timed("HermiT (owlready2, incl. JVM start)", hermit, prepared)
        assert consistent and not unsatisfiable
    print(f"{len(ontology)} ontology + {len(data)} data triples; {converted} literals as strings")
    for name, seconds in timed.medians().items():
        print(f"{name:40s} median {seconds:6.2f} s  (n={args.repeat})")


if __name__ == "__main__":
    main()
