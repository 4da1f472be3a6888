"""readback: every published file, read back by two independent parsers before it ships.

:func:`check_published` is run by :mod:`.publish` on the staged directory
(and by the tests on ``data/ttl`` and on every download): each RDF file the
manifest lists is parsed by rdflib and by pyoxigraph (RDF 1.1 Turtle, TriG,
N-Quads; W3C 2014); each must give the manifest's triple count for every
named graph; and the TriG, the N-Quads and the per-graph Turtle files,
canonicalised (RDF Dataset Canonicalization, W3C 2024: RDFC-1.0), must be the
same dataset. A dump that one of the parsers cannot read, or that says
something else than its siblings, is never published (the TriG of an
undeclared ``vann:`` prefix was).
"""

from __future__ import annotations

import io
import json
import warnings
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from ..errors import CrmKgError
from ..media import by_extension

MANIFEST = "manifest.json"


class ReadbackError(CrmKgError):
    """A published file does not parse, or disagrees with the manifest or its siblings."""


def _media(name: str):
    entry = by_extension(Path(name).suffix.lstrip("."))
    if entry is None or entry.kind not in ("rdf", "dataset"):
        return None
    return entry


def read_oxigraph(data: bytes, name: str) -> ox.Dataset:
    """``data`` (a file called ``name``) as a pyoxigraph dataset; triples in the default graph."""
    entry = _media(name)
    try:
        return ox.Dataset(ox.parse(data, format=entry.oxigraph))
    except SyntaxError as exc:
        raise ReadbackError(f"{name}: pyoxigraph cannot read it: {exc}") from None


def read_rdflib(data: bytes, name: str) -> Dataset:
    """``data`` as an rdflib dataset (triples of a Turtle file in the default graph)."""
    entry = _media(name)
    dataset = Dataset()
    parser = "xml" if entry.rdflib == "pretty-xml" else entry.rdflib
    target = dataset if entry.kind == "dataset" else dataset.default_graph
    with warnings.catch_warnings():
        # rdflib's own parsers call its deprecated Dataset.default_context / contexts
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            target.parse(data=data, format=parser)
        except Exception as exc:                   # rdflib's parsers raise many kinds
            raise ReadbackError(f"{name}: rdflib cannot read it: {exc}") from None
    return dataset


def _ox_counts(dataset: ox.Dataset) -> Counter:
    return Counter("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value for q in dataset)


def _rdflib_counts(dataset: Dataset) -> Counter:
    counts = Counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graphs = list(dataset.graphs())
    for graph in graphs:
        n = len(graph)
        if n:
            name = graph.identifier
            counts["" if name == dataset.default_graph.identifier else str(name)] += n
    return counts


def _rdflib_as_oxigraph(dataset: Dataset) -> ox.Dataset:
    """rdflib's reading, handed over as N-Quads, so it can be compared with pyoxigraph's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        text = dataset.serialize(format="nquads")
    data = text.encode("utf-8") if isinstance(text, str) else text
    return ox.Dataset(ox.parse(io.BytesIO(data), format=ox.RdfFormat.N_QUADS))


def _into_graph(dataset: ox.Dataset, graph: str) -> ox.Dataset:
    name = ox.NamedNode(graph)
    return ox.Dataset(ox.Quad(q.subject, q.predicate, q.object, name) for q in dataset)


def _canonical(dataset: ox.Dataset) -> set:
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def check_files(files: dict[str, bytes]) -> dict:
    """The checks on ``files`` (name → bytes, the manifest among them); returns the manifest.

    Raises :class:`ReadbackError` naming every file that fails.
    """
    manifest = json.loads(files[MANIFEST])
    graphs = manifest["graphs"]
    expected = Counter({entry["iri"]: int(entry["triples"]) for entry in graphs.values()})
    by_file = {entry["file"]: entry for entry in graphs.values()}
    problems: list[str] = []
    canonical: dict[str, set] = {}
    per_graph = ox.Dataset()
    for name in sorted(manifest["files"]):
        if _media(name) is None or name not in files:
            continue
        try:
            ox_data = read_oxigraph(files[name], name)
            rdflib_data = read_rdflib(files[name], name)
        except ReadbackError as exc:
            problems.append(str(exc))
            continue
        if name in by_file:                       # one graph's Turtle: its triples, no more
            want = Counter({"": int(by_file[name]["triples"])})
        else:
            want = expected
        for parser, got in (("pyoxigraph", _ox_counts(ox_data)), ("rdflib", _rdflib_counts(rdflib_data))):
            if got != want:
                diff = {g or "(default graph)": (got.get(g, 0), want.get(g, 0))
                        for g in set(got) | set(want) if got.get(g, 0) != want.get(g, 0)}
                problems.append(f"{name}: {parser} reads other counts than the manifest "
                                f"(graph: read, manifest): {diff}")
        ox_set = _canonical(ox.Dataset(ox_data))
        if _canonical(_rdflib_as_oxigraph(rdflib_data)) != ox_set:
            problems.append(f"{name}: rdflib and pyoxigraph read different triples")
        if name in by_file:
            for quad in _into_graph(ox_data, by_file[name]["iri"]):
                per_graph.add(quad)
        else:
            canonical[name] = ox_set
    if by_file and all(name in files for name in by_file):
        canonical["the per-graph Turtle files"] = _canonical(per_graph)
    names = sorted(canonical)
    for other in names[1:]:
        if canonical[other] != canonical[names[0]]:
            problems.append(f"{other} and {names[0]} are not the same dataset")
    if problems:
        raise ReadbackError("published files fail the read-back:\n  " + "\n  ".join(problems))
    return manifest


def check_published(directory: Path) -> dict:
    """:func:`check_files` on the files of ``directory`` (a built ``data/ttl``)."""
    directory = Path(directory)
    manifest = json.loads((directory / MANIFEST).read_bytes())
    files = {name: (directory / name).read_bytes() for name in manifest["files"] if (directory / name).is_file()}
    missing = sorted(set(manifest["files"]) - set(files))
    if missing:
        raise ReadbackError(f"published files missing: {', '.join(missing)}")
    files[MANIFEST] = (directory / MANIFEST).read_bytes()
    return check_files(files)
