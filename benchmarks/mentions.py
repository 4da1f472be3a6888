"""Benchmark: what the mention tagger costs the build (issue 6: "a few seconds at most").

Run with ``.venv/bin/python -m benchmarks.mentions``. Prints the median of a
few runs for: building the tagger from the gazetteers, tagging every paragraph
of the three editions, and ``build_dataset`` (sources → RDF incl. inference)
with and without the mention step; then a full ``run_build`` (validation and
serialisation included) into a temporary directory. Not part of ``make test``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from unittest import mock

from crm_kg.config import load_settings
from crm_kg.pipeline import mentions
from crm_kg.pipeline.rdf.reference import Reference
from crm_kg.pipeline.resolve import ConceptIndex
from crm_kg.pipeline.sources import read_sources
from crm_kg.pipeline.stages import build_dataset, load_ontology, run_build


def _median(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    settings = load_settings()
    reference = Reference.load(settings.data_dir / "reference")
    topics = reference.topic_terms(ConceptIndex(load_ontology(settings)))
    docs = read_sources(settings.sources)
    for doc in docs.values():
        doc.paragraphs  # segmentation is the sources stage's cost, not the tagger's

    tagger = mentions.Tagger.from_reference(reference, topics)
    count = sum(len(iris) for doc in docs.values() for _s, _k, iris in tagger.tag_document(doc))
    rows = [
        ("tagger from gazetteers", _median(lambda: mentions.Tagger.from_reference(reference, topics))),
        ("tag all paragraphs (3 editions)",
         _median(lambda: [tagger.tag_document(doc) for doc in docs.values()])),
        ("build_dataset with mentions", _median(lambda: build_dataset(settings), 3)),
    ]
    with mock.patch.object(mentions, "emit", lambda ctx, tagger: 0):
        rows.append(("build_dataset without mentions", _median(lambda: build_dataset(settings), 3)))
    with tempfile.TemporaryDirectory() as out:
        rows.append(("run_build (validate + write)", _median(lambda: run_build(settings.with_(ttl_dir=out)), 3)))
    print(f"mention triples: {count}")
    for name, seconds in rows:
        print(f"{name:34s} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
