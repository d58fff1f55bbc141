"""Database invariants: each is enforced by a constraint and surfaces as a validation message."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import AllegedVictim, Claim, Incident
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    EditorFactory,
    IncidentFactory,
    ReportedFigureFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected(obj, message):
    """``full_clean`` names the problem, and the database refuses the row even without it."""
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    assert message in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"occurred_from": dt.date(2024, 11, 5), "occurred_to": dt.date(2024, 11, 4)},
            "The end date cannot be before the start date.",
        ),
        ({"victims_min": 6, "victims_max": 2}, "cannot be below it"),
        ({"victims_min": None, "victims_max": 2}, "needs a minimum"),
        ({"latitude": Decimal("47.5"), "longitude": None}, "both latitude and longitude"),
        ({"latitude": Decimal("91"), "longitude": Decimal("35")}, "less than or equal to 90"),
        (
            {"latitude": Decimal("47"), "longitude": Decimal("-181")},
            "greater than or equal to -180",
        ),
        ({"status": Incident.Status.PUBLISHED}, "needs a publication date"),
    ],
)
def test_incident_constraints(changes, message):
    incident = IncidentFactory.build(**changes)
    incident.created_by.save()
    incident.updated_by = incident.created_by
    assert_rejected(incident, message)


def test_retracted_incident_needs_a_public_note():
    incident = IncidentFactory(published=True)
    incident.status = Incident.Status.RETRACTED
    incident.retracted_at = incident.published_at
    incident.retracted_by = incident.published_by
    assert_rejected(incident, "needs a public retraction note")


def test_published_at_and_by_go_together():
    incident = IncidentFactory()
    incident.published_by = EditorFactory()
    assert_rejected(incident, "Published at and published by go together.")


def test_incident_accepts_a_valid_range_and_coordinates():
    incident = IncidentFactory(
        occurred_from=dt.date(2022, 4, 20),
        occurred_to=dt.date(2022, 4, 22),
        latitude=Decimal("48.6333"),
        longitude=Decimal("38.3833"),
        victims_min=2,
        victims_max=6,
    )
    incident.full_clean()
    assert incident.victims_display == "2–6"


def test_victim_count_must_be_positive():
    victim = AllegedVictimFactory.build(incident=IncidentFactory(), count=0)
    with pytest.raises(ValidationError):
        victim.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        victim.save()


def test_victim_name_is_withheld_unless_publication_is_allowed():
    withheld = AllegedVictimFactory(name="Ivan Petrenko")
    public = AllegedVictimFactory(name="Olena Kovalenko", identity_public=True)
    assert withheld.identity_public is False  # the default protects the victim
    assert withheld.name_if_public is None
    assert public.name_if_public == "Olena Kovalenko"


def test_assessed_claim_needs_a_rationale():
    claim = ClaimFactory.build(
        incident=IncidentFactory(), status=Claim.Status.VERIFIED, methods=["geolocation"]
    )
    assert_rejected(claim, "A rationale is required for any status other than Unverified.")


def test_assessed_claim_needs_methods():
    claim = ClaimFactory.build(
        incident=IncidentFactory(), status=Claim.Status.DISPUTED, rationale="Denied."
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "methods" in error.value.message_dict


def test_claim_methods_reject_unknown_values():
    claim = ClaimFactory.build(incident=IncidentFactory(), methods=["astrology"])
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "astrology" in str(error.value)


def test_claim_status_values_and_labels_are_the_contract():
    assert Claim.Status.choices == [
        ("unverified", "Unverified"),
        ("partially_verified", "Partially verified"),
        ("verified", "Verified"),
        ("disputed", "Disputed"),
        ("false", "False"),
    ]
    assert ClaimFactory().status == "unverified"


def test_claim_status_changed_at_and_by_go_together():
    claim = ClaimFactory()
    claim.status_changed_by = EditorFactory()
    assert_rejected(claim, "Status changed at and by go together.")


def test_a_source_is_cited_once_per_claim():
    evidence = ClaimEvidenceFactory()
    duplicate = ClaimEvidenceFactory.build(claim=evidence.claim, source=evidence.source)
    assert_rejected(duplicate, "already cited for this claim")


def test_source_cannot_be_accessed_before_publication():
    source = SourceFactory.build(published_on=dt.date(2025, 5, 10), accessed_on=dt.date(2025, 5, 1))
    source.created_by.save()
    assert_rejected(source, "accessed before it was published")


def test_reported_figure_cannot_be_negative_and_period_is_ordered():
    figure = ReportedFigureFactory.build(statement=ReportedFigureFactory().statement, value=-1)
    with pytest.raises(ValidationError):
        figure.full_clean()
    figure = ReportedFigureFactory.build(
        statement=ReportedFigureFactory().statement,
        period_start=dt.date(2024, 12, 31),
        period_end=dt.date(2024, 1, 1),
    )
    assert_rejected(figure, "cannot end before it starts")


def test_external_ids_are_unique_but_blank_is_allowed_many_times():
    IncidentFactory(external_id="")
    IncidentFactory(external_id="")
    IncidentFactory(external_id="CIV0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(external_id="CIV0001")


def test_visibility_gate_hides_drafts_and_reviews_from_readers(reader, researcher):
    draft = IncidentFactory(status=Incident.Status.DRAFT)
    review = IncidentFactory(status=Incident.Status.IN_REVIEW)
    published = IncidentFactory(published=True)
    retracted = IncidentFactory(retracted=True)
    from django.contrib.auth.models import AnonymousUser

    for user in (AnonymousUser(), reader):
        assert set(Incident.objects.visible_to(user)) == {published, retracted}
    assert set(Incident.objects.visible_to(researcher)) == {draft, review, published, retracted}


def test_every_model_records_history():
    victim = AllegedVictimFactory()
    victim.fate = AllegedVictim.Fate.MISSING
    victim.save()
    assert [h.history_type for h in victim.history.order_by("history_id")] == ["+", "~"]
    assert victim.incident.history.count() == 1
