"""Evidence files and captures in an S3 bucket (issue 22), against moto's S3 server on loopback.

The same files, views and commands as tests/test_files.py and tests/test_file_views.py, with
the storage pointed at a bucket (the ``s3_bucket`` fixture, tests/s3_fixtures.py).
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AccessEvent
from sources import services
from sources.models import FileCustodyEvent, SourceFile
from sources.uploads import HashingTemporaryFileUploadHandler
from tests.factories import IncidentFactory, SourceFactory, SourceFileFactory
from tests.html_forms import submit
from tests.s3_fixtures import ACCESS_KEY, signature_is_valid

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CONTENT = b"Transcript: 'take the commander, kill the rest'.\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def public_file(**kwargs):
    """A file on a source cited by a published incident."""
    source = SourceFactory(title="Intercept published by intelligence")
    source.incidents.add(IncidentFactory(published=True, title="Executions near Popasna"))
    return SourceFileFactory(source=source, content=CONTENT, **kwargs)


def fetch(url: str):
    """GET ``url`` as a browser following the redirect would: (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def django_upload():
    """Make an upload as Django's parser hands it over with our settings: written to a
    temporary file chunk by chunk by ``HashingTemporaryFileUploadHandler``. Closed afterwards,
    as Django closes a request's uploads."""
    made = []

    def upload(name: str, content: bytes, chunk: int = 64 * 1024):
        handler = HashingTemporaryFileUploadHandler()
        handler.new_file("files-0-upload", name, "application/octet-stream", len(content))
        for start in range(0, len(content), chunk):
            handler.receive_data_chunk(content[start : start + chunk], start)
        made.append(handler.file_complete(len(content)))
        return made[-1]

    yield upload
    for uploaded in made:
        uploaded.close()


class CountingReader:
    """A file that counts the bytes read from it (the test's own eyes on the upload)."""

    def __init__(self, file):
        self._file = file
        self.bytes_read = 0

    def read(self, *args):
        data = self._file.read(*args)
        self.bytes_read += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._file, name)


# --- uploads ---------------------------------------------------------------------------------


def test_admin_upload_is_stored_in_the_bucket_with_its_sha256(
    client, researcher, s3_bucket, media_root, settings
):
    # Above this size Django spools the upload to a temporary file: the streaming path.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = PDF + b"%" + b"x" * 300_000 + b"\n"
    source = SourceFactory()
    client.force_login(researcher)
    response = submit(
        client,
        f"/admin/sources/source/{source.pk}/change/",
        {"files-0-upload": SimpleUploadedFile("order.pdf", content)},
        form_id="source_form",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    kept = SourceFile.objects.get()
    assert kept.sha256 == sha256(content) and kept.size == len(content)
    key = f"evidence/{kept.sha256[:2]}/{kept.sha256}/order.pdf"
    assert kept.file.name == key
    assert s3_bucket.object_keys() == [key]
    assert sha256(s3_bucket.read(key)) == kept.sha256
    # Nothing was left on the application server's disk.
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
    event = FileCustodyEvent.objects.get()
    assert event.action == "uploaded" and kept.sha256 in event.detail


def test_an_upload_is_hashed_while_written_and_read_once_only_to_store_it(
    researcher, s3_bucket, django_upload
):
    # 9 MiB: above boto3's multipart threshold (8 MiB), as every video is. Each part is read
    # once into memory and checksummed there; smaller files are read again by the S3 client
    # to checksum and sign them, which costs a few milliseconds.
    content = b"%PDF-1.7\n" + b"intercepted order, frame by frame\n" * 280_000
    uploaded = django_upload("order.pdf", content)
    reader = CountingReader(uploaded.file)
    uploaded.file = reader

    kept = services.source_file_add(source=SourceFactory(), uploaded=uploaded, by=researcher)

    # The SHA-256 came from the chunks as they were written; the only read of the whole file
    # is the one that sends it to the bucket.
    assert reader.bytes_read == len(content)
    assert kept.sha256 == sha256(content) and kept.mime_type == "application/pdf"
    assert sha256(s3_bucket.read(kept.file.name)) == kept.sha256


def test_on_local_disk_an_upload_is_hashed_while_written_and_moved_not_read(
    researcher, media_root, django_upload
):
    content = b"%PDF-1.7\n" + b"intercepted order, frame by frame\n" * 40_000
    uploaded = django_upload("order.pdf", content)
    reader = CountingReader(uploaded.file)
    uploaded.file = reader

    kept = services.source_file_add(source=SourceFactory(), uploaded=uploaded, by=researcher)

    assert reader.bytes_read == 0
    assert sha256((media_root / kept.file.name).read_bytes()) == kept.sha256 == sha256(content)


def test_a_file_sent_through_the_write_api_lands_in_the_bucket(s3_bucket, settings):
    from rest_framework.test import APIClient

    from apikeys.models import Scope
    from apikeys.services import token_create
    from tests.factories import ResearcherFactory

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the temporary-file path, as a video takes
    user = ResearcherFactory()
    _token, key = token_create(by=user, user=user, name="archiver bot", scopes=[Scope.FILES])
    draft = IncidentFactory()
    source = SourceFactory()
    draft.sources.add(source)
    content = PDF + b"%" + b"y" * 50_000 + b"\n"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.post(
        reverse("write:incident_add_file", args=[draft.pk]),
        {"source": source.pk, "file": SimpleUploadedFile("order.pdf", content)},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["sha256"] == sha256(content)
    kept = SourceFile.objects.get()
    assert s3_bucket.object_keys() == [kept.file.name]
    assert sha256(s3_bucket.read(kept.file.name)) == kept.sha256
    assert s3_bucket.endpoint not in response.content.decode()


def test_a_refused_upload_leaves_nothing_in_the_bucket(researcher, s3_bucket, django_upload):
    with pytest.raises(ValidationError):
        services.source_file_add(
            source=SourceFactory(),
            uploaded=django_upload("video.mp4", b"MZ\x90\x00" + bytes(300)),
            by=researcher,
        )
    assert s3_bucket.object_keys() == [] and not SourceFile.objects.exists()


def test_objects_are_private(researcher, s3_bucket):
    kept = services.source_file_add(
        source=SourceFactory(), uploaded=SimpleUploadedFile("a.pdf", PDF), by=researcher
    )
    grants = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=kept.file.name)["Grants"]
    # Only the bucket's owner: no grant to AllUsers or AuthenticatedUsers.
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)


# --- downloads -------------------------------------------------------------------------------


def test_staff_download_is_a_short_lived_signed_url_that_works(client_for, researcher, s3_bucket):
    kept = public_file(is_restricted=True)

    response = client_for(researcher).get(kept.get_download_url())

    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(f"{s3_bucket.endpoint}/{s3_bucket.name}/{kept.file.name}?")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    status, headers, body = fetch(url)
    assert status == 200 and sha256(body) == kept.sha256
    assert headers["Content-Disposition"] == f'attachment; filename="{kept.original_name}"'
    assert headers["Content-Type"] == "text/plain"
    # Logged exactly as a download through the app was.
    event = FileCustodyEvent.objects.get()
    assert (event.action, event.by) == ("downloaded_by_staff", researcher)
    access = AccessEvent.objects.get()
    assert access.action == "restricted_file" and access.detail["sha256"] == kept.sha256


def test_the_signed_url_expires_after_the_configured_seconds(client_for, editor, s3_bucket):
    kept = public_file(is_restricted=True)
    before = int(time.time())
    url = client_for(editor).get(kept.get_download_url())["Location"]
    params = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}

    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-Credential"].startswith(f"{ACCESS_KEY}/")
    assert params["X-Amz-Expires"] == "60"
    signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before - 1 <= signed_at.timestamp() <= time.time() + 1
    # moto serves signed URLs without checking them; S3 checks the signature, which covers the
    # date and the expiry: stretching either, or another key, is refused.
    assert signature_is_valid(url)
    assert not signature_is_valid(url.replace("X-Amz-Expires=60", "X-Amz-Expires=3600"))
    assert not signature_is_valid(url, secret_key="someone-elses-key")


def test_the_expiry_follows_the_setting(client_for, editor, s3_bucket, settings):
    settings.STORAGES["default"]["OPTIONS"]["querystring_expire"] = 5
    settings.STORAGES = {**settings.STORAGES}  # reload the storage
    kept = public_file()
    url = client_for(editor).get(kept.get_download_url())["Location"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["5"]


@pytest.mark.parametrize("who", [None, "reader"])
def test_readers_get_released_files_through_a_signed_url_unlogged(
    client_for, request, who, s3_bucket
):
    kept = public_file()
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(kept.get_download_url())
    assert response.status_code == 302
    status, headers, body = fetch(response["Location"])
    assert status == 200 and body == CONTENT
    assert not FileCustodyEvent.objects.exists() and not AccessEvent.objects.exists()


@pytest.mark.parametrize("who", [None, "reader"])
@pytest.mark.parametrize("released", [False, True])
def test_readers_cannot_download_restricted_or_unpublished_files(
    client_for, request, who, released, s3_bucket
):
    if released:  # released, but only a draft incident cites its source
        source = SourceFactory()
        source.incidents.add(IncidentFactory(title="Draft incident"))
        kept = SourceFileFactory(source=source)
    else:
        kept = public_file(is_restricted=True)
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(kept.get_download_url())
    assert response.status_code == 404
    assert "Location" not in response
    assert s3_bucket.endpoint.encode() not in response.content


def test_graphic_files_show_their_warning_before_the_signed_url(client_for, s3_bucket):
    kept = public_file(is_graphic=True)
    client = client_for(None)
    response = client.get(kept.get_download_url())
    assert response.status_code == 302 and response["Location"] == kept.get_warning_url()
    response = client.get(kept.get_download_url(), {"confirmed": "1"})
    assert response["Location"].startswith(s3_bucket.endpoint)


def test_a_missing_object_is_404_not_500(client_for, editor, s3_bucket):
    kept = public_file()
    s3_bucket.delete(kept.file.name)
    assert client_for(None).get(kept.get_download_url()).status_code == 404
    assert client_for(editor).get(kept.get_download_url()).status_code == 404
    assert not FileCustodyEvent.objects.exists()


def test_no_page_holds_a_bucket_address(client_for, editor, s3_bucket):
    released = public_file()
    SourceFileFactory(source=released.source, is_restricted=True, original_name="secret.txt")
    incident = released.source.incidents.get()
    # Each page, and whether it offers the file (through our download address).
    reader_pages = {
        "/en/": False,
        incident.get_absolute_url(): False,
        released.source.get_absolute_url(): True,
        f"/en/verify-file/?sha256={released.sha256}": False,
    }
    staff_pages = {
        f"/admin/sources/source/{released.source.pk}/change/": True,
        f"/admin/sources/sourcefile/{released.pk}/change/": False,
        "/admin/sources/sourcefile/": False,
        released.source.get_absolute_url(): True,
    }
    for who, pages in ((None, reader_pages), (editor, staff_pages)):
        client = client_for(who)
        for page, offers_the_file in pages.items():
            response = client.get(page, follow=True)
            assert response.status_code == 200, page
            html = response.content.decode()
            assert (released.get_download_url() in html) == offers_the_file, page
            for leak in (s3_bucket.endpoint, s3_bucket.name, "X-Amz-", "Signature="):
                assert leak not in html, (who, page, leak)


# --- verify_files and captures ---------------------------------------------------------------


def test_verify_files_rehashes_from_the_bucket_and_finds_tampering(s3_bucket):
    intact = SourceFileFactory(content=b"Intact transcript.\n")
    tampered = SourceFileFactory(content=b"Original transcript.\n")
    missing = SourceFileFactory(content=b"Lost transcript.\n")
    s3_bucket.write(tampered.file.name, b"Edited transcript.\n")
    s3_bucket.delete(missing.file.name)

    with pytest.raises(CommandError, match="2 of 3 files failed"):
        call_command("verify_files")

    actions = dict(FileCustodyEvent.objects.values_list("source_file_id", "action"))
    assert actions == {
        intact.pk: "hash_verified",
        tampered.pk: "hash_mismatch",
        missing.pk: "missing",
    }
    mismatch = FileCustodyEvent.objects.get(source_file=tampered)
    assert sha256(b"Edited transcript.\n") in mismatch.detail


def test_verify_files_streams_a_large_object_in_chunks(s3_bucket):
    content = b"frame " * 1_000_000  # 6 MB: several chunks of the stream
    kept = SourceFileFactory(content=content)
    from sources.storage import read_chunks

    chunks = list(read_chunks(kept.file))
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= 1024 * 1024
    call_command("verify_files")
    assert FileCustodyEvent.objects.get(source_file=kept).action == "hash_verified"


def test_a_capture_is_stored_in_the_bucket(s3_bucket):
    from sources.archiving.capture import ARCHIVER, Artifact, Capture
    from sources.archiving.fetch import Hop
    from sources.archiving.wacz import build_wacz
    from sources.captures import capture_store
    from sources.models import SourceCapture

    url = "https://example.org/report"
    page = b"<html><title>Report</title><body>Prisoners executed near Popasna</body></html>"
    hop = Hop(url, "GET", [], 200, "OK", "HTTP/1.1", [("Content-Type", "text/html")], page, "")
    wacz = build_wacz([hop], page_url=url, title="Report", software=ARCHIVER)
    source = SourceFactory(url=url)
    capture = SourceCapture.objects.create(source=source, url=url)
    result = Capture(
        url=url,
        final_url=url,
        status=200,
        title="Report",
        started_at=time.time(),
        artifacts=[Artifact("capture.wacz", wacz, "application/wacz", ARCHIVER)],
    )

    [kept] = capture_store(capture=capture, result=result)

    assert kept.file.name.endswith(".wacz") and s3_bucket.object_keys() == [kept.file.name]
    stored = s3_bucket.read(kept.file.name)
    assert stored == wacz and kept.sha256 == sha256(stored)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        assert "archive/data.warc.gz" in archive.namelist()
    assert kept.is_restricted and kept.custody_events.get().action == "captured"


def test_the_evidence_package_streams_its_files_from_the_bucket(
    client_for, editor, s3_bucket, django_capture_on_commit_callbacks
):
    from cases import services as case_services

    incident = IncidentFactory(title="Executions near Popasna")
    source = SourceFactory()
    incident.sources.add(source)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.incident_transition(
            incident=incident, action="publish", by=editor, notify=False
        )
        kept = services.source_file_add(
            source=source, uploaded=SimpleUploadedFile("order.pdf", PDF), by=editor
        )
    assert s3_bucket.object_keys() == [kept.file.name]

    url = reverse("packages:evidence_package", args=[incident.slug])
    response = client_for(editor).get(url)

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    members = [name for name in archive.namelist() if archive.read(name) == PDF]
    assert len(members) == 1 and kept.sha256 in archive.read("SHA256SUMS").decode()


# --- check_storage -------------------------------------------------------------------------


def test_check_storage_writes_reads_and_removes_a_probe(s3_bucket, media_root):
    out = io.StringIO()
    call_command("check_storage", stdout=out)
    assert f"Evidence storage OK: bucket {s3_bucket.name}." in out.getvalue()
    assert s3_bucket.object_keys() == []


def test_check_storage_on_the_local_disk(media_root):
    out = io.StringIO()
    call_command("check_storage", stdout=out)
    assert f"Evidence storage OK: folder {media_root}." in out.getvalue()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_check_storage_creates_a_missing_bucket_when_asked(s3_bucket, settings):
    missing = s3_bucket.name + "-new"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": missing},
        },
    }
    with pytest.raises(CommandError, match="failed the check"):
        call_command("check_storage", stdout=io.StringIO())
    call_command("check_storage", "--create-bucket", stdout=io.StringIO())
    s3_bucket.client.head_bucket(Bucket=missing)
    s3_bucket.client.delete_bucket(Bucket=missing)


def test_check_storage_refuses_a_public_bucket(s3_bucket):
    s3_bucket.client.put_bucket_acl(Bucket=s3_bucket.name, ACL="public-read")
    with pytest.raises(CommandError, match="must never be public"):
        call_command("check_storage", stdout=io.StringIO())


# --- settings --------------------------------------------------------------------------------


def storage_settings(**env) -> subprocess.CompletedProcess:
    """Start the production settings with ``env`` and print the evidence storage they chose."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("S3_") and k != "DEBUG"}
    environment.update(env, SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_bucket_evidence_stays_on_the_local_disk():
    result = storage_settings()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_bucket_turns_on_a_private_bucket_with_short_signed_urls():
    result = storage_settings(
        S3_BUCKET="evidence",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID="key-id",
        S3_SECRET_ACCESS_KEY="secret",
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "evidence"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert (options["access_key"], options["secret_key"]) == ("key-id", "secret")
    assert options["region_name"] == "us-east-1"
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == 60 and options["file_overwrite"] is False


def test_signed_url_lifetime_is_checked():
    result = storage_settings(
        S3_BUCKET="evidence", S3_SIGNED_URL_SECONDS="300", S3_REGION="eu-central-1"
    )
    options = json.loads(result.stdout)["OPTIONS"]
    assert (options["querystring_expire"], options["region_name"]) == (300, "eu-central-1")
    for bad in ("0", "a minute", "604801"):
        result = storage_settings(S3_BUCKET="evidence", S3_SIGNED_URL_SECONDS=bad)
        assert result.returncode != 0 and "S3_SIGNED_URL_SECONDS must be" in result.stderr
