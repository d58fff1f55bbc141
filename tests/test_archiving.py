"""Capturing cited pages (issue 16) against a real HTTP server on loopback (tests/pages.py).

Jobs are run as the worker runs them (jobs.runner.run); tests/test_jobs.py runs a real worker.
Nothing here reaches beyond 127.0.0.1: the refusals of other addresses are checked before any
connection is made.
"""

import hashlib
import io
import ipaddress
import os
import socket
import struct
import subprocess
import sys
import zipfile

import pytest
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator

from jobs.models import Job
from jobs.runner import run
from sources import services
from sources.archiving.fetch import FetchError, Limits, address_refusal, fetch
from sources.captures import capture_request
from sources.models import FileCustodyEvent, SourceCapture, SourceFile
from tests.factories import SourceFactory
from tests.pages import PNG, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any Python socket these tests open goes to loopback, or the test fails."""
    real_connect = socket.socket.connect

    def connect(self, address):
        if isinstance(address, tuple):
            host = address[0].split("%")[0]
            assert ipaddress.ip_address(host).is_loopback, f"a test connected to {host}"
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def pages(settings):
    settings.ARCHIVE_ALLOW_LOOPBACK = True
    settings.ARCHIVE_TIMEOUT_SECONDS = 2
    settings.ARCHIVE_MAX_BYTES = 1024 * 1024
    settings.JOBS_RETRY_BACKOFF_SECONDS = 30
    settings.ARCHIVE_CHROMIUM = ""  # the Chromium tests below turn it on
    with serve() as server:
        yield server


def captured(source, by=None):
    """Queue a capture of ``source`` and run its job once, as a worker would."""
    capture = capture_request(source=source, by=by)
    run(capture.job_id)
    capture.refresh_from_db()
    return capture


def wacz_of(capture) -> bytes:
    wacz = capture.files.get(mime_type="application/wacz")
    with wacz.file.open("rb") as stored:
        return stored.read()


def warc_records(wacz: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(wacz)) as archive:
        warc = archive.read("archive/data.warc.gz")
    records = []
    for record in ArchiveIterator(io.BytesIO(warc)):
        body = record.content_stream().read()
        records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), body))
    return records


def test_a_page_is_kept_as_a_valid_wacz_with_its_embedded_images(pages, editor, tmp_path):
    source = SourceFactory(url=pages.url("/page"))
    capture = captured(source, by=editor)
    assert capture.state == "done", capture.reason
    assert capture.http_status == 200 and capture.captured_at is not None
    wacz = wacz_of(capture)
    path = tmp_path / "capture.wacz"
    path.write_bytes(wacz)
    validation = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validation.returncode == 0, validation.stdout + validation.stderr
    responses = {uri: body for kind, uri, body in warc_records(wacz) if kind == "response"}
    assert b"Prisoners executed near Popasna" in responses[pages.url("/page")]
    assert responses[pages.url("/img.png")] == PNG
    assert pages.url("/img.png?poster") in responses
    # The missing image is recorded as what the server said, and noted.
    assert responses[pages.url("/missing.png")] == b"<html>not here</html>"
    assert "missing.png (404)" in capture.notes


def test_the_fetcher_says_who_it_is_and_sends_no_cookie(pages):
    source = SourceFactory(url=pages.url("/page"))
    captured(source)
    assert len(pages.requests) >= 3
    for _path, headers in pages.requests:
        assert headers["User-Agent"].startswith("CaseTrackerArchiver/")
        assert "Cookie" not in headers and "Authorization" not in headers


def test_each_artifact_is_a_restricted_file_whose_hash_matches_its_bytes(pages):
    source = SourceFactory(url=pages.url("/page"), is_graphic=True)
    capture = captured(source)
    files = list(capture.files.all())
    assert files
    for kept in files:
        with kept.file.open("rb") as stored:
            data = stored.read()
        assert hashlib.sha256(data).hexdigest() == kept.sha256
        assert kept.size == len(data)
        assert kept.is_restricted and kept.is_graphic and kept.source == source
        event = kept.custody_events.get()
        assert event.action == FileCustodyEvent.Action.CAPTURED and event.by is None
        assert event.detail.startswith(f"Captured from {pages.url('/page')} at ")
        assert "by the archiver, case-tracker archiver (warcio 1.8.1)" in event.detail
        assert kept.sha256 in event.detail


def test_a_redirect_is_followed_and_kept(pages):
    capture = captured(SourceFactory(url=pages.url("/redirect")))
    assert capture.state == "done"
    assert capture.final_url == pages.url("/page")
    uris = [uri for kind, uri, _ in warc_records(wacz_of(capture)) if kind == "response"]
    assert uris[:2] == [pages.url("/redirect"), pages.url("/page")]


@pytest.mark.parametrize(
    ("path", "failure", "reason"),
    [
        ("/nothing", "http_404", "404 Not Found"),
        ("/loop", "redirects", "More than 5 redirects"),
        ("/big", "too_large", "The page is 2097165 bytes; the limit is 1048576."),
        ("/big-stream", "too_large", "The page is larger than the limit of 1048576 bytes."),
    ],
)
def test_a_final_failure_is_recorded_with_its_reason_and_not_retried(pages, path, failure, reason):
    capture = captured(SourceFactory(url=pages.url(path)))
    assert (capture.state, capture.failure) == ("failed", failure)
    assert capture.reason.startswith(reason)
    job = Job.objects.get(pk=capture.job_id)
    assert (job.state, job.attempts) == ("failed", 1)
    assert not SourceFile.objects.exists()


def test_a_timeout_and_a_server_error_are_retried_with_backoff_then_given_up(pages, settings):
    settings.ARCHIVE_TIMEOUT_SECONDS = 1
    capture = capture_request(source=SourceFactory(url=pages.url("/slow")), by=None)
    outcome = run(capture.job_id)
    capture.refresh_from_db()
    assert (outcome.retry_in, capture.state, capture.failure) == (30, "retrying", "timeout")
    capture = capture_request(source=SourceFactory(url=pages.url("/500")), by=None)
    delays = [run(capture.job_id).retry_in for _ in range(4)]
    assert delays == [30, 60, 120, None]
    capture.refresh_from_db()
    job = Job.objects.get(pk=capture.job_id)
    assert (capture.state, capture.failure, capture.reason) == (
        "failed",
        "http_500",
        "500 Internal Server Error",
    )
    assert job.state == "failed" and "gave up after 4 attempts" in job.reason


def test_a_flaky_page_is_captured_on_the_second_attempt(pages):
    capture = capture_request(source=SourceFactory(url=pages.url("/flaky")), by=None)
    assert run(capture.job_id).state == "retrying"
    assert run(capture.job_id).state == "done"
    capture.refresh_from_db()
    assert capture.state == "done" and capture.files.exists()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_and_loopback_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False)
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError) as refused:
        fetch(f"http://{host}:8100/page", Limits(user_agent="t"))
    assert refused.value.code == "refused"
    assert address_refusal(ipaddress.ip_address("93.184.216.34"), allow_loopback=False) is None


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/", "http://user:pw@127.0.0.1:8100/"]
)
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(FetchError) as refused:
        fetch(url, Limits(user_agent="t", allow_loopback=True))
    assert refused.value.code == "refused"


def test_in_production_a_loopback_page_fails_as_refused(pages, settings):
    settings.ARCHIVE_ALLOW_LOOPBACK = False
    capture = captured(SourceFactory(url=pages.url("/page")))
    assert (capture.state, capture.failure) == ("failed", "refused")
    assert pages.requests == []


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(pages, monkeypatch):
    # The first hop is allowed (loopback admitted here); the hop it redirects to is not.
    capture = captured(SourceFactory(url=pages.url("/redirect-private")))
    assert capture.state == "failed"  # our server answers 404 for the unknown path
    limits = Limits(user_agent="t", allow_loopback=True)
    with pytest.raises(FetchError) as refused:
        fetch("http://10.0.0.1/", limits)
    assert refused.value.code == "refused"


def test_saving_a_source_with_a_new_url_queues_one_capture(
    researcher, settings, django_capture_on_commit_callbacks
):
    settings.ARCHIVE_ON_SAVE = True
    with django_capture_on_commit_callbacks() as sent:
        source = services.source_create(
            by=researcher,
            data={"kind": "news_article", "title": "A report", "url": "https://example.org/a"},
        )
    capture = SourceCapture.objects.get(source=source)
    assert (capture.state, capture.url) == ("queued", "https://example.org/a")
    assert Job.objects.get().state == "queued"
    assert len([callback for callback in sent if "enqueue" in callback.__qualname__]) == 1
    services.source_update(source=source, by=researcher, data={"title": "A report, updated"})
    assert SourceCapture.objects.count() == 1
    services.source_update(source=source, by=researcher, data={"url": "https://example.org/b"})
    assert SourceCapture.objects.count() == 2
    # Asking while one is under way returns it (idempotent).
    assert capture_request(source=source, by=researcher).url == "https://example.org/b"
    assert SourceCapture.objects.count() == 2


def test_a_source_without_a_url_is_refused_with_a_message(editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no URL"):
        capture_request(source=SourceFactory(url=""), by=editor)
    assert not SourceCapture.objects.exists() and not Job.objects.exists()


# --- Chromium: a full-page screenshot and a PDF -------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def chromium(settings):
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("CI installs Chromium: the screenshot and PDF must be tested")
        pytest.skip("Chromium is not installed")
    settings.ARCHIVE_CHROMIUM = CHROMIUM
    return CHROMIUM


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return struct.unpack(">II", data[16:24])


def test_with_chromium_a_capture_has_a_screenshot_and_a_pdf(pages, chromium):
    capture = captured(SourceFactory(url=pages.url("/page")))
    assert capture.state == "done", capture.reason
    files = {f.mime_type: f for f in capture.files.all()}
    assert set(files) == {"application/wacz", "image/png", "application/pdf"}
    with files["image/png"].file.open("rb") as png:
        assert png_size(png.read())[0] == 1280
    with files["application/pdf"].file.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    detail = files["image/png"].custody_events.get().detail
    assert "by the archiver, headless Chromium (" in detail
    assert "Chromium" in capture.tools and "warcio" in capture.tools
    browser_requests = [h for p, h in pages.requests if p == "/page"]
    assert len(browser_requests) == 2  # the fetcher's and Chromium's
    assert all(h["User-Agent"].startswith("CaseTrackerArchiver/") for h in browser_requests)


def test_chromium_reaches_no_host_or_address_the_fetcher_did_not_check(pages, chromium):
    with serve("127.0.0.2") as other:
        capture = captured(SourceFactory(url=pages.url("/scripted")))
    assert capture.state == "done", capture.reason
    assert capture.files.filter(mime_type="image/png").exists()
    assert [p for p, _ in pages.requests].count("/scripted") == 2
    assert not [p for p, _ in pages.requests if p.startswith("/secret")]
    assert other.requests == []


def test_without_chromium_the_wacz_is_kept_and_the_capture_says_so(pages):
    capture = captured(SourceFactory(url=pages.url("/page")))
    assert list(capture.files.values_list("mime_type", flat=True)) == ["application/wacz"]
    assert "Chromium is not installed: no screenshot or PDF; the WACZ is kept." in capture.notes


# --- the admin --------------------------------------------------------------------------------


def test_admin_shows_a_failure_with_its_reason_and_retries_it(pages, client_for, editor):
    source = SourceFactory(url=pages.url("/gone"))
    captured(source)
    client = client_for(editor)
    page = client.get(reverse("admin:sources_source_change", args=[source.pk])).content.decode()
    assert "Capture failed: 404 Not Found" in page
    assert "Retry the capture" in page
    assert reverse("admin:sources_source_capture", args=[source.pk]) in page
    listing = client.get(reverse("admin:sources_source_changelist") + "?capture=failed")
    assert source.title in listing.content.decode()
    response = client.post(reverse("admin:sources_source_capture", args=[source.pk]))
    assert response.status_code == 302
    latest = source.captures.first()
    assert (latest.state, latest.requested_by) == ("queued", editor)
    confirm = client.get(reverse("admin:sources_source_capture", args=[source.pk]))
    assert confirm.status_code == 200 and "Capture now" in confirm.content.decode()


def test_admin_shows_captured_on_with_the_files(pages, client_for, editor):
    source = SourceFactory(url=pages.url("/page"))
    capture = captured(source)
    page = client_for(editor).get(reverse("admin:sources_source_change", args=[source.pk]))
    text = page.content.decode()
    assert f"Captured on {capture.captured_at:%Y-%m-%d %H:%M} UTC." in text
    assert capture.files.get().sha256 in text


def test_editors_retry_failed_captures_from_the_captures_list(pages, client_for, editor):
    failed = captured(SourceFactory(url=pages.url("/gone")))
    done = captured(SourceFactory(url=pages.url("/page")))
    client = client_for(editor)
    listing = client.get(reverse("admin:sources_sourcecapture_changelist") + "?state__exact=failed")
    assert failed.url in listing.content.decode() and done.url not in listing.content.decode()
    client.post(
        reverse("admin:sources_sourcecapture_changelist"),
        {"action": "retry_selected", "_selected_action": [failed.pk, done.pk]},
    )
    assert SourceCapture.objects.filter(source=failed.source).count() == 2
    assert SourceCapture.objects.filter(source=done.source).count() == 1


def test_bulk_capture_from_the_source_list(client_for, editor):
    with_url = SourceFactory()
    without = SourceFactory(url="")
    client_for(editor).post(
        reverse("admin:sources_source_changelist"),
        {"action": "capture_selected", "_selected_action": [with_url.pk, without.pk]},
    )
    assert list(SourceCapture.objects.values_list("source", flat=True)) == [with_url.pk]


def test_a_reader_cannot_capture(client_for, reader):
    source = SourceFactory()
    response = client_for(reader).post(reverse("admin:sources_source_capture", args=[source.pk]))
    assert response.status_code == 302  # to the login page
    assert not SourceCapture.objects.exists()


# --- the public source page --------------------------------------------------------------------


def test_readers_see_the_preserved_copy_only_once_an_editor_releases_it(
    pages, client_for, editor, client
):
    from tests.factories import IncidentFactory

    source = SourceFactory(url=pages.url("/page"))
    IncidentFactory(published=True).sources.add(source)
    capture = captured(source)
    wacz = capture.files.get()
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Preserved copy" not in page and wacz.original_name not in page
    assert client.get(wacz.get_download_url()).status_code == 404
    staff_page = client_for(editor).get(source.get_absolute_url()).content.decode()
    assert "Captured on" in staff_page and wacz.original_name in staff_page
    services.source_file_update(
        source_file=wacz, by=editor, is_restricted=False, is_graphic=False, notes=wacz.notes
    )
    client.logout()
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Preserved copy" in page and wacz.get_download_url() in page
    download = client.get(wacz.get_download_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_staff_see_a_failed_capture_with_its_reason_readers_do_not(pages, client_for, editor):
    from tests.factories import IncidentFactory

    source = SourceFactory(url=pages.url("/gone"))
    IncidentFactory(published=True).sources.add(source)
    captured(source)
    staff_page = client_for(editor).get(source.get_absolute_url()).content.decode()
    assert "Capture failed: 404 Not Found" in staff_page and "Retry the capture" in staff_page
    reader_page = client_for(None).get(source.get_absolute_url()).content.decode()
    assert "Capture failed" not in reader_page and "Preserved copy" not in reader_page


def test_capture_sources_command_queues_the_never_captured_then_the_failed(pages):
    from django.core.management import call_command

    never = SourceFactory()
    failed = SourceFactory(url=pages.url("/gone"))
    captured(failed)
    SourceFactory(url="")
    out = io.StringIO()
    call_command("capture_sources", stdout=out)
    assert "Queued 1 capture(s)." in out.getvalue()
    assert never.captures.get().state == "queued"
    call_command("capture_sources", "--failed", stdout=out)
    assert failed.captures.count() == 2 and failed.captures.first().state == "queued"


def test_query_budget_of_the_source_list_with_captures(
    client_for, editor, django_assert_max_num_queries
):
    for _ in range(3):
        source = SourceFactory()
        SourceCapture.objects.create(source=source, url=source.url, state="failed", reason="404")
    client = client_for(editor)
    url = reverse("admin:sources_source_changelist")
    client.get(url)
    # session, user, (axes), count ×2, the page of sources with their latest capture state
    # (one subquery), the filter's choices, and the admin's own reads; not one per source.
    # Issue 20: + the staff session row of the sessions list.
    with django_assert_max_num_queries(13) as captured_queries:
        response = client.get(url)
    assert response.status_code == 200
    assert "Failed" in response.content.decode()
    few = len(captured_queries)
    for _ in range(5):
        source = SourceFactory()
        SourceCapture.objects.create(
            source=source, url=source.url, state="done", captured_at=source.created_at
        )
    with django_assert_max_num_queries(few):
        client.get(url)
