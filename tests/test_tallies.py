"""Issue 21: the home page's claim counts are kept by the write path, never counted per view."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Incident
from public import tallies
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_counts_follow_status_changes_publication_and_retraction(editor, researcher):
    draft = IncidentFactory(status=Incident.Status.IN_REVIEW)
    claims = [ClaimFactory(incident=draft) for _ in range(3)]
    public = IncidentFactory(published=True)
    ClaimFactory(incident=public)
    assert tallies.counts() == tallies.recount()
    assert tallies.counts()["unverified"] == 1  # the draft's claims are not counted

    services.incident_transition(incident=draft, action="publish", by=editor)
    assert tallies.counts()["unverified"] == 4
    services.claim_change_status(
        claim=claims[0], status="verified", rationale="Geolocated.", methods=["geolocation"],
        by=editor,
    )  # fmt: skip
    assert tallies.counts()["verified"] == 1 and tallies.counts()["unverified"] == 3
    services.claim_create(incident=public, by=editor, data={"text": "A new claim."}, reason="New.")
    assert tallies.counts() == tallies.recount()

    services.incident_transition(
        incident=draft, action="retract", note="Footage predates the war.", by=editor
    )
    assert tallies.counts() == tallies.recount() == {
        "unverified": 2, "partially_verified": 0, "verified": 0, "disputed": 0, "false": 0,
    }  # fmt: skip


def test_home_page_counts_in_one_small_query_whatever_the_data(client, django_assert_num_queries):
    for _ in range(3):
        ClaimFactory(incident=IncidentFactory(published=True))
    # The latest publications, their claim tallies, the status tally: no count of all claims;
    # issue 14: + the official figures block.
    with django_assert_num_queries(4):
        html = client.get(reverse("cases:home")).content.decode()
    assert "3" in html


def test_rebuild_counts_what_bulk_loads_added(editor):
    incident = IncidentFactory(published=True)
    ClaimFactory._meta.model.objects.bulk_create(
        [ClaimFactory.build(incident=incident) for _ in range(4)]
    )
    assert tallies.counts()["unverified"] == 0  # bulk inserts send no signals
    tallies.rebuild()
    assert tallies.counts()["unverified"] == 4 == tallies.recount()["unverified"]
