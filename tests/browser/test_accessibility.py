"""WCAG 2.1 AA: axe-core finds no violation on the public pages and the review queue, and the
incident filters work with the keyboard alone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, public_pages

pytestmark = pytest.mark.browser

# Level A and AA rules of WCAG 2.0 and 2.1; axe's best-practice rules are advice, not the bar.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations(page: Page) -> str:
    """axe's report of the page as it stands; an empty string when there is no violation."""
    results = Axe().run(page, options=AXE_OPTIONS)
    if results.violations_count == 0:
        return ""
    return results.generate_report()


def test_public_pages_have_no_axe_violations(page: Page, live_server, demo) -> None:
    reports = {}
    for viewport_name, viewport in (("1280px", None), ("375px", PHONE)):
        if viewport:
            page.set_viewport_size(viewport)
        for name, path in public_pages():
            page.goto(f"{live_server.url}{path}")
            if report := axe_violations(page):
                reports[f"{name} ({viewport_name}) {path}"] = report
    assert not reports, "\n\n".join(f"== {page}\n{report}" for page, report in reports.items())


def test_review_queue_has_no_axe_violations(page: Page, live_server, demo, login) -> None:
    from cases.models import Incident
    from cases.services import incident_transition
    from tests.factories import ClaimFactory, IncidentFactory

    # Fill the queue with both kinds of item: an incident to decide on and unverified claims.
    incident = IncidentFactory(title="Shelling of a shelter, Kharkiv", oblast="kharkiv")
    ClaimFactory(incident=incident, text="The shelter was marked as such from the air.")
    incident_transition(incident=incident, action="submit", by=incident.created_by)
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.IN_REVIEW

    login(page, "editor")
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    assert not (report := axe_violations(page)), report


def test_filter_form_works_with_the_keyboard_alone(page: Page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/incidents/")
    form = page.get_by_role("search", name="Filter incidents")
    fields = form.locator("input:not([type=hidden]), select, button")
    field_ids = [
        fields.nth(index).get_attribute("id") or fields.nth(index).inner_text()
        for index in range(fields.count())
    ]

    # Tab from the page's start: past the skip link and the navigation into the form, then
    # through each field in order, every one showing where the focus is.
    page.locator("body").focus()
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        inside = page.evaluate("el => !!el.closest('form[role=search]')", focused)
        if not inside:
            if seen:
                break
            continue
        tag = page.evaluate("el => el.tagName.toLowerCase()", focused)
        name = page.evaluate("el => el.id || el.innerText", focused)
        if seen and seen[-1] == name:
            # Tab moves through a date field's day, month and year: the same field.
            continue
        seen.append(name)
        outline = page.evaluate(
            "el => { const s = getComputedStyle(el);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)] }",
            focused,
        )
        assert outline[0] != "none" and outline[1] >= 2, f"no visible focus on {seen[-1]}"
        if seen[-1] == "id_oblast":
            # Choose an option with the arrow keys, as a keyboard user does.
            for _ in range(5):
                page.keyboard.press("ArrowDown")
            assert tag == "select"
        if tag == "button":
            break
    assert seen[: len(field_ids)] == field_ids, seen

    chosen = form.get_by_label("Oblast").input_value()
    assert chosen
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/incidents/\?.*oblast={chosen}"))
    expect(form.get_by_label("Oblast")).to_have_value(chosen)
