"""Trusted timestamps (issue 17): files, custody events and tree heads stamped by an RFC 3161
TSA on loopback, checked with `openssl ts -verify` as an outsider would, and by verify_files."""

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from cases import services as case_services
from ledger.models import Timestamp
from sources import services
from sources import timestamps as source_timestamps
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory
from tests.ledger_fixtures import needs_openssl, openssl_verify

pytestmark = [pytest.mark.django_db, needs_openssl]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 200


def upload(by, *, content=PNG, source=None, restricted=True):
    return services.source_file_add(
        source=source or SourceFactory(),
        uploaded=SimpleUploadedFile("photo.png", content),
        by=by,
        is_restricted=restricted,
    )


def test_a_stored_file_and_its_custody_event_are_stamped(
    tsa, editor, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source_file = upload(editor)
    stamp = Timestamp.objects.get(subject=f"sourcefile:{source_file.pk}")
    assert stamp.sha256 == hashlib.sha256(PNG).hexdigest()
    token = tmp_path / "file.tsr"
    token.write_bytes(bytes(stamp.response))
    # An outsider holding the file, the token and the TSA's CA certificate:
    result = openssl_verify(
        "-data", source_file.file.path, "-in", str(token), "-CAfile", str(tsa / "ca.pem")
    )
    assert "Verification: OK" in result.stdout, result.stderr
    # Other bytes do not verify against this token.
    other = tmp_path / "other.png"
    other.write_bytes(PNG + b"!")
    result = openssl_verify("-data", str(other), "-in", str(token), "-CAfile", str(tsa / "ca.pem"))
    assert "Verification: OK" not in result.stdout

    event = source_file.custody_events.get()
    custody = Timestamp.objects.get(subject=f"custody:{event.pk}")
    custody_token = tmp_path / "custody.tsr"
    custody_token.write_bytes(bytes(custody.response))
    digest = hashlib.sha256(source_timestamps.custody_document(event)).hexdigest()
    result = openssl_verify(
        "-digest", digest, "-in", str(custody_token), "-CAfile", str(tsa / "ca.pem")
    )
    assert "Verification: OK" in result.stdout, result.stderr


def test_verify_files_checks_tokens_and_catches_a_rewritten_custody_row(
    tsa, editor, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source_file = upload(editor)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_files")
    out = capsys.readouterr().out
    assert "All 1 files match their SHA-256." in out
    # the upload and the first check's custody events, and the file (the second check's own
    # event is stamped after this count is taken... or during: at least these three)
    assert "timestamp tokens verified" in out
    uploaded = source_file.custody_events.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sources_filecustodyevent SET detail = %s WHERE id = %s",
            ["Rewritten after the fact.", uploaded.pk],
        )
    with pytest.raises(CommandError, match="timestamp problems"):
        call_command("verify_files")
    assert f"BAD TIMESTAMP: custody event {uploaded.pk}" in capsys.readouterr().err


def test_the_source_page_says_when_and_by_whom_a_file_was_stamped(
    tsa, editor, client, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(published=True)
    source = SourceFactory()
    incident.sources.add(source)
    with django_capture_on_commit_callbacks(execute=True):
        upload(editor, source=source, restricted=False)
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Timestamped by" in page and "Test time-stamping unit" in page


def test_a_tsa_outage_changes_nothing_and_timestamp_pending_catches_up(
    tsa, editor, settings, django_capture_on_commit_callbacks
):
    working = settings.TSA_URL
    settings.TSA_URL = "http://127.0.0.1:9/"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        source_file = upload(editor)
    assert source_file.pk and Timestamp.objects.count() == 0
    with pytest.raises(CommandError, match="could not be obtained"):
        call_command("timestamp_pending")
    with pytest.raises(CommandError, match="NO TIMESTAMP|timestamp problems"):
        call_command("verify_files", "--require-timestamps")
    settings.TSA_URL = working
    call_command("timestamp_pending")
    assert Timestamp.objects.filter(subject=f"sourcefile:{source_file.pk}").exists()
    assert Timestamp.objects.filter(subject__startswith="custody:").count() >= 1


def test_no_tsa_url_means_no_requests(editor, settings, django_capture_on_commit_callbacks):
    settings.TSA_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        upload(editor)
    assert not [c for c in callbacks if "_run_logged" in repr(c)]
    assert Timestamp.objects.count() == 0
    with pytest.raises(CommandError, match="TSA_URL is not set"):
        call_command("timestamp_pending")


def test_the_tree_head_is_stamped_and_served_with_its_token(tsa, editor, client, tmp_path):
    incident = IncidentFactory()
    ClaimFactory(incident=incident)
    case_services.incident_transition(incident=incident, action="publish", by=editor, notify=False)
    call_command("timestamp_tree_head")
    head = client.get(reverse("ledger:tree_head")).json()
    stamp = head["rfc3161_timestamp"]
    signed = bytes.fromhex(head["signed_message_hex"])
    assert stamp["sha256_of_signed_message"] == hashlib.sha256(signed).hexdigest()
    assert head["latest_timestamped_tree_size"] == head["tree_size"]
    token = tmp_path / "head.tsr"
    token.write_bytes(base64.b64decode(stamp["response_der_base64"]))
    message = tmp_path / "head.bin"
    message.write_bytes(signed)
    result = openssl_verify(
        "-data", str(message), "-in", str(token), "-CAfile", str(tsa / "ca.pem")
    )
    assert "Verification: OK" in result.stdout, result.stderr


def test_a_token_from_another_ca_fails_the_chain_check(tsa, editor, tmp_path, settings):
    from ledger import timestamps
    from tools import dev_tsa

    digest = hashlib.sha256(b"evidence").hexdigest()
    stored = timestamps.stamp(subject="test:1", sha256_hex=digest)
    assert timestamps.check(stored, sha256_hex=digest).gen_time == stored.gen_time
    other = dev_tsa.make_authority(tmp_path / "other")
    settings.TSA_CA_FILE = str(other / "ca.pem")
    with pytest.raises(Exception, match="does not chain"):
        timestamps.check(stored, sha256_hex=digest)


def test_with_the_job_queue_a_file_is_stamped_by_a_background_job(
    tsa, editor, settings, django_capture_on_commit_callbacks
):
    """Issues 16 and 17 together: the request waits in the job queue (visible in the admin)
    and a worker stamps the file; the upload itself asks the TSA nothing."""
    from jobs import runner
    from jobs.models import Job

    settings.LEDGER_TIMESTAMPS_IN_JOBS = True
    with django_capture_on_commit_callbacks(execute=True):
        source_file = upload(editor)
    assert not Timestamp.objects.exists()
    jobs = Job.objects.filter(kind="ledger.timestamp").order_by("pk")
    assert [job.state for job in jobs] == ["queued", "queued"]
    for job in jobs:
        runner.run(job.pk)
    assert [job.state for job in Job.objects.filter(kind="ledger.timestamp")] == ["done", "done"]
    stamp = Timestamp.objects.get(subject=f"sourcefile:{source_file.pk}")
    assert stamp.sha256 == hashlib.sha256(PNG).hexdigest()
    assert Timestamp.objects.filter(subject__startswith="custody:").count() == 1
