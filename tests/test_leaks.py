"""Leak sentinels: restricted data never appears on any public endpoint.

``planted`` writes a unique sentinel string into every restricted place; the tests fetch every
public endpoint in ``PUBLIC_ENDPOINTS`` (and every search and filter that could surface them), as
an anonymous reader and as a signed-in account with no role, and assert no sentinel appears in
the body or the headers. A new public page, export, feed or API endpoint gets a line in
``PUBLIC_ENDPOINTS``.
"""

import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cases.models import Incident
from cases.search import refresh_search_vectors
from sources.models import SourceCapture, SourceFile
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
    SourceFileFactory,
)

pytestmark = pytest.mark.django_db

SENTINELS = {
    "draft_title": "SENTINEL-DRAFT-TITLE-7781",
    "draft_summary": "SENTINEL-DRAFT-SUMMARY-1183",
    "draft_perpetrator": "SENTINEL-PERPETRATOR-8832",
    "draft_claim": "SENTINEL-DRAFT-CLAIM-6675",
    "review_title": "SENTINEL-REVIEW-TITLE-4410",
    "review_summary": "SENTINEL-REVIEW-SUMMARY-0921",
    "review_claim": "SENTINEL-REVIEW-CLAIM-3390",
    "victim": "SENTINEL-WITHHELD-NAME-2291",
    "victim_note": "SENTINEL-VICTIM-NOTE-5530",
    "source_note": "SENTINEL-SOURCE-NOTE-9012",
    "statement_note": "SENTINEL-STATEMENT-NOTE-3301",
    "draft_statement": "SENTINEL-DRAFT-STATEMENT-QUOTE-4471",
    "draft_source": "SENTINEL-DRAFT-SOURCE-1200",
    "restricted_file": "SENTINEL-RESTRICTED-FILE-NAME-6614",
    "restricted_file_note": "SENTINEL-RESTRICTED-FILE-NOTE-2209",
    "draft_file": "SENTINEL-DRAFT-FILE-NAME-7345",
    "file_note": "SENTINEL-FILE-NOTE-8120",
    # issue 16: captures of a cited URL
    "capture_reason": "SENTINEL-CAPTURE-FAILURE-4402",
    "capture_notes": "SENTINEL-CAPTURE-NOTES-9931",
    "capture_tools": "SENTINEL-CAPTURE-TOOLS-6127",
}

# Restricted or unpublished records asked for directly: each must be a plain 404 to readers
# (never 403, which would confirm the record exists).
HIDDEN: list[str] = [
    "/en/incidents/{draft.slug}/",
    "/en/incidents/{review.slug}/",
    "/en/incidents/{draft.slug}/dossier.pdf",  # issue 14
    "/en/incidents/{review.slug}/dossier.pdf",
    "/en/sources/{draft_source.pk}/",
    "/en/statements/{draft_statement.pk}/",
    "/en/files/{restricted_file.pk}/download/",
    "/en/files/{restricted_file.pk}/warning/",
    "/en/files/{draft_file.pk}/download/",
    "/en/files/{draft_file.pk}/warning/",
    # issue 17 (language-neutral addresses)
    "/transparency/incidents/{draft.pk}/history.json",
    "/transparency/incidents/{review.pk}/history.json",
    "/incidents/{draft.slug}/evidence-package.zip",
    "/incidents/{review.slug}/evidence-package.zip",
]

# Every public endpoint, filled from ``planted`` with str.format. The list is the contract: a
# new public page, export, feed or API endpoint gets a line here.
PUBLIC_ENDPOINTS: list[str] = [
    "/en/",
    "/en/incidents/",
    "/en/about/verification/",
    "/en/verify-file/",
    "/en/incidents/{public.slug}/",
    "/en/sources/{shared.pk}/",
    "/en/statements/{statement.pk}/",
    "/en/files/{public_file.pk}/warning/",
    "/en/files/{public_file.pk}/download/",
    *HIDDEN,
    # Filters that could surface hidden records or their counts.
    "/en/incidents/?status=unverified",
    "/en/incidents/?oblast=luhansk&category=pow_execution",
    "/en/incidents/?victim_status=pow&source_kind=news_article",
    "/en/incidents/?sort=oldest",
    # Data out: exports (with and without filters), the API, feeds, sitemap, robots.
    # issue 20: the staff account pages a signed-in reader can open
    "/account/two-factor/",
    "/account/two-factor/setup/",
    "/account/two-factor/verify/",
    "/account/sessions/",
    "/incidents/export.csv",
    "/incidents/export.json",
    "/incidents/export.geojson",
    "/incidents/export.csv?status=unverified&oblast=luhansk",
    "/api/v1/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/incidents/",
    "/api/v1/incidents/?q=SENTINEL",
    "/api/v1/incidents/{public.slug}/",
    "/api/v1/incidents/{draft.slug}/",
    "/api/v1/incidents/{review.slug}/",
    "/api/v1/claims/",
    "/api/v1/sources/",
    "/api/v1/sources/{shared.pk}/",
    "/api/v1/sources/{draft_source.pk}/",
    "/api/v1/statements/",
    "/api/v1/statements/{statement.pk}/",
    "/api/v1/statements/{draft_statement.pk}/",
    "/feeds/incidents.atom",
    "/feeds/claims.atom",
    "/sitemap.xml",
    "/robots.txt",
    # issue 14: the map (and its data, filtered), the timeline, the figures
    "/en/incidents/map/",
    "/en/incidents/map.json",
    "/en/incidents/map.json?status=unverified&oblast=luhansk",
    "/en/incidents/timeline/",
    "/en/incidents/timeline/?stack=status",
    "/en/figures/",
    "/en/figures/series.csv",
    "/en/incidents/{public.slug}/dossier.pdf",
    # end issue 14
    # issue 17: the transparency log and public incidents' history as it should log
    "/transparency/",
    "/transparency/tree-head.json",
    "/transparency/entries.json",
    "/transparency/incidents/{public.pk}/history.json",
    # issue 19: undated incidents asked for, the CSV for spreadsheets, the write API (no token:
    # a 401 that names nothing), on the draft and the public incident
    "/en/incidents/?date_from=2000-01-01&undated=on",
    "/incidents/export.csv?bom=1&undated=on&date_to=2030-01-01",
    "/api/v1/incidents/?undated=true&date_from=2000-01-01",
    "/api/v1/write/incidents/",
    "/api/v1/write/incidents/{draft.pk}/sources/",
    "/api/v1/write/incidents/{draft.pk}/files/",
    "/api/v1/write/incidents/{public.pk}/corrections/",
    "/incidents/{public.slug}/evidence-package.zip",
]


@pytest.fixture
def planted(db):
    public = IncidentFactory(published=True, title="Public incident")
    AllegedVictimFactory(incident=public, name=SENTINELS["victim"], notes=SENTINELS["victim_note"])
    shared = SourceFactory(title="Shared source", notes=SENTINELS["source_note"])
    public.sources.add(shared)
    statement = OfficialStatementFactory(notes=SENTINELS["statement_note"])
    statement.incidents.add(public)
    ClaimEvidenceFactory(claim=ClaimFactory(incident=public), source=shared)
    public_file = SourceFileFactory(source=shared, notes=SENTINELS["file_note"])
    restricted_file = SourceFileFactory(
        source=shared,
        is_restricted=True,
        original_name=f"{SENTINELS['restricted_file']}.txt",
        notes=SENTINELS["restricted_file_note"],
    )

    draft = IncidentFactory(
        title=SENTINELS["draft_title"],
        summary=SENTINELS["draft_summary"],
        perpetrator=SENTINELS["draft_perpetrator"],
        latitude="50.45",  # issue 14: on the map if the gate failed
        longitude="30.52",
    )
    review = IncidentFactory(
        title=SENTINELS["review_title"],
        summary=SENTINELS["review_summary"],
        status=Incident.Status.IN_REVIEW,
        latitude="50.46",  # issue 14
        longitude="30.53",
    )
    draft_claim = ClaimFactory(incident=draft, text=SENTINELS["draft_claim"])
    ClaimFactory(incident=review, text=SENTINELS["review_claim"])
    draft_source = SourceFactory(title=SENTINELS["draft_source"])
    draft.sources.add(draft_source, shared)
    ClaimEvidenceFactory(claim=draft_claim, source=shared)
    draft_statement = OfficialStatementFactory(quote=SENTINELS["draft_statement"])
    draft_statement.incidents.add(draft)
    draft_file = SourceFileFactory(
        source=draft_source, original_name=f"{SENTINELS['draft_file']}.txt"
    )
    # issue 16: a failed capture of the public source's URL, then one whose file is restricted.
    SourceCapture.objects.create(
        source=shared,
        url=shared.url,
        state="failed",
        failure="http_404",
        reason=SENTINELS["capture_reason"],
        notes=SENTINELS["capture_notes"],
    )
    SourceCapture.objects.create(
        source=shared,
        url=shared.url,
        state="done",
        captured_at=public.published_at,
        tools=SENTINELS["capture_tools"],
    ).files.add(restricted_file)
    refresh_search_vectors()
    return {
        "public": public,
        "shared": shared,
        "statement": statement,
        "public_file": public_file,
        "restricted_file": restricted_file,
        "draft": draft,
        "review": review,
        "draft_source": draft_source,
        "draft_statement": draft_statement,
        "draft_file": draft_file,
    }


# issue 14: the list / map / timeline links carry the reader's filters (fixed routes + input).
_ECHOED_NAV = re.compile(r'<nav class="pattern-nav".*?</nav>', re.S)
# Text inputs repeat what the reader typed; that is their input, not our data. So do the
# language switcher's links (the same page and query string in the other language; issue 15).
_ECHOED_INPUT = re.compile(
    r'<input[^>]*name="(q|perpetrator|sha256)"[^>]*>|<a href="[^"]*" lang="\w+" hreflang="\w+"'
)


def body_and_headers(response) -> str:
    # Reading a download to the end closes its file. (Not response.close(): that fires
    # request_finished, which closes the test's database connection on PostgreSQL.)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode(errors="replace")
    text = _ECHOED_INPUT.sub("", text)
    text = _ECHOED_NAV.sub("", text)
    return text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())


def assert_no_sentinel(client, url: str) -> None:
    text = body_and_headers(client.get(url))
    leaked = [name for name, sentinel in SENTINELS.items() if sentinel in text]
    assert not leaked, (url, leaked)


def search_urls() -> list[str]:
    """Every sentinel as a search and as each text filter."""
    urls = []
    for sentinel in SENTINELS.values():
        urls += [f"/en/incidents/?q={sentinel}", f"/en/incidents/?perpetrator={sentinel}"]
    urls += [f"/en/incidents/?q={word}" for word in ("SENTINEL", "sentinel*", "draft", "review")]
    return urls


@pytest.mark.parametrize("who", [None, "reader"])
def test_no_sentinel_on_any_public_endpoint(client_for, request, planted, who):
    client = client_for(request.getfixturevalue(who) if who else None)
    for template in PUBLIC_ENDPOINTS:
        assert_no_sentinel(client, template.format(**planted))
    for url in search_urls():
        assert_no_sentinel(client, url)
    for template in HIDDEN:
        url = template.format(**planted)
        assert client.get(url).status_code == 404, url


def test_search_finds_nothing_hidden(client, planted):
    """Searching for words only hidden records contain finds nothing (and no count of them)."""
    for name in ("draft_title", "draft_summary", "draft_claim", "review_title", "review_claim"):
        html = client.get(f"/en/incidents/?q={SENTINELS[name]}").content.decode()
        assert "0 incidents" in html, name


def test_verify_file_is_no_oracle_for_restricted_or_unpublished_files(client, planted):
    """A restricted or draft-only file's hash answers exactly like a hash nobody holds."""

    def page(sha256: str) -> str:
        html = client.get(f"/en/verify-file/?sha256={sha256}").content.decode()
        return re.sub(re.escape(sha256), "HASH", html, flags=re.IGNORECASE)

    never_held = hashlib.sha256(b"never uploaded").hexdigest()
    for name in ("restricted_file", "draft_file"):
        sha256 = planted[name].sha256
        assert page(sha256) == page(never_held), name
        assert page(sha256.upper()) == page(never_held), name
    # The public file, for contrast, is found.
    assert page(planted["public_file"].sha256) != page(never_held)


def test_guessing_file_ids_reveals_only_public_files(client, planted):
    public_pk = planted["public_file"].pk
    top = SourceFile.objects.order_by("-pk").values_list("pk", flat=True).first()
    for pk in range(1, top + 5):
        for kind in ("download", "warning"):
            response = client.get(f"/en/files/{pk}/{kind}/")
            body_and_headers(response)  # reads a download to the end, which closes its file
            assert response.status_code == (200 if pk == public_pk else 404), (pk, kind)


def test_restricted_file_bytes_never_served(client, planted, media_root):
    secret = b"SENTINEL-RESTRICTED-CONTENT-5151"
    restricted = SourceFileFactory(
        source=planted["shared"],
        is_restricted=True,
        file=ContentFile(secret, name="secret.txt"),
        sha256=hashlib.sha256(secret).hexdigest(),
        size=len(secret),
    )
    for suffix in ("download/", "download/?confirmed=1", "warning/"):
        response = client.get(f"/en/files/{restricted.pk}/{suffix}")
        assert response.status_code == 404
        assert secret not in body_and_headers(response).encode()


# --- issue 22: evidence in a bucket ----------------------------------------------------------


@pytest.mark.parametrize("who", [None, "reader"])
def test_with_files_in_a_bucket_only_the_released_file_leads_there(
    client_for, request, s3_bucket, planted, who
):
    """Every public endpoint with the files kept in an S3 bucket: no sentinel, and no address of
    the bucket anywhere but in the one redirect a reader may follow, the released file's."""
    client = client_for(request.getfixturevalue(who) if who else None)
    assert planted["restricted_file"].file.name in s3_bucket.object_keys()
    released = f"/en/files/{planted['public_file'].pk}/download/"
    for template in PUBLIC_ENDPOINTS:
        url = template.format(**planted)
        response = client.get(url)
        text = body_and_headers(response)
        leaked = [name for name, sentinel in SENTINELS.items() if sentinel in text]
        assert not leaked, (url, leaked)
        if url == released:
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{s3_bucket.endpoint}/{s3_bucket.name}/")
            continue
        for address in (s3_bucket.endpoint, s3_bucket.name, "X-Amz-"):
            assert address not in text, (url, address)


# --- issue 17: the transparency log holds only what readers were told --------------------------


def test_the_log_never_holds_non_public_data(client, planted, editor):
    """Write through the services everything that could carry a sentinel into the log: a draft's
    assessed claim, a withheld name and internal notes changed on a public incident, a released
    file's notes and name, an unpublishing note. Neither the stored log nor any of its pages
    or proofs holds a sentinel."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from cases import services
    from ledger.models import LogEntry
    from sources import services as source_services

    draft_claim = planted["draft"].claims.get()
    services.claim_change_status(
        claim=draft_claim,
        status="verified",
        rationale=SENTINELS["draft_claim"],
        methods=["geolocation"],
        by=editor,
    )
    public = planted["public"]
    victim = public.victims.get()
    services.victim_update(
        victim=victim,
        by=editor,
        data={"name": SENTINELS["victim"] + "-2", "notes": SENTINELS["victim_note"] + "-2"},
        reason="Spelling of the name.",
    )
    services.incident_update(
        incident=public,
        by=editor,
        data={"summary": "A corrected public summary."},
        reason="The date was wrong.",
    )
    upload = SimpleUploadedFile(
        f"{SENTINELS['restricted_file']}.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
    )
    released = source_services.source_file_add(
        source=planted["shared"],
        uploaded=upload,
        by=editor,
        is_restricted=False,
        notes=SENTINELS["file_note"],
    )
    claim = public.claims.first()
    services.claim_change_status(
        claim=claim, status="verified", rationale="Public rationale.", methods=["other"], by=editor
    )
    services.incident_transition(
        incident=public, action="unpublish", by=editor, note=SENTINELS["draft_summary"]
    )
    assert LogEntry.objects.filter(subject=f"sourcefile:{released.pk}").exists()
    assert LogEntry.objects.count() >= 4
    stored = "\n".join(LogEntry.objects.values_list("payload", flat=True))
    leaked = [name for name, sentinel in SENTINELS.items() if sentinel in stored]
    assert not leaked, leaked
    assert editor.username not in stored
    urls = [reverse("ledger:overview"), reverse("ledger:tree_head"), reverse("ledger:entries")]
    for entry in LogEntry.objects.all():
        urls += [
            reverse("ledger:entry", args=[entry.index]),
            reverse("ledger:entry_json", args=[entry.index]),
            reverse("ledger:inclusion") + f"?index={entry.index}",
        ]
    for url in urls:
        assert_no_sentinel(client, url)


# issue 21: with the page cache on, what staff were shown (drafts, previews) never reaches a
# reader through a cached page or API answer, and the home page's tally counts published
# incidents' claims only.
def test_cached_pages_and_answers_carry_no_sentinel(client, planted, researcher, settings):
    from django.core.cache import cache

    from public import tallies

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        staff = type(client)()
        staff.force_login(researcher)
        for template in [*PUBLIC_ENDPOINTS, *HIDDEN]:
            # Staff first (read to the end, which closes downloads): never stored for readers.
            body_and_headers(staff.get(template.format(**planted)))
        for _ in range(2):  # built for readers, then served from the cache
            for template in PUBLIC_ENDPOINTS:
                assert_no_sentinel(client, template.format(**planted))
            for template in HIDDEN:
                assert client.get(template.format(**planted)).status_code == 404
    finally:
        cache.clear()
    assert tallies.counts() == tallies.recount()


# issue 18: legal mappings of drafts and incidents in review never reach readers, nor count.
LAW_SENTINELS = {
    "draft_mapping_note": "SENTINEL-DRAFT-MAPPING-NOTE-5821",
    "draft_link_note": "SENTINEL-DRAFT-LINK-NOTE-3307",
    "review_mapping_note": "SENTINEL-REVIEW-MAPPING-NOTE-9914",
}
LAW_ENDPOINTS = [
    "/en/law/",
    "/en/law/rs-8-2-b-vi/",
    "/en/law/rs-8-2-b-xii/",
    "/en/incidents/?provision=rs-8-2-b-vi",
    "/en/incidents/?provision=rs-8-2-b-xii&element_gap=1",
    "/en/incidents/?element_gap=1",
    "/incidents/export.csv?provision=rs-8-2-b-xii",
    "/incidents/export.json?element_gap=1",
    "/api/v1/incidents/?provision=rs-8-2-b-xii",
    "/api/v1/incidents/{draft.slug}/",
]


@pytest.fixture
def planted_law(planted):
    from law.loading import ensure_provisions
    from law.models import ClaimElement, IncidentProvision, Provision

    ensure_provisions()
    no_quarter = Provision.objects.get(code="rs-8-2-b-xii")
    for key, note in (("draft", "draft_mapping_note"), ("review", "review_mapping_note")):
        chosen = IncidentProvision.objects.create(
            incident=planted[key], provision=no_quarter, note=LAW_SENTINELS[note]
        )
        ClaimElement.objects.create(
            incident_provision=chosen,
            element=no_quarter.elements.get(number=1),
            claim=planted[key].claims.first(),
            note=LAW_SENTINELS["draft_link_note"],
        )
    # The public incident is mapped to another provision, with nothing hidden in it.
    IncidentProvision.objects.create(
        incident=planted["public"], provision=Provision.objects.get(code="rs-8-2-b-vi")
    )
    return planted


@pytest.mark.parametrize("who", [None, "reader"])
def test_no_legal_mapping_of_hidden_incidents_reaches_readers(
    client_for, request, planted_law, who
):
    client = client_for(request.getfixturevalue(who) if who else None)
    for template in LAW_ENDPOINTS:
        text = body_and_headers(client.get(template.format(**planted_law)))
        leaked = [name for name, s in {**SENTINELS, **LAW_SENTINELS}.items() if s in text]
        assert not leaked, (template, leaked)
    # Drafts and incidents in review are never counted: the no-quarter provision has none.
    page = client.get("/en/law/rs-8-2-b-xii/").content.decode()
    assert "No published incident is mapped to this provision yet." in page
    assert client.get("/api/v1/incidents/?provision=rs-8-2-b-xii").json()["count"] == 0
    assert client.get("/api/v1/incidents/?provision=rs-8-2-b-vi").json()["count"] == 1


# issue 20: staff without "view withheld identities" see the victims list masked.
def test_victims_list_masks_withheld_names_and_notes_for_researchers(
    client_for, researcher, planted
):
    client = client_for(researcher)
    victims = reverse("admin:cases_allegedvictim_changelist")
    for url in [victims, f"{victims}?q=SENTINEL"]:
        text = body_and_headers(client.get(url))
        assert SENTINELS["victim"] not in text and SENTINELS["victim_note"] not in text, url


# issue 19
@pytest.mark.parametrize("who", [None, "reader"])
def test_write_api_posts_without_a_token_name_nothing_and_write_nothing(
    client_for, request, planted, who
):
    client = client_for(request.getfixturevalue(who) if who else None)
    before = Incident.objects.count()
    for template in (
        "/api/v1/write/incidents/",
        "/api/v1/write/incidents/{draft.pk}/sources/",
        "/api/v1/write/incidents/{public.pk}/corrections/",
    ):
        response = client.post(
            template.format(**planted), {"title": "x"}, content_type="application/json"
        )
        assert response.status_code == 401
        text = body_and_headers(response)
        assert not [name for name, sentinel in SENTINELS.items() if sentinel in text]
    assert Incident.objects.count() == before


@pytest.mark.parametrize("who", [None, "reader", "researcher"])
def test_the_public_evidence_package_unpacked_holds_no_sentinel(client_for, request, planted, who):
    """The package's manifest is compressed: unpack it and read every member."""
    import io
    import zipfile

    from django.urls import reverse

    client = client_for(request.getfixturevalue(who) if who else None)
    response = client.get(reverse("packages:evidence_package", args=[planted["public"].slug]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "manifest.json" in archive.namelist()
    for name in archive.namelist():
        text = name + archive.read(name).decode(errors="replace")
        leaked = [key for key, sentinel in SENTINELS.items() if sentinel in text]
        assert not leaked, (name, leaked)
