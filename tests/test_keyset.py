"""Keyset pages (issue 26): a saved query whose answer grows with the store is computed a run
of reports at a time, and its pages, concatenated, are the answer of the query run whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from benchmarks import synthetic
from crm_kg.sparql import keyset
from crm_kg.sparql.binding import BindingError, bind, values_block
from crm_kg.sparql.library import QueryDefinitionError, QueryLibrary, parse_saved_query
from crm_kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
CRM = "https://w3id.org/crm-kg/ontology#"
MATERIAL = "https://w3id.org/crm-kg/id/material/"
CAP = 10_000


@pytest.fixture(scope="module")
def many_reports(tmp_path_factory):
    """The committed build and five synthetic reports: seven reports, each in its own graph."""
    base = json.loads((ROOT / "data" / "ttl" / "manifest.json").read_text())["triples"]
    out = tmp_path_factory.mktemp("keyset") / "g"
    manifest = synthetic.generate(out, base + 50_000, seed=26)
    assert manifest["reports"] >= 4
    store = EmbeddedStore.from_directory(out)
    store.directory = out
    return store


@pytest.fixture(scope="module")
def many_client(many_reports, settings):
    from crm_kg.web import create_app

    app = create_app({"TESTING": True, "SETTINGS": settings.with_(ttl_dir=many_reports.directory),
                      "STORE": many_reports})
    return app.test_client()


def _run(store, calls=None):
    def run(text, bindings, limit):
        if calls is not None:
            calls.append(bindings)
        return store.query(text, bindings, limit=limit)
    return run


def _keyed(store, query, bindings, calls=None):
    answer = keyset.KeyedAnswer(query.text, query.pages["by"], dict(bindings), query.pages["keys"])
    return answer, _run(store, calls)


def _key(row: dict) -> tuple:
    return tuple(sorted((k, v.n3()) for k, v in row.items() if v is not None))


BY_REPORT = ["where-is-material-mentioned", "organisations-working-on-material", "supply-concentration"]
KEYED = [*BY_REPORT, "trade-measures-timeline"]
BINDINGS = [{}, {"lang": "nl"}, {"material": "rare-earth-elements"}, {"material": "scandium"},
            {"minimum": "0"}, {"from": "2023", "to": "2024"}, {"from": "2024", "lang": "nl"}]


def test_the_library_says_which_queries_page_and_by_what(settings):
    library = QueryLibrary(settings.queries_dir)
    assert sorted(q.name for q in library if q.pages) == sorted(KEYED)
    for name in BY_REPORT:
        assert library.get(name).pages["by"] == "report"
    assert library.get("trade-measures-timeline").pages["by"] == "event"


@pytest.mark.parametrize("name", KEYED)
@pytest.mark.parametrize("size", [1, 7, 100])
def test_pages_concatenated_are_the_whole_answer(many_reports, settings, name, size):
    query = QueryLibrary(settings.queries_dir).get(name)
    for raw in BINDINGS:
        if not set(raw) <= {p.name for p in query.params}:
            continue
        bindings = query.bind(raw)
        whole = many_reports.query(query.text, bindings, limit=CAP).rows
        answer, run = _keyed(many_reports, query, bindings)
        rows, offset = [], 0
        while True:
            page = answer.page(run, offset, size, CAP)
            rows += page.result.rows
            assert len(page.result.rows) <= size
            if not page.more:
                assert page.total == len(whole)
                break
            assert page.result.rows and (page.total is None or page.total == len(whole))
            offset += size
        assert [_key(r) for r in rows] == [_key(r) for r in whole], (name, raw, size)
        assert offset // size < 10_000


def test_a_first_page_evaluates_only_the_reports_it_needs(many_reports, settings):
    query = QueryLibrary(settings.queries_dir).get("where-is-material-mentioned")
    calls: list = []
    answer, run = _keyed(many_reports, query, query.bind({}), calls)
    page = answer.page(run, 0, 3, CAP)
    assert len(answer.keys) >= 5
    assert len(page.result.rows) == 3 and page.more and page.total is None
    calls = calls[1:]                   # the first lists the keys
    assert len(calls) == 1 and len(calls[0]["report"]) == keyset.FIRST_RUN == answer.done
    # the next page goes on from the keys evaluated; the first is not evaluated again
    evaluated = answer.done
    answer.page(run, 3, 200, CAP)
    assert all(call["report"][0] not in answer.keys[:evaluated] for call in calls[1:])


def test_an_answer_past_the_cap_is_cut_there(many_reports, settings):
    query = QueryLibrary(settings.queries_dir).get("where-is-material-mentioned")
    answer, run = _keyed(many_reports, query, query.bind({}))
    page = answer.page(run, 0, 100, 5)
    assert len(page.result.rows) == 5 and page.result.truncated and page.total == 5 and not page.more
    assert len(answer.rows) <= 6


def test_values_take_a_run_of_keys_for_one_variable():
    a, b = URIRef("http://example.org/a"), URIRef("http://example.org/b")
    block = values_block({"lang": Literal("en"), "report": (a, b)})
    assert block == 'VALUES (?lang ?report) { ("en" <http://example.org/a>) ("en" <http://example.org/b>) }'
    with pytest.raises(BindingError):
        values_block({"x": (a, b), "y": (a, b)})
    with pytest.raises(BindingError):
        values_block({"x": ()})
    text = bind("SELECT ?report WHERE { ?report ?p ?o }", {"report": (a,)})
    assert "VALUES (?report) { (<http://example.org/a>) }" in text


KEYS = "SELECT ?report WHERE { ?report a ?c } ORDER BY ?report"


@pytest.mark.parametrize("pages,message", [
    ({"by": "nothing", "keys": KEYS}, "not a projected variable"),
    ({"by": "report", "keys": "SELECT ?other WHERE { ?other a ?c } ORDER BY ?other"}, "projects ?report"),
    ({"by": "report", "keys": "SELECT ?report WHERE { ?report a ?c }"}, "with an ORDER BY"),
    ({"by": "report", "keys": "SELECT ?report WHERE { ?report a $kind } ORDER BY ?report"}, "undeclared"),
    ({"by": "report", "keys": "SELECT ?report WHERE { ?report a"}, "does not parse"),
    ({"by": "report"}, "must be a mapping"),
])
def test_a_badly_declared_keyset_is_refused(tmp_path, pages, message):
    path = tmp_path / "q.rq"
    header = "#+ title: {en: T, nl: T}\n#+ pages: " + json.dumps(pages) + "\n"
    path.write_text(header + "SELECT ?report ?other WHERE { ?report ?p ?other } ORDER BY ?report\n")
    with pytest.raises(QueryDefinitionError, match=re.escape(message)):
        parse_saved_query(path)
    path.write_text("#+ title: {en: T, nl: T}\n#+ pages: " + json.dumps({"by": "report", "keys": KEYS}) + "\n"
                    "SELECT ?report ?other WHERE { ?report ?p ?other } ORDER BY ?report ?other\n")
    assert parse_saved_query(path).pages["by"] == "report"


def test_a_rare_material_costs_few_queries(many_reports, settings):
    """Runs grow while a page is short: a material no report names ends in a handful of queries."""
    query = QueryLibrary(settings.queries_dir).get("where-is-material-mentioned")
    calls: list = []
    answer, run = _keyed(many_reports, query, query.bind({"material": MATERIAL + "helium"}), calls)
    page = answer.page(run, 0, 100, CAP)
    assert not page.more and page.total == len(page.result.rows)
    assert len(calls) <= 2 + len(answer.keys).bit_length()


def test_the_api_pages_a_keyed_answer_without_a_total_until_its_end(many_client, many_reports, settings):
    query = QueryLibrary(settings.queries_dir).get("where-is-material-mentioned")
    whole = many_reports.query(query.text, query.bind({}), limit=CAP).rows
    assert len(whole) > 300
    first = many_client.get("/api/queries/where-is-material-mentioned", headers={"Accept": "application/json"})
    assert first.status_code == 200
    assert len(first.get_json()["results"]["bindings"]) == 100        # keyed: the HTML page's size
    url, rows, seen = "/api/queries/where-is-material-mentioned?limit=40", [], 0
    while url:
        response = many_client.get(url, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200
        rows += [b["passage"]["value"] + b["named"]["value"] for b in response.get_json()["results"]["bindings"]]
        link = response.headers.get("Link", "")
        nxt = re.search(r'<([^>]+)>; rel="next"', link)
        if nxt:
            assert "X-Total-Count" not in response.headers or int(response.headers["X-Total-Count"]) == len(whole)
            assert 'rel="first"' in link
        else:
            assert response.headers["X-Total-Count"] == str(len(whole)) and 'rel="last"' in link
        url = nxt and nxt.group(1).replace("http://localhost", "")
        seen += 1
    assert seen == -(-len(whole) // 40)
    assert rows == [str(r["passage"]) + str(r["named"]) for r in whole]
    # before its end is reached, an answer says neither its count nor its last page
    fresh = many_client.get("/api/queries/where-is-material-mentioned?limit=2&lang=nl",
                            headers={"Accept": "application/json"})
    assert "X-Total-Count" not in fresh.headers and 'rel="last"' not in fresh.headers["Link"]
    assert 'rel="next"' in fresh.headers["Link"]


@pytest.mark.parametrize("lang,words", [("en", "more follow"), ("nl", "er volgen meer")])
def test_the_page_says_more_follow_and_links_the_next(many_client, lang, words):
    # a material no earlier test asked for: its answer is not known to its end yet
    page = many_client.get(f"/queries/where-is-material-mentioned?material=rare-earth-elements&lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and words in html and 'id="next"' in html
    assert 'id="row-count"' not in html
    assert html.count("<tr>") == 101        # the heading and a page of 100 rows


def test_a_keyed_chart_is_the_chart_of_its_page(many_client):
    """supply-concentration is keyed and has a chart: the page's chart and its SVG link show the
    rows of that page, not of the first."""
    url = "/queries/supply-concentration?minimum=0&lang=en"
    second = many_client.get(url + "&offset=100").get_data(as_text=True)
    href = re.search(r'id="chart-svg" href="([^"]+)"|href="([^"]+)" id="chart-svg"', second)
    link = (href.group(1) or href.group(2)).replace("&amp;", "&")
    assert "offset=100" in link
    first_svg = many_client.get("/queries/supply-concentration/chart.svg?minimum=0&lang=en").get_data(as_text=True)
    second_svg = many_client.get(link).get_data(as_text=True)
    assert "<svg" in first_svg and "<svg" in second_svg and first_svg != second_svg
