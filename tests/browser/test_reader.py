"""A reader with no account: home → list → filters → incident → source (→ CSV export)."""

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

ZAPORIZHZHIA_TITLE = "Execution of surrendering Ukrainian soldiers filmed by a drone"
POPASNA_TITLE = "Intercepted order to kill Ukrainian prisoners of war, Popasna area"


def filter_list(page: Page, base_url: str) -> None:
    """From the home page, reach the list and filter it by oblast and claim status."""
    page.goto(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "War-crimes allegations, claim by claim"
    )
    page.get_by_role("link", name="Browse incidents").click()
    expect(page).to_have_url(f"{base_url}/en/incidents/")
    expect(page.get_by_role("heading", name="2 incidents")).to_be_visible()

    # issue 14: on a phone the filters are behind a "Filters" button, as a reader finds them.
    toggle = page.locator("summary", has_text="Filters")
    if toggle.is_visible():
        toggle.click()
    form = page.get_by_role("search", name="Filter incidents")
    # (By value: issue 14's labels carry each option's count, "Zaporizhzhia Oblast (1)".)
    form.get_by_label("Oblast").select_option(value="zaporizhzhia")
    form.get_by_label("Has a claim that is").select_option(value="verified")
    form.get_by_role("button", name="Apply").click()

    page.wait_for_url(re.compile(r"/incidents/\?.*oblast=zaporizhzhia.*status=verified"))
    expect(page.get_by_role("heading", name="1 incident", exact=True)).to_be_visible()
    results = page.locator(".incident-list")
    expect(results.get_by_role("link", name=re.compile(ZAPORIZHZHIA_TITLE))).to_be_visible()
    expect(results.get_by_role("link", name=POPASNA_TITLE)).to_have_count(0)
    # The form keeps the choices the reader made (on a phone, behind the "Filters" button).
    if toggle.is_visible():
        toggle.click()
    expect(form.get_by_label("Oblast")).to_have_value("zaporizhzhia")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_reader_journey(page: Page, live_server, demo, viewport: dict[str, int]) -> None:
    page.set_viewport_size(viewport)
    filter_list(page, live_server.url)

    page.locator(".incident-list").get_by_role("link", name=re.compile(ZAPORIZHZHIA_TITLE)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ZAPORIZHZHIA_TITLE)

    # Every claim shows its verification status: one badge per claim, never none.
    claims = page.locator("article.claim")
    count = claims.count()
    assert count == 7
    expect(page.locator("article.claim .claim-status .badge")).to_have_count(count)
    for index in range(count):
        badge = claims.nth(index).locator(".badge")
        expect(badge).to_have_count(1)
        expect(badge).to_have_text(
            re.compile(r"(Unverified|Partially verified|Verified|Disputed|False)$")
        )
        expect(badge).to_be_visible()

    # Open a source cited as evidence: its page is headed by the title the link showed (the
    # link reads "Publisher: Title").
    evidence_link = page.locator("article.claim .evidence a").first
    link_text = evidence_link.inner_text()
    evidence_link.click()
    page.wait_for_url(re.compile(r"/sources/\d+/$"))
    heading = page.get_by_role("heading", level=1).inner_text().strip()
    assert heading and link_text.endswith(heading)
    expect(page.get_by_role("link", name=re.compile(ZAPORIZHZHIA_TITLE))).to_be_visible()

    # Nothing on a phone-sized screen may force sideways scrolling of the whole page.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_reader_exports_the_filtered_list(page: Page, live_server, demo) -> None:
    filter_list(page, live_server.url)
    export = page.get_by_role("link", name=re.compile(r"\bCSV\b"))
    if export.count() == 0:
        # The export lands on a separate branch (/incidents/export.csv); until it is merged
        # the list page has no such link and this step cannot run.
        pytest.skip("No CSV export link on the incident list yet (/incidents/export.csv)")
    with page.expect_download() as download_info:
        export.first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2, text[:500]  # a header and at least the filtered incident
    # Whatever the columns are called, the filtered incident is in it and the other is not.
    assert any(ZAPORIZHZHIA_TITLE in cell for row in rows for cell in row), text[:500]
    assert not any(POPASNA_TITLE in cell for row in rows for cell in row), "filters not applied"
