"""The write API (issue 19): tokens, drafts with victims, claims and sources, the admin's errors
as 400s with field paths, idempotency, scopes, files, corrections, and the tokens' admin."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apikeys.models import ApiToken, IdempotentRequest, Scope
from apikeys.services import hash_key, token_create, token_revoke
from cases.models import AllegedVictim, Claim, CorrectionProposal, Incident
from sources.models import Source, SourceFile
from tests.factories import IncidentFactory, ResearcherFactory, SourceFactory, UserFactory

DRAFT = {
    "title": "Shelling of the market in Kupiansk",
    "summary": "Two civilians reported killed.",
    "occurred_from": "2022-09-05",
    "oblast": "kharkiv",
    "category": "civilian_killing",
    "victims": [{"status": "civilian", "fate": "killed", "count": 2, "name": "A. Person"}],
    "claims": [{"text": "Two civilians were killed by shelling.", "claimant": "Local council"}],
    "sources": [
        {"kind": "social_media", "title": "Post", "url": "https://t.me/kupiansk/100"},
    ],
}


def api(token_key: str | None) -> APIClient:
    client = APIClient()
    if token_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_key}")
    return client


@pytest.fixture
def researcher_key(db):
    user = ResearcherFactory()
    _token, key = token_create(
        by=user, user=user, name="bot", scopes=[Scope.DRAFTS, Scope.FILES, Scope.CORRECTIONS]
    )
    return key


def count_all():
    return (
        Incident.objects.count(),
        AllegedVictim.objects.count(),
        Claim.objects.count(),
        Source.objects.count(),
        Source.incidents.through.objects.count(),
    )


@pytest.mark.django_db
def test_a_token_holder_creates_a_draft_with_victims_claims_and_sources(researcher_key):
    response = api(researcher_key).post(reverse("write:incident_create"), DRAFT, format="json")

    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.status == Incident.Status.DRAFT
    assert incident.slug == "shelling-of-the-market-in-kupiansk"
    assert incident.victims.get().count == 2
    assert incident.claims.get().status == "unverified"
    assert incident.sources.get().url == "https://t.me/kupiansk/100"
    assert incident.history.first().history_user == ApiToken.objects.get().user
    # Readers see nothing of it.
    assert Incident.objects.public().count() == 0


@pytest.mark.django_db
def test_bad_input_gets_the_admins_messages_by_field_path_and_writes_nothing(researcher_key):
    body = {
        **DRAFT,
        "occurred_from": "not a date",
        "category": "genocide",
        "victims": [DRAFT["victims"][0], {"status": "vanished"}],
        "claims": [{"text": ""}],
        "sources": [{"kind": "video", "title": "x", "url": "not a url"}],
        "status": "published",
    }

    response = api(researcher_key).post(reverse("write:incident_create"), body, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert "Enter a valid date." in errors["occurred_from"]
    assert "genocide" in errors["category"][0]
    assert "vanished" in errors["victims[1].status"][0]
    assert errors["claims[0].text"] == ["This field is required."]
    assert errors["status"] == ["Unknown field."]
    assert count_all() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_the_models_own_rules_come_back_as_field_errors(researcher_key):
    body = {**DRAFT, "occurred_from": "2022-09-05", "occurred_to": "2022-09-01"}
    response = api(researcher_key).post(reverse("write:incident_create"), body, format="json")
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in str(response.json())
    assert count_all() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_a_retry_with_the_same_idempotency_key_writes_once(researcher_key):
    client = api(researcher_key)
    url = reverse("write:incident_create")
    first = client.post(url, DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(url, DRAFT, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    other = client.post(
        url, {**DRAFT, "title": "Another"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Incident.objects.count() == 1
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.django_db
def test_no_token_a_wrong_revoked_or_expired_token_is_401(researcher_key):
    url = reverse("write:incident_create")
    assert api(None).post(url, DRAFT, format="json").status_code == 401
    assert api("ct_wrong").post(url, DRAFT, format="json").status_code == 401
    token = ApiToken.objects.get()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert api(researcher_key).post(url, DRAFT, format="json").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    token_revoke(token=token, by=token.user)
    assert api(researcher_key).post(url, DRAFT, format="json").status_code == 401
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_the_key_is_stored_hashed_and_use_is_recorded(researcher_key):
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(researcher_key)
    assert researcher_key not in (token.prefix, token.key_hash)
    assert token.last_used_at is None
    api(researcher_key).post(reverse("write:incident_create"), DRAFT, format="json")
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_a_token_without_the_scope_is_403():
    user = ResearcherFactory()
    _token, key = token_create(by=user, user=user, name="files only", scopes=[Scope.FILES])
    response = api(key).post(reverse("write:incident_create"), DRAFT, format="json")
    assert response.status_code == 403
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_reader_cannot_hold_a_token():
    reader = UserFactory(is_staff=True)
    with pytest.raises(ValidationError):
        token_create(by=reader, user=reader, name="x", scopes=[Scope.DRAFTS])
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_sources_are_added_to_drafts_only(researcher_key):
    draft = IncidentFactory()
    public = IncidentFactory(published=True)
    existing = SourceFactory(url="https://example.org/report")
    client = api(researcher_key)

    added = client.post(
        reverse("write:incident_add_source", args=[draft.pk]),
        {"kind": "other", "title": "Same page", "url": "https://EXAMPLE.org/report/"},
        format="json",
    )
    refused = client.post(
        reverse("write:incident_add_source", args=[public.pk]), {"id": existing.pk}, format="json"
    )

    assert added.status_code == 201, added.json()
    assert added.json()["source"] == existing.pk  # the same normalised URL: no duplicate
    assert list(draft.sources.all()) == [existing]
    assert refused.status_code == 409
    assert not public.sources.exists()


@pytest.mark.django_db
def test_a_file_is_added_restricted_to_a_source_the_draft_cites(researcher_key):
    draft = IncidentFactory()
    source = SourceFactory()
    draft.sources.add(source)
    other = SourceFactory()
    url = reverse("write:incident_add_file", args=[draft.pk])
    client = api(researcher_key)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)

    response = client.post(url, {"source": source.pk, "file": upload}, format="multipart")
    wrong = client.post(
        url,
        {"source": other.pk, "file": SimpleUploadedFile("b.txt", b"other")},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["is_restricted"] is True
    assert SourceFile.objects.get().source == source
    assert wrong.status_code == 400
    assert wrong.json() == {"source": ["Not a source this draft cites."]}


@pytest.mark.django_db
def test_a_correction_is_proposed_on_a_public_incident_only(researcher_key):
    public = IncidentFactory(published=True)
    draft = IncidentFactory()
    client = api(researcher_key)
    body = {"what": "The date is 6 September.", "why": "The council's post says so."}

    response = client.post(
        reverse("write:incident_propose_correction", args=[public.pk]), body, format="json"
    )
    hidden = client.post(
        reverse("write:incident_propose_correction", args=[draft.pk]), body, format="json"
    )

    assert response.status_code == 201
    assert CorrectionProposal.objects.get().incident == public
    assert hidden.status_code == 404
    public.refresh_from_db()
    assert public.version == 1  # nothing readers see changed


@pytest.mark.django_db
def test_the_schema_documents_the_write_endpoints(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/write/incidents/", "/api/v1/write/incidents/{id}/files/"):
        assert path in schema
    assert "Idempotency-Key" in schema
    assert "bearerAuth" in schema


@pytest.mark.django_db
def test_staff_make_and_revoke_their_own_tokens_in_the_admin(client):
    user = ResearcherFactory()
    other = ResearcherFactory()
    _theirs, _ = token_create(by=other, user=other, name="theirs", scopes=[Scope.DRAFTS])
    client.force_login(user)

    page = client.post(
        reverse("admin:apikeys_apitoken_add"),
        {"name": "archive bot", "scopes": [Scope.DRAFTS]},
        follow=True,
    )

    token = ApiToken.objects.get(name="archive bot")
    assert token.user == user and token.created_by == user
    text = page.content.decode()
    assert "Copy the key now" in text and token.prefix in text
    listing = client.get(reverse("admin:apikeys_apitoken_changelist")).content.decode()
    assert "archive bot" in listing and "theirs" not in listing
    client.post(
        reverse("admin:apikeys_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk, _theirs.pk]},
    )
    token.refresh_from_db()
    _theirs.refresh_from_db()
    assert token.revoked_by == user
    assert _theirs.revoked_at is None


@pytest.mark.django_db
def test_writes_per_token_are_throttled(researcher_key, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_WRITE_RATE = "1/min"
    client = api(researcher_key)
    url = reverse("write:incident_create")
    assert client.post(url, DRAFT, format="json").status_code == 201
    assert client.post(url, {**DRAFT, "title": "Second"}, format="json").status_code == 429
    assert Incident.objects.count() == 1
    cache.clear()


@pytest.mark.django_db
def test_an_archive_link_becomes_the_archived_copy_of_its_original(researcher_key):
    wayback = "https://web.archive.org/web/20220905101010/https://t.me/kupiansk/100"
    body = {**DRAFT, "sources": [{"kind": "social_media", "title": "Post", "url": wayback}]}
    response = api(researcher_key).post(reverse("write:incident_create"), body, format="json")
    assert response.status_code == 201, response.json()
    source = Source.objects.get()
    assert (source.url, source.archive_url) == ("https://t.me/kupiansk/100", wayback)


@pytest.mark.django_db
def test_every_token_request_is_in_the_staff_access_log(researcher_key):
    """Issue 20's access log sees token use: who, with which token, on which address."""
    from accounts.models import AccessEvent

    response = api(researcher_key).post(reverse("write:incident_create"), DRAFT, format="json")
    assert response.status_code == 201
    event = AccessEvent.objects.get(action=AccessEvent.Action.API_TOKEN)
    token = ApiToken.objects.get()
    assert (event.user, event.object_id, event.path) == (
        token.user,
        str(token.pk),
        reverse("write:incident_create"),
    )
    assert event.detail == {"token": "bot", "method": "POST"}
    # A wrong key is refused before it is anyone's use: nothing is logged for it.
    api("ct_wrong").post(reverse("write:incident_create"), DRAFT, format="json")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.API_TOKEN).count() == 1
