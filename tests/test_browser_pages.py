"""The pages in a real browser (headless Chromium, as test_browser.py): the SPARQL editor
(YASGUI from node_modules), page widths at a phone's 390 px and a laptop's 1280 px, Dutch
pages without English. Screenshots go to ``test-artifacts/`` (git-ignored)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from test_browser import ARTIFACTS, browser, pytestmark  # noqa: F401,F811  (the fixture and the skip)


def _wait(driver, condition, seconds=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def _shot(driver, name: str, width: int):
    """The page at ``width`` px: its scrollWidth, and a screenshot of its whole height."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 900), 5000))
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))
    return driver.execute_script("return document.documentElement.scrollWidth")


def test_sparql_editor_is_yasgui_with_names_and_readable_errors(browser, live_server):  # noqa: F811
    from selenium.webdriver.common.by import By

    query = "SELECT ?material WHERE { ?material a crm:Material ; crm:elementSymbol 'Ga' }"
    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/sparql?" + urlencode({"query": query, "format": "html", "lang": "nl"}))
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .yasqe .CodeMirror"))
    # the query is in the editor with the prefix it uses declared, and it ran
    text = browser.execute_script("return document.querySelector('#yasgui .CodeMirror').CodeMirror.getValue()")
    assert text.startswith("PREFIX crm: <https://w3id.org/crm-kg/ontology#>\n") and text.endswith(query)
    link = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results a.named"))[0]
    assert link.text == "Gallium" and link.get_attribute("href") == f"{live_server}/id/material/gallium"
    assert not browser.find_element(By.ID, "query").is_displayed()          # the plain form gave way
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert all(url.startswith(live_server) for url in resources), resources
    assert _shot(browser, "sparql-editor-nl", 1280) <= 1280

    # a mistake: the sentence with line and column, in the editor's result area
    bad = "SELECT * WHERE {\n  ?s foo:bar ?o\n}"
    browser.set_window_size(390, 900)
    browser.get(f"{live_server}/sparql?" + urlencode({"query": bad, "format": "html", "lang": "en"}))
    problem = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .sparql-problem"))[0]
    assert problem.text.startswith("line 2, column 6: unknown prefix `foo:` — declare it")
    assert _shot(browser, "sparql-error-en", 390) <= 390

    # an example opens in a tab of its own
    browser.set_window_size(1280, 1000)
    before = len(browser.find_elements(By.CSS_SELECTOR, "#yasgui .tabsList .tab"))
    example = browser.find_element(By.CSS_SELECTOR, "#examples a.example")
    browser.execute_script("arguments[0].click()", example)
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#yasgui .tabsList .tab")) == before + 1)
    active = browser.find_element(By.CSS_SELECTOR, "#yasgui .tabsList .tab.active").text
    assert active.splitlines()[0] == example.get_attribute("data-label")


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser, live_server, width):  # noqa: F811
    wide, maps, cut = {}, {}, {}
    for name, path in PAGES.items():
        browser.set_window_size(width, 900)
        browser.get(live_server + path)
        measured = _shot(browser, name, width)
        if measured > width:
            wide[name] = measured
        if name.startswith("query-"):   # chart texts end inside the drawing (real font metrics)
            over = browser.execute_script(
                "var s = document.querySelector('svg.chart'); if (!s) return [];"
                "var w = s.viewBox.baseVal.width;"
                "return Array.prototype.filter.call(s.querySelectorAll('text'), function (t) {"
                "  var b = t.getBBox(); return b.x < 0 || b.x + b.width > w + 1; })"
                ".map(function (t) { return t.textContent; });")
            if over:
                cut[name] = over
        if name.startswith("entity-") and name not in ("entity-gallium-en", "entity-recommendation-en",
                                                       "entity-report-en"):
            maps[name] = browser.execute_script(  # the provinces drawn: shapes on screen, in the box
                "var s = document.querySelector('svg.map'); if (!s) return null;"
                "var r = s.getBoundingClientRect(), p = s.querySelectorAll('path.province');"
                "return [p.length, Math.round(r.width), Math.round(p[0].getBoundingClientRect().width)];")
    assert not wide, f"pages wider than {width} px: {wide}"
    assert not cut, f"chart texts beyond their drawing: {cut}"
    for name, (shapes, box, first) in maps.items():
        assert shapes == 12 and 250 <= box <= width and first > 20, (name, shapes, box, first)


PAGES = {
    "home-nl": "/?lang=nl",
    "queries-en": "/queries?lang=en",
    "query-figures-gallium-en": "/queries/figures-with-source?subject=material/gallium&lang=en",
    "query-disagreements-en": "/queries/disagreements?lang=en",
    "query-recommendations-nl": "/queries/recommendations-for-opportunity?lang=nl",
    "query-matrix-en": "/queries/recommendation-opportunity-matrix?lang=en",
    "query-supply-en": "/queries/supply-concentration?lang=en",
    "query-shares-nl": "/queries/goods-category-shares?lang=nl",
    "entity-gallium-en": "/id/material/gallium?lang=en",
    "entity-cleantron-nl": "/id/organisation/cleantron?lang=nl",
    "entity-recommendation-en": "/id/recommendation/nhfl-2025/3?lang=en",
    "entity-noord-holland-nl": "/id/place/noord-holland?lang=nl",
    "entity-report-en": "/id/report/nhfl-2025?lang=en",
    "dataset-en": "/dataset?lang=en",
    "downloads-nl": "/downloads?lang=nl",
    "search-nl": "/search?q=galium&lang=nl",
    "sparql-en": "/sparql?lang=en",
    "api-nl": "/api?lang=nl",
    "ontology": "/ontology",          # pyLODE's page, narrow-screen rules added by quality/ontodoc.py
}


def test_dutch_pages_say_it_in_dutch(client):
    """The words of the pages themselves (the reports' passages keep their edition's language)."""
    for path in ("/?lang=nl", "/queries?lang=nl", "/search?q=gallium&lang=nl", "/downloads?lang=nl",
                 "/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities&lang=nl",
                 "/queries/recommendations-for-opportunity?opportunity=1&actor=eu&lang=nl"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        footer = html.split("<footer>", 1)[1]
        assert footer.startswith("crm-kg — kritieke grondstoffen in de Nederlandse provincies"), path
        assert "result(s)" not in html and "resultaat/resultaten" not in html, path
    one = client.get("/search?q=cleantron&lang=nl", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "1 resultaat voor" in one
    five = client.get("/queries/recommendations-for-opportunity?opportunity=3&actor=municipalities&lang=nl",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<span id="row-count">5</span> resultaten' in five


def test_dutch_places_go_by_their_dutch_names(client):
    html = client.get("/id/place/noord-holland?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    head = html.split('<header class="entity-head">', 1)[1].split("</header>", 1)[0]
    assert '<h1 id="label">Noord-Holland</h1>' in head and "North Holland" in head   # the English name beside it
    org = client.get("/id/organisation/cleantron?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ">Noord-Holland<" in org and ">North Holland<" not in org


def test_recommendation_page_reads_like_a_card_with_sources(browser, live_server):  # noqa: F811
    import re

    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/id/recommendation/nhfl-2025/3?lang=en")
    card = browser.find_element(By.ID, "block-recommendation-summary")
    text = card.text
    for words in ("Time frame", "within 1 year", "Responsible", "municipalities", "Serves opportunity",
                  "Help recycling companies grow their services"):
        assert words in text, words
    assert text.count("Serves opportunity") == 1              # four opportunities under one heading
    # each statement has its sources beside it: the passages, both editions, text on demand
    row = browser.find_element(By.XPATH, "//table[@id='properties']//tr[th[normalize-space()='time frame']]")
    sources = [a.text for a in row.find_elements(By.CSS_SELECTOR, "ul.sources a")]
    assert any("(en)" in s for s in sources) and any("(nl)" in s for s in sources), sources
    quote = row.find_element(By.CSS_SELECTOR, "ul.sources details blockquote")
    assert not quote.is_displayed()
    browser.execute_script("arguments[0].open = true", row.find_element(By.CSS_SELECTOR, "ul.sources details"))
    assert quote.is_displayed() and quote.text
    # what a reader sees names no file, graph or ontology term (they are in the developers' fold)
    visible = browser.find_element(By.TAG_NAME, "main").text
    assert not re.search(r"\.txt\b|graph/|\b(?:crm|rdf|rdfs|dct|prov|skos):[A-Za-z]", visible), visible
    fold = browser.find_element(By.ID, "for-developers")
    browser.execute_script("arguments[0].open = true", fold)
    assert "rdf:type" in fold.text and "https://w3id.org/crm-kg/id/recommendation/nhfl-2025/3" in fold.text
    assert _shot(browser, "entity-recommendation-card-en", 1280) <= 1280


def test_entity_pages_link_to_registers(client):
    html = client.get("/id/material/gallium?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<a href="http://www.wikidata.org/entity/Q861" rel="external" class="external">Wikidata Q861</a>' in html
    nh = client.get("/id/place/noord-holland?lang=nl", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ">Overheid.nl (TOOI) pv27</a>" in nh and ">Wikidata Q701</a>" in nh


def test_form_lists_follow_the_chosen_report(browser, live_server):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(390, 900)
    browser.get(f"{live_server}/queries/recommendations-for-opportunity?lang=en")

    def shown():
        return [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#param-opportunity option")
                if o.get_attribute("hidden") is None]

    assert shown() == ["1", "2", "3", "4", "5"]
    Select(browser.find_element(By.ID, "param-report")).select_by_value("zh-2024")
    assert shown() == ["1", "2", "3", "4"]
    chosen = Select(browser.find_element(By.ID, "param-opportunity")).first_selected_option
    assert chosen.text.startswith("3 — Making strategic high-tech components")
    assert _shot(browser, "form-dependent-en", 390) <= 390
