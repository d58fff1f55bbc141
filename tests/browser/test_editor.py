"""An editor verifies a claim and publishes its incident from the review queue; a reader then
sees the new status and the change in the incident's public history."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

RATIONALE = "Geolocated to the shelter's entrance from the drone footage; shadows match midday."


def test_editor_verifies_a_claim_and_publishes(
    page: Page, browser: Browser, browser_context_args: dict, live_server, demo, login
) -> None:
    from accounts.models import User
    from cases.models import Claim, ClaimStatusChange, Incident
    from cases.services import incident_transition
    from tests.factories import ClaimFactory, IncidentFactory

    researcher = User.objects.get(username="researcher")
    incident = IncidentFactory(
        title="Shelling of a shelter, Kharkiv",
        oblast="kharkiv",
        created_by=researcher,
        updated_by=researcher,
    )
    claim = ClaimFactory(incident=incident, text="The shelter was marked as such from the air.")
    incident_transition(incident=incident, action="submit", by=researcher)

    login(page, "editor")
    page.goto(f"{live_server.url}/review/")

    # The claim: status, method and rationale in its own form.
    item = page.locator(f"#claim-{claim.pk}")
    item.get_by_label("Status").select_option(label="Verified")
    item.get_by_label("Geolocation").check()
    item.get_by_label("Rationale").fill(RATIONALE)
    item.get_by_role("button", name="Save status").click()
    expect(page.locator(".messages")).to_contain_text("is now Verified")

    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFIED
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status) == ("unverified", "verified")
    assert change.rationale == RATIONALE
    assert change.methods == ["geolocation"]
    assert change.changed_by.username == "editor"

    # The incident: publish it from the queue.
    decision = page.locator(f"#incident-{incident.pk}")
    decision.get_by_label("Publish").check()
    decision.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("is now published")
    expect(page.locator(f"#incident-{incident.pk}")).to_have_count(0)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.PUBLISHED
    assert incident.published_by.username == "editor"

    # A reader with no account, in a fresh browser context (no editor cookies).
    reader_context = browser.new_context(**browser_context_args)
    try:
        reader = reader_context.new_page()
        reader.goto(f"{live_server.url}{incident.get_absolute_url()}")
        expect(reader.get_by_role("heading", level=1)).to_have_text(incident.title)
        expect(reader.locator(".draft-banner")).to_have_count(0)
        badge = reader.locator(f"#claim-{claim.pk} .badge")
        expect(badge).to_have_text(re.compile(r"Verified$"))
        expect(reader.locator(f"#claim-{claim.pk}")).to_contain_text(RATIONALE)
        history = reader.locator("section", has=reader.get_by_role("heading", name="History"))
        expect(history).to_contain_text("Unverified → Verified")
        expect(history).to_contain_text(RATIONALE)
        expect(history).to_contain_text("Published")
    finally:
        reader_context.close()
