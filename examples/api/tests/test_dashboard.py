"""The dashboard in headless Chromium (Debian's chromium and chromium-driver, through
selenium): the list renders with tier badges and without blacklisted machines, a machine's
detail draws its history chart and timeline, and a rating submitted through the form is
stored (checked in the database). Saves a screenshot to $SCREENSHOT (first,
before the other tests change the data: run this file before the others)."""
import os
import shutil

import pytest

from conftest import rows

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMEDRIVER):
        pytest.skip("chromium-driver is not installed")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1400", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds).until(condition)


def test_screenshot(browser, base_url, fleet):
    path = os.environ.get("SCREENSHOT")
    if not path:
        pytest.skip("SCREENSHOT is not set")
    browser.get(f"{base_url}/#machine={fleet['fair'][0]}")  # first: a fresh page, the fleet as loaded
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#d-timeline svg rect")))
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#machines tbody tr .daily-bars")))
    browser.find_element(By.ID, "rating-user").send_keys("user-17")
    assert browser.save_screenshot(path)
    assert os.path.getsize(path) > 10_000


def test_list_renders_with_tier_badges(browser, base_url, fleet):
    browser.get(base_url + "/")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#machines tbody tr .tier-badge")))
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#machines tbody tr .daily-bars")))
    table_rows = browser.find_elements(By.CSS_SELECTOR, "#machines tbody tr")
    assert len(table_rows) >= 20
    badges = [r.find_element(By.CSS_SELECTOR, ".tier-badge").get_attribute("data-tier") for r in table_rows]
    assert {"excellent", "good", "fair", "poor", "new"} <= set(badges), badges
    shown = {int(r.get_attribute("data-machine-id")) for r in table_rows}
    assert not shown & set(fleet["blacklisted"])
    scores = [float(r.find_element(By.CSS_SELECTOR, ".score").text) for r in table_rows
              if r.find_element(By.CSS_SELECTOR, ".score").text != "–"]
    assert scores == sorted(scores, reverse=True)


def test_tier_filter(browser, base_url):
    browser.get(base_url + "/")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#machines tbody tr .tier-badge")))
    Select(browser.find_element(By.ID, "tier")).select_by_visible_text("poor")
    wait(browser, lambda b: set(b.execute_script(  # one read of the DOM, which the list may be re-rendering
        "return [...document.querySelectorAll('#machines .tier-badge')].map(e => e.dataset.tier)")) == {"poor"})
    Select(browser.find_element(By.ID, "tier")).select_by_visible_text("any")


def test_rating_through_the_form(browser, base_url, admin, fleet):
    machine_id = fleet["fair"][0]
    browser.get(f"{base_url}/#machine={machine_id}")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#d-history svg rect")))
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#d-timeline svg rect[data-state=offline]")))
    assert browser.find_element(By.CSS_SELECTOR, "#d-tier .tier-badge").get_attribute("data-tier") == "fair"
    for stars, comment in ((2, "fans very loud"), (4, "better after the reboot")):
        user = browser.find_element(By.ID, "rating-user")
        user.clear()
        user.send_keys("dashboard-user")
        Select(browser.find_element(By.ID, "rating-stars")).select_by_value(str(stars))
        box = browser.find_element(By.ID, "rating-comment")
        box.clear()
        box.send_keys(comment)
        browser.find_element(By.ID, "rating-submit").click()
        wait(browser, lambda b: b.find_element(By.ID, "rating-status").get_attribute("data-state") == "ok"
             and f"{stars} ★" in b.find_element(By.ID, "rating-status").text)
        stored = rows(admin, """SELECT stars, comment FROM reliability.ratings
                                WHERE machine_id = %(m)s AND user_id = 'dashboard-user'""", m=machine_id)
        assert stored == [{"stars": stars, "comment": comment}]
    # a bad value comes back with PostgreSQL's SQLSTATE and message
    browser.execute_script("document.getElementById('rating-stars').add(new Option('7', '7'))")
    Select(browser.find_element(By.ID, "rating-stars")).select_by_value("7")
    browser.find_element(By.ID, "rating-submit").click()
    wait(browser, lambda b: b.find_element(By.ID, "rating-status").get_attribute("data-state") == "error")
    assert "23514" in browser.find_element(By.ID, "rating-status").text
    browser.execute_script("document.getElementById('rating-stars').remove(5)")
