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
    wide = {}
    for name, path in PAGES.items():
        browser.set_window_size(width, 900)
        browser.get(live_server + path)
        measured = _shot(browser, name, width)
        if measured > width:
            wide[name] = measured
    assert not wide, f"pages wider than {width} px: {wide}"


PAGES = {
    "home-nl": "/?lang=nl",
    "queries-en": "/queries?lang=en",
    "sparql-en": "/sparql?lang=en",
}


def test_api_page_tries_a_call_with_swagger_ui(browser, live_server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/api?lang=en")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock-tag"))
    assert not browser.find_element(By.CSS_SELECTOR, ".static-api nav.toc").is_displayed()
    tag = browser.find_element(By.CSS_SELECTOR, "#swagger-ui .opblock-tag[data-tag='recommendations']")
    browser.execute_script("arguments[0].click()", tag)
    block = _wait(browser, lambda d: d.find_elements(
        By.CSS_SELECTOR, "#swagger-ui [id$='recommendations_for_opportunity'] .opblock-summary-control"))[0]
    browser.execute_script("arguments[0].click()", block)
    button = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .try-out__btn"))[0]
    browser.execute_script("arguments[0].click()", button)
    execute = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .execute"))[0]
    browser.execute_script("arguments[0].click()", execute)
    body = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .responses-table .response-col_description pre"))[0]
    assert '"bindings"' in body.text and "nhfl-2025/1" in body.text     # the answer, from this server
    statuses = [td.text.strip() for td in browser.find_elements(
        By.CSS_SELECTOR, "#swagger-ui .live-responses-table tbody .response-col_status")]
    assert "200" in statuses, statuses
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert all(url.startswith(live_server) for url in resources), resources
    assert _shot(browser, "api-try-it-en", 1280) <= 1280
