"""A real browser opens the run's reports: headless Chromium (Debian's /usr/bin/chromium with
chromedriver, via selenium), no network, a fresh profile. It loads index.html and one report,
checks that the page rendered (title, a figure with alt text that has actually been drawn) and
saves screenshots next to the run (html/_skærmbillede_*.png).

`make test` installs chromium and chromium-driver when running as root; elsewhere the test
skips with the reason, except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from run_support import E2E_GROUP, e2e_run

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group(E2E_GROUP)]

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1600",
)


def _binaries() -> tuple[str | None, str | None]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return chromium, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver = _binaries()
    if not (chromium and driver):
        reason = ("chromium og chromedriver mangler (installér: apt-get install chromium "
                  "chromium-driver; `make test` gør det selv som root)")
        if os.environ.get("CI"):
            pytest.fail(f"CI skal køre browsertesten: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profil')}")
    # No network: every request to anything but file:// goes to a closed local port.
    options.add_argument("--proxy-server=127.0.0.1:9")
    options.add_argument("--proxy-bypass-list=<-loopback>")
    drv = webdriver.Chrome(options=options, service=Service(driver))
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    _, final, code, output = e2e_run(tmp_path_factory, "intern")
    assert code == 0, output
    return final


def _figures_drawn(drv) -> list[dict]:
    return drv.execute_script(
        "return Array.from(document.images).map(i => "
        "({alt: i.alt, w: i.naturalWidth, h: i.naturalHeight, complete: i.complete}));"
    )


def test_index_and_a_report_render_in_chromium(browser, finished_run: Path):
    from selenium.webdriver.common.by import By

    html = finished_run / "html"
    browser.get((html / "index.html").as_uri())
    assert "Eksempelkommune" in browser.title
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "da"
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
    reports = [h for h in links if h.endswith(".html") and not h.endswith("index.html")]
    assert reports, "the index links to no report"
    assert browser.save_screenshot(str(html / "_skaermbillede_index.png"))

    # The first report with a figure (00_datagrundlag has several).
    for href in reports:
        browser.get(href)
        images = _figures_drawn(browser)
        if images:
            break
    assert images, "no report shows a figure"
    assert browser.title and "Eksempelkommune" in browser.title
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading.strip()
    for img in images:
        assert img["complete"] and img["w"] > 100 and img["h"] > 50, img
        assert img["alt"].strip()
    assert browser.save_screenshot(str(html / "_skaermbillede_rapport.png"))
    browser.execute_script("document.images[0].scrollIntoView({block: 'center'});")
    assert browser.save_screenshot(str(html / "_skaermbillede_figur.png"))
    shot = (html / "_skaermbillede_figur.png").read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000  # a drawn page, not blank
    if os.environ.get("SOCIALANALYSE_SKAERMBILLEDER"):  # keep copies to look at by hand
        target = Path(os.environ["SOCIALANALYSE_SKAERMBILLEDER"])
        target.mkdir(parents=True, exist_ok=True)
        for png in html.glob("_skaermbillede_*.png"):
            shutil.copy(png, target / png.name)
