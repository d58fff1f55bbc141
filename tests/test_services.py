"""The status service and the publication workflow: permissions, records, append-only audit."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import Claim, ClaimStatusChange, Incident, PublicationEvent
from tests.factories import ClaimFactory, IncidentFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

S = Incident.Status
A = PublicationEvent.Action


def test_editor_changes_status_and_the_change_is_recorded(editor):
    claim = ClaimFactory()
    change = services.claim_change_status(
        claim=claim,
        status="verified",
        rationale="Geolocated to 47.51, 35.84; shadows match mid-morning.",
        methods=["geolocation", "chronolocation"],
        by=editor,
    )
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert claim.status_changed_by == editor and claim.status_changed_at is not None
    assert (change.from_status, change.to_status, change.changed_by) == (
        "unverified",
        "verified",
        editor,
    )
    assert change.methods == ["geolocation", "chronolocation"]
    assert claim.history.count() == 2  # created, then verified


def test_researcher_cannot_change_status(researcher):
    claim = ClaimFactory()
    with pytest.raises(PermissionDenied):
        services.claim_change_status(
            claim=claim, status="verified", rationale="x", methods=["other"], by=researcher
        )
    claim.refresh_from_db()
    assert claim.status == "unverified"
    assert not ClaimStatusChange.objects.exists()


@pytest.mark.parametrize("status", ["partially_verified", "verified", "disputed", "false"])
def test_any_status_but_unverified_needs_rationale_and_methods(editor, status):
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as error:
        services.claim_change_status(
            claim=claim, status=status, rationale="  ", methods=[], by=editor
        )
    assert set(error.value.message_dict) == {"rationale", "methods"}
    claim.refresh_from_db()
    assert claim.status == "unverified" and not ClaimStatusChange.objects.exists()


def test_back_to_unverified_needs_no_rationale(editor):
    claim = ClaimFactory()
    services.claim_change_status(
        claim=claim, status="disputed", rationale="Denied with proof.", methods=["other"], by=editor
    )
    services.claim_change_status(
        claim=claim, status="unverified", rationale="", methods=[], by=editor
    )
    assert list(claim.status_changes.values_list("to_status", flat=True)) == [
        "disputed",
        "unverified",
    ]


def test_status_changes_are_append_only(editor):
    claim = ClaimFactory()
    change = services.claim_change_status(
        claim=claim,
        status="false",
        rationale="Footage predates the war.",
        methods=["metadata"],
        by=editor,
    )
    change.rationale = "rewritten"
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        change.delete()
    with pytest.raises(PermissionError):
        ClaimStatusChange.objects.filter(pk=change.pk).update(rationale="rewritten")
    with pytest.raises(PermissionError):
        ClaimStatusChange.objects.all().delete()
    change.refresh_from_db()
    assert change.rationale == "Footage predates the war."


def test_stale_status_change_is_refused(editor):
    claim = ClaimFactory()
    opened_version = claim.version
    other = Claim.objects.get(pk=claim.pk)
    services.claim_change_status(
        claim=other, status="disputed", rationale="A", methods=["other"], by=editor
    )
    with pytest.raises(services.StaleEdit) as error:
        services.claim_change_status(
            claim=claim,
            status="verified",
            rationale="B",
            methods=["other"],
            by=editor,
            expected_version=opened_version,
        )
    assert "since you opened it" in error.value.messages[0]
    claim.refresh_from_db()
    assert claim.status == "disputed"


# The complete table: every (action, from) pair not listed is refused.
EXPECTED = {
    (A.SUBMIT, S.DRAFT): S.IN_REVIEW,
    (A.PUBLISH, S.DRAFT): S.PUBLISHED,
    (A.PUBLISH, S.IN_REVIEW): S.PUBLISHED,
    (A.RETURN_TO_DRAFT, S.IN_REVIEW): S.DRAFT,
    (A.RETRACT, S.PUBLISHED): S.RETRACTED,
    (A.UNPUBLISH, S.PUBLISHED): S.DRAFT,
    (A.UNPUBLISH, S.RETRACTED): S.DRAFT,
}


def make_incident(status):
    if status == S.PUBLISHED:
        return IncidentFactory(published=True)
    if status == S.RETRACTED:
        return IncidentFactory(retracted=True)
    return IncidentFactory(status=status)


@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("from_status", list(S))
def test_transition_table(action, from_status):
    admin = SuperuserFactory()
    incident = make_incident(from_status)
    expected = EXPECTED.get((action, from_status))
    if expected is None:
        with pytest.raises(ValidationError):
            services.incident_transition(incident=incident, action=action, by=admin, note="why")
        incident.refresh_from_db()
        assert incident.status == from_status
        assert not PublicationEvent.objects.exists()
    else:
        event = services.incident_transition(incident=incident, action=action, by=admin, note="why")
        incident.refresh_from_db()
        assert incident.status == expected
        assert (event.from_status, event.to_status, event.by) == (from_status, expected, admin)


def test_researcher_can_submit_but_not_publish(researcher):
    incident = IncidentFactory(created_by=researcher)
    services.incident_transition(incident=incident, action="submit", by=researcher)
    with pytest.raises(PermissionDenied):
        services.incident_transition(incident=incident, action="publish", by=researcher)
    incident.refresh_from_db()
    assert incident.status == S.IN_REVIEW and incident.published_at is None


def test_publish_sets_who_and_when_and_emails_the_submitter(
    researcher, editor, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(created_by=researcher)
    services.incident_transition(incident=incident, action="submit", by=researcher)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=incident, action="publish", by=editor)
    incident.refresh_from_db()
    assert incident.status == S.PUBLISHED
    assert incident.published_by == editor and incident.published_at is not None
    assert [m.to for m in mail.outbox] == [[researcher.email]]
    assert incident.title in mail.outbox[0].subject


def test_retraction_needs_a_reason_which_becomes_public(editor):
    incident = IncidentFactory(published=True)
    with pytest.raises(ValidationError):
        services.incident_transition(incident=incident, action="retract", by=editor, note="")
    services.incident_transition(
        incident=incident, action="retract", by=editor, note="The video was staged."
    )
    incident.refresh_from_db()
    assert incident.status == S.RETRACTED
    assert incident.retraction_note == "The video was staged."
    assert incident.retracted_by == editor
