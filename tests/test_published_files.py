"""Every published file parses and round-trips (issue 23): data/ttl and /downloads, read back
by rdflib and pyoxigraph, give the manifest's counts per graph; the TriG, the N-Quads and
the per-graph Turtle are one dataset; a build whose dumps fail this is never published."""

from __future__ import annotations

import json
import warnings

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from crm_kg.pipeline.publish import publish
from crm_kg.pipeline.readback import ReadbackError, check_files, read_oxigraph, read_rdflib
from crm_kg.pipeline.serialize import render, trig, turtle
from crm_kg.pipeline.stages import new_dataset

EX = Namespace("https://w3id.org/crm-kg/id/material/")
VANN = Namespace("http://purl.org/vocab/vann/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
GRAPHS = ["ontology", "reference"]


def _tiny_dataset():
    dataset = new_dataset()
    dataset.bind("vann", VANN)
    onto = dataset.graph(URIRef("https://w3id.org/crm-kg/graph/ontology"))
    onto.add((VANN.preferredNamespacePrefix, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
              URIRef("http://www.w3.org/2002/07/owl#AnnotationProperty")))
    ref = dataset.graph(URIRef("https://w3id.org/crm-kg/graph/reference"))
    ref.add((EX.gallium, URIRef("https://w3id.org/crm-kg/ontology#value"), Literal("6", datatype=XSD.decimal)))
    ref.add((EX.gallium, URIRef("https://w3id.org/crm-kg/ontology#share"), Literal("0.5", datatype=XSD.double)))
    return dataset


# The built graph itself is not read back again here: every build's files were read back by
# publish before the swap (test_publish_refuses_a_dump_that_does_not_read_back below), and
# data/ttl is that build byte for byte (tests/test_build.py::test_committed_graph_is_current).


def test_trig_declares_every_prefix_a_graph_uses():
    text = trig(_tiny_dataset(), GRAPHS)
    assert "@prefix vann: <http://purl.org/vocab/vann/> ." in text
    parsed = read_oxigraph(text.encode(), "crm-kg.trig")
    assert len(parsed) == 3


def test_turtle_keeps_the_lexical_form_of_numbers():
    graph = _tiny_dataset().graph(URIRef("https://w3id.org/crm-kg/graph/reference"))
    data = turtle(graph).encode()
    values = {str(q.object.value) for q in read_oxigraph(data, "reference.ttl")}
    assert values == {"6", "0.5"}          # not 6.0 and 5e-01: the same terms as the N-Quads


def test_every_download_reads_back(client, built):
    build_settings, _ = built
    names = [line.split()[1] for line in client.get("/downloads/SHA256SUMS").get_data(as_text=True).splitlines()]
    assert {"crm-kg.trig", "crm-kg.nq", "ontology.ttl", "nhfl-2025.ttl"} <= set(names)
    bodies = {"manifest.json": (build_settings.ttl_dir / "manifest.json").read_bytes()}
    for name in names:
        response = client.get(f"/downloads/{name}")
        assert response.status_code == 200, name
        bodies[name] = response.get_data()
    # the graph's own files are the built ones byte for byte (publish read those back); the
    # rest are read back here
    built_files = {p.name: p.read_bytes() for p in build_settings.ttl_dir.iterdir()}
    assert [n for n in names if n in built_files and bodies[n] != built_files[n]] == []
    others = [n for n in names if n not in built_files and n != "crm.owl"]
    if others:
        check_files({"manifest.json": bodies["manifest.json"], **{n: bodies[n] for n in others}})
    if "crm.owl" in bodies:                  # the ontology as RDF/XML: the ontology graph again
        owl = read_oxigraph(bodies["crm.owl"], "crm.owl")
        assert len(owl) == json.loads(bodies["manifest.json"])["graphs"]["ontology"]["triples"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from_rdflib = Graph()
            for triple in read_rdflib(bodies["crm.owl"], "crm.owl").default_graph:
                from_rdflib.add(triple)
        ontology = Graph().parse(data=bodies["ontology.ttl"], format="turtle")
        assert isomorphic(from_rdflib, ontology)


def _files(**changes):
    files = render(_tiny_dataset(), GRAPHS, {})
    files.update(changes)
    manifest = files.pop("manifest.json")
    files["manifest.json"] = manifest
    return files


def test_the_old_trig_bug_is_caught():
    files = _files()
    broken = b"\n".join(line for line in files["crm-kg.trig"].split(b"\n") if not line.startswith(b"@prefix vann"))
    with pytest.raises(ReadbackError, match=r"crm-kg.trig: pyoxigraph cannot read it.*vann"):
        check_files({**files, "crm-kg.trig": broken})


def test_counts_and_isomorphism_are_checked():
    files = _files()
    extra = files["crm-kg.nq"] + (b"<https://w3id.org/crm-kg/id/material/x> <https://w3id.org/crm-kg/ontology#value>"
                                  b' "7" <https://w3id.org/crm-kg/graph/reference> .\n')
    with pytest.raises(ReadbackError, match="crm-kg.nq: pyoxigraph reads other counts"):
        check_files({**files, "crm-kg.nq": extra})
    changed = files["crm-kg.nq"].replace(b'"6"^^', b'"6.0"^^')
    with pytest.raises(ReadbackError, match="not the same dataset"):
        check_files({**files, "crm-kg.nq": changed})


def test_publish_refuses_a_dump_that_does_not_read_back(tmp_path):
    target = tmp_path / "ttl"
    publish(_files(), target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    files = _files()
    files["crm-kg.trig"] = files["crm-kg.trig"].replace(b"@prefix vann:", b"@prefix nope:")
    manifest = json.loads(files["manifest.json"])
    from crm_kg.pipeline.serialize import sha256_bytes
    manifest["files"]["crm-kg.trig"] = {"sha256": sha256_bytes(files["crm-kg.trig"]),
                                        "bytes": len(files["crm-kg.trig"])}
    files["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(ReadbackError):
        publish(files, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ttl.new")] == []
    assert len(ox.Dataset(ox.parse(path=str(target / "crm-kg.trig"), format=ox.RdfFormat.TRIG))) == 3
