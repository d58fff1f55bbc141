"""A Ukrainian reader (issue 15): arrives with a Ukrainian browser, filters, switches language
and keeps the filters, reads an incident translated with its original marked."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP

pytestmark = pytest.mark.browser


def test_ukrainian_reader_journey(browser: Browser, live_server, demo) -> None:
    context = browser.new_context(locale="uk-UA", viewport=DESKTOP)
    page = context.new_page()
    base = live_server.url
    # An address without a language: the browser's Accept-Language picks Ukrainian.
    page.goto(f"{base}/incidents/")
    expect(page).to_have_url(f"{base}/uk/incidents/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Інциденти")

    form = page.get_by_role("search", name="Фільтрувати інциденти")
    form.get_by_label("Область").select_option("zaporizhzhia")
    form.get_by_role("button", name="Застосувати").click()
    page.wait_for_url(re.compile(r"/uk/incidents/\?.*oblast=zaporizhzhia"))
    expect(page.get_by_role("heading", name="1 інцидент", exact=True)).to_be_visible()

    # The switcher keeps the page and its filters.
    page.get_by_role("navigation", name="Мова").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/incidents/\?.*oblast=zaporizhzhia"))
    expect(page.get_by_role("heading", name="1 incident", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Українська").click()
    page.wait_for_url(re.compile(r"/uk/incidents/\?.*oblast=zaporizhzhia"))

    page.get_by_role("link", name=re.compile("Страта українських військових")).click()
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "uk")
    expect(page.get_by_text("Перекладено з англійської").first).to_be_visible()
    original = page.locator("details.original-text").first
    original.locator("summary").click()
    expect(original.locator("[lang=en]")).to_contain_text("Execution of surrendering Ukrainian")
    context.close()
