"""The evidence package for prosecutors (issue 17): what an editor and a reader download, and
that every hash and token in it checks out with sha256sum and openssl ts -verify."""

import hashlib
import io
import json
import shlex
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cases import services
from ledger import merkle
from sources import services as source_services
from sources.models import FileCustodyEvent
from tests.factories import AllegedVictimFactory, ClaimFactory, IncidentFactory, SourceFactory
from tests.ledger_fixtures import needs_openssl

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "evidence-package.schema.json").read_text()
)
RELEASED = b"\x89PNG\r\n\x1a\n" + b"released-bytes" * 10
RESTRICTED = b"\x89PNG\r\n\x1a\n" + b"SENTINEL-RESTRICTED-BYTES-5521" * 10
WITHHELD = "SENTINEL-WITHHELD-NAME-3390"


@pytest.fixture
def incident(editor, django_capture_on_commit_callbacks):
    incident = IncidentFactory(title="Executions near Popasna")
    claim = ClaimFactory(incident=incident)
    AllegedVictimFactory(incident=incident, name=WITHHELD, identity_public=False)
    source = SourceFactory(title="Intercepted order")
    incident.sources.add(source)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_change_status(
            claim=claim,
            status="verified",
            rationale="Geolocated.",
            methods=["geolocation"],
            by=editor,
        )
        services.incident_transition(incident=incident, action="publish", by=editor, notify=False)
        source_services.source_file_add(
            source=source,
            uploaded=SimpleUploadedFile("drone video still.png", RELEASED),
            by=editor,
            is_restricted=False,
        )
        source_services.source_file_add(
            source=source,
            uploaded=SimpleUploadedFile("witness-face.png", RESTRICTED),
            by=editor,
        )
    return incident


def download(client, incident, **query) -> tuple[zipfile.ZipFile, dict, bytes]:
    response = client.get(reverse("packages:evidence_package", args=[incident.slug]), query)
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, json.loads(archive.read("manifest.json")), data


@needs_openssl
def test_editor_full_package_checks_out_with_standard_tools(
    tsa, client_for, editor, incident, tmp_path, django_capture_on_commit_callbacks
):
    if shutil.which("sha256sum") is None:
        pytest.skip("needs sha256sum")
    call_command("timestamp_tree_head")
    with django_capture_on_commit_callbacks(execute=True):
        archive, manifest, _ = download(client_for(editor), incident)
    jsonschema.validate(manifest, SCHEMA)
    assert manifest["variant"] == "full"
    assert {f["restricted"] for f in manifest["files"]} == {True, False}
    folder = tmp_path / "package"
    archive.extractall(folder)
    checked = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0 and "FAILED" not in checked.stdout, checked.stdout
    assert (folder / "tsa" / "ca.pem").exists()
    # Every openssl command the README gives, run as written, from the package's folder.
    readme = (folder / "README.txt").read_text()
    commands = [line.strip() for line in readme.splitlines() if "openssl ts -verify" in line]
    # two files, their upload events, the tree head
    assert len(commands) >= 5
    for command in commands:
        result = subprocess.run(shlex.split(command), cwd=folder, capture_output=True, text=True)
        assert "Verification: OK" in result.stdout, (command, result.stderr)
    assert "sha256sum -c SHA256SUMS" in readme
    # Each file is where its SHA-256 says, with those bytes.
    for record in manifest["files"]:
        assert (
            hashlib.sha256((folder / record["path"]).read_bytes()).hexdigest() == record["sha256"]
        )
        assert record["collected_by"] == str(editor) and record["custody"]
    # The download is in each file's custody log.
    assert FileCustodyEvent.objects.filter(action="exported").count() == 2


def test_inclusion_proofs_in_the_manifest_lead_to_the_signed_root(client_for, editor, incident):
    archive, manifest, _ = download(client_for(editor), incident)
    head = manifest["transparency"]["tree_head"]
    root = bytes.fromhex(head["root_hash"])
    entries = manifest["transparency"]["entries"]
    kinds = {json.loads(archive.read(e["path"]))["kind"] for e in entries}
    assert kinds == {"claim_status", "publication", "file_release"}
    for entry in entries:
        leaf = merkle.leaf_hash(archive.read(entry["path"]))
        path = [bytes.fromhex(h) for h in entry["audit_path"]]
        assert merkle.verify_inclusion(entry["index"], head["tree_size"], leaf, path, root)


@pytest.mark.parametrize("who", [None, "reader", "researcher", "editor-public"])
def test_readers_get_the_public_package_without_restricted_data(client_for, request, incident, who):
    user = request.getfixturevalue(who.split("-")[0]) if who else None
    query = {"variant": "public"} if who == "editor-public" else {}
    archive, manifest, data = download(client_for(user), incident, **query)
    jsonschema.validate(manifest, SCHEMA)
    assert manifest["variant"] == "public"
    assert [f["restricted"] for f in manifest["files"]] == [False]
    assert "custody" not in manifest["files"][0] and manifest["files"][0]["collected_by"] is None
    assert b"SENTINEL-RESTRICTED-BYTES" not in data
    assert WITHHELD.encode() not in data and b"witness-face" not in data
    assert not [n for n in archive.namelist() if n.startswith("custody/")]
    assert FileCustodyEvent.objects.filter(action="exported").count() == 0


def test_a_draft_package_is_404_to_readers_and_full_for_editors(client_for, editor, reader):
    draft = IncidentFactory()
    url = reverse("packages:evidence_package", args=[draft.slug])
    assert client_for(reader).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
    response = client_for(editor).get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert client_for(editor).get(url, {"variant": "public"}).status_code == 404


def test_post_is_refused(client_for, editor, incident):
    url = reverse("packages:evidence_package", args=[incident.slug])
    assert client_for(editor).post(url).status_code == 405
    assert FileCustodyEvent.objects.filter(action="exported").count() == 0


def test_files_are_streamed_in_chunks(
    client_for, editor, settings, django_capture_on_commit_callbacks
):
    """A 5 MiB file never travels as one piece: the largest chunk is about 1 MiB."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    incident = IncidentFactory(published=True)
    source = SourceFactory()
    incident.sources.add(source)
    big = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (5 * 4096)
    source_services.source_file_add(
        source=source, uploaded=SimpleUploadedFile("big.png", big), by=editor
    )
    response = client_for(editor).get(reverse("packages:evidence_package", args=[incident.slug]))
    sizes = [len(chunk) for chunk in response.streaming_content]
    assert sum(sizes) > len(big)
    assert max(sizes) <= 1024 * 1024 + 64 * 1024


def test_the_incident_page_offers_the_packages(client_for, editor, reader, incident):
    url = reverse("packages:evidence_package", args=[incident.slug])
    page = client_for(reader).get(incident.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page and "Check this record" in page
    page = client_for(editor).get(incident.get_absolute_url()).content.decode()
    assert f'href="{url}?variant=public"' in page and f'href="{url}"' in page
