"""A real browser on the saved queries: headless Chromium (Debian's packages) driven by Selenium
against the app on a free 127.0.0.1 port (the launch flags and the skip are test_browser.py's).

It opens ``/queries``, searches the library, opens the example question, answers it through the
form — first opportunity 1 for provinces, then opportunity 3 for municipalities, the example of
the issue: recommendations 1, 3, 5, 9 and 10 —, shows the SPARQL and opens it in the SPARQL
editor, draws a chart, switches to Dutch, and saves screenshots under ``test-artifacts/``.
"""

from __future__ import annotations

from test_browser import ARTIFACTS, browser, pytestmark  # noqa: F401,F811  (the fixture and the skip)

EXAMPLE = "recommendations-for-opportunity"


def _numbers(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    table = driver.find_element(By.ID, "results")
    headings = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    column = headings.index("Number" if "Number" in headings else "Nummer") + 1
    return [td.text for td in table.find_elements(By.CSS_SELECTOR, f"tbody td:nth-child({column})")]


def _submit(driver, **values):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    for name, value in values.items():
        Select(driver.find_element(By.ID, f"param-{name}")).select_by_value(value)
    old = driver.find_element(By.ID, "answer")
    driver.find_element(By.ID, "run").click()
    WebDriverWait(driver, 15).until(lambda d: old != d.find_element(By.ID, "answer") and
                                    all(f"{k}={v}" in d.current_url for k, v in values.items()))


def test_example_question_through_the_form(browser, live_server):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(exist_ok=True)
    browser.get(f"{live_server}/queries?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Questions to the knowledge graph"
    # the library's search is a plain form
    box = browser.find_element(By.ID, "q")
    box.send_keys("opportunity actor")
    box.submit()
    WebDriverWait(browser, 15).until(lambda d: "q=opportunity" in d.current_url)
    found = [li.get_attribute("data-query") for li in browser.find_elements(By.CSS_SELECTOR, "li[data-query]")]
    assert EXAMPLE in found and "swot-items" not in found
    browser.save_screenshot(str(ARTIFACTS / "queries-library.png"))
    browser.find_element(By.CSS_SELECTOR, f'li[data-query="{EXAMPLE}"] a.question').click()
    WebDriverWait(browser, 15).until(lambda d: d.current_url.startswith(f"{live_server}/queries/{EXAMPLE}"))

    # another question first, so that the form really changes the answer
    _submit(browser, report="nhfl-2025", opportunity="1", actor="provinces")
    assert _numbers(browser) == ["1", "2", "5", "8", "9", "10"]
    # the example: opportunity 3, municipalities
    _submit(browser, opportunity="3", actor="municipalities")
    assert _numbers(browser) == ["1", "3", "5", "9", "10"]
    assert browser.find_element(By.ID, "row-count").text == "5"
    first = browser.find_element(By.CSS_SELECTOR, "#results tbody tr:first-child td:first-child a")
    assert first.text == "Regular dialogue with the region's companies"
    assert first.get_attribute("href") == f"{live_server}/id/recommendation/nhfl-2025/1"
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert all(url.startswith(live_server) for url in resources), resources
    browser.save_screenshot(str(ARTIFACTS / "queries-answer.png"))

    # the SPARQL on demand, and the same answer in the SPARQL editor
    editor = browser.find_element(By.ID, "open-editor")
    assert not editor.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#sparql summary").click()
    assert editor.is_displayed()
    editor.click()
    WebDriverWait(browser, 15).until(lambda d: "/sparql" in d.current_url)
    assert "actor-type/municipalities" in browser.find_element(By.ID, "query").get_attribute("value")
    # YASGUI runs it: the same five recommendations, by name
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results a.named"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#yasgui .yasr_results tbody tr")
    assert len(rows) == 5
    assert "Regular dialogue with the region's companies" in rows[0].text


def test_chart_and_dutch(browser, live_server):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(exist_ok=True)
    browser.get(f"{live_server}/queries/recommendation-opportunity-matrix?lang=en")
    chart = browser.find_element(By.ID, "chart")
    assert chart.is_displayed() and chart.size["width"] > 300
    marks = browser.find_elements(By.CSS_SELECTOR, "#chart rect.matrix-cell.on")
    assert len(marks) == 32
    browser.find_element(By.LINK_TEXT, "NL").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl")
    assert browser.find_element(By.ID, "question").text == "Welke aanbevelingen dienen welke kansen?"
    label = browser.find_element(By.CSS_SELECTOR, "label[for=param-actor]").text
    assert label == "Verantwoordelijke actor (optioneel)"
    browser.save_screenshot(str(ARTIFACTS / "queries-chart-nl.png"))
    assert (ARTIFACTS / "queries-chart-nl.png").stat().st_size > 10_000
