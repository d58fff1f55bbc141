"""The attacks of issue 12, replayed with a researcher's login: none changes what readers see.

And the other side of the policy: editors correct public records in the open, with a reason
that readers see in the history; researchers propose corrections that reach the editors' queue.
"""

import pytest
from django.core.exceptions import ValidationError

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimStatusChange,
    Correction,
    CorrectionProposal,
    Incident,
    PublicationEvent,
)
from sources.models import FileCustodyEvent, ReportedFigure
from tests.factories import (
    AllegedVictimFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    ReportedFigureFactory,
    SourceFactory,
    SourceFileFactory,
)
from tests.html_forms import form_data, submit

pytestmark = pytest.mark.django_db


def incident_url(incident):
    return f"/admin/cases/incident/{incident.pk}/change/"


def public_page(client, incident) -> str:
    """What an anonymous reader sees of ``incident`` (page, API and CSV export together)."""
    client.logout()
    page = client.get(f"/en/incidents/{incident.slug}/")
    api = client.get(f"/api/v1/incidents/{incident.slug}/")
    export = client.get("/incidents/export.csv")
    body = b"".join(export.streaming_content) if export.streaming else export.content
    return page.content.decode() + api.content.decode() + body.decode()


@pytest.fixture
def published():
    incident = IncidentFactory(published=True, title="Popasna executions", summary="Six men.")
    source = SourceFactory(title="Intercept transcript")
    incident.sources.add(source)
    statement = OfficialStatementFactory(speaker="Prosecutor General")
    statement.incidents.add(incident)
    return incident


# --- attack 1: the history view saved posted forms -------------------------------------------


def test_history_view_refuses_posts_for_everyone(client, researcher, editor, published):
    claim = ClaimFactory(incident=published, text="Kill the rest.")
    version = published.history.order_by("history_id").first()
    claim_version = claim.history.order_by("history_id").first()
    for user in (researcher, editor):
        client.force_login(user)
        response = client.post(
            f"/admin/cases/incident/{published.pk}/history/{version.pk}/",
            {"title": "Rewritten", "status": "draft", "loaded_version": ""},
        )
        assert response.status_code == 405
        response = client.post(
            f"/admin/cases/claim/{claim.pk}/history/{claim_version.pk}/",
            {"text": "Rewritten", "status": "verified", "incident": published.pk},
        )
        assert response.status_code == 405
    published.refresh_from_db()
    claim.refresh_from_db()
    assert (published.title, published.status) == ("Popasna executions", "published")
    assert claim.text == "Kill the rest."
    # The page still shows an old version to read.
    assert (
        client.get(f"/admin/cases/incident/{published.pk}/history/{version.pk}/").status_code == 200
    )


# --- attack 2: restricted files released by a researcher -------------------------------------


def test_researcher_cannot_release_a_restricted_file(client, researcher, published):
    source = published.sources.get()
    kept = SourceFileFactory(source=source, is_restricted=True, is_graphic=True)
    client.force_login(researcher)
    response = submit(
        client,
        f"/admin/sources/sourcefile/{kept.pk}/change/",
        {"is_restricted": "", "is_graphic": ""},
    )
    assert response.status_code == 200
    assert "Only an editor can release a file to readers" in response.content.decode()
    kept.refresh_from_db()
    assert kept.is_restricted and kept.is_graphic
    client.logout()
    assert client.get(kept.get_download_url() + "?confirmed=1").status_code == 404
    assert not FileCustodyEvent.objects.filter(source_file=kept).exclude(action="uploaded").exists()


def test_editor_releases_a_file_and_the_custody_log_says_so(client, editor, published):
    kept = SourceFileFactory(source=published.sources.get(), is_restricted=True)
    client.force_login(editor)
    response = submit(
        client,
        f"/admin/sources/sourcefile/{kept.pk}/change/",
        {"is_restricted": "", "correction_reason": "Faces blurred; consent obtained."},
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert not kept.is_restricted
    event = FileCustodyEvent.objects.get(source_file=kept, action=FileCustodyEvent.Action.RELEASED)
    assert event.by == editor and "consent obtained" in event.detail


def test_researcher_upload_to_a_public_source_stays_restricted(client, researcher, published):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = published.sources.get()
    client.force_login(researcher)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    page = client.get(f"/admin/sources/source/{source.pk}/change/").content.decode()
    assert form_data(page)["files-0-is_restricted"] == "on"  # new files start restricted
    response = submit(
        client,
        f"/admin/sources/source/{source.pk}/change/",
        {"files-0-upload": SimpleUploadedFile("frame.png", png), "files-0-is_restricted": ""},
    )
    assert response.status_code == 200
    assert "Only an editor can release a file to readers" in response.content.decode()
    assert not source.files.exists()


# --- attack 3: withheld names published -------------------------------------------------------


def test_researcher_cannot_reveal_a_withheld_name(client, researcher, published):
    victim = AllegedVictimFactory(incident=published, name="Ivan Secretname")
    client.force_login(researcher)
    submit(
        client,
        incident_url(published),
        {"victims-0-identity_public": "on", "victims-0-identity_reason": "He is famous."},
        form_id="incident_form",
    )
    victim.refresh_from_db()
    assert not victim.identity_public
    submit(
        client,
        incident_url(published),
        {
            "victims-TOTAL_FORMS": "2",
            "victims-1-name": "Petro Hiddenname",
            "victims-1-identity_public": "on",
            "victims-1-status": "pow",
            "victims-1-fate": "killed",
            "victims-1-count": "1",
        },
        form_id="incident_form",
    )
    assert not AllegedVictim.objects.filter(name="Petro Hiddenname").exists()
    seen = public_page(client, published)
    assert "Secretname" not in seen and "Hiddenname" not in seen


def test_editor_reveals_an_identity_only_with_its_own_reason(client, editor, published):
    victim = AllegedVictimFactory(incident=published, name="Ivan Knownname")
    client.force_login(editor)
    response = submit(
        client,
        incident_url(published),
        {"victims-0-identity_public": "on", "correction_reason": "Family asked us to name him."},
        form_id="incident_form",
    )
    assert response.status_code == 200
    assert "Say why this identity may be published" in response.content.decode()
    victim.refresh_from_db()
    assert not victim.identity_public
    response = submit(
        client,
        incident_url(published),
        {
            "victims-0-identity_public": "on",
            "victims-0-identity_reason": "Written consent of his family, 2025-03-02.",
            "correction_reason": "Family asked us to name him.",
        },
        form_id="incident_form",
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.identity_public and victim.identity_decided_by == editor
    correction = Correction.objects.get(incident=published)
    assert correction.reason == "Family asked us to name him."
    seen = public_page(client, published)
    assert "Knownname" in seen
    # The public history says an identity was made public, and never holds the consent note.
    assert "identity made public" in seen and "Written consent" not in seen


# --- attack 4: published content rewritten without review -------------------------------------


def test_researcher_cannot_rewrite_a_public_incident(client, researcher, published):
    claim = ClaimFactory(incident=published, text="Kill the rest.", status="unverified")
    before = public_page(client, published)
    client.force_login(researcher)
    response = submit(
        client,
        incident_url(published),
        {"summary": "Nothing happened.", "claims-0-text": "Nothing was ordered."},
        form_id="incident_form",
    )
    assert response.status_code == 200
    assert "propose a correction" in response.content.decode().lower()
    published.refresh_from_db()
    claim.refresh_from_db()
    assert published.summary == "Six men." and claim.text == "Kill the rest."
    assert public_page(client, published) == before


def test_researcher_edits_internal_notes_of_a_public_incident(client, researcher, published):
    victim = AllegedVictimFactory(incident=published, notes="")
    client.force_login(researcher)
    response = submit(
        client,
        incident_url(published),
        {"victims-0-notes": "Brother reachable via the unit."},
        form_id="incident_form",
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.notes == "Brother reachable via the unit."
    assert not Correction.objects.exists()


def test_researcher_cannot_move_delete_or_unlink_on_a_public_incident(
    client, researcher, published
):
    draft = IncidentFactory()
    claim = ClaimFactory(incident=published)
    figure = ReportedFigureFactory(statement=published.statements.get())
    client.force_login(researcher)
    # Move a claim away through the claim admin.
    submit(client, f"/admin/cases/claim/{claim.pk}/change/", {"incident": str(draft.pk)})
    claim.refresh_from_db()
    assert claim.incident == published
    # Unlink the source and the statement.
    submit(
        client,
        incident_url(published),
        {"Source_incidents-0-DELETE": "on", "OfficialStatement_incidents-0-DELETE": "on"},
        form_id="incident_form",
    )
    assert published.sources.count() == 1 and published.statements.count() == 1
    # Delete a reported figure of the public statement, in its admin and as an inline.
    client.post(f"/admin/sources/reportedfigure/{figure.pk}/delete/", {"post": "yes"})
    statement = published.statements.get()
    submit(
        client,
        f"/admin/sources/officialstatement/{statement.pk}/change/",
        {"figures-0-DELETE": "on"},
    )
    assert ReportedFigure.objects.filter(pk=figure.pk).exists()


def test_rewording_an_assessed_claim(client, researcher, editor, published):
    claim = ClaimFactory(
        incident=published,
        text="The order was given on 20 April.",
        status="verified",
        rationale="Audio authenticated.",
        methods=["av_forensics"],
    )
    client.force_login(researcher)
    submit(
        client,
        incident_url(published),
        {"claims-0-text": "The order was given on 21 April."},
        form_id="incident_form",
    )
    claim.refresh_from_db()
    assert claim.text.endswith("20 April.") and claim.status == "verified"

    client.force_login(editor)
    response = submit(
        client,
        incident_url(published),
        {
            "claims-0-text": "The order was given on 21 April.",
            "correction_reason": "The intercept is dated 21 April.",
        },
        form_id="incident_form",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.text.endswith("21 April.") and claim.status == "unverified"
    change = ClaimStatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status) == ("verified", "unverified")
    seen = public_page(client, published)
    assert "The intercept is dated 21 April." in seen
    assert "20 April" in seen  # the correction shows what readers were told before


def test_editor_must_give_a_reason_to_change_a_public_incident(client, editor, published):
    client.force_login(editor)
    response = submit(
        client, incident_url(published), {"summary": "Seven men."}, form_id="incident_form"
    )
    assert response.status_code == 200
    assert "say why you change it" in response.content.decode()
    published.refresh_from_db()
    assert published.summary == "Six men."
    response = submit(
        client,
        incident_url(published),
        {"summary": "Seven men.", "correction_reason": "A seventh body was identified."},
        form_id="incident_form",
    )
    assert response.status_code == 302
    correction = Correction.objects.get(incident=published)
    assert correction.changes == [{"field": "summary", "before": "Six men.", "after": "Seven men."}]
    seen = public_page(client, published)
    assert "A seventh body was identified." in seen and "Correction" in seen


def test_editor_deletes_a_claim_of_a_public_incident_in_the_open(client, editor, published):
    claim = ClaimFactory(incident=published, text="A claim shown to be a duplicate.")
    client.force_login(editor)
    response = client.post(
        f"/admin/cases/claim/{claim.pk}/delete/",
        {"post": "yes", "correction_reason": "Duplicate of the claim above."},
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    correction = Correction.objects.get(incident=published)
    assert "A claim shown to be a duplicate." in correction.record
    assert correction.changes == [{"field": "removed", "before": "", "after": ""}]


def test_public_incidents_are_never_deleted(client, editor, published):
    client.force_login(editor)
    client.post(f"/admin/cases/incident/{published.pk}/delete/", {"post": "yes"})
    client.post(
        "/admin/cases/incident/",
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )
    assert Incident.objects.filter(pk=published.pk).exists()


# --- proposals --------------------------------------------------------------------------------


def test_researcher_proposes_and_editor_decides(client, researcher, editor, published):
    client.force_login(researcher)
    page = client.get(incident_url(published)).content.decode()
    assert "Propose a correction" in page
    url = f"/admin/cases/incident/{published.pk}/propose-correction/"
    response = client.post(url, {"what": "Summary: seven men.", "why": "New forensic report."})
    assert response.status_code == 302
    proposal = CorrectionProposal.objects.get()
    assert proposal.status == "open" and proposal.proposed_by == researcher

    client.force_login(editor)
    queue = client.get("/en/review/").content.decode()
    assert "Summary: seven men." in queue and "New forensic report." in queue
    response = client.post(
        f"/en/review/proposals/{proposal.pk}/",
        {f"proposal-{proposal.pk}-decision": "decline"},
    )
    assert response.status_code == 400
    assert "Say why the proposal is declined" in response.content.decode()
    response = client.post(
        f"/en/review/proposals/{proposal.pk}/",
        {
            f"proposal-{proposal.pk}-decision": "accept",
            f"proposal-{proposal.pk}-note": "Done.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith("/en/review/")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("accepted", editor)
    assert "Summary: seven men." not in client.get("/en/review/").content.decode()


def test_statement_correction_shows_on_its_page(client, editor, published):
    statement = published.statements.get()
    client.force_login(editor)
    response = submit(
        client,
        f"/admin/sources/officialstatement/{statement.pk}/change/",
        {"speaker": "Deputy Prosecutor General", "correction_reason": "Misattributed."},
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(statement.get_absolute_url()).content.decode()
    assert "Misattributed." in page and "Prosecutor General" in page
    assert not PublicationEvent.objects.exists()


def test_republishing_after_unpublishing_is_a_correction(client, researcher, editor, published):
    from cases import services

    services.incident_transition(
        incident=published, action="unpublish", by=editor, note="Dates under review."
    )
    published.refresh_from_db()
    # Unpublished, it is a draft again: the researcher fixes it without a reason.
    client.force_login(researcher)
    response = submit(
        client, incident_url(published), {"summary": "Seven men."}, form_id="incident_form"
    )
    assert response.status_code == 302
    published.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.incident_transition(incident=published, action="publish", by=editor)
    assert "was public before" in str(refused.value)
    services.incident_transition(
        incident=published, action="publish", by=editor, note="Count corrected from autopsies."
    )
    correction = Correction.objects.get(incident=published)
    assert correction.changes == [{"field": "summary", "before": "Six men.", "after": "Seven men."}]
    seen = public_page(client, published)
    assert "Count corrected from autopsies." in seen and "Six men." in seen


def test_a_withdrawn_name_leaves_no_trace_in_the_public_history(client, editor, published):
    victim = AllegedVictimFactory(incident=published, name="Olena Secretname", identity_public=True)
    client.force_login(editor)
    response = submit(
        client,
        incident_url(published),
        {
            "victims-0-identity_public": "",
            "victims-0-age": "17",
            "correction_reason": "The family withdrew their consent.",
        },
        form_id="incident_form",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    victim.refresh_from_db()
    assert not victim.identity_public and victim.age == 17
    seen = public_page(client, published)
    assert "The family withdrew their consent." in seen and "identity withheld" in seen
    # Neither the name nor the age (never shown to readers) is in the correction.
    assert "Secretname" not in seen and "17" not in Correction.objects.get().changes.__repr__()
