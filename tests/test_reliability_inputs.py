"""Bad input at build time fails closed: one line naming the file and line, data/ttl unchanged,
nothing fetched (sockets blocked in-process, a loopback listener as the bait)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

import pytest
import synthetic
from conftest import ROOT
from rdflib import OWL, Graph, URIRef

from crm_kg import cli
from crm_kg.config import Settings
from crm_kg.errors import CrmKgError
from crm_kg.pipeline.publish import publish
from crm_kg.quality.rdfinput import parse as parse_rdf

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="urn:x"><rdfs:label>&lol9;</rdfs:label></rdf:Description>
</rdf:RDF>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{url}/dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""

PLAIN_RDFXML = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="urn:x"><rdfs:label>x</rdfs:label></rdf:Description>
</rdf:RDF>
"""


@pytest.fixture()
def no_network(monkeypatch):
    """Every attempt to open a network connection in this process is recorded and refused."""
    attempts = []

    def refuse(*args, **_kwargs):
        attempts.append(args)
        raise OSError("network access in a test of bad input")

    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture()
def project(settings, tmp_path):
    """A copy of the hand-edited inputs (ontology, data) to spoil, and a built graph beside it."""
    root = tmp_path / "root"
    shutil.copytree(settings.ontology_dir, root / "ontology")
    shutil.copytree(settings.data_dir, root / "data", ignore=shutil.ignore_patterns("ttl", ".ttl.*"))
    (root / "queries").symlink_to(settings.queries_dir)
    shutil.copytree(settings.sources, tmp_path / "sources")
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    return Settings(root=root, sources=tmp_path / "sources", ttl_dir=target)


def state(directory) -> dict:
    """Everything in and beside the graph directory, byte for byte (and when it was written)."""
    return {str(p.relative_to(directory.parent)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(directory.parent.glob("*ttl*/*")) if p.is_file()} | {
        "entries": sorted(p.name for p in directory.parent.iterdir())}


def fails_closed(project, capsys, monkeypatch, says: list[str]) -> str:
    """``crm-kg build`` on ``project``: exit 1, one line naming what is wrong, nothing changed."""
    before = state(project.ttl_dir)
    monkeypatch.setattr(cli, "load_settings", lambda **kw: project)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crm-kg: error: "), err
    for text in says:
        assert text in err, err
    assert state(project.ttl_dir) == before
    return err


def _edit(path, old: str, new: str) -> int:
    """Replace the first ``old`` in ``path``; the line number it is on."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old):], encoding="utf-8")
    return text.count("\n", 0, index) + 1


def test_a_source_that_is_not_the_pinned_edition(project, capsys, monkeypatch, no_network):
    path = project.sources / "002_99edad7c3c8ce4b6.txt"
    path.write_text(path.read_text(encoding="utf-8") + "one more line\n", encoding="utf-8")
    fails_closed(project, capsys, monkeypatch,
                 [f"{path}: sha256", "does not match the pinned", "edition nhfl-2025-en",
                  f"{project.data_dir / 'sources.yaml'}:10"])
    assert no_network == []


def test_a_typo_in_a_curated_key(project, capsys, monkeypatch, no_network):
    path = project.data_dir / "curated" / "nhfl-2025" / "contains.yaml"
    line = _edit(path, "  - goods_category:", "  - goods_categroy:")
    fails_closed(project, capsys, monkeypatch, [f"{path}:{line}: unknown key 'goods_categroy'"])
    assert no_network == []


def test_a_wrong_type_in_a_curated_value(project, capsys, monkeypatch, no_network):
    path = project.data_dir / "curated" / "nhfl-2025" / "contains.yaml"
    line = _edit(path, "materials: [niobium, rhodium, cobalt, europium, palladium, gadolinium, tungsten, "
                       "yttrium, tantalum]", "materials: niobium")
    fails_closed(project, capsys, monkeypatch, [f"{path}:{line}:", "'materials' must be list, got str"])
    assert no_network == []


def test_a_remote_owl_imports_in_the_ontology(project, capsys, monkeypatch, listener, no_network):
    path = project.ontology_dir / "crm.ttl"
    text = path.read_text(encoding="utf-8")
    anchor = "<https://w3id.org/crm-kg/ontology> a owl:Ontology"
    if anchor not in text:
        anchor = "<https://w3id.org/crm-kg/ontology#> a owl:Ontology"
    assert anchor in text
    line = _edit(path, anchor, f"{anchor} ;\n    owl:imports <{listener.url}>")
    fails_closed(project, capsys, monkeypatch,
                 [f"{path}:{line + 1}: owl:imports <{listener.url}> is not accepted", "nothing is"])
    assert listener.untouched() and no_network == []


def test_a_remote_owl_imports_in_the_shapes(project, capsys, monkeypatch, listener, no_network):
    """Shapes are read when the built dataset is validated, before anything is written."""
    path = project.ontology_dir / "shapes" / "extra.ttl"
    path.write_text(f"@prefix owl: <http://www.w3.org/2002/07/owl#> .\n\n<urn:shapes> a owl:Ontology ;\n"
                    f"    owl:imports <{listener.url}> .\n", encoding="utf-8")
    fails_closed(project, capsys, monkeypatch, [f"{path}:4: owl:imports <{listener.url}>"])
    assert listener.untouched() and no_network == []


@pytest.mark.parametrize("document, line, says", [
    (BILLION_LAUGHS, 2, "a DOCTYPE is not accepted"),
    (EXTERNAL_ENTITY, 2, "a DOCTYPE is not accepted"),
])
def test_rdfxml_with_a_doctype_is_refused_before_any_entity(tmp_path, listener, no_network,
                                                             document, line, says):
    path = tmp_path / "input.owl"
    path.write_text(document.format(url=f"http://127.0.0.1:{listener.port}"), encoding="utf-8")
    with pytest.raises(CrmKgError) as refused:
        parse_rdf(path)
    assert str(refused.value).startswith(f"{path}:{line}: {says}")
    assert listener.untouched() and no_network == []


def test_crm_kg_validate_refuses_such_rdfxml_in_one_line(tmp_path, listener):
    path = tmp_path / "lol.rdf"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crm_kg.cli", "validate", "--input", str(path), "--no-owl"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == f"crm-kg: error: {path}:2: a DOCTYPE is not accepted in RDF/XML input " \
                          "(entities can expand without bound or fetch files); write the IRIs out in full\n"
    plain = tmp_path / "plain.owl"                  # RDF/XML without a DOCTYPE is read as usual
    plain.write_text(PLAIN_RDFXML, encoding="utf-8")
    assert len(parse_rdf(plain)) == 1
    assert listener.untouched()


def test_validate_input_with_owl_imports_is_refused(tmp_path, listener, no_network):
    path = tmp_path / "data.ttl"
    path.write_text(f"<urn:a> <http://www.w3.org/2002/07/owl#imports> <{listener.url}> .\n", encoding="utf-8")
    with pytest.raises(CrmKgError, match=rf"^{path}:1: owl:imports <{listener.url}> is not accepted"):
        parse_rdf(path)
    assert listener.untouched() and no_network == []


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
def test_owlready2_is_never_handed_an_import(listener):
    """owlready2 would fetch an imported ontology; the reasoner step drops owl:imports first."""
    from crm_kg.quality.reasoning import hermit

    graph = Graph()
    graph.add((URIRef("urn:test:onto"), OWL.imports, URIRef(listener.url)))
    graph.add((URIRef("urn:test:onto"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), OWL.Ontology))
    consistent, _ = hermit(graph)
    assert consistent is True and listener.untouched()

