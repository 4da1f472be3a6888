"""A real browser on an entity page: headless Chromium (Debian's packages)
driven by Selenium against the app on a free 127.0.0.1 port.

It reads the organisation page as a reader would (in Dutch), checks what is
rendered — name, summary blocks, the map, the passage text from the source
file —, searches with the box in the header for a misprint the report uses,
follows the result back, and saves screenshots under ``test-artifacts/``.
Runs whenever ``chromium`` and ``chromium-driver`` are installed (``make
setup`` installs them through scripts/setup-system.sh); nothing is fetched
from the network (Selenium Manager is bypassed by giving the driver path).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "test-artifacts"

webdriver = pytest.importorskip("selenium.webdriver")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                       reason="chromium and chromium-driver are not installed (scripts/setup-system.sh installs them)"),
]


@pytest.fixture()
def browser():
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")      # Selenium Manager must never download anything
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--window-size=1280,1600", "--lang=nl"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_entity_page_in_a_real_browser(browser, live_server, settings):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from crm_kg.pipeline.sources import Span, read_sources

    ARTIFACTS.mkdir(exist_ok=True)
    browser.get(f"{live_server}/id/organisation/cleantron?lang=nl")
    assert browser.title.startswith("Cleantron")
    assert browser.find_element(By.ID, "label").text == "Cleantron"
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "nl"
    # at a glance, in Dutch
    does = browser.find_element(By.ID, "block-organisation-activities")
    assert does.find_element(By.TAG_NAME, "h2").text == "Wat het doet"
    assert "productie" in does.text
    where = browser.find_element(By.ID, "block-organisation-location")
    places = [a.text for a in where.find_elements(By.CSS_SELECTOR, "td:first-child a")]
    assert places == ["Nieuw-Vennep", "Haarlemmermeer", "Noord-Holland", "Nederland"]
    # the map is drawn, with the town's point, and shown on screen
    focus = browser.find_element(By.ID, "map-focus")
    assert focus.is_displayed() and focus.size["width"] > 0
    assert float(focus.get_attribute("data-lat")) == pytest.approx(52.26, abs=0.1)
    # the passage it comes from, read from the source file at serve time
    doc = read_sources(settings.sources, only=["nhfl-2025-en"])["nhfl-2025-en"]
    quotes = [q.text.split() for q in browser.find_elements(By.CSS_SELECTOR, "#sources blockquote.passage-text")]
    assert doc.text(Span("nhfl-2025-en", 788, 788)).split() in quotes  # its Table 6 row
    # no resource the page loads comes from elsewhere than this server
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert resources and all(url.startswith(live_server) for url in resources), resources
    browser.save_screenshot(str(ARTIFACTS / "entity-organisation-nl.png"))

    # search from the box in the header, with a misprint the Dutch edition uses
    box = browser.find_element(By.ID, "search-box")
    box.send_keys("schone troon", Keys.ENTER)
    WebDriverWait(browser, 15).until(lambda d: "/search" in d.current_url)   # the results page, not this one
    group = browser.find_element(By.CSS_SELECTOR, ".result-group")
    assert group.get_attribute("data-type") == "https://w3id.org/crm-kg/ontology#Company"
    link = group.find_element(By.LINK_TEXT, "Cleantron")
    assert "troon" not in browser.find_element(By.CSS_SELECTOR, ".results").text.lower()  # hidden label
    browser.save_screenshot(str(ARTIFACTS / "search-nl.png"))
    link.click()
    assert browser.current_url == f"{live_server}/id/organisation/cleantron"
    assert browser.find_element(By.ID, "label").text == "Cleantron"

    # a material page, and its data in Turtle by the link on the page
    browser.get(f"{live_server}/id/material/gallium?lang=en")
    lists = browser.find_element(By.ID, "block-material-lists")
    assert "EU list of critical raw materials 2023" in lists.text
    browser.save_screenshot(str(ARTIFACTS / "entity-material-en.png"))
    assert (ARTIFACTS / "entity-organisation-nl.png").stat().st_size > 10_000
