"""Issue 21: parts of the list and home pages kept apart from the pages, so that a cold page
(page cache off, as after any publication) does not count every incident or render every row
again; none is ever stale: a publication or a correction changes it at once, a draft's edits
do not (and leave the kept parts in use).

- the filter counts and form, under the version of the public data (public/facets.py);
- each incident's summary row, under its page's tag (public.views.incident_summaries).
"""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from cases import services
from cases.models import Incident
from sources.services import source_update
from tests.factories import IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

LIST = "/en/incidents/"


@pytest.fixture(autouse=True)
def cold_pages(settings):
    """A server whose page cache is off: only the counts and the filter form are kept."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 3600
    cache.clear()
    yield
    cache.clear()


def option(html: str, name: str, value: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(rf'<option value="{value}"[^>]*>[^<]*</option>', select).group(0)


@pytest.fixture
def world(db):
    source = SourceFactory(kind="video")
    public = IncidentFactory.create_batch(2, published=True, oblast="luhansk")
    source.incidents.add(public[0])
    draft = IncidentFactory(status=Incident.Status.IN_REVIEW, oblast="luhansk")
    return {"public": public, "draft": draft, "source": source}


def test_counts_are_counted_once_per_version_of_the_public_data(
    client, world, django_assert_num_queries
):
    first = client.get(LIST).content.decode()
    assert "Luhansk Oblast (2)" in option(first, "oblast", "luhansk")
    # Again, and on another page or order of the same filters: the five counts are not redone
    # Only the page of ids and its rows are read: the total, the five counts, the form and the
    # rows' tallies are kept; another order renders its form once (issue 18: the legal
    # provisions it offers), with the counts kept.
    for url, queries in ((LIST, 2), (LIST + "?sort=oldest", 3), (LIST + "?page=1&sort=oldest", 2)):
        with django_assert_num_queries(queries):
            html = client.get(url).content.decode()
        assert "Luhansk Oblast (2)" in option(html, "oblast", "luhansk")
    # Other filters, other counts.
    assert "(0)" in option(
        client.get(LIST + "?category=torture").content.decode(), "oblast", "luhansk"
    )


def test_a_draft_edit_leaves_the_counts_and_a_publication_changes_them(
    client,
    world,
    researcher,
    editor,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client.get(LIST)
    draft = world["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(incident=draft, by=researcher, data={"oblast": "kharkiv"})
    with django_assert_max_num_queries(2):  # the kept counts still hold: ids and rows
        html = client.get(LIST).content.decode()
    assert "(0)" in option(html, "oblast", "kharkiv")
    assert re.search(r"\b2 incidents", html)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=draft, action="publish", by=editor)
    html = client.get(LIST).content.decode()
    assert re.search(r"\b3 incidents", html)  # the kept total too
    assert "Kharkiv Oblast (1)" in option(html, "oblast", "kharkiv")
    assert "data-empty" not in option(html, "oblast", "kharkiv")


def test_a_source_correction_changes_the_source_kind_counts(
    client, world, editor, django_capture_on_commit_callbacks
):
    assert "(1)" in option(client.get(LIST).content.decode(), "source_kind", "video")
    with django_capture_on_commit_callbacks(execute=True):
        source_update(
            source=world["source"], by=editor, data={"kind": "photo"}, reason="It is a still."
        )
    html = client.get(LIST).content.decode()
    assert "(0)" in option(html, "source_kind", "video")
    assert "(1)" in option(html, "source_kind", "photo")


def test_unpublishing_changes_the_counts(client, world, editor, django_capture_on_commit_callbacks):
    client.get(LIST)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(
            incident=world["public"][1], action="unpublish", note="Sent back.", by=editor
        )
    assert "Luhansk Oblast (1)" in option(client.get(LIST).content.decode(), "oblast", "luhansk")


def test_the_list_counts_without_a_cache_server(client, world):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:8199/0",
        }
    }
    with override_settings(CACHES=down):
        response = client.get(LIST)
    assert response.status_code == 200
    assert "Luhansk Oblast (2)" in option(response.content.decode(), "oblast", "luhansk")


def titles_and_tallies(html: str) -> list[str]:
    return re.findall(r'<article class="incident-summary">(.*?)</article>', html, re.S)


def test_rows_are_rendered_once_per_version_of_their_incident(
    client,
    world,
    editor,
    researcher,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    from tests.factories import ClaimFactory

    claim = ClaimFactory(incident=world["public"][0], text="Shot at the checkpoint.")
    first = client.get(LIST).content.decode()
    assert "1 unverified" in first
    # Kept: no claim tallies read (only the page of ids and the rows).
    with django_assert_max_num_queries(2):
        assert titles_and_tallies(client.get(LIST).content.decode()) == titles_and_tallies(first)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_update(
            incident=world["draft"], by=researcher, data={"title": "Draft, retitled"}
        )
    with django_assert_max_num_queries(2):
        client.get(LIST)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=claim,
            status="verified",
            rationale="Geolocated.",
            methods=["geolocation"],
            by=editor,
        )
    html = client.get(LIST).content.decode()
    assert "1 verified" in html and "1 unverified" not in html
    home = client.get("/en/").content.decode()
    assert "1 verified" in home


def test_a_crafted_search_never_sets_the_counts_of_other_filters(client, db):
    """The kept counts are keyed by the filters exactly: a search for "Popasna&status=…" is not
    the search "Popasna" with a status filter, so it cannot empty that list for everyone."""
    from tests.factories import ClaimFactory

    incident = IncidentFactory(published=True, title="Shelling near Popasna")
    ClaimFactory(incident=incident)
    crafted = client.get(LIST + "?q=Popasna%26status%3Dunverified").content.decode()
    assert incident.title not in crafted
    real = client.get(LIST + "?q=Popasna&status=unverified").content.decode()
    assert incident.title in real
