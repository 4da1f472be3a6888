"""Small graphs whose every answer says which build it came from (reliability tests).

Build ``label`` holds ``size`` items, each with the value ``label``; rendered by
the real serializer (manifest included), so a directory written from these
files is a build like any other. An answer to :data:`ITEMS` is whole and from
one build exactly when all its values are one label and it has that build's
number of rows.
"""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef

from crm_kg.iri import GRAPH
from crm_kg.pipeline.serialize import render

EX = "http://example.org/reliability/"
ITEMS = f"SELECT ?item ?build WHERE {{ ?item <{EX}build> ?build }}"
SIZES = {"A": 300, "B": 500, "C": 700, "L": 1500}


def files(label: str, size: int | None = None) -> dict[str, bytes]:
    """The files of build ``label`` (manifest last), as ``crm-kg build`` writes them."""
    size = SIZES[label] if size is None else size
    dataset = Dataset()
    graph = dataset.graph(GRAPH["nhfl-2025"])
    for i in range(size):
        graph.add((URIRef(f"{EX}item/{i}"), URIRef(f"{EX}build"), Literal(label)))
    return render(dataset, ["nhfl-2025"], {"sources": {}, "inputs": {"synthetic": label}})


def which(bindings: list[dict]) -> str:
    """The build a JSON answer to :data:`ITEMS` came from, or a description of the mix."""
    labels = {b["build"]["value"] for b in bindings}
    if len(labels) == 1:
        label = labels.pop()
        if len(bindings) == SIZES.get(label):
            return label
        return f"partial {label}: {len(bindings)} rows"
    return f"mixed {sorted(labels)}: {len(bindings)} rows"


def label_of(directory) -> str | None:
    """The synthetic build a directory holds (by its manifest), if any."""
    import json
    from pathlib import Path

    manifest = json.loads((Path(directory) / "manifest.json").read_text())
    return manifest.get("inputs", {}).get("synthetic")
