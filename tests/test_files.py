"""Evidence files: hashing, refusals, duplicates, the custody log and `verify_files`."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from sources import services
from sources.models import FileCustodyEvent, Source, SourceFile
from tests.factories import SourceFactory, SourceFileFactory
from tests.html_forms import submit

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A Windows executable: refused whatever it is called.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def change_url(source):
    return f"/admin/sources/source/{source.pk}/change/"


# --- hashing ---------------------------------------------------------------------------------


def test_sha256_of_a_multi_chunk_file_equals_hashlib(researcher, media_root):
    content = b"".join(f"line {n}: intercepted radio traffic\n".encode() for n in range(40_000))
    uploaded = File(io.BytesIO(content), name="intercept.txt")
    assert len(list(uploaded.chunks())) > 10  # really read in pieces

    source_file = services.source_file_add(source=SourceFactory(), uploaded=uploaded, by=researcher)

    assert source_file.sha256 == hashlib.sha256(content).hexdigest()
    assert source_file.size == len(content)
    assert source_file.mime_type == "text/plain"
    assert source_file.original_name == "intercept.txt"
    stored = media_root / source_file.file.name
    assert stored.read_bytes() == content
    assert source_file.file.name == (
        f"evidence/{source_file.sha256[:2]}/{source_file.sha256}/intercept.txt"
    )


def test_hash_file_reads_binary_content_in_chunks():
    content = bytes(range(256)) * 1024 + b"tail"
    inspection = services.hash_file(SimpleUploadedFile("x.bin", content))
    assert inspection.sha256 == hashlib.sha256(content).hexdigest()
    assert inspection.size == len(content)


@pytest.mark.parametrize(
    ("content", "mime_type"),
    [
        (PNG, "image/png"),
        (PDF, "application/pdf"),
        (b"<!DOCTYPE html><html><body>Archived page</body></html>", "text/html"),
        ("Звернення прокурора.\n".encode(), "text/plain"),
        (b"WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\n", "application/warc"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64), "video/mp4"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(64), "audio/mpeg"),
    ],
)
def test_allowed_kinds_are_recognised_from_content(content, mime_type, researcher):
    uploaded = SimpleUploadedFile("named-anything.dat", content)
    source_file = services.source_file_add(source=SourceFactory(), uploaded=uploaded, by=researcher)
    assert source_file.mime_type == mime_type


def test_gzipped_warc_is_accepted(researcher):
    import gzip

    content = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n\r\n" * 10)
    uploaded = SimpleUploadedFile("crawl.warc.gz", content)
    source_file = services.source_file_add(source=SourceFactory(), uploaded=uploaded, by=researcher)
    assert source_file.mime_type == "application/gzip"


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("video.mp4", EXE),  # a program dressed as a video
        ("archive.zip", b"PK\x03\x04" + bytes(100)),
        ("noise.bin", bytes(range(256)) * 4),
        ("empty.txt", b""),
    ],
)
def test_service_refuses_other_kinds_and_leaves_nothing(name, content, researcher, media_root):
    with pytest.raises(ValidationError):
        services.source_file_add(
            source=SourceFactory(), uploaded=SimpleUploadedFile(name, content), by=researcher
        )
    assert not SourceFile.objects.exists()
    assert not FileCustodyEvent.objects.exists()
    assert stored_files(media_root) == []


def test_service_needs_permission(reader):
    with pytest.raises(PermissionDenied):
        services.source_file_add(
            source=SourceFactory(), uploaded=SimpleUploadedFile("a.pdf", PDF), by=reader
        )


def test_admin_upload_stores_hashes_and_logs(client, researcher, media_root, settings):
    # Above this size Django spools the upload to a temporary file: the streaming path.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = PDF + b"%" + b"x" * 200_000 + b"\n"
    source = SourceFactory()
    client.force_login(researcher)
    response = submit(
        client,
        change_url(source),
        {
            "files-0-upload": SimpleUploadedFile("order.pdf", content),
            "files-0-is_graphic": "on",
            "files-0-notes": "Received from a witness on a USB stick.",
        },
        form_id="source_form",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    source_file = SourceFile.objects.get()
    assert source_file.source == source
    assert source_file.sha256 == hashlib.sha256(content).hexdigest()
    assert (source_file.size, source_file.mime_type) == (len(content), "application/pdf")
    # Kept restricted: releasing a file to readers is an editor's decision.
    assert source_file.is_graphic and source_file.is_restricted
    assert source_file.uploaded_by == researcher and source_file.uploaded_at is not None
    event = FileCustodyEvent.objects.get()
    assert (event.source_file, event.action, event.by) == (source_file, "uploaded", researcher)
    assert source_file.sha256 in event.detail
    assert stored_files(media_root) == [media_root / source_file.file.name]

    # The kept file shows on its source's page with what the server measured, read-only.
    html = client.get(change_url(source)).content.decode()
    assert source_file.sha256 in html
    assert "order.pdf" in html


@pytest.mark.parametrize(
    ("content", "limit", "message"),
    [
        (EXE, None, "This kind of file is not accepted"),
        (PDF, 10, "the largest accepted is 10"),
    ],
)
def test_admin_refusal_is_a_form_error_and_leaves_nothing(
    client, researcher, media_root, settings, content, limit, message
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # also exercise the temporary-file upload path
    if limit is not None:
        settings.EVIDENCE_MAX_UPLOAD_BYTES = limit
    source = SourceFactory()
    client.force_login(researcher)
    response = submit(
        client,
        change_url(source),
        {"files-0-upload": SimpleUploadedFile("evidence.mp4", content)},
        form_id="source_form",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SourceFile.objects.exists()
    assert not FileCustodyEvent.objects.exists()
    assert stored_files(media_root) == []


# --- duplicates ------------------------------------------------------------------------------


def test_same_file_cannot_be_stored_twice(client, researcher, media_root):
    existing = services.source_file_add(
        source=SourceFactory(title="Drone footage, Zaporizhzhia"),
        uploaded=SimpleUploadedFile("drone.pdf", PDF),
        by=researcher,
    )
    other = SourceFactory()
    client.force_login(researcher)
    response = submit(
        client,
        change_url(other),
        {"files-0-upload": SimpleUploadedFile("renamed-copy.pdf", PDF)},
        form_id="source_form",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This exact file is already held as “drone.pdf”" in html
    assert "Drone footage, Zaporizhzhia" in html
    assert change_url(existing.source) in html
    assert SourceFile.objects.get() == existing
    assert stored_files(media_root) == [media_root / existing.file.name]


def test_service_refuses_a_duplicate_hash(researcher):
    services.source_file_add(
        source=SourceFactory(), uploaded=SimpleUploadedFile("a.pdf", PDF), by=researcher
    )
    with pytest.raises(ValidationError, match="already held"):
        services.source_file_add(
            source=SourceFactory(), uploaded=SimpleUploadedFile("b.pdf", PDF), by=researcher
        )
    assert SourceFile.objects.count() == 1


def test_duplicate_url_is_warned_with_a_link(client, researcher):
    first = SourceFactory(
        title="The original article",
        url="https://www.example.org/news/pow",
        normalised_url="https://www.example.org/news/pow",
    )
    client.force_login(researcher)
    response = client.post(
        "/admin/sources/source/add/",
        {
            "kind": "news_article",
            "title": "Same article, shared link",
            "url": "HTTPS://WWW.EXAMPLE.ORG/news/pow/?utm_source=telegram&fbclid=abc#top",
            "files-TOTAL_FORMS": "0",
            "files-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    second = Source.objects.get(title="Same article, shared link")
    assert second.normalised_url == "https://www.example.org/news/pow"
    html = response.content.decode()
    assert "Possible duplicate" in html and change_url(first) in html

    # The warning stays on the change form, linking to the other record.
    html = client.get(change_url(second)).content.decode()
    assert "Possible duplicate" in html and change_url(first) in html
    assert "The original article" in html


def test_no_duplicate_warning_for_a_different_url(client, researcher):
    SourceFactory(url="https://example.org/a", normalised_url="https://example.org/a")
    source = SourceFactory(url="https://example.org/b", normalised_url="https://example.org/b")
    client.force_login(researcher)
    assert "Possible duplicate" not in client.get(change_url(source)).content.decode()


# --- custody and verification ----------------------------------------------------------------


def test_custody_log_is_append_only():
    event = SourceFileFactory().custody_events.create(action="exported", at="2025-05-06T00:00Z")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        FileCustodyEvent.objects.all().delete()


def test_verify_records_a_matching_hash(researcher):
    source_file = SourceFileFactory()
    event = services.source_file_verify(source_file=source_file, by=researcher)
    assert (event.action, event.by) == ("hash_verified", researcher)


def test_verify_files_detects_a_corrupted_and_a_missing_file(media_root):
    good, corrupted, missing = SourceFileFactory(), SourceFileFactory(), SourceFileFactory()
    (media_root / corrupted.file.name).write_bytes(b"Transcript, quietly edited.\n")
    (media_root / missing.file.name).unlink()
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 of 3 files failed"):
        call_command("verify_files", stderr=err)

    actions = dict(FileCustodyEvent.objects.values_list("source_file", "action"))
    assert actions == {
        good.pk: "hash_verified",
        corrupted.pk: "hash_mismatch",
        missing.pk: "missing",
    }
    assert FileCustodyEvent.objects.filter(by__isnull=True).count() == 3
    report = err.getvalue()
    assert f"HASH MISMATCH: file {corrupted.pk}" in report
    assert f"MISSING: file {missing.pk}" in report
    mismatch = FileCustodyEvent.objects.get(source_file=corrupted)
    assert corrupted.sha256 in mismatch.detail


def test_verify_files_succeeds_when_all_match():
    SourceFileFactory.create_batch(2)
    out = io.StringIO()
    call_command("verify_files", stdout=out)
    assert "All 2 files match" in out.getvalue()
    assert set(FileCustodyEvent.objects.values_list("action", flat=True)) == {"hash_verified"}


def test_verify_files_exits_non_zero(media_root):
    """Run as a program, a problem gives a non-zero exit status (for cron and CI)."""
    source_file = SourceFileFactory()
    (media_root / source_file.file.name).unlink()
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "verify_files"])
    assert exit_info.value.code != 0


# --- roles and admin pages -------------------------------------------------------------------


def test_roles_add_and_flag_files_but_never_delete_them(researcher, editor):
    for user in (researcher, editor):
        assert user.has_perms(
            [
                "sources.view_sourcefile",
                "sources.add_sourcefile",
                "sources.change_sourcefile",
                "sources.view_filecustodyevent",
            ]
        )
        assert not user.has_perm("sources.delete_sourcefile")
        assert not user.has_perm("sources.add_filecustodyevent")
        assert not user.has_perm("sources.change_filecustodyevent")


@pytest.mark.parametrize("who", ["researcher", "editor"])
def test_custody_log_is_shown_read_only_in_the_admin(client, request, who):
    user = request.getfixturevalue(who)
    source_file = SourceFileFactory()
    services.source_file_verify(source_file=source_file, by=user)
    client.force_login(user)

    html = client.get(f"/admin/sources/sourcefile/{source_file.pk}/change/").content.decode()
    assert source_file.sha256 in html and "Hash verified" in html
    assert 'name="custody_events-0-action"' not in html  # log rows are not form fields

    response = client.get("/admin/sources/filecustodyevent/")
    assert response.status_code == 200 and "Hash verified" in response.content.decode()
    assert client.get("/admin/sources/filecustodyevent/add/").status_code == 403
    assert client.get("/admin/sources/sourcefile/add/").status_code == 403


def test_readers_without_a_role_cannot_open_the_file_admin(client, reader):
    client.force_login(reader)
    response = client.get("/admin/sources/sourcefile/")
    assert response.status_code == 302  # to the login page: not staff


def test_export_is_recorded(editor):
    source_file = SourceFileFactory()
    event = services.source_file_record_export(
        source_file=source_file, by=editor, detail="Sent to the prosecutor's office."
    )
    assert (event.action, event.by, event.detail) == (
        "exported",
        editor,
        "Sent to the prosecutor's office.",
    )


def test_source_add_form_takes_uploads(client, researcher):
    client.force_login(researcher)
    html = client.get("/admin/sources/source/add/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="files-0-upload"' in html


def test_the_same_file_twice_on_one_page_is_a_form_error_and_leaves_nothing(
    client, researcher, media_root
):
    content = PDF + b"%same\n"
    source = SourceFactory()
    client.force_login(researcher)
    response = submit(
        client,
        change_url(source),
        {
            "files-TOTAL_FORMS": "2",
            "files-0-upload": SimpleUploadedFile("a.pdf", content),
            "files-1-upload": SimpleUploadedFile("b.pdf", content),
        },
        form_id="source_form",
    )
    assert response.status_code == 200
    assert "The same file is chosen twice on this page." in response.content.decode()
    assert not SourceFile.objects.exists() and not FileCustodyEvent.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("who", "lifted"), [("researcher", False), ("editor", True)])
def test_only_editors_make_a_restricted_file_public(client, request, media_root, who, lifted):
    source_file = SourceFileFactory(is_restricted=True)
    client.force_login(request.getfixturevalue(who))
    response = submit(
        client,
        change_url(source_file.source),
        {"files-0-is_restricted": ""},
        form_id="source_form",
        drop=("files-0-is_restricted",),
    )
    source_file.refresh_from_db()
    assert source_file.is_restricted is not lifted
    if not lifted:
        assert "Only an editor can release a file to readers" in response.content.decode()
