"""VoID + DCAT computed from the graph, graph pages and downloads with checksums.

Expected figures are computed here independently of the app's SPARQL: from
the N-Quads dump parsed by rdflib and from manifest.json.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
from collections import defaultdict

import pyoxigraph as ox
import pytest
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from crm_kg.sparql.terms import add_quads
from crm_kg.web.void import modified_date

BASE = "https://w3id.org/crm-kg/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DS = URIRef(BASE + "dataset")


@pytest.fixture(scope="module")
def quads(built):
    settings, _ = built
    dataset = Dataset()
    add_quads(dataset, ox.parse(path=str(settings.ttl_dir / "crm-kg.nq"), format=ox.RdfFormat.N_QUADS))
    per_graph = defaultdict(set)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        per_graph[str(g.identifier if hasattr(g, "identifier") else g)].add((s, p, o))
    return per_graph


@pytest.fixture(scope="module")
def void(app):
    r = app.test_client().get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    return Graph().parse(data=r.data, format="turtle")


def integer(graph, subject, prop) -> int:
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), (subject, prop)
    return int(value)


def test_void_counts_equal_the_store(void, quads, store, built):
    settings, _ = built
    triples = set().union(*quads.values())
    assert integer(void, DS, VOID.triples) == len(triples)
    assert integer(void, DS, VOID.distinctSubjects) == len({s for s, _, _ in triples})
    assert integer(void, DS, VOID.distinctObjects) == len({o for _, _, o in triples})
    assert integer(void, DS, VOID.properties) == len({p for _, p, _ in triples})
    classes = {o for _, p, o in triples if p == RDF.type}
    assert integer(void, DS, VOID.classes) == len(classes)
    assert integer(void, DS, VOID.entities) == len({s for s, _, _ in triples if str(s).startswith(BASE + "id/")})
    # the store holds the same quads
    assert sum(len(t) for t in quads.values()) == len(store)
    # one subset per named graph, with the manifest's count
    manifest = json.loads((settings.ttl_dir / "manifest.json").read_text())
    subsets = set(void.objects(DS, VOID.subset))
    assert {str(s) for s in subsets} == set(quads) == {g["iri"] for g in manifest["graphs"].values()}
    for name, entry in manifest["graphs"].items():
        subset = URIRef(entry["iri"])
        assert integer(void, subset, VOID.triples) == entry["triples"] == len(quads[entry["iri"]])
        assert void.value(subset, VOID.dataDump) == URIRef(BASE + "downloads/" + entry["file"])


def test_class_and_property_partitions(void, quads):
    triples = set().union(*quads.values())
    members = defaultdict(set)
    uses = defaultdict(int)
    for s, p, o in triples:
        uses[p] += 1
        if p == RDF.type:
            members[o].add(s)
    partitions = {void.value(n, VOID["class"]): integer(void, n, VOID.entities)
                  for n in void.objects(DS, VOID.classPartition)}
    assert partitions == {c: len(m) for c, m in members.items()}
    props = {void.value(n, VOID.property): integer(void, n, VOID.triples)
             for n in void.objects(DS, VOID.propertyPartition)}
    assert props == dict(uses)


def test_dcat_distributions_carry_the_manifest_checksums(void, built):
    settings, _ = built
    manifest = json.loads((settings.ttl_dir / "manifest.json").read_text())
    found = {}
    for dist in void.subjects(RDF.type, DCAT.Distribution):
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        found[str(dist).rsplit("/", 1)[-1]] = (str(void.value(checksum, SPDX.checksumValue)),
                                               integer(void, dist, DCAT.byteSize))
        assert void.value(dist, DCAT.downloadURL) == dist
    for name, entry in manifest["files"].items():
        assert found[name] == (entry["sha256"], entry["bytes"])
    dumps = {str(d).rsplit("/", 1)[-1] for d in void.objects(DS, VOID.dataDump)}
    assert {"crm-kg.trig", "crm-kg.nq"} <= dumps


def test_endpoint_licence_sources_publisher_modified(void, built):
    settings, _ = built
    endpoint = void.value(DS, VOID.sparqlEndpoint)
    assert endpoint == URIRef(BASE + "sparql")
    assert (endpoint, RDF.type, DCAT.DataService) in void and (endpoint, DCAT.servesDataset, DS) in void
    named = {void.value(n, SD.name) for n in void.objects(endpoint, SD.namedGraph)}
    assert URIRef(BASE + "graph/nhfl-2025") in named
    ontology = Graph().parse(settings.root / "ontology" / "crm.ttl", format="turtle")
    assert void.value(DS, DCTERMS.license) == ontology.value(URIRef(BASE + "ontology"), DCTERMS.license)
    assert set(void.objects(DS, DCTERMS.source)) == {URIRef(BASE + "id/report/nhfl-2025"),
                                                      URIRef(BASE + "id/report/zh-2024")}
    publisher = void.value(DS, DCTERMS.publisher)
    assert publisher is not None and void.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) is not None
    modified = void.value(DS, DCTERMS.modified)
    assert modified.datatype == URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert modified.toPython() == modified_date(settings.ttl_dir)
    assert {str(x) for x in void.objects(DS, DCTERMS.language)} == {"en", "nl"}
    assert URIRef(BASE + "id/place/zuid-holland") in set(void.objects(DS, DCTERMS.spatial))


def test_modified_date_from_git_or_the_manifest(built, settings, tmp_path):
    build_settings, _ = built
    fresh = modified_date(build_settings.ttl_dir)   # a temporary build: not in git
    assert fresh == dt.datetime.fromtimestamp((build_settings.ttl_dir / "manifest.json").stat().st_mtime,
                                              tz=dt.timezone.utc).date()
    import subprocess
    proc = subprocess.run(["git", "-C", str(settings.ttl_dir), "log", "-1", "--format=%cs", "--", "."],
                          capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(settings.ttl_dir), "status", "--porcelain", "--", "."],
                           capture_output=True, text=True).stdout.strip()
    if proc.returncode == 0 and proc.stdout.strip() and not dirty:
        assert modified_date(settings.ttl_dir).isoformat() == proc.stdout.strip()


@pytest.mark.parametrize("accept, parser", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                            ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_dataset_in_every_format_and_html(client, accept, parser):
    r = client.get("/dataset", headers={"Accept": accept})
    assert r.mimetype == accept
    graph = Graph().parse(data=r.data, format=parser)
    assert (DS, RDF.type, VOID.Dataset) in graph and (DS, RDF.type, DCAT.Dataset) in graph
    html = client.get("/dataset", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'<td id="void-triples">{int(graph.value(DS, VOID.triples))}</td>' in html
    assert 'href="/graph/nhfl-2025"' in html and 'href="/downloads/crm-kg.trig"' in html


def test_well_known_void_prefers_rdf_dataset_prefers_html(client):
    assert client.get("/.well-known/void", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    assert client.get("/dataset", headers={"Accept": "*/*"}).mimetype == "text/html"
    assert client.get("/dataset.ttl").mimetype == "text/turtle"


def test_graph_iri_dereferences(client, built):
    settings, _ = built
    manifest = json.loads((settings.ttl_dir / "manifest.json").read_text())
    graph = Graph().parse(data=client.get("/graph/zh-2024", headers={"Accept": "text/turtle"}).data,
                          format="turtle")
    subset = URIRef(BASE + "graph/zh-2024")
    assert int(graph.value(subset, VOID.triples)) == manifest["graphs"]["zh-2024"]["triples"]
    html = client.get("/graph/zh-2024", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'<td id="graph-triples">{manifest["graphs"]["zh-2024"]["triples"]}</td>' in html
    assert 'href="/id/report/zh-2024"' in html and 'href="/downloads/zh-2024.ttl"' in html
    assert client.get("/graph/nonesuch", headers={"Accept": "text/html"}).status_code == 404


def test_downloads_are_the_built_files_with_their_checksums(client, built):
    settings, _ = built
    manifest = json.loads((settings.ttl_dir / "manifest.json").read_text())
    page = client.get("/downloads").get_data(as_text=True)
    sums = client.get("/downloads/SHA256SUMS").get_data(as_text=True).splitlines()
    types = {".trig": "application/trig", ".nq": "application/n-quads", ".ttl": "text/turtle"}
    for name, entry in manifest["files"].items():
        assert f'href="/downloads/{name}"' in page and entry["sha256"] in page
        assert f"{entry['sha256']}  {name}" in sums
        r = client.get(f"/downloads/{name}")
        assert r.status_code == 200 and r.mimetype == types[name[name.rindex("."):]]
        assert hashlib.sha256(r.data).hexdigest() == entry["sha256"]
        assert r.data == (settings.ttl_dir / name).read_bytes()
        assert r.headers["Repr-Digest"] == "sha-256=:" + base64.b64encode(bytes.fromhex(entry["sha256"])).decode() + ":"
        r.close()
    # the whole graph as TriG, N-Quads and Turtle per graph; the ontology in Turtle
    assert {"crm-kg.trig", "crm-kg.nq", "ontology.ttl"} <= set(manifest["files"])


def test_downloads_refuse_unknown_and_tampered_files(built, store, tmp_path):
    from crm_kg.web import create_app

    settings, _ = built
    client = create_app({"TESTING": True, "SETTINGS": settings, "STORE": store}).test_client()
    for path in ("/downloads/nope.ttl", "/downloads/..%2Fmanifest.json", "/downloads/../pyproject.toml"):
        assert client.get(path).status_code == 404
    copy = tmp_path / "ttl"
    shutil.copytree(settings.ttl_dir, copy)
    data = (copy / "zh-2024.ttl").read_bytes()
    (copy / "zh-2024.ttl").write_bytes(data.replace(b"zh-2024", b"zh-2025", 1))
    tampered = create_app({"TESTING": True, "SETTINGS": settings.with_(ttl_dir=copy), "STORE": store}).test_client()
    r = tampered.get("/downloads/zh-2024.ttl")
    assert r.status_code == 500 and b"does not match the checksum" in r.data
    assert tampered.get("/downloads/nhfl-2025.ttl").status_code == 200


def test_ontology_rdfxml_is_listed_when_generated(built, store, tmp_path):
    from crm_kg.web import create_app

    settings, _ = built
    root = tmp_path / "root"
    (root / "ontology").mkdir(parents=True)
    (root / "queries").symlink_to(settings.root / "queries")
    client = create_app({"TESTING": True, "SETTINGS": settings.with_(root=root), "STORE": store}).test_client()
    assert 'id="owl-missing"' in client.get("/downloads").get_data(as_text=True)
    owl = Graph().parse(settings.root / "ontology" / "crm.ttl", format="turtle").serialize(format="xml")
    (root / "ontology" / "crm.owl").write_text(owl, encoding="utf-8")
    page = client.get("/downloads").get_data(as_text=True)
    assert 'href="/downloads/crm.owl"' in page and 'id="owl-missing"' not in page
    r = client.get("/downloads/crm.owl")
    assert r.mimetype == "application/rdf+xml" and r.data == (root / "ontology" / "crm.owl").read_bytes()
    r.close()
