"""Data entry in the admin, per role: researchers enter, editors also verify and publish."""

import pytest

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    PublicationEvent,
)
from tests.factories import (
    ClaimEvidenceFactory,
    ClaimFactory,
    ClaimStatusChangeFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
)
from tests.html_forms import submit

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/cases/incident/add/"


def change_url(incident):
    return f"/admin/cases/incident/{incident.pk}/change/"


def new_incident_data(source, statement):
    return {
        "title": "Execution of six surrendering soldiers",
        "slug": "execution-six-surrendering-soldiers",
        "summary": "Drone footage.",
        "occurred_from": "2024-11-01",
        "date_precision": "month",
        "place_name": "Front line",
        "oblast": "zaporizhzhia",
        "country": "Ukraine",
        "location_precision": "oblast",
        "category": "pow_execution",
        "victims_min": "2",
        "victims_max": "6",
        "victims-TOTAL_FORMS": "1",
        "victims-INITIAL_FORMS": "0",
        "victims-0-name": "Withheld Person",
        "victims-0-status": "hors_de_combat",
        "victims-0-fate": "killed",
        "victims-0-count": "2",
        "claims-TOTAL_FORMS": "1",
        "claims-INITIAL_FORMS": "0",
        "claims-0-text": "Seize the commander and kill the rest.",
        "claims-0-claimant": "Ukrainian intelligence",
        "claims-0-statement": str(statement.pk),
        "claims-0-evidence-TOTAL_FORMS": "1",
        "claims-0-evidence-INITIAL_FORMS": "0",
        "claims-0-evidence-0-source": str(source.pk),
        "claims-0-evidence-0-relation": "supports",
        "Source_incidents-TOTAL_FORMS": "1",
        "Source_incidents-INITIAL_FORMS": "0",
        "Source_incidents-0-source": str(source.pk),
        "OfficialStatement_incidents-TOTAL_FORMS": "1",
        "OfficialStatement_incidents-INITIAL_FORMS": "0",
        "OfficialStatement_incidents-0-officialstatement": str(statement.pk),
    }


def test_researcher_enters_a_whole_incident_from_one_page(client, researcher):
    source, statement = SourceFactory(), OfficialStatementFactory()
    client.force_login(researcher)
    response = submit(
        client, ADD_URL, new_incident_data(source, statement), form_id="incident_form"
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get(slug="execution-six-surrendering-soldiers")
    assert incident.status == Incident.Status.DRAFT
    assert incident.created_by == researcher
    victim = AllegedVictim.objects.get(incident=incident)
    assert (victim.count, victim.identity_public) == (2, False)
    claim = Claim.objects.get(incident=incident)
    assert claim.status == "unverified" and claim.statement == statement
    assert ClaimEvidence.objects.get(claim=claim).source == source
    assert list(incident.sources.all()) == [source]
    assert list(incident.statements.all()) == [statement]
    assert incident.history.first().history_user == researcher


def test_researcher_sees_status_controls_disabled(client, researcher):
    claim = ClaimFactory(incident=IncidentFactory())
    client.force_login(researcher)
    html = client.get(change_url(claim.incident)).content.decode()
    assert 'name="claims-0-status"' in html
    assert "Only editors can change this." in html
    # Publication happens through workflow buttons; researchers get only "submit".
    assert ">Submit for review</a>" in html
    assert "/workflow/publish/" not in html


def test_researcher_crafted_status_change_is_refused(client, researcher):
    claim = ClaimFactory(incident=IncidentFactory())
    client.force_login(researcher)
    response = submit(
        client,
        change_url(claim.incident),
        {
            "claims-0-status": "verified",
            "claims-0-rationale": "I say so",
            "claims-0-methods": ["other"],
        },
        form_id="incident_form",
    )
    assert response.status_code == 200
    assert (
        "You do not have permission to change the verification status." in response.content.decode()
    )
    claim.refresh_from_db()
    assert claim.status == "unverified" and claim.rationale == ""
    assert not ClaimStatusChange.objects.exists()


def test_researcher_crafted_publication_is_refused(client, researcher):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW)
    client.force_login(researcher)
    response = submit(
        client, change_url(incident), {"status": "published"}, form_id="incident_form"
    )
    assert response.status_code == 200
    assert "only through the workflow buttons" in response.content.decode()
    response = client.post(
        f"/admin/cases/incident/{incident.pk}/workflow/publish/",
        {"note": "", "loaded_version": incident.version},
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Incident.Status.IN_REVIEW and incident.published_at is None
    assert not PublicationEvent.objects.exists()


def test_editor_verifies_a_claim_inline_through_the_service(client, editor):
    claim = ClaimFactory(incident=IncidentFactory())
    client.force_login(editor)
    response = submit(
        client,
        change_url(claim.incident),
        {
            "claims-0-status": "partially_verified",
            "claims-0-rationale": "Audio shows no sign of editing; provenance unknown.",
            "claims-0-methods": ["av_forensics"],
        },
        form_id="incident_form",
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "partially_verified"
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "unverified",
        "partially_verified",
        editor,
    )
    assert change.methods == ["av_forensics"]


def test_editor_without_rationale_gets_a_form_error(client, editor):
    claim = ClaimFactory(incident=IncidentFactory())
    client.force_login(editor)
    response = submit(
        client,
        change_url(claim.incident),
        {"claims-0-status": "verified", "claims-0-methods": ["geolocation"]},
        form_id="incident_form",
    )
    assert response.status_code == 200
    assert (
        "A rationale is required for any status other than Unverified." in response.content.decode()
    )
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_editor_publishes_from_the_admin(client, editor):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW)
    client.force_login(editor)
    html = client.get(change_url(incident)).content.decode()
    assert f"/admin/cases/incident/{incident.pk}/workflow/publish/" in html
    response = submit(
        client, f"/admin/cases/incident/{incident.pk}/workflow/publish/", {"note": "Checked."}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.PUBLISHED and incident.published_by == editor
    assert PublicationEvent.objects.get(incident=incident).note == "Checked."


def test_second_of_two_concurrent_edits_is_refused(client, editor, researcher):
    incident = IncidentFactory(title="Original title")
    client.force_login(researcher)
    stale = client.get(change_url(incident)).content.decode()
    from tests.html_forms import form_data

    stale_data = {
        k: v for k, v in form_data(stale, "incident_form").items() if "__prefix__" not in k
    }
    client.force_login(editor)
    assert (
        submit(
            client, change_url(incident), {"title": "Editor's title"}, form_id="incident_form"
        ).status_code
        == 302
    )
    client.force_login(researcher)
    response = client.post(change_url(incident), {**stale_data, "title": "Researcher's title"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "since you opened it" in html and "Eddie Editor" in html
    incident.refresh_from_db()
    assert incident.title == "Editor's title"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/incident/?status=draft&category=pow_execution&oblast=luhansk&claim_status=verified&q=soldiers",
        "/admin/cases/claim/?status=unverified&q=commander",
        "/admin/sources/source/?kind=video&q=drone",
        "/admin/sources/officialstatement/?stance=accuses&q=Belousov",
        "/admin/cases/claimstatuschange/",
        "/admin/cases/publicationevent/",
    ],
)
def test_admin_lists_with_filters_and_search(client, researcher, url):
    ClaimEvidenceFactory(claim=ClaimFactory(text="kill the commander"))
    client.force_login(researcher)
    assert client.get(url).status_code == 200


def test_audit_records_cannot_be_edited_even_by_superusers(client, superuser, editor):
    from cases import services

    claim = ClaimFactory()
    change = services.claim_change_status(
        claim=claim, status="false", rationale="Staged.", methods=["other"], by=editor
    )
    client.force_login(superuser)
    response = client.post(f"/admin/cases/claimstatuschange/{change.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ClaimStatusChange.objects.filter(pk=change.pk).exists()
    assert (
        "Add claim status change"
        not in client.get("/admin/cases/claimstatuschange/").content.decode()
    )


def test_source_and_statement_autocomplete_for_researchers(client, researcher):
    SourceFactory(title="Drone footage of six soldiers")
    OfficialStatementFactory(speaker="Heorhii Tykhyi")
    client.force_login(researcher)
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "cases",
            "model_name": "claimevidence",
            "field_name": "source",
            "term": "drone",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["CNN: Drone footage of six soldiers"]
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": "claim", "field_name": "statement", "term": "Tykhyi"},
    )
    assert len(response.json()["results"]) == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get(ADD_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_researcher_cannot_delete_parts_of_a_published_incident(client, researcher, editor):
    incident = IncidentFactory(published=True)
    claim = ClaimFactory(incident=incident)
    client.force_login(researcher)
    response = submit(
        client, change_url(incident), {"claims-0-DELETE": "on"}, form_id="incident_form"
    )
    assert response.status_code in (200, 302)
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert client.post(f"/admin/cases/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()
    # An editor corrects in the open: the deletion needs a public reason, then is recorded.
    client.force_login(editor)
    client.post(f"/admin/cases/claim/{claim.pk}/delete/", {"post": "yes"})
    assert Claim.objects.filter(pk=claim.pk).exists()
    response = client.post(
        f"/admin/cases/claim/{claim.pk}/delete/",
        {"post": "yes", "correction_reason": "Entered twice."},
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert Claim.history.filter(id=claim.pk, history_type="-").get().history_user == editor


def test_an_assessed_claim_is_not_deleted_inline_and_the_reason_is_shown(client, editor):
    """Its status history is the record: the inline refuses as the claim's own page does."""
    claim = ClaimFactory(
        incident=IncidentFactory(),
        status="verified",
        rationale="Geolocated.",
        methods=["geolocation"],
    )
    ClaimStatusChangeFactory(claim=claim, changed_by=editor)
    client.force_login(editor)
    response = submit(
        client, change_url(claim.incident), {"claims-0-DELETE": "on"}, form_id="incident_form"
    )
    assert response.status_code == 200
    assert "recorded verification history, so it cannot be deleted" in response.content.decode()
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert ClaimStatusChange.objects.filter(claim=claim).count() == 1


def test_researcher_may_delete_parts_of_a_draft(client, researcher):
    claim = ClaimFactory(incident=IncidentFactory())
    client.force_login(researcher)
    response = submit(
        client, change_url(claim.incident), {"claims-0-DELETE": "on"}, form_id="incident_form"
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
