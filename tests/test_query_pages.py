"""Saved queries over HTTP: the library page, a question's page, the API and its OpenAPI document.

Bodies are read back: tables, links, labels in English and Dutch, counts, pages,
downloads parsed as CSV, JSON and Turtle, charts as SVG, and errors naming the
parameter.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from crm_kg.web import state

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
SVG = "{http://www.w3.org/2000/svg}"
EXAMPLE = "/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities"


class Page(HTMLParser):
    """Tables (cell texts and links), options of selects, elements by id, attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self.options: dict[str, list[tuple[str, str, bool]]] = {}
        self.ids: dict[str, dict] = {}
        self.links: list[tuple[str, str]] = []
        self.styles = 0
        self.inline_scripts = 0
        self._table = self._row = self._cell = self._select = self._option = self._a = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] = attrs
        if "style" in attrs:
            self.styles += 1
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", None]
        elif tag == "a":
            self._a = [attrs.get("href"), ""]
            if self._cell is not None and self._cell[1] is None:
                self._cell[1] = attrs.get("href")
        elif tag == "select":
            self._select = self.options.setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None and "hidden" not in attrs:   # what a reader can pick
            self._option = [attrs.get("value"), "", "selected" in attrs]

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "a" and self._a is not None:
            self.links.append((self._a[0], self._a[1].strip()))
            self._a = None
        elif tag == "option" and self._option is not None:
            self._select.append((self._option[0], self._option[1].strip(), self._option[2]))
            self._option = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data
        if self._option is not None:
            self._option[1] += data
        if self._a is not None:
            self._a[1] += data

    def column(self, table: str, heading: str) -> list[tuple[str, str | None]]:
        rows = self.tables[table]
        index = [h for h, _ in rows[0]].index(heading)
        return [row[index] for row in rows[1:]]


def html(client, url, **headers):
    response = client.get(url, headers={"Accept": "text/html", **headers})
    return response, Page(response.get_data(as_text=True))


# -- /queries -----------------------------------------------------------------------------

def test_library_grouped_by_topic_in_both_languages(client, app):
    library = state.of(app).library
    response, page = html(client, "/queries")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for q in library:
        assert f'href="/queries/{q.name}"' in text
    assert '<h2>Trade measures</h2>' in text and '<h2>Recommendations</h2>' in text
    assert f"{len(library)} of {len(library)} questions" in text
    response, _ = html(client, "/queries", **{"Accept-Language": "nl-NL,nl;q=0.9"})
    dutch = response.get_data(as_text=True)
    assert '<h2>Handelsmaatregelen</h2>' in dutch and "Tijdlijn van handelsmaatregelen" in dutch
    assert '<html lang="nl">' in dutch


def test_library_search_without_script(client):
    _, page = html(client, "/queries")
    assert page.ids["query-search"].get("method") == "get" and page.ids["query-search"]["action"] == "/queries"
    response, _ = html(client, "/queries?q=gallium")
    text = response.get_data(as_text=True)
    found = set(re.findall(r'data-query="([^"]+)"', text))
    assert {"where-is-material-mentioned", "trade-measures-by-material"} <= found
    assert "swot-items" not in found and "policies-by-level" not in found
    dutch = client.get("/queries?q=aanbevelingen tijdspanne").get_data(as_text=True)
    dutch = set(re.findall(r'data-query="([^"]+)"', dutch))
    assert "recommendations-by-time-frame" in dutch and "swot-items" not in dutch
    trade = set(re.findall(r'data-query="([^"]+)"', client.get("/queries?tag=trade").get_data(as_text=True)))
    assert trade == {"trade-measures-by-material", "trade-measures-timeline",
                     "materials-mentioned-with-export-restrictions"}
    nothing = client.get("/queries?q=zzzzqqq").get_data(as_text=True)
    assert 'id="nothing"' in nothing and "data-query" not in nothing


# -- /queries/<name> -----------------------------------------------------------------------

def test_question_page_form_table_and_count(client):
    response, page = html(client, EXAMPLE)
    assert response.status_code == 200
    actor = page.options["actor"]
    assert ("municipalities", "municipalities", True) in actor
    assert [v for v, _, _ in page.options["opportunity"]] == ["1", "2", "3", "4", "5"]
    assert next(label for v, label, _ in page.options["opportunity"] if v == "3").startswith(
        "3 — Help recycling companies grow their services")
    assert page.options["lang"] == [("en", "English", True), ("nl", "Dutch", False)]
    numbers = [text for text, _ in page.column("results", "Number")]
    assert numbers == ["1", "3", "5", "9", "10"]
    recs = page.column("results", "Recommendation")
    assert recs[0] == ("Regular dialogue with the region's companies", "/id/recommendation/nhfl-2025/1")
    assert all(href.startswith("/id/recommendation/nhfl-2025/") for _, href in recs)
    assert "Title" not in [h for h, _ in page.tables["results"][0]]       # the name column is merged
    assert "Actor" not in [h for h, _ in page.tables["results"][0]]       # bound parameters are constants
    assert re.search(r'<span id="row-count">5</span>', response.get_data(as_text=True))
    assert page.styles == 0 and page.inline_scripts == 0                  # nothing the CSP would block


def test_question_page_in_dutch(client):
    response, page = html(client, EXAMPLE, **{"Accept-Language": "nl"})
    assert ("municipalities", "gemeenten", True) in page.options["actor"]
    assert page.options["lang"][1] == ("nl", "Nederlands", True)
    assert page.column("results", "Aanbeveling")[0][0] == "Regelmatige dialoog met bedrijven in de regio"
    assert [text for text, _ in page.column("results", "Tijdspanne")][:1] == ["binnen 1 jaar"]
    english = client.get(EXAMPLE + "&lang=en", headers={"Accept-Language": "nl"})   # the switch wins
    assert "Regular dialogue with the region&#39;s companies" in english.get_data(as_text=True)


@pytest.fixture(scope="module")
def half_translated_client(built, tmp_path_factory):
    """The real graph with the Dutch names of recommendation 9 and of one activity removed.

    Served from a copy of the build: its graph version is the build's, so on the build's own
    directory it would read the parameter lists another test's server saved beside it
    (``data/.ttl.store/lists``), with the Dutch names this graph no longer has."""
    import shutil

    import pyoxigraph as ox

    from crm_kg.store.embedded import EmbeddedStore
    from crm_kg.web import answers, create_app, state

    build_settings, _ = built
    # as another test's served app does: the lists of the whole graph saved beside the build
    answers.prepare_lists(state.of(create_app({"TESTING": True, "SETTINGS": build_settings,
                                               "STORE": EmbeddedStore.from_directory(build_settings.ttl_dir)})))
    copy = tmp_path_factory.mktemp("half") / "ttl"
    shutil.copytree(build_settings.ttl_dir, copy)
    build_settings = build_settings.with_(ttl_dir=copy)
    store = EmbeddedStore.from_directory(copy)
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    for iri in ("https://w3id.org/crm-kg/id/recommendation/nhfl-2025/9",
                "https://w3id.org/crm-kg/id/activity/metal-recovery"):
        for quad in list(store._store.quads_for_pattern(ox.NamedNode(iri), None, None)):
            if quad.predicate in (label, pref) and getattr(quad.object, "language", None) == "nl":
                store._store.remove(quad)
    return create_app({"TESTING": True, "SETTINGS": build_settings, "STORE": store}).test_client()


def test_missing_dutch_names_fall_back_to_english(half_translated_client):
    _, page = html(half_translated_client, EXAMPLE + "&lang=nl")
    names = dict((href, text) for text, href in page.column("results", "Aanbeveling"))
    assert names["/id/recommendation/nhfl-2025/9"] == "A European network of local and regional governments"
    assert names["/id/recommendation/nhfl-2025/1"] == "Regelmatige dialoog met bedrijven in de regio"
    _, form = html(half_translated_client, "/queries/organisations-by-activity?lang=nl")
    activities = dict((v, label) for v, label, _ in form.options["activity"])
    assert activities["metal-recovery"] == "recycling: metal recovery" and activities["processing"] == "verwerking"


def test_citations_link_to_passages_and_pages(client):
    _, page = html(client, "/queries/goods-category-shares?province=flevoland")
    text, href = page.column("results", "Passages")[0]
    assert text.split() == ["nhfl-2025-en:342", "nhfl-2025-nl:1105"]
    links = [h for h, t in page.links if t in ("nhfl-2025-en:342", "nhfl-2025-nl:1105")]
    assert links == ["/id/passage/nhfl-2025-en/342", "/id/passage/nhfl-2025-nl/1105"]
    for link in links:
        assert client.get(link, headers={"Accept": "text/html"}).status_code == 200
    assert page.column("results", "Share (%)")[0][0] == "38.5"


def test_pages_of_a_long_answer(client):
    url = "/queries/where-is-material-mentioned?material=gallium"
    _, whole = html(client, url + "&limit=1000")
    everything = [row for row in whole.tables["results"][1:]]
    response, first = html(client, url + "&limit=4")
    text = response.get_data(as_text=True)
    total = int(re.search(r'<span id="row-count">(\d+)</span>', text).group(1))
    assert total == len(everything) > 8
    assert f"showing 1–4 of {total}" in text
    assert first.tables["results"][1:] == everything[:4] and "prev" not in first.ids
    response, second = html(client, first.ids["next"]["href"].replace("&amp;", "&"))
    assert second.tables["results"][1:] == everything[4:8]
    assert parse_qs(urlsplit(second.ids["prev"]["href"]).query)["limit"] == ["4"]
    assert client.get(url + "&limit=0").status_code == 400


def test_sparql_on_demand_opens_in_the_editor(client):
    response, page = html(client, EXAMPLE)
    text = response.get_data(as_text=True)
    assert '<details class="sparql" id="sparql">' in text and "crm:servesOpportunity" in text
    editor = page.ids["open-editor"]["href"]
    assert editor.startswith("/sparql?")
    query = parse_qs(urlsplit(editor).query)["query"][0]
    body = "\n".join(line for line in query.splitlines() if not line.startswith("#"))
    assert "VALUES (?actor ?lang ?opportunity ?report) { (<https://w3id.org/crm-kg/id/actor-type/municipalities> " in body
    response, answer = html(client, editor)
    assert response.status_code == 200
    numbers = [re.match(r"\d+", t).group() for t, _ in answer.column("results", "number")]   # "1integer"
    assert numbers == ["1", "3", "5", "9", "10"]


def test_downloads_parse_back(client):
    _, page = html(client, EXAMPLE)
    downloads = {text: href for href, text in page.links if href and href.startswith("/api/") and "format=" in href}
    assert set(downloads) == {"CSV", "JSON", "Turtle"}
    rows = list(csv.DictReader(io.StringIO(client.get(downloads["CSV"]).get_data(as_text=True))))
    assert [r["number"] for r in rows] == ["1", "3", "5", "9", "10"]
    payload = client.get(downloads["JSON"]).get_json()
    assert [b["number"]["value"] for b in payload["results"]["bindings"]] == ["1", "3", "5", "9", "10"]
    turtle = client.get(downloads["Turtle"])
    assert turtle.mimetype == "text/turtle"
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    result = next(graph.subjects(None, RS.ResultSet))
    solutions = list(graph.objects(result, RS.solution))
    assert len(solutions) == 5
    by_index = {}
    for s in solutions:
        values = {str(graph.value(b, RS.variable)): graph.value(b, RS.value) for b in graph.objects(s, RS.binding)}
        by_index[int(graph.value(s, RS["index"]))] = values
    assert by_index[1]["recommendation"] == URIRef("https://w3id.org/crm-kg/id/recommendation/nhfl-2025/1")
    assert by_index[5]["number"] == Literal(10)
    assert by_index[2]["title"].language == "en"
    assert set(map(str, graph.objects(result, RS.resultVariable))) >= {"recommendation", "number", "title"}


def test_bad_value_is_a_400_page_naming_the_parameter(client):
    response, page = html(client, "/queries/recommendations-for-opportunity?opportunity=6")
    assert response.status_code == 400
    assert page.ids["param-opportunity"].get("aria-invalid") == "true"
    assert page.ids["param-opportunity"].get("aria-describedby") == "error-opportunity"
    body = response.get_data(as_text=True)
    assert ('<p class="field-error" id="error-opportunity">“6” is not among the values for the chosen report. '
            "Allowed: 1, 2, 3, 4, 5.</p>") in body
    assert ("6", "6 ✗", True) in page.options["opportunity"]     # the value given stays chosen, marked
    assert "results" not in page.tables
    response, _ = html(client, "/queries/organisations-in-place?place=zuid-holland&report=mars")
    assert response.status_code == 400 and 'id="error-report">“mars” is not one of the allowed values.' in \
        response.get_data(as_text=True)


def test_every_bad_field_at_once_in_the_pages_language(client):
    response, page = html(client, "/queries/recommendations-for-opportunity?report=zh-2024&opportunity=abc"
                                  "&actor=mayors&lang=nl")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert '<p class="field-error" id="error-opportunity">“abc” is geen geheel getal. Toegestaan: 1, 2, 3, 4.</p>' in body
    assert 'id="error-actor">“mayors” is geen van de toegestane waarden. Toegestaan: ' in body
    assert ("mayors", "mayors ✗", True) in page.options["actor"]          # never silently another actor
    # the opportunities listed are the chosen report's, by name, without report ids
    opportunities = page.options["opportunity"]
    assert [v for v, _, _ in opportunities if v != "abc"] == ["1", "2", "3", "4"]
    assert all("(zh-2024)" not in label and "(nhfl-2025)" not in label for _, label, _ in opportunities)



def _svg(page_html: str) -> ET.Element:
    start = page_html.index("<svg")
    return ET.fromstring(page_html[start:page_html.index("</svg>", start) + 6])


def test_bar_chart_of_organisations_per_activity(client):
    """Figure 4 of the Zuid-Holland report: 35 in collection and pre-treatment, the most."""
    text = client.get("/queries/organisation-counts-by-activity?report=zh-2024&lang=nl").get_data(as_text=True)
    svg = _svg(text)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-title chart-desc"
    assert svg.find(f"{SVG}title").text == "Hoeveel organisaties een rapport per ketenactiviteit noemt"
    assert "recycling: inzameling en voorbehandeling: 35" in svg.find(f"{SVG}desc").text
    bars = svg.findall(f".//{SVG}rect")
    assert len(bars) == 7
    widths = [float(b.get("width")) for b in bars]
    assert widths == sorted(widths, reverse=True)                   # 35, 21, 17, 14, 2, 1, 1
    labels = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels[0] == "recycling: inzameling en voorbehandeling"


def test_grouped_bars_and_matrix(client):
    svg = _svg(client.get("/queries/goods-category-shares").get_data(as_text=True))
    assert len(svg.findall(f".//{SVG}rect[@class='chart-bar series-0']")) == 5       # Flevoland
    assert len(svg.findall(f".//{SVG}rect[@class='chart-bar series-1']")) == 5       # Noord-Holland
    assert "Products of the automotive industry: Flevoland 38.5%, Noord-Holland 37.5%" in svg.find(f"{SVG}desc").text
    page = client.get("/queries/goods-category-shares?lang=en").get_data(as_text=True)   # Dutch places' Dutch names
    assert ">Noord-Holland</a>" in page and ">North Holland<" not in page      # table, chart and form
    matrix = _svg(client.get("/queries/recommendation-opportunity-matrix").get_data(as_text=True))
    cells = matrix.findall(f".//{SVG}rect")
    assert len(cells) == 50 and sum(1 for c in cells if c.get("class") == "matrix-cell on") == 32
    heads = [t.find(f"{SVG}title").tail for t in matrix.findall(f"{SVG}text") if t.get("class") == "chart-head"]
    assert heads == ["1", "2", "3", "4", "5"]
    alone = client.get("/queries/recommendation-opportunity-matrix/chart.svg?actor=national-government")
    assert alone.mimetype == "image/svg+xml"
    assert b'<?xml-stylesheet type="text/css" href="/static/queries.css"?>' in alone.data   # styled alone too
    standalone = ET.fromstring(alone.data)
    assert sum(1 for c in standalone.iter(f"{SVG}rect") if c.get("class") == "matrix-cell on") == 7
    assert client.get("/queries/swot-items/chart.svg").status_code == 404        # no chart asked for


def _text(element) -> str:
    """A chart text as read: its lines (tspans) joined, its <title> left out."""
    parts = [element.text or ""] + [(t.text or "") + (t.tail or "") for t in element if t.tag == f"{SVG}tspan"]
    title = element.find(f"{SVG}title")
    return " ".join(p.strip() for p in ([title.tail or ""] if title is not None else parts) if p.strip())


def test_charts_show_whole_labels_and_qualified_values(client):
    svg = _svg(client.get("/queries/supply-concentration?lang=en").get_data(as_text=True))
    labels = [_text(t) for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert "China's share of world heavy rare earth supply" in labels and not any("…" in x for x in labels)
    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert values[:2] == ["up to 100%", "almost 100%"] and "more than 90%" in values and "91%" in values
    bars = [b.get("class") for b in svg.iter(f"{SVG}rect")]
    assert bars[0] == "chart-bar series-0 ceiling" and bars.count("chart-bar series-0 ceiling") == 1
    assert "China's share of world heavy rare earth supply: up to 100%" in svg.find(f"{SVG}desc").text
    nl = _svg(client.get("/queries/supply-concentration?lang=nl").get_data(as_text=True))
    assert {t.text for t in nl.iter(f"{SVG}text") if t.get("class") == "chart-value"} >= {"tot 100%", "bijna 100%"}
    # a label too long for one line goes on two, each within the drawing
    from crm_kg.web.charts import CHAR_W

    matrix = _svg(client.get("/queries/recommendation-opportunity-matrix?lang=en").get_data(as_text=True))
    width = float(matrix.get("viewBox").split()[2])
    for t in matrix.iter(f"{SVG}text"):
        for line in [t] + [x for x in t if x.tag == f"{SVG}tspan"]:
            if line.text and line.text.strip():
                assert float(t.get("x")) + len(line.text) * CHAR_W * 0.9 <= width, line.text
    assert any(len([x for x in t if x.tag == f"{SVG}tspan"]) >= 2 for t in matrix.iter(f"{SVG}text"))
    # the columns have titles: each number with its opportunity's name under the grid
    keys = [_text(t) for t in matrix.iter(f"{SVG}text") if t.get("class") == "chart-key"]
    assert len(keys) == 5 and keys[2] == "3 — Help recycling companies grow their services", keys


# -- the API -----------------------------------------------------------------------------------

def test_api_list_with_parameters_and_closed_lists(client, app):
    listing = client.get("/api/queries").get_json()
    assert {q["name"] for q in listing} == set(state.of(app).library.queries)
    entry = next(q for q in listing if q["name"] == "recommendations-for-opportunity")
    params = {p["name"]: p for p in entry["params"]}
    assert params["opportunity"]["type"] == "integer" and params["opportunity"]["default"] == 3
    assert [v["value"] for v in params["opportunity"]["values"]] == ["1", "2", "3", "4", "5"]
    actors = {v["value"]: v["label"] for v in params["actor"]["values"]}
    assert actors["municipalities"] == {"en": "municipalities", "nl": "gemeenten"}
    assert entry["page"] == "/queries/recommendations-for-opportunity"


def test_api_formats_by_accept(client):
    url = "/api/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities"
    r = client.get(url)
    assert r.mimetype == "application/sparql-results+json" and r.headers["X-Total-Count"] == "5"
    assert r.headers["Access-Control-Allow-Origin"] == "*" and "Link" not in r.headers
    r = client.get(url, headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle" and len(list(Graph().parse(data=r.get_data(as_text=True)).objects(
        None, RS.solution))) == 5
    r = client.get(url, headers={"Accept": "text/csv;q=0.9, application/json;q=0.5"})
    assert r.mimetype == "text/csv" and r.get_data(as_text=True).startswith("recommendation,number,title")
    assert client.get(url, headers={"Accept": "image/png"}).status_code == 406
    r = client.get(url + "&format=ttl", headers={"Accept": "application/json"})
    assert r.mimetype == "text/turtle"


def test_api_pages_with_link_headers(client):
    url = "/api/queries/where-is-material-mentioned?material=gallium"
    whole = client.get(url).get_json()["results"]["bindings"]
    total = len(whole)
    seen, next_url, pages = [], url + "&limit=3", 0
    while next_url:
        r = client.get(next_url)
        assert r.headers["X-Total-Count"] == str(total)
        seen += r.get_json()["results"]["bindings"]
        links = dict((rel, href) for href, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["Link"]))
        assert set(links) >= {"first", "last"}
        next_url = links.get("next")
        pages += 1
    assert seen == whole and pages == -(-total // 3)
    assert "offset=0" in links["first"] and f"offset={(total - 1) // 3 * 3}" in links["last"]
    for bad, param in (("limit=abc", "limit"), ("limit=0", "limit"), ("offset=-3", "offset"),
                       ("limit=999999", "limit")):
        r = client.get(url + "&" + bad)
        assert r.status_code == 400 and r.get_json()["param"] == param


@pytest.mark.parametrize("query, param", [
    ("supply-concentration?minimum=lots", "minimum"), ("supply-concentration?country=japan", "country"),
    ("trade-measures-timeline?from=1999", "from"), ("products-in-sector?sector=space", "sector"),
    ("figures-with-source?subject=material/unobtainium", "subject"), ("statements-about?subject=%3Cx%3E", "subject"),
])
def test_api_bad_values_name_the_parameter(client, query, param):
    r = client.get("/api/queries/" + query)
    assert r.status_code == 400 and r.get_json()["param"] == param


# -- OpenAPI ---------------------------------------------------------------------------------------

def test_openapi_document_is_valid_and_generated_from_the_headers(client, app):
    from openapi_spec_validator import validate

    r = client.get("/api/openapi.json")
    doc = r.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for q in state.of(app).library:
        op = doc["paths"][f"/api/queries/{q.name}"]["get"]
        assert op["summary"] == q.title["en"]
        names = [p.get("name") for p in op["parameters"] if "name" in p]
        assert names == [p.name for p in q.params]
    op = doc["paths"]["/api/queries/recommendations-for-opportunity"]["get"]
    params = {p["name"]: p for p in op["parameters"] if "name" in p}
    assert params["opportunity"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 20, "default": 3,
                                               "enum": [1, 2, 3, 4, 5]}
    assert "municipalities" in params["actor"]["schema"]["enum"]
    assert params["lang"]["schema"]["enum"] == ["en", "nl"]
    supply = {p["name"]: p for p in doc["paths"]["/api/queries/supply-concentration"]["get"]["parameters"]
              if "name" in p}
    assert supply["minimum"]["schema"]["type"] == "number" and supply["country"]["schema"]["enum"][0] == ""


def test_api_page_renders_the_document(client):
    response, page = html(client, "/api")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and page.inline_scripts == 0
    assert 'id="query_recommendations_for_opportunity"' in text
    assert "<code>opportunity</code>" in text and "/api/openapi.json" in text
    assert all(not href.startswith(("http://", "https://")) or "127.0.0.1" in href or "localhost" in href
               for href, _ in page.links if href)


# -- other query forms (a library of two fixture queries) ---------------------------------------

@pytest.fixture(scope="module")
def forms_client(built, store, tmp_path_factory):
    """A library with a CONSTRUCT and an ASK query written for this test."""
    from crm_kg.web import create_app

    build_settings, _ = built
    root = tmp_path_factory.mktemp("root")
    queries = root / "queries"
    queries.mkdir()
    (queries / "describe").symlink_to(build_settings.queries_dir / "describe")
    (queries / "opportunity-graph.rq").write_text(
        "#+ title: {en: The opportunities of a report as RDF, nl: De kansen van een rapport als RDF}\n"
        "#+ tags: [opportunities]\n"
        "#+ params:\n"
        "#+   report: {type: iri, class: crm:Report, base: 'https://w3id.org/crm-kg/id/report/', default: nhfl-2025,"
        " label: {en: Report, nl: Rapport}}\n"
        "PREFIX crm: <https://w3id.org/crm-kg/ontology#>\n"
        "CONSTRUCT { ?o a crm:Opportunity ; crm:number ?n } WHERE { ?o a crm:Opportunity ; crm:inReport $report ;"
        " crm:number ?n }\n", encoding="utf-8")
    (queries / "has-opportunity.rq").write_text(
        "#+ title: {en: 'Does a report have an opportunity N?', nl: 'Heeft een rapport een kans N?'}\n"
        "#+ tags: [opportunities]\n"
        "#+ params:\n"
        "#+   n: {type: integer, default: 5, label: {en: Number, nl: Nummer}}\n"
        "PREFIX crm: <https://w3id.org/crm-kg/ontology#>\n"
        "ASK { ?o a crm:Opportunity ; crm:number $n ; crm:inReport <https://w3id.org/crm-kg/id/report/zh-2024> }\n",
        encoding="utf-8")
    settings = build_settings.with_(root=root)
    return create_app({"TESTING": True, "SETTINGS": settings, "STORE": store}).test_client()


def test_construct_and_ask_queries(forms_client):
    r = forms_client.get("/api/queries/opportunity-graph")
    assert r.mimetype == "text/turtle" and r.headers["X-Total-Count"] == "10"       # 5 × (type, number)
    graph = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    numbers = sorted(int(n) for n in graph.objects(None, URIRef("https://w3id.org/crm-kg/ontology#number")))
    assert numbers == [1, 2, 3, 4, 5]
    r = forms_client.get("/api/queries/opportunity-graph?report=zh-2024", headers={"Accept": "application/ld+json"})
    assert r.mimetype == "application/ld+json" and '"@context"' in r.get_data(as_text=True)
    assert forms_client.get("/api/queries/opportunity-graph", headers={"Accept": "text/csv"}).status_code == 406
    response, page = html(forms_client, "/queries/opportunity-graph")
    assert response.status_code == 200 and len(page.tables["results"]) == 11         # heading + 10 triples
    assert forms_client.get("/api/queries/has-opportunity").get_json() == {"head": {}, "boolean": False}
    assert forms_client.get("/api/queries/has-opportunity?n=4").get_json()["boolean"] is True
    text = forms_client.get("/queries/has-opportunity?n=4&lang=nl").get_data(as_text=True)
    assert '<p class="boolean" id="boolean">ja</p>' in text
