"""Issue 21: each incident's API representation is kept under its page's tag, shared by the
API list and detail; a change to an incident rebuilds only its own, a draft's edit none."""

import json

import pytest
from django.core.cache import cache

from cases import services
from cases.models import Incident
from tests.factories import ClaimEvidenceFactory, ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


@pytest.fixture(autouse=True)
def fragments(settings):
    """A server whose page cache is off: only the representations are kept."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 3600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    first = IncidentFactory(published=True, title="First public")
    second = IncidentFactory(published=True, title="Second public")
    first_claim = ClaimFactory(incident=first)
    ClaimEvidenceFactory(claim=first_claim)
    ClaimFactory(incident=second)
    draft = IncidentFactory(status=Incident.Status.IN_REVIEW, title="Draft in review")
    return {"first": first, "second": second, "first_claim": first_claim, "draft": draft}


def statuses(client) -> dict[str, list[str]]:
    body = client.get(LIST).json()
    return {item["title"]: [c["status"] for c in item["claims"]] for item in body["results"]}


def test_kept_representations_equal_fresh_ones(client, world, settings):
    fresh = client.get(LIST).content  # builds and keeps
    kept = client.get(LIST).content
    detail = client.get(f"{LIST}{world['first'].slug}/").json()
    settings.FRAGMENT_CACHE_SECONDS = 0
    cache.clear()
    assert kept == fresh == client.get(LIST).content
    assert detail == client.get(f"{LIST}{world['first'].slug}/").json()
    assert detail == next(i for i in json.loads(kept)["results"] if i["slug"] == detail["slug"])


def test_the_list_reads_only_the_incidents_on_the_page_when_kept(
    client, world, django_assert_num_queries
):
    client.get(LIST)
    with django_assert_num_queries(2):  # the count, the page of incidents
        assert client.get(LIST).status_code == 200
    with django_assert_num_queries(1):  # the incident
        assert client.get(f"{LIST}{world['second'].slug}/").status_code == 200


def test_a_claim_decision_rebuilds_its_incident_only(
    client, world, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    client.get(LIST)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=world["first_claim"],
            status="disputed",
            rationale="A substantiated denial.",
            methods=["other"],
            by=editor,
        )
    # count, page, and the seven queries of one incident's representation (claims, evidence,
    # history, victims, sources, statements, legal provisions; no figures without statements)
    with django_assert_num_queries(9):
        assert statuses(client)["First public"] == ["disputed"]
    detail = client.get(f"{LIST}{world['first'].slug}/").json()
    assert detail["claims"][0]["rationale"] == "A substantiated denial."


def test_a_draft_edit_rebuilds_nothing_and_a_publication_adds_the_incident(
    client, world, researcher, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    client.get(LIST)
    draft = world["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=draft, by=researcher, data={"title": "Draft, retitled"})
        services.claim_create(incident=draft, by=researcher, data={"text": "A draft claim."})
    with django_assert_num_queries(2):
        assert "Draft, retitled" not in statuses(client)
    assert client.get(f"{LIST}{draft.slug}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=draft, action="publish", by=editor)
    assert statuses(client)["Draft, retitled"] == ["unverified"]
    assert client.get(f"{LIST}{draft.slug}/").json()["claims"][0]["text"] == "A draft claim."


def test_an_amended_legal_text_shows_at_once_in_the_kept_representation(
    client, world, editor, django_capture_on_commit_callbacks
):
    """Provisions and elements are shown on every incident mapped to them: amending one
    renews those incidents' kept representations and the law pages (they were kept a day)."""
    from law import services as law_services
    from law.models import Provision

    provision = Provision.objects.get(code="rs-8-2-b-vi")
    with django_capture_on_commit_callbacks(execute=True):
        law_services.incident_provision_add(
            incident=world["first"], provision=provision, by=editor, reason="Mapped after review."
        )
    detail = f"{LIST}{world['first'].slug}/"
    assert client.get(detail).json()["legal_mapping"][0]["title"] == provision.title
    client.get("/en/law/")
    with django_capture_on_commit_callbacks(execute=True):
        law_services.provision_update(
            provision=provision,
            by=editor,
            data={"title": "Killing or wounding a combatant hors de combat (amended)"},
        )
    assert client.get(detail).json()["legal_mapping"][0]["title"].endswith("(amended)")
    assert "(amended)" in client.get("/en/law/").content.decode()
