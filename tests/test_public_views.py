"""The public site as readers (and staff previewing) see it."""

import datetime as dt
import re

import pytest
from django.db import connection

from cases import services
from cases.models import Incident, format_date_range
from cases.search import refresh_search_vectors
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    ReportedFigureFactory,
    SourceFactory,
    SourceFileFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        (D(2024, 11, 1), None, "month", "November 2024"),
        (D(2022, 4, 1), None, "approximate", "approx. April 2022"),
        (D(2022, 4, 20), D(2022, 4, 22), "day", "20–22 April 2022"),
        (D(2022, 4, 28), D(2022, 5, 2), "day", "28 April – 2 May 2022"),
        (D(2022, 12, 30), D(2023, 1, 2), "day", "30 December 2022 – 2 January 2023"),
        (D(2022, 4, 20), None, "day", "20 April 2022"),
        (D(2023, 1, 1), None, "year", "2023"),
        (D(2022, 1, 1), D(2023, 12, 31), "year", "2022–2023"),
        (D(2024, 11, 1), D(2024, 12, 31), "month", "November – December 2024"),
    ],
)
def test_dates_are_written_with_their_precision(start, end, precision, expected):
    assert format_date_range(start, end, precision) == expected


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "draft_status"),
    [(None, 404), ("reader", 404), ("researcher", 200), ("editor", 200)],
)
def test_drafts_are_404_for_readers_and_previewable_by_staff(
    client_for, request, who, draft_status
):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    draft = IncidentFactory(title="Draft title")
    published = IncidentFactory(published=True)
    assert client.get(published.get_absolute_url()).status_code == 200
    response = client.get(draft.get_absolute_url())
    assert response.status_code == draft_status
    if draft_status == 200:
        assert "Draft — not public" in response.content.decode()


@pytest.mark.parametrize("who", [None, "reader", "researcher", "editor"])
def test_lists_feeds_and_sitemap_show_only_public_incidents_to_everyone(client_for, request, who):
    # Staff preview drafts on their detail pages only; lists are the same for everyone.
    client = client_for(request.getfixturevalue(who) if who else None)
    IncidentFactory(title="Unpublished title", slug="unpublished-slug")
    IncidentFactory(published=True, title="Published title", slug="published-slug")
    for url in ["/en/", "/en/incidents/", "/feeds/incidents.atom", "/sitemap.xml"]:
        content = client.get(url).content.decode()
        assert "Unpublished title" not in content and "unpublished-slug" not in content, url
        assert "Published title" in content or "published-slug" in content, url


@pytest.mark.parametrize("who", [None, "reader", "researcher", "editor"])
def test_public_pages_answer_every_role(client_for, request, who):
    client = client_for(request.getfixturevalue(who) if who else None)
    evidence = ClaimEvidenceFactory(claim=ClaimFactory(incident=IncidentFactory(published=True)))
    statement = OfficialStatementFactory()
    statement.incidents.add(evidence.claim.incident)
    for url in [
        "/en/",
        "/en/incidents/",
        evidence.claim.incident.get_absolute_url(),
        evidence.source.get_absolute_url(),
        statement.get_absolute_url(),
        "/en/about/verification/",
    ]:
        assert client.get(url).status_code == 200, url


def test_sources_and_statements_of_drafts_are_404(client):
    evidence = ClaimEvidenceFactory(claim=ClaimFactory(incident=IncidentFactory()))
    statement = OfficialStatementFactory()
    statement.incidents.add(evidence.claim.incident)
    assert client.get(evidence.source.get_absolute_url()).status_code == 404
    assert client.get(statement.get_absolute_url()).status_code == 404


# --- incident page ------------------------------------------------------------------------------


def test_incident_page_shows_every_claim_with_status_evidence_and_history(client, editor):
    incident = IncidentFactory(
        published=True,
        occurred_from=D(2022, 4, 20),
        occurred_to=D(2022, 4, 22),
        perpetrator="Russian armed forces",
    )
    verified = ClaimFactory(incident=incident, text="Footage geolocated to Popasna.")
    services.claim_change_status(
        claim=verified,
        status="verified",
        rationale="Matched buildings on satellite imagery.",
        methods=["geolocation"],
        by=editor,
    )
    ClaimFactory(incident=incident, text="The order came from the top.")
    source = SourceFactory(
        title="Drone video", archive_url="https://archive.example/abc", is_graphic=True
    )
    ClaimEvidenceFactory(claim=verified, source=source, relation="supports")
    AllegedVictimFactory(incident=incident, name="Secret Name", notes="internal note here")
    AllegedVictimFactory(incident=incident, name="Public Name", identity_public=True)
    statement = OfficialStatementFactory(translation="In English")
    statement.incidents.add(incident)
    ReportedFigureFactory(statement=statement, metric="criminal cases opened", value=75)

    html = client.get(incident.get_absolute_url()).content.decode()
    assert "20–22 April 2022" in html
    assert html.count('class="badge badge-') >= 2
    assert 'href="/en/about/verification/#status-verified"' in html
    assert "Matched buildings on satellite imagery." in html and "Geolocation" in html
    assert source.get_absolute_url() in html and "https://archive.example/abc" in html
    assert "graphic" in html
    assert "Name withheld" in html and "Public Name" in html
    assert "Secret Name" not in html and "internal note here" not in html
    assert "criminal cases opened" in html and ">75<" in html
    history = html.split('id="history-heading"')[1]
    assert "Unverified → Verified" in history and "Matched buildings" in history
    assert f"http://127.0.0.1:8000{incident.get_absolute_url()}" in html  # suggested citation


def test_retracted_incident_shows_its_notice(client):
    incident = IncidentFactory(retracted=True)
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "Retracted" in html and "The footage was shown to predate the war." in html


# --- list ---------------------------------------------------------------------------------------


def titles(response):
    return re.findall(r'<h3><a href="/en/incidents/[^"]+/">([^<]+)</a>', response.content.decode())


def test_list_filters_by_every_parameter(client):
    a = IncidentFactory(
        published=True,
        title="Alpha",
        oblast="luhansk",
        category="torture",
        occurred_from=D(2022, 4, 1),
        occurred_to=D(2022, 4, 30),
        perpetrator="Wagner Group",
    )
    b = IncidentFactory(
        published=True,
        title="Bravo",
        oblast="zaporizhzhia",
        category="pow_execution",
        occurred_from=D(2024, 11, 1),
    )
    ClaimFactory(incident=a, text="seize the commander")
    ClaimFactory(incident=b, status="disputed", rationale="Denied with proof.", methods=["other"])
    AllegedVictimFactory(incident=a, status="civilian")
    AllegedVictimFactory(incident=b, status="pow")
    b.sources.add(SourceFactory(kind="video"))
    refresh_search_vectors([a.pk, b.pk])

    cases = {
        "oblast=luhansk": ["Alpha"],
        "category=pow_execution": ["Bravo"],
        "status=disputed": ["Bravo"],
        "victim_status=civilian": ["Alpha"],
        "source_kind=video": ["Bravo"],
        "perpetrator=wagner": ["Alpha"],
        "date_from=2022-04-15&date_to=2022-05-01": ["Alpha"],  # overlaps the April range
        "date_from=2024-01-01": ["Bravo"],
        "q=commander": ["Alpha"],
        "sort=oldest": ["Alpha", "Bravo"],
        "": ["Bravo", "Alpha"],
    }
    for query, expected in cases.items():
        assert titles(client.get(f"/en/incidents/?{query}")) == expected, query


@pytest.mark.parametrize(
    "query",
    [
        "date_from=not-a-date",
        "date_to=2024-13-45",
        "oblast=atlantis",
        "status=probably",
        "sort=sideways",
        "page=-3",
        "page=abc",
        "category=%00",
        "q=" + "x" * 5000,
        "q=%22unbalanced",
        "victim_status=1&source_kind=%27",
    ],
)
def test_invalid_filter_values_never_500(client, query):
    IncidentFactory(published=True)
    response = client.get(f"/en/incidents/?{query}")
    assert response.status_code == 200


def test_invalid_filter_value_is_explained_beside_the_filter(client):
    html = client.get("/en/incidents/?oblast=atlantis&date_from=yesterday").content.decode()
    assert "atlantis is not one of the available choices" in html
    assert "Enter a valid date." in html


def test_list_paginates_by_25_with_total_and_keeps_filters(client):
    for n in range(27):
        IncidentFactory(published=True, title=f"Incident {n:02d}", oblast="kharkiv")
    response = client.get("/en/incidents/?oblast=kharkiv")
    html = response.content.decode()
    assert len(titles(response)) == 25
    assert "27 incidents" in html
    assert 'href="?oblast=kharkiv&amp;page=2"' in html
    assert len(titles(client.get("/en/incidents/?oblast=kharkiv&page=2"))) == 2


def test_list_row_shows_tally_of_claims(client):
    incident = IncidentFactory(published=True, victims_min=2, victims_max=6)
    ClaimFactory.create_batch(3, incident=incident)
    html = client.get("/en/incidents/").content.decode()
    assert "3 unverified" in html and "2–6" in html


def test_home_counts_claims_of_public_incidents_only(client):
    ClaimFactory.create_batch(2, incident=IncidentFactory(published=True))
    ClaimFactory.create_batch(5, incident=IncidentFactory())  # draft: not counted
    html = client.get("/en/").content.decode()
    assert re.search(
        r'<span class="count">2</span>\s*<span class="badge-icon"[^>]*>\?</span>\s*Unverified', html
    )


def _home_count(html: str, label: str) -> int:
    match = re.search(
        r'<span class="count">(\d+)</span>\s*<span class="badge-icon"[^>]*>[^<]*</span>\s*' + label,
        html,
    )
    return int(match.group(1))


def test_retracted_incidents_neither_count_nor_lead_on_the_home_page(client):
    published = IncidentFactory(
        published=True, title="Still published", published_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    )
    ClaimFactory(incident=published, status="verified", rationale="Geolocated.")
    retracted = IncidentFactory(
        retracted=True, title="Was retracted", published_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    )
    ClaimFactory.create_batch(3, incident=retracted, status="verified", rationale="Geolocated.")
    ClaimFactory(incident=retracted)

    html = client.get("/en/").content.decode()

    assert _home_count(html, "Verified") == 1
    assert _home_count(html, "Unverified") == 0
    assert "retracted incidents are not counted" in html
    latest = html[html.index("Latest published incidents") :]
    assert "Still published" in latest and "Was retracted" not in latest


def test_claims_of_retracted_incidents_are_marked_on_source_and_statement_pages(client):
    source, statement = SourceFactory(), OfficialStatementFactory()
    retracted = IncidentFactory(retracted=True, title="Was retracted")
    published = IncidentFactory(published=True, title="Still published")
    for incident, text in ((retracted, "Claim of the retracted"), (published, "Claim standing")):
        claim = ClaimFactory(
            incident=incident,
            text=text,
            status="verified",
            rationale="Geolocated.",
            statement=statement,
        )
        ClaimEvidenceFactory(claim=claim, source=source)
        incident.sources.add(source)
        statement.incidents.add(incident)

    for page in (source.get_absolute_url(), statement.get_absolute_url()):
        html = client.get(page).content.decode()
        claims = html[html.index("claims-heading") :]
        lines = {
            text: line
            for line in re.findall(r"<li>.*?</li>", claims, flags=re.S)
            for text in ("Claim of the retracted", "Claim standing")
            if text in line
        }
        assert "Verified" in lines["Claim of the retracted"]
        assert 'class="tag tag-retracted"' in lines["Claim of the retracted"], page
        assert "Verified" in lines["Claim standing"]
        assert "Retracted" not in lines["Claim standing"], page
        incidents = html[html.index("incidents-heading") : html.index("claims-heading")]
        assert re.search(r"Was retracted</a>\s*<span class=\"tag tag-retracted\">", incidents)
        assert 'Still published</a> <span class="muted">' in incidents


# --- leak sentinels ------------------------------------------------------------------------------

SENTINELS = {
    "draft": "SENTINEL-DRAFT-TITLE-7781",
    "review": "SENTINEL-REVIEW-TITLE-4410",
    "victim": "SENTINEL-WITHHELD-NAME-2291",
    "victim_note": "SENTINEL-VICTIM-NOTE-5530",
    "source_note": "SENTINEL-SOURCE-NOTE-9012",
    "statement_note": "SENTINEL-STATEMENT-NOTE-3301",
    "draft_claim": "SENTINEL-DRAFT-CLAIM-6675",
    "draft_source": "SENTINEL-DRAFT-SOURCE-1200",
    "draft_perpetrator": "SENTINEL-PERPETRATOR-8832",
}


@pytest.fixture
def planted(db):
    public = IncidentFactory(published=True, title="Public incident")
    AllegedVictimFactory(incident=public, name=SENTINELS["victim"], notes=SENTINELS["victim_note"])
    shared = SourceFactory(title="Shared source", notes=SENTINELS["source_note"])
    public.sources.add(shared)
    statement = OfficialStatementFactory(notes=SENTINELS["statement_note"])
    statement.incidents.add(public)
    ClaimEvidenceFactory(claim=ClaimFactory(incident=public), source=shared)

    draft = IncidentFactory(title=SENTINELS["draft"], perpetrator=SENTINELS["draft_perpetrator"])
    IncidentFactory(title=SENTINELS["review"], status=Incident.Status.IN_REVIEW)
    draft_claim = ClaimFactory(incident=draft, text=SENTINELS["draft_claim"])
    draft_source = SourceFactory(title=SENTINELS["draft_source"])
    draft.sources.add(draft_source, shared)
    ClaimEvidenceFactory(claim=draft_claim, source=shared)
    return {"public": public, "shared": shared, "statement": statement, "draft": draft}


def test_no_sentinel_appears_on_any_public_page(client, planted):
    urls = [
        "/en/",
        "/en/incidents/",
        "/en/about/verification/",
        planted["public"].get_absolute_url(),
        planted["shared"].get_absolute_url(),
        planted["statement"].get_absolute_url(),
    ]
    # Every filter value and search that could surface the hidden records.
    urls += [f"/en/incidents/?q={word}" for word in SENTINELS.values()]
    urls += [
        f"/en/incidents/?perpetrator={SENTINELS['draft_perpetrator']}",
        "/en/incidents/?oblast=luhansk",
    ]
    urls += [f"/en/incidents/?status={s}" for s in ("unverified", "verified")]
    for url in urls:
        html = client.get(url).content.decode()
        # Text filters repeat what the reader typed; that is their input, not our data.
        html = re.sub(r'<input type="(search|text)" name="(q|perpetrator)" value="[^"]*"', "", html)
        # So do the language switcher's links: this page and query in the other language.
        html = re.sub(r'<a href="[^"]*" lang="\w+" hreflang="\w+"', "", html)
        # issue 14: the list / map / timeline links carry the reader's filters too.
        html = re.sub(r'<nav class="pattern-nav".*?</nav>', "", html, flags=re.S)
        for sentinel in SENTINELS.values():
            assert sentinel not in html, (sentinel, url)
    assert client.get(planted["draft"].get_absolute_url()).status_code == 404
    refresh_search_vectors()
    assert (
        "0 incidents" in client.get(f"/en/incidents/?q={SENTINELS['draft_claim']}").content.decode()
    )


DATA_OUT_URLS = [
    "/incidents/export.csv",
    "/incidents/export.json",
    "/incidents/export.geojson",
    "/api/v1/incidents/",
    "/api/v1/claims/",
    "/api/v1/sources/",
    "/api/v1/statements/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/feeds/incidents.atom",
    "/feeds/claims.atom",
    "/sitemap.xml",
    "/robots.txt",
]


def test_no_sentinel_leaves_through_exports_api_feeds_sitemap_or_jsonld(
    client_for, planted, editor
):
    """The data-out endpoints show readers' data only, even to staff."""
    public, shared, draft = planted["public"], planted["shared"], planted["draft"]
    restricted = SourceFileFactory(
        source=shared, original_name="SENTINEL-RESTRICTED-FILE-4471.txt", is_restricted=True
    )
    secrets = [*SENTINELS.values(), restricted.original_name, restricted.sha256]
    # Assessed claims, so that the public page carries JSON-LD and the claim feed has entries.
    services.claim_change_status(
        claim=public.claims.get(),
        status="verified",
        rationale="Seen.",
        methods=["other"],
        by=editor,
    )
    services.claim_change_status(
        claim=draft.claims.get(), status="false", rationale="x", methods=["other"], by=editor
    )
    draft_claim, draft_source = draft.claims.get(), draft.sources.exclude(pk=shared.pk).get()
    urls = [*DATA_OUT_URLS, public.get_absolute_url()]
    urls += [f"/api/v1/incidents/{public.slug}/", f"/api/v1/sources/{shared.pk}/"]
    urls += [f"/api/v1/statements/{planted['statement'].pk}/"]
    urls += [f"/incidents/export.json?q={word}" for word in SENTINELS.values()]
    urls += [f"/api/v1/incidents/?q={word}" for word in SENTINELS.values()]
    for who in (None, editor):
        client = client_for(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            content = b"".join(response) if response.streaming else response.content
            text = content.decode()
            if "?q=" in url:  # the JSON export repeats the reader's own filter values
                text = re.sub(r'"filters": \{[^}]*\}', "", text)
            for secret in secrets:
                assert secret not in text, (secret, url, who)
        for url in [
            f"/api/v1/incidents/{draft.slug}/",
            f"/api/v1/claims/{draft_claim.pk}/",
            f"/api/v1/sources/{draft_source.pk}/",
        ]:
            assert client.get(url).status_code == 404, url
    sitemap = client.get("/sitemap.xml").content.decode()
    assert draft.get_absolute_url() not in sitemap
    assert draft_source.get_absolute_url() not in sitemap


# --- query budgets --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 25])
def test_list_page_query_budget(client, django_assert_max_num_queries, n):
    for _ in range(n):
        ClaimFactory.create_batch(2, incident=IncidentFactory(published=True))
    # count, page of incidents, tallies for the page; issue 14: + one grouped count per choice
    # filter (oblast, category, status, victim status, source kind); issue 18: + the legal
    # provisions offered as a filter
    with django_assert_max_num_queries(10):
        response = client.get("/en/incidents/?oblast=luhansk&status=unverified&sort=victims")
    assert len(titles(response)) == n


@pytest.mark.parametrize("n", [2, 200])
def test_incident_page_query_budget(client, django_assert_max_num_queries, editor, n):
    incident = IncidentFactory(published=True)
    sources = SourceFactory.create_batch(n)
    incident.sources.add(*sources)
    for i in range(n):
        claim = ClaimFactory(incident=incident)
        ClaimEvidenceFactory(claim=claim, source=sources[i])
        AllegedVictimFactory(incident=incident)
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    ReportedFigureFactory.create_batch(3, statement=statement)
    # incident, victims, claims(+statement), evidence(+source), statements(+reported_in),
    # figures, sources, status changes, publication events, corrections, and (issue 17) the
    # history's log indexes when there is history
    with django_assert_max_num_queries(12):
        response = client.get(incident.get_absolute_url())
    html = response.content.decode()
    # Issue 21: 50 claims in full (with their evidence), the others in short.
    assert html.count('class="claim"') == min(n, 50)
    assert html.count('class="claim-short"') == max(n - 50, 0)
    assert all(f'id="claim-{claim.pk}"' in html for claim in incident.claims.all())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text index is PostgreSQL-only")
def test_search_uses_the_gin_index():
    from cases.search import search_incidents

    IncidentFactory.create_batch(3, published=True)
    refresh_search_vectors()
    queryset = search_incidents(Incident.objects.all(), "commander")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "cases_incident_search_vector_gin" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL-only")
def test_search_ranks_title_matches_first(client):
    body = IncidentFactory(
        published=True, title="Shelling of a market", summary="Near a drone base."
    )
    title = IncidentFactory(published=True, title="Drone strike on a bus")
    refresh_search_vectors([body.pk, title.pk])
    assert titles(client.get("/en/incidents/?q=drone")) == [
        "Drone strike on a bus",
        "Shelling of a market",
    ]


def test_a_statement_cited_by_a_public_claim_is_public(client):
    statement = OfficialStatementFactory(speaker="Cited Speaker")
    draft = IncidentFactory(title="Draft-only incident title")
    statement.incidents.add(draft)  # about a draft only
    claim = ClaimFactory(incident=IncidentFactory(published=True), statement=statement)
    html = client.get(claim.incident.get_absolute_url()).content.decode()
    assert statement.get_absolute_url() in html
    page = client.get(statement.get_absolute_url())
    assert page.status_code == 200 and "Cited Speaker" in page.content.decode()
    # The draft it is also about stays hidden on the statement's page.
    assert draft.title not in page.content.decode()


def test_sort_still_applies_when_another_filter_is_invalid(client):
    IncidentFactory(published=True, title="Older", occurred_from=D(2022, 1, 1))
    IncidentFactory(published=True, title="Newer", occurred_from=D(2024, 1, 1))
    assert titles(client.get("/en/incidents/?oblast=atlantis&sort=oldest")) == ["Older", "Newer"]


def test_a_long_incident_shows_fifty_claims_in_full_and_every_claim_with_its_status(client, editor):
    """Issue 21: a page of 500 claims was 1.3 MB; now 50 in full, the rest in short, each
    claim still at its #claim-<id> address with its status, and in full on its claims page."""
    incident = IncidentFactory(published=True)
    source = SourceFactory(title="Drone footage of the road")
    claims = ClaimFactory.create_batch(120, incident=incident)
    late = claims[104]  # the 105th: on the third page of claims
    ClaimEvidenceFactory(claim=late, source=source)
    services.claim_change_status(
        claim=late,
        status="disputed",
        rationale="Contradicted by the footage.",
        methods=["geolocation"],
        by=editor,
    )
    html = client.get(incident.get_absolute_url()).content.decode()
    assert html.count('class="claim"') == 50 and html.count('class="claim-short"') == 70
    assert "Claims 1–50 of 120 in full" in html
    short = html[html.index(f'id="claim-{late.pk}"') :].split("</li>")[0]
    assert "Disputed" in short and f'href="?claims=3#claim-{late.pk}"' in short
    assert "Drone footage of the road" not in html.split('id="claims-in-short-heading"')[0]
    # The tally counts every claim, not only those shown in full.
    assert "119 unverified" in html and "1 disputed" in html
    third = client.get(incident.get_absolute_url() + "?claims=3").content.decode()
    full = third[third.index(f'id="claim-{late.pk}"') :].split("</article>")[0]
    assert "Drone footage of the road" in full and "Contradicted by the footage." in full
    assert third.count('class="claim"') == 20
    # A page number out of range shows the last page; nonsense shows the first.
    assert client.get(incident.get_absolute_url() + "?claims=99").status_code == 200
    assert client.get(incident.get_absolute_url() + "?claims=x").status_code == 200


def test_a_long_history_shows_its_latest_changes_and_links_to_all(client, editor):
    incident = IncidentFactory(published=True)
    for claim in ClaimFactory.create_batch(55, incident=incident):
        services.claim_change_status(
            claim=claim,
            status="verified",
            rationale="Geolocated.",
            methods=["geolocation"],
            by=editor,
        )
    html = client.get(incident.get_absolute_url()).content.decode()
    history = html[html.index('id="history-heading"') :].split("</section>")[0]
    total = history.count("Unverified → Verified")
    assert total == 50 and "The latest 50 of" in history
    everything = client.get(incident.get_absolute_url() + "?history=all").content.decode()
    history = everything[everything.index('id="history-heading"') :].split("</section>")[0]
    assert history.count("Unverified → Verified") == 55 and "The latest" not in history
