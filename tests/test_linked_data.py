"""Dereferencing: every kind of entity answers in HTML and four RDF formats,
by Accept and by extension; bodies are parsed back and checked against the store."""

from __future__ import annotations

import html as html_module
import json
import re

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from crm_kg.iri import CRM

BASE = "https://w3id.org/crm-kg/"
HTML_ACCEPT = {"Accept": "text/html"}   # a browser; no Accept at all is */*, which gets Turtle

# one entity per kind, with its most specific class
KINDS = {
    "organisation": ("organisation/cleantron", CRM.Company),
    "place": ("place/noord-holland", CRM.Province),
    "material": ("material/gallium", CRM.ChemicalElement),
    "recommendation": ("recommendation/nhfl-2025/3", CRM.Recommendation),
    "opportunity": ("opportunity/nhfl-2025/1", CRM.Opportunity),
    "passage": ("passage/nhfl-2025-en/737", CRM.Passage),
    "concept": ("activity/recycling-collection", CRM.Activity),
}
RDF_FORMATS = {  # media type → (extension, rdflib parser)
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/n-triples": ("nt", "nt"),
}


def outbound(store, iri: str) -> set:
    """What the store states about ``iri`` (all graphs), as (p, o) pairs."""
    rows = store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", {"s": URIRef(iri)}).rows
    return {(r["p"], r["o"]) for r in rows}


def inbound(store, iri: str) -> set:
    rows = store.query("SELECT DISTINCT ?o ?s ?p WHERE { ?s ?p ?o }", {"o": URIRef(iri)}).rows
    return {(r["s"], r["p"]) for r in rows}


def label(store, iri: str, lang: str) -> str:
    rows = store.query("SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
                       {"s": URIRef(iri)}).rows
    by_lang = {r["l"].language: str(r["l"]) for r in rows}
    return by_lang.get(lang) or by_lang.get(None) or next(iter(by_lang.values()))


def parse(body: bytes, fmt: str) -> Graph:
    return Graph().parse(data=body, format=fmt)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("media_type", sorted(RDF_FORMATS))
@pytest.mark.parametrize("how", ["accept", "extension"])
def test_rdf_by_accept_and_by_extension(client, store, kind, media_type, how):
    slug, cls = KINDS[kind]
    iri = BASE + "id/" + slug
    ext, parser = RDF_FORMATS[media_type]
    if how == "accept":
        r = client.get(f"/id/{slug}", headers={"Accept": media_type})
    else:
        r = client.get(f"/id/{slug}.{ext}", headers={"Accept": "text/html"})  # the extension wins
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == media_type
    assert r.headers["Content-Location"] == f"/id/{slug}.{ext}"
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    graph = parse(r.data, parser)
    subject = URIRef(iri)
    assert (subject, RDF.type, cls) in graph
    # every statement of the store about it, and every statement pointing to it
    assert outbound(store, iri) <= set(graph.predicate_objects(subject))
    assert inbound(store, iri) <= set(graph.subject_predicates(subject))
    # nothing about it that the store does not say
    assert set(graph.predicate_objects(subject)) <= outbound(store, iri)
    # the other variants are announced
    links = r.headers["Link"]
    for other_ext, _ in RDF_FORMATS.values():
        assert f"</id/{slug}.{other_ext}>; rel=\"alternate\"" in links


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_html_page_in_the_readers_language(app, store, kind, lang):
    slug, cls = KINDS[kind]
    iri = BASE + "id/" + slug
    client = app.test_client()
    r = client.get(f"/id/{slug}", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
                                           "Accept-Language": lang})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    h1 = re.search(r'<h1 id="label">(.*?)</h1>', html).group(1)
    has_label = store.query("ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }", {"s": URIRef(iri)}).boolean
    if has_label and kind == "place":      # a Dutch place goes by its official Dutch name
        assert h1 == label(store, iri, "nl").replace("&", "&amp;")
        assert lang == "nl" or label(store, iri, "en") in html.split("</h1>", 1)[1].split("</header>")[0]
    elif has_label:
        assert h1 == label(store, iri, lang).replace("&", "&amp;")
    assert f'<code id="iri">{iri}</code>' in html
    assert f'<html lang="{lang}">' in html
    # the type is shown and links to its place in the ontology documentation
    assert f'href="/ontology#{cls[len(str(CRM)):]}"' in html
    # every variant is announced in the page head
    for ext in ("ttl", "jsonld", "rdf", "nt"):
        assert f'href="/id/{slug}.{ext}"' in html


def test_every_statement_is_on_the_page_with_linked_values(client, store):
    iri = BASE + "id/organisation/cleantron"
    html = client.get("/id/organisation/cleantron", headers={"Accept": "text/html"}).get_data(as_text=True)
    props = html[html.index('id="properties"'):]
    for p, o in outbound(store, iri):
        if isinstance(o, URIRef) and o.startswith(BASE + "id/"):
            assert f'href="/{o[len(BASE):]}"' in props, o
        elif isinstance(o, Literal):
            assert str(o) in props
    # inbound links: the passage it comes from is linked from "what it is derived from"
    assert 'href="/id/passage/nhfl-2025-en/788"' in html


def test_q_values_decide(client):
    r = client.get("/id/material/gallium", headers={"Accept": "text/turtle;q=0.5, application/rdf+xml;q=0.9"})
    assert r.mimetype == "application/rdf+xml"
    r = client.get("/id/material/gallium", headers={"Accept": "application/json"})
    assert r.mimetype == "application/ld+json"
    r = client.get("/id/material/gallium?format=nt")
    assert r.mimetype == "application/n-triples"
    r = client.get("/id/material/gallium", headers={"Accept": "*/*"})
    assert r.mimetype == "text/turtle"          # the default RDF format; /ontology agrees


def test_not_acceptable_lists_what_is(client):
    r = client.get("/id/material/gallium", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.get_data(as_text=True) and "application/ld+json" in r.get_data(as_text=True)


def test_jsonld_context_is_inline(client):
    r = client.get("/id/material/gallium.jsonld")
    doc = json.loads(r.data)

    def contexts(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    yield value
                yield from contexts(value)
        elif isinstance(node, list):
            for item in node:
                yield from contexts(item)

    found = list(contexts(doc))
    assert found, "a compacted document with a context"
    for ctx in found:  # a processor never has to fetch a context
        assert isinstance(ctx, dict)
        assert not any(isinstance(v, str) and v.endswith((".jsonld", ".json")) for v in ctx.values())
    assert doc.get("@id") == BASE + "id/material/gallium" or any(
        n.get("@id") == BASE + "id/material/gallium" for n in doc.get("@graph", []))


def test_etag_and_conditional_get(client):
    r = client.get("/id/material/gallium.ttl")
    etag = r.headers["ETag"]
    again = client.get("/id/material/gallium.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/id/material/gallium.nt", headers={"If-None-Match": etag})
    assert other.status_code == 200  # a different variant, a different tag


def test_head_answers_like_get(client):
    r = client.head("/id/material/gallium", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle" and r.data == b""


def test_concept_scheme_iri_dereferences(client):
    r = client.get("/id/activity", headers={"Accept": "text/turtle"})
    graph = parse(r.data, "turtle")
    scheme = URIRef(BASE + "id/activity")
    assert (scheme, RDF.type, URIRef("http://www.w3.org/2004/02/skos/core#ConceptScheme")) in graph


@pytest.mark.parametrize("path", ["/id/material/unobtainium", "/id/organisation/cleantron/extra",
                                  "/id/material/gallium.xyz", "/id/nothing-here"])
def test_unknown_iri_is_404_with_a_search_box(client, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert 'role="search"' in html and 'id="search-404"' in html
    assert f"{BASE}{path.lstrip('/')}" in html
    machine = client.get(path, headers={"Accept": "text/turtle"})
    assert machine.status_code == 404 and machine.mimetype == "text/plain"


def test_404_suggests_near_names(client):
    html = client.get("/id/material/neodym", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Perhaps you meant" in html and 'href="/id/material/neodymium"' in html
    html = client.get("/id/organisation/cleantron-bv", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/id/organisation/cleantron"' in html


def test_passage_page_shows_the_text_from_the_source_file(client, settings):
    from crm_kg.pipeline.sources import Span, read_sources

    doc = read_sources(settings.sources, only=["nhfl-2025-en"])["nhfl-2025-en"]
    expected = doc.text(Span("nhfl-2025-en", 737, 737))
    html = client.get("/id/passage/nhfl-2025-en/737", headers={"Accept": "text/html"}).get_data(as_text=True)
    quote = re.search(r'<blockquote cite="/id/passage/nhfl-2025-en/737" class="passage-text">(.*?)</blockquote>',
                      html, re.S).group(1)
    assert html_module.unescape(quote) == expected
    assert "002_99edad7c3c8ce4b6.txt" in html.split('id="for-developers"')[1]   # the file: for developers only
    assert "002_99edad7c3c8ce4b6.txt" not in html.split('id="for-developers"')[0]
    assert 'href="/id/section/nhfl-2025-en/6"' in html  # the section
    assert "line 737" in html
    assert 'href="/id/report/nhfl-2025"' in html


def test_without_source_files_the_citation_stays_and_says_why(built, store, tmp_path):
    from crm_kg.web import create_app

    settings, _ = built
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(sources=tmp_path / "absent"), "STORE": store})
    html = app.test_client().get("/id/passage/nhfl-2025-en/737", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "passage-text" not in html
    assert "source files not configured" in html
    assert "line 737" in html and "002_99edad7c3c8ce4b6.txt" in html.split('id="for-developers"')[1]


def test_report_page_shows_full_titles_from_the_manifest(client, settings):
    import yaml

    manifest = yaml.safe_load((settings.sources / "manifest.yaml").read_text(encoding="utf-8"))
    title = next(r["title"] for r in manifest["reports"] if r["id"] == "zh-2024-nl")
    html = client.get("/id/report/zh-2024", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"<cite>{title}</cite>" in html_module.unescape(html)
    turtle = client.get("/id/report/zh-2024.ttl").get_data(as_text=True)
    assert title not in turtle  # the title stays out of the graph


def test_organisation_page_at_a_glance(client):
    html = client.get("/id/organisation/cleantron?lang=en", headers=HTML_ACCEPT).get_data(as_text=True)
    does = html[html.index('id="block-organisation-activities"'):]
    assert 'href="/id/activity/manufacturing"' in does.split("</section>")[0]
    where = html[html.index('id="block-organisation-location"'):].split("</section>")[0]
    places = re.findall(r'href="/id/place/([^"]+)"', where)
    assert places == ["nieuw-vennep", "haarlemmermeer", "noord-holland", "netherlands"]  # nearest first
    reports = html[html.index('id="block-named-in-reports"'):].split("</section>")[0]
    assert 'href="/id/report/nhfl-2025"' in reports
    assert 'id="block-organisation-materials"' in html
    assert 'id="map-focus"' in html  # a map point: the town it is in


def test_material_page_at_a_glance(client):
    html = client.get("/id/material/neodymium?lang=en", headers=HTML_ACCEPT).get_data(as_text=True)
    for block in ("material-products", "material-supply", "material-lists", "named-in-reports"):
        assert f'id="block-{block}"' in html
    lists = html[html.index('id="block-material-lists"'):].split("</section>")[0]
    assert 'href="/id/list/eu-crm-2023"' in lists and 'href="/id/material/light-rare-earth-elements"' in lists
    gallium = client.get("/id/material/gallium?lang=nl", headers=HTML_ACCEPT).get_data(as_text=True)
    lists = gallium[gallium.index('id="block-material-lists"'):].split("</section>")[0]
    assert "staat op lijst" in lists and "Als lid van" not in lists  # on the lists itself, no group column


def test_place_page_has_a_server_side_map(client):
    html = client.get("/id/place/wormerveer", headers=HTML_ACCEPT).get_data(as_text=True)
    svg = re.search(r"<svg[^>]*class=\"map\".*?</svg>", html, re.S).group(0)
    focus = re.search(r'id="map-focus" data-lon="([\d.]+)" data-lat="([\d.]+)"', svg)
    assert (float(focus.group(1)), float(focus.group(2))) == pytest.approx((4.78, 52.49), abs=0.05)
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no tiles, nothing remote
    assert 'href="/id/place/amsterdam"' in svg  # context dots link to their places


def test_language_switch_sticks(app):
    client = app.test_client()
    client.get("/id/material/gallium?lang=nl", headers=HTML_ACCEPT)
    html = client.get("/id/activity/recycling-collection", headers=HTML_ACCEPT).get_data(as_text=True)
    assert '<h1 id="label">recycling: inzameling en voorbehandeling</h1>' in html


def test_a_figure_is_one_row_with_its_subjects_and_both_editions(client, store):
    """The gallium figure is about two subjects and stated in both editions: one row, not four."""
    figures = store.query("""PREFIX crm: <https://w3id.org/crm-kg/ontology#>
        SELECT DISTINCT ?f WHERE { ?f a crm:Figure ; crm:about <https://w3id.org/crm-kg/id/material/gallium> }""").rows
    html = client.get("/id/material/gallium?lang=en", headers=HTML_ACCEPT).get_data(as_text=True)
    block = html[html.index('id="block-figures"'):].split("</section>")[0]
    rows = re.findall(r"<tr><td>.*?</tr>", block, re.S)
    assert len(rows) == len(figures) >= 1
    automotive = next(r for r in rows if "automotive" in r)
    assert automotive.count("nhfl-2025-en, line") == 1 and automotive.count("nhfl-2025-nl, lines") == 1
    assert 'href="/id/material/gallium"' in automotive and automotive.count('<ul class="cell-values">') == 2


def test_merge_rows_keeps_order_and_single_values():
    from crm_kg.web.entity import Term, merge_rows

    f1, f2, a, b, en, nl = (Term(x) for x in ("f1", "f2", "a", "b", "en", "nl"))
    rows = [[f1, a, en], [f1, b, en], [f1, a, nl], [f2, a, None]]
    assert merge_rows(rows, 0) == [[f1, [a, b], [en, nl]], [f2, a, None]]
