"""A researcher enters an incident in the admin and submits it for review, and cannot change a
claim's verification status: the controls are disabled and crafted requests are refused."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

SOURCE_TITLE = "Video of a strike on a marked shelter, posted by a local channel"
INCIDENT_TITLE = "Strike on a marked shelter, Kharkiv"
CLAIM_TEXT = "The shelter was marked with the word 'children' visible from the air."


def add_source(page: Page, base_url: str) -> None:
    """A new source, created first in the admin so the incident's evidence can cite it."""
    page.goto(f"{base_url}/admin/sources/source/add/")
    page.locator("#id_kind").select_option(label="Video")
    page.locator("#id_title").fill(SOURCE_TITLE)
    page.locator("#id_publisher").fill("Kharkiv local channel")
    page.locator("#id_url").fill("https://example.org/videos/shelter-strike")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def inline_field(page: Page, prefix: str, name: str) -> Locator:
    """The first inline form's field ``name`` (``id_<prefix>-0-...-<name>``), leaving out the
    hidden empty form the admin copies new rows from."""
    return page.locator(f"[id^=id_{prefix}-][id$=-{name}]:not([id*=__prefix__])").first


def choose_autocomplete(page: Page, select_id: str, text: str) -> None:
    """Pick ``text`` in one of the admin's autocomplete (Select2) widgets, as a person does."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text[:20])
    page.locator(".select2-results__option", has_text=text).first.click()
    expect(page.locator(f"#{select_id}")).not_to_have_value("")


def test_researcher_enters_and_submits_an_incident(page: Page, live_server, demo, login) -> None:
    from cases.models import Claim, ClaimStatusChange, Incident, PublicationEvent
    from sources.models import Source

    base = live_server.url
    login(page, "researcher")
    add_source(page, base)

    page.goto(f"{base}/admin/cases/incident/add/")
    page.locator("#id_title").fill(INCIDENT_TITLE)
    page.locator("#id_title").press("Tab")  # the admin fills the slug on change
    expect(page.locator("#id_slug")).not_to_have_value("")  # prepopulated from the title
    page.locator("#id_summary").fill("A strike hit a shelter marked as holding children.")
    page.locator("#id_occurred_from").fill("2024-11-03")
    page.locator("#id_oblast").select_option(label="Kharkiv Oblast")
    page.locator("#id_category").select_option(index=1)

    # A victim (a group of six) ...
    page.get_by_text("Add another Alleged victim").click()
    inline_field(page, "victims", "status").select_option(index=3)
    inline_field(page, "victims", "fate").select_option(index=1)
    inline_field(page, "victims", "count").fill("6")

    # ... a claim, whose verification controls the researcher cannot use ...
    page.get_by_text("Add another Claim").click()
    inline_field(page, "claims", "text").fill(CLAIM_TEXT)
    status = inline_field(page, "claims", "status")
    expect(status).to_be_disabled()
    expect(inline_field(page, "claims", "rationale")).to_be_disabled()

    # ... with evidence from the new source.
    page.locator("#claims-0-evidence-group").get_by_text("Add another Evidence").click()
    evidence_select = inline_field(page, "claims", "source")
    choose_autocomplete(page, evidence_select.get_attribute("id"), SOURCE_TITLE)
    inline_field(page, "claims", "relation").select_option(index=1)

    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    incident = Incident.objects.get(title=INCIDENT_TITLE)
    assert incident.status == Incident.Status.DRAFT
    assert incident.created_by.username == "researcher"
    assert incident.victims.get().count == 6
    claim = incident.claims.get()
    assert claim.text == CLAIM_TEXT
    assert claim.status == Claim.Status.UNVERIFIED
    assert claim.evidence.get().source == Source.objects.get(title=SOURCE_TITLE)

    # Submit for review with the workflow button; no publish button for a researcher.
    tools = page.locator(".object-tools")
    expect(tools.get_by_role("link", name="Publish")).to_have_count(0)
    tools.get_by_role("link", name=re.compile("Submit", re.I)).click()
    page.locator(".submit-row input[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("Submit")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.IN_REVIEW
    assert PublicationEvent.objects.filter(incident=incident, action="submit").count() == 1

    # The status controls are still not available after the submission.
    status = inline_field(page, "claims", "status")
    expect(status).to_be_disabled()

    # Crafted change 1: re-enable the select in the page and save the admin form.
    status.evaluate("el => { el.disabled = false; }")
    status.select_option("verified")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    expect(
        page.get_by_text("You do not have permission to change the verification status.")
    ).to_be_visible()

    # Crafted change 2: post straight to the editors' review endpoint with a valid CSRF token.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        f"{base}/en/review/claims/{claim.pk}/",
        form={
            "csrfmiddlewaretoken": token,
            f"claim-{claim.pk}-status": "verified",
            f"claim-{claim.pk}-rationale": "Crafted.",
            f"claim-{claim.pk}-methods": "geolocation",
            f"claim-{claim.pk}-loaded_version": str(claim.version),
        },
        headers={"Referer": f"{base}/en/review/"},
    )
    assert response.status == 403

    # Crafted change 3: the publish action of the workflow, which the researcher has no button for.
    response = page.request.post(
        f"{base}/admin/cases/incident/{incident.pk}/workflow/publish/",
        form={"csrfmiddlewaretoken": token, "loaded_version": str(incident.version), "note": ""},
        headers={"Referer": f"{base}/admin/"},
    )
    assert response.status == 403

    claim.refresh_from_db()
    assert claim.status == Claim.Status.UNVERIFIED
    assert claim.rationale == ""
    assert not ClaimStatusChange.objects.filter(claim=claim).exists()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.IN_REVIEW
    assert not PublicationEvent.objects.filter(incident=incident, action="publish").exists()
