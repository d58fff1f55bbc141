"""The editors' review queue: access, decisions through the services, no lost updates."""

import pytest
from django.core import mail

from cases import services
from cases.models import Claim, ClaimStatusChange, Incident, PublicationEvent
from tests.factories import ClaimFactory, IncidentFactory, SuperuserFactory
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(researcher):
    incident = IncidentFactory(
        title="Awaiting decision", oblast="zaporizhzhia", created_by=researcher
    )
    services.incident_transition(incident=incident, action="submit", by=researcher)
    claim = ClaimFactory(incident=incident, text="Seize the commander and kill the rest.")
    other = ClaimFactory(incident=IncidentFactory(oblast="luhansk"), text="Popasna order.")
    return {"incident": incident, "claim": claim, "other": other}


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("reader", 403), ("researcher", 403), ("editor", 200), ("superuser", 200)],
)
def test_queue_access_matrix(client_for, request, queue, who, expected):
    client = client_for(request.getfixturevalue(who) if who else None)
    response = client.get("/en/review/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/admin/login/?next=/en/review/")


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("reader", 403), ("researcher", 403), ("editor", 302), ("superuser", 302)],
)
def test_claim_decision_matrix(client_for, request, queue, who, expected):
    client = client_for(request.getfixturevalue(who) if who else None)
    claim = queue["claim"]
    prefix = f"claim-{claim.pk}"
    response = client.post(
        f"/en/review/claims/{claim.pk}/",
        {
            f"{prefix}-status": "partially_verified",
            f"{prefix}-rationale": "Audio not faked; provenance unknown.",
            f"{prefix}-methods": ["av_forensics"],
            f"{prefix}-loaded_version": claim.version,
        },
    )
    assert response.status_code == expected
    claim.refresh_from_db()
    changed = who in ("editor", "superuser")
    assert (claim.status == "partially_verified") is changed
    assert ClaimStatusChange.objects.filter(claim=claim).exists() is changed
    if expected == 302 and changed:
        assert response["Location"] == "/en/review/"


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("reader", 403), ("researcher", 403), ("editor", 302), ("superuser", 302)],
)
def test_publication_decision_matrix(client_for, request, queue, who, expected):
    client = client_for(request.getfixturevalue(who) if who else None)
    incident = queue["incident"]
    prefix = f"incident-{incident.pk}"
    response = client.post(
        f"/en/review/incidents/{incident.pk}/",
        {f"{prefix}-action": "publish", f"{prefix}-loaded_version": incident.version},
    )
    assert response.status_code == expected
    incident.refresh_from_db()
    published = who in ("editor", "superuser")
    assert (incident.status == Incident.Status.PUBLISHED) is published


def test_queue_lists_oldest_first_with_filters(client, editor, queue):
    client.force_login(editor)
    html = client.get("/en/review/").content.decode()
    assert "Awaiting decision" in html
    assert html.index("Seize the commander") < html.index("Popasna order.")
    html = client.get("/en/review/?oblast=luhansk").content.decode()
    assert "Popasna order." in html and "Seize the commander" not in html
    assert "Awaiting decision" not in html
    assert client.get("/en/review/?oblast=atlantis&category=%00").status_code == 200


def test_rationale_is_required_and_shown_as_error(client, editor, queue):
    client.force_login(editor)
    claim = queue["claim"]
    prefix = f"claim-{claim.pk}"
    response = client.post(
        f"/en/review/claims/{claim.pk}/",
        {f"{prefix}-status": "verified", f"{prefix}-loaded_version": claim.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A rationale is required for any status other than Unverified." in html
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_second_editor_on_a_stale_page_is_refused(client, queue):
    first = SuperuserFactory(username="first", first_name="Olha", last_name="First")
    second = SuperuserFactory(username="second")
    claim = queue["claim"]
    opened = claim.version  # both editors opened the queue now
    prefix = f"claim-{claim.pk}"
    client.force_login(first)
    client.post(
        f"/en/review/claims/{claim.pk}/",
        {
            f"{prefix}-status": "disputed",
            f"{prefix}-rationale": "Contradicted.",
            f"{prefix}-methods": ["corroboration"],
            f"{prefix}-loaded_version": opened,
        },
    )
    client.force_login(second)
    response = client.post(
        f"/en/review/claims/{claim.pk}/",
        {
            f"{prefix}-status": "verified",
            f"{prefix}-rationale": "Geolocated.",
            f"{prefix}-methods": ["geolocation"],
            f"{prefix}-loaded_version": opened,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "changed by Olha First at" in html and "since you opened it" in html
    claim.refresh_from_db()
    assert claim.status == "disputed" and claim.status_changes.count() == 1


def test_send_back_needs_a_comment_and_emails_the_researcher(
    client, editor, researcher, queue, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    incident = queue["incident"]
    prefix = f"incident-{incident.pk}"
    response = client.post(
        f"/en/review/incidents/{incident.pk}/",
        {f"{prefix}-action": "return_to_draft", f"{prefix}-loaded_version": incident.version},
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/review/incidents/{incident.pk}/",
            {
                f"{prefix}-action": "return_to_draft",
                f"{prefix}-note": "Add the source URL.",
                f"{prefix}-loaded_version": incident.version,
            },
        )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DRAFT
    event = PublicationEvent.objects.filter(incident=incident).latest()
    assert (event.action, event.note, event.by) == (
        "return_to_draft",
        "Add the source URL.",
        editor,
    )
    assert (
        mail.outbox[-1].to == [researcher.email] and "Add the source URL." in mail.outbox[-1].body
    )


def test_unsafe_next_is_ignored(client, editor, queue):
    client.force_login(editor)
    claim = queue["claim"]
    prefix = f"claim-{claim.pk}"
    response = client.post(
        f"/en/review/claims/{claim.pk}/",
        {
            f"{prefix}-status": "unverified",
            f"{prefix}-loaded_version": claim.version,
            "next": "https://evil.example/phish",
        },
    )
    assert response["Location"] == "/en/review/"


def test_public_history_shows_decisions_but_no_internal_notes(client, editor, queue):
    incident, claim = queue["incident"], queue["claim"]
    services.claim_change_status(
        claim=claim,
        status="verified",
        rationale="Two independent sources.",
        methods=["corroboration"],
        by=editor,
    )
    services.incident_transition(
        incident=incident, action="publish", by=editor, note="internal: checked by Eddie"
    )
    html = client.get(incident.get_absolute_url()).content.decode()
    history = html.split('id="history-heading"')[1]
    assert "Unverified → Verified" in history and "Two independent sources." in history
    assert "Published" in history
    assert "internal: checked by Eddie" not in html
    assert Claim.objects.get(pk=claim.pk).history.count() == 2  # created, verified


def test_a_refused_decision_corrected_lands_on_the_filtered_queue(client, editor, queue):
    client.force_login(editor)
    claim = queue["claim"]
    prefix = f"claim-{claim.pk}"
    queue_page = client.get("/en/review/?oblast=zaporizhzhia")
    first = form_data(queue_page.content.decode(), f"{prefix}-decision")
    assert first["next"] == "/en/review/?oblast=zaporizhzhia"

    refused = client.post(
        f"/en/review/claims/{claim.pk}/", first | {f"{prefix}-status": "verified"}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    # The page shown after the refusal keeps the editor's filter.
    assert "Popasna order." not in html
    second = form_data(html, f"{prefix}-decision")
    assert second["next"] == "/en/review/?oblast=zaporizhzhia"

    corrected = second | {
        f"{prefix}-status": "verified",
        f"{prefix}-rationale": "Two independent sources.",
        f"{prefix}-methods": ["corroboration"],
    }
    response = client.post(f"/en/review/claims/{claim.pk}/", corrected, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/en/review/?oblast=zaporizhzhia", 302)]
    assert "is now Verified" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert claim.status_changes.get().rationale == "Two independent sources."


def test_a_refused_publication_decision_corrected_lands_on_the_queue(client, editor, queue):
    client.force_login(editor)
    incident = queue["incident"]
    prefix = f"incident-{incident.pk}"
    first = form_data(client.get("/en/review/").content.decode(), f"{prefix}-decision")
    refused = client.post(
        f"/en/review/incidents/{incident.pk}/", first | {f"{prefix}-action": "return_to_draft"}
    )
    assert refused.status_code == 400
    second = form_data(refused.content.decode(), f"{prefix}-decision")

    response = client.post(
        f"/en/review/incidents/{incident.pk}/",
        second | {f"{prefix}-action": "return_to_draft", f"{prefix}-note": "Add a source."},
        follow=True,
    )

    assert response.redirect_chain == [("/en/review/", 302)]
    assert "is now draft" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.DRAFT


def test_a_decision_address_as_next_is_ignored(client, editor, queue):
    # A page rendered before the fix carried the POST-only address as "next".
    client.force_login(editor)
    claim = queue["claim"]
    prefix = f"claim-{claim.pk}"
    response = client.post(
        f"/en/review/claims/{claim.pk}/",
        {
            f"{prefix}-status": "unverified",
            f"{prefix}-loaded_version": claim.version,
            "next": f"/en/review/claims/{claim.pk}/",
        },
    )
    assert response["Location"] == "/en/review/"
