"""Issue 21: a write invalidates exactly the cached pages that show it.

Each test fills the cache with the public pages of a small world, makes one write through the
services (as the admin and the review queue do), then asks every page again and reads its
``X-Page-Cache`` header: ``hit`` is the old copy still served, ``miss`` a page built anew.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.models import Incident
from public.cache import invalidate_everything
from sources.services import source_update
from tests.factories import (
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    """Two public incidents, each with a claim backed by its own source; a statement on the
    first; a draft with a claim of its own and a source only the draft cites."""
    first = IncidentFactory(published=True, title="First public")
    second = IncidentFactory(published=True, title="Second public")
    draft = IncidentFactory(status=Incident.Status.IN_REVIEW, title="Draft in review")
    statement = OfficialStatementFactory()
    statement.incidents.add(first)
    first_claim = ClaimFactory(incident=first, statement=statement)
    first_source = ClaimEvidenceFactory(claim=first_claim).source
    first_source.incidents.add(first)
    second_source = ClaimEvidenceFactory(claim=ClaimFactory(incident=second)).source
    draft_claim = ClaimFactory(incident=draft)
    draft_source = ClaimEvidenceFactory(claim=draft_claim).source
    pages = {
        "home": reverse("cases:home"),
        "list": reverse("cases:incident_list"),
        "list filtered": reverse("cases:incident_list") + "?oblast=luhansk",
        "first": first.get_absolute_url(),
        "second": second.get_absolute_url(),
        "first source": first_source.get_absolute_url(),
        "second source": second_source.get_absolute_url(),
        "statement": statement.get_absolute_url(),
        "about": reverse("cases:about_verification"),
        "api list": reverse("incident-list"),
        "api first": reverse("incident-detail", kwargs={"slug": first.slug}),
        "api second": reverse("incident-detail", kwargs={"slug": second.slug}),
    }
    return {
        "first": first,
        "second": second,
        "draft": draft,
        "first_claim": first_claim,
        "draft_claim": draft_claim,
        "first_source": first_source,
        "draft_source": draft_source,
        "statement": statement,
        "pages": pages,
    }


def warm(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response["X-Page-Cache"] == "miss", name
    assert all(client.get(url)["X-Page-Cache"] == "hit" for url in pages.values())


def missed(client, pages) -> set[str]:
    """The pages built anew on the next request (the others were served from the cache)."""
    return {name for name, url in pages.items() if client.get(url)["X-Page-Cache"] == "miss"}


def test_draft_edits_leave_every_public_page_cached(
    client, world, researcher, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    draft, claim = world["draft"], world["draft_claim"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.incident_update(
            incident=draft, by=researcher, data={"title": "Draft, retitled", "summary": "New."}
        )
        services.claim_update(claim=claim, by=researcher, data={"text": "Reworded claim."})
        services.claim_create(incident=draft, by=researcher, data={"text": "Another claim."})
        draft.sources.add(world["second"].sources.first() or SourceFactory())
    assert callbacks, "the writes committed"
    assert missed(client, world["pages"]) == set()


def test_internal_notes_on_public_records_leave_their_pages_cached(
    client, world, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    source = world["first_source"]
    with django_capture_on_commit_callbacks(execute=True):
        source.notes = "Called the publisher; no answer yet."
        source.save()
        claim = world["first_claim"]
        claim.version += 1
        claim.save()
    assert missed(client, world["pages"]) == set()


def test_a_claim_decision_invalidates_its_incident_its_sources_and_the_listings_only(
    client, world, editor, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=world["first_claim"],
            status="disputed",
            rationale="A substantiated denial.",
            methods=["other"],
            by=editor,
        )
    assert missed(client, world["pages"]) == {
        "home",
        "list",
        "list filtered",
        "first",
        "first source",
        "statement",
        "api list",
        "api first",
    }
    html = client.get(world["pages"]["first"]).content.decode()
    assert "A substantiated denial." in html


def test_publication_invalidates_the_listings_not_the_other_incidents(
    client, world, editor, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=world["draft"], action="publish", by=editor)
    assert missed(client, world["pages"]) == {"home", "list", "list filtered", "api list"}
    assert "Draft in review" in client.get(world["pages"]["list"]).content.decode()
    # The source only the draft cited has become public: its page answers now.
    assert client.get(world["draft_source"].get_absolute_url()).status_code == 200


def test_a_source_correction_invalidates_the_source_and_the_incidents_citing_it(
    client, world, editor, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    with django_capture_on_commit_callbacks(execute=True):
        source_update(
            source=world["first_source"],
            by=editor,
            data={"title": "Corrected source title"},
            reason="The headline was misquoted.",
        )
    # The API's list shows every incident's sources: it goes too; the HTML lists do not.
    assert missed(client, world["pages"]) == {"first", "first source", "api first", "api list"}
    assert "Corrected source title" in client.get(world["pages"]["first"]).content.decode()


def test_a_corrected_source_kind_renews_the_listings_filtered_by_it(
    client, world, editor, django_capture_on_commit_callbacks
):
    source = world["first_source"]
    by_kind = reverse("cases:incident_list") + f"?source_kind={source.kind}"
    pages = {**world["pages"], "by kind": by_kind}
    warm(client, pages)
    assert "First public" in client.get(by_kind).content.decode()
    other = "photo" if source.kind != "photo" else "video"
    with django_capture_on_commit_callbacks(execute=True):
        source_update(source=source, by=editor, data={"kind": other}, reason="It is a still.")
    # The lists filter by a source's kind: they go, with the pages that show the source.
    assert {"list", "list filtered", "home", "by kind"} <= missed(client, pages)
    assert "First public" not in client.get(by_kind).content.decode()


def test_unpublishing_removes_the_page_at_once(
    client, world, editor, django_capture_on_commit_callbacks
):
    warm(client, world["pages"])
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(
            incident=world["second"], action="unpublish", note="Sent back for checks.", by=editor
        )
    assert client.get(world["pages"]["second"]).status_code == 404
    assert "Second public" not in client.get(world["pages"]["list"]).content.decode()
    assert client.get(world["pages"]["first"])["X-Page-Cache"] == "hit"


def test_a_rolled_back_write_invalidates_nothing(client, world, editor):
    warm(client, world["pages"])
    # Outside django_capture_on_commit_callbacks the test's transaction never commits.
    services.claim_change_status(
        claim=world["first_claim"],
        status="false",
        rationale="Never committed.",
        methods=["other"],
        by=editor,
    )
    assert missed(client, world["pages"]) == set()


def test_a_bulk_load_invalidates_everything(client, world):
    warm(client, world["pages"])
    invalidate_everything()
    assert missed(client, world["pages"]) == set(world["pages"])


def test_a_cached_page_is_served_without_queries(client, world, django_assert_num_queries):
    warm(client, world["pages"])
    for url in world["pages"].values():
        with django_assert_num_queries(0):
            assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_cache_outage_leaves_pages_and_writes_working(
    client, world, editor, django_capture_on_commit_callbacks
):
    # A Redis nobody answers at (a port of this project's range where nothing listens).
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:8199/0",
        }
    }
    with override_settings(CACHES=down):
        assert client.get(world["pages"]["first"]).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_change_status(
                claim=world["first_claim"],
                status="verified",
                rationale="Saved while the cache was down.",
                methods=["geolocation"],
                by=editor,
            )
        world["first_claim"].refresh_from_db()
        assert world["first_claim"].status == "verified"
        html = client.get(world["pages"]["first"]).content.decode()
        assert "Saved while the cache was down." in html


def test_a_figure_correction_changes_the_home_page_and_a_draft_statement_does_not(
    client, world, editor, researcher, django_capture_on_commit_callbacks
):
    """Issue 21: the home page quotes official figures; they change with their statement."""
    from sources.services import figure_update
    from tests.factories import ReportedFigureFactory

    figure = ReportedFigureFactory(statement=world["statement"], value=75)
    draft_statement = OfficialStatementFactory()
    draft_statement.incidents.add(world["draft"])
    draft_figure = ReportedFigureFactory(statement=draft_statement, value=12)
    home = world["pages"]["home"]
    assert "75" in client.get(home).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        figure_update(figure=draft_figure, by=researcher, data={"value": 13}, reason="Typo.")
    assert client.get(home)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        figure_update(
            figure=figure, by=editor, data={"value": 76}, reason="The prosecutor updated it."
        )
    response = client.get(home)
    assert response["X-Page-Cache"] == "miss"
    assert "76" in response.content.decode()


def test_the_home_page_keeps_its_figures_through_a_claim_decision_not_a_publication(
    client, world, editor, settings, django_capture_on_commit_callbacks
):
    """The official figures on the home page are kept under the 'figures' tag: a claim decision
    rebuilds the home page without reading a figure; publishing an incident whose statement
    reports one shows it at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ReportedFigureFactory

    settings.FRAGMENT_CACHE_SECONDS = 3600
    ReportedFigureFactory(statement=world["statement"], metric="cases opened", value=75)
    hidden = OfficialStatementFactory(organisation="Draft Prosecutor")
    hidden.incidents.add(world["draft"])
    ReportedFigureFactory(statement=hidden, metric="prisoners executed", value=268)
    home = world["pages"]["home"]
    html = client.get(home).content.decode()
    assert "cases opened" in html and "prisoners executed" not in html
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=world["first_claim"],
            status="verified",
            rationale="Geolocated.",
            methods=["geolocation"],
            by=editor,
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(home)
    assert response["X-Page-Cache"] == "miss" and "cases opened" in response.content.decode()
    assert not [q for q in queries if "sources_reportedfigure" in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_transition(incident=world["draft"], action="publish", by=editor)
    html = client.get(home).content.decode()
    assert "prisoners executed" in html and "Draft Prosecutor" in html
