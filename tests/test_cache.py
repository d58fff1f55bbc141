"""The anonymous page cache: served without queries, never stale after a committed write."""

import pytest
from django.core.cache import cache

from cases import services
from cases.models import Incident
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_second_anonymous_request_is_served_without_queries(client, django_assert_num_queries):
    incident = IncidentFactory(published=True, title="Cached incident")
    first = client.get(incident.get_absolute_url())
    with django_assert_num_queries(0):
        second = client.get(incident.get_absolute_url())
    assert second.status_code == 200 and second.content == first.content
    assert "Cached incident" in second.content.decode()


def test_status_change_shows_on_the_next_request(
    client, editor, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(incident=IncidentFactory(published=True))
    assert "Unverified" in client.get(claim.incident.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=claim, status="false", rationale="Staged.", methods=["metadata"], by=editor
        )
    html = client.get(claim.incident.get_absolute_url()).content.decode()
    assert "Staged." in html and "badge-false" in html


def test_publication_and_admin_edits_invalidate_the_list(
    client, editor, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW, title="Newly published")
    assert "Newly published" not in client.get("/en/incidents/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=incident, action="publish", by=editor)
    assert "Newly published" in client.get("/en/incidents/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        incident.title = "Corrected title"
        incident.save()
    assert "Corrected title" in client.get("/en/incidents/").content.decode()


def test_staff_are_never_served_from_the_cache(client, researcher):
    draft = IncidentFactory(title="Staff-only draft")
    assert "Data entry" not in client.get("/en/incidents/").content.decode()  # cached, anonymous
    client.force_login(researcher)
    # Staff get their own page (with the link to the admin) and previews of drafts.
    assert "Data entry" in client.get("/en/incidents/").content.decode()
    assert "Staff-only draft" in client.get(draft.get_absolute_url()).content.decode()
    client.logout()
    assert "Data entry" not in client.get("/en/incidents/").content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_query_strings_are_cached_separately(client):
    IncidentFactory(published=True, title="In Luhansk", oblast="luhansk")
    IncidentFactory(published=True, title="In Kharkiv", oblast="kharkiv")
    assert "In Kharkiv" not in client.get("/en/incidents/?oblast=luhansk").content.decode()
    assert "In Luhansk" not in client.get("/en/incidents/?oblast=kharkiv").content.decode()


def test_custody_log_entries_do_not_empty_the_cache(
    client, media_root, django_capture_on_commit_callbacks
):
    from sources.services import source_file_verify
    from tests.factories import SourceFileFactory

    incident = IncidentFactory(published=True)
    source_file = SourceFileFactory()
    source_file.source.incidents.add(incident)
    url = source_file.source.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    with django_capture_on_commit_callbacks(execute=True):
        source_file_verify(source_file=source_file)
    assert client.get(url)["X-Page-Cache"] == "hit"
