"""Readers' access to evidence files, the content warning and the public file check."""

import hashlib

import pytest
from django.template.loader import render_to_string

from sources.models import FileCustodyEvent
from tests.factories import (
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    SourceFactory,
    SourceFileFactory,
)

pytestmark = pytest.mark.django_db

CONTENT = b"Transcript: 'take the commander, kill the rest'.\n"


def public_file(**kwargs):
    """A file on a source cited by a published incident."""
    incident = IncidentFactory(published=True, title="Executions near Popasna")
    source = SourceFactory(title="Intercept published by intelligence")
    source.incidents.add(incident)
    return SourceFileFactory(source=source, content=CONTENT, **kwargs)


def draft_file(**kwargs):
    """A file on a source only a draft incident cites."""
    source = SourceFactory(title="Unpublished intercept")
    source.incidents.add(IncidentFactory(title="Draft incident"))
    return SourceFileFactory(source=source, **kwargs)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- downloads -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "reader", "researcher", "editor"])
def test_public_file_downloads_as_an_attachment(client_for, request, who):
    user = request.getfixturevalue(who) if who else None
    source_file = public_file()
    response = client_for(user).get(source_file.get_download_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{source_file.original_name}"'
    )
    content = body(response)
    assert content == CONTENT
    assert hashlib.sha256(content).hexdigest() == source_file.sha256


@pytest.mark.parametrize(
    ("make", "who", "status"),
    [
        (draft_file, None, 404),
        (draft_file, "reader", 404),
        (draft_file, "researcher", 200),
        (draft_file, "editor", 200),
        (lambda: public_file(is_restricted=True), None, 404),
        (lambda: public_file(is_restricted=True), "reader", 404),
        (lambda: public_file(is_restricted=True), "researcher", 200),
        (lambda: public_file(is_restricted=True), "editor", 200),
    ],
)
def test_unpublished_and_restricted_files_are_staff_only(client_for, request, make, who, status):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(make().get_download_url())
    assert response.status_code == status
    response.close()


def test_staff_downloads_are_logged_readers_are_not(client_for, researcher):
    source_file = public_file()
    body(client_for(None).get(source_file.get_download_url()))
    assert not FileCustodyEvent.objects.exists()

    body(client_for(researcher).get(source_file.get_download_url()))
    event = FileCustodyEvent.objects.get()
    assert (event.source_file, event.action, event.by) == (
        source_file,
        "downloaded_by_staff",
        researcher,
    )


def test_graphic_file_needs_the_warning_first(client_for):
    source_file = public_file(is_graphic=True)
    client = client_for(None)

    response = client.get(source_file.get_download_url())
    assert response.status_code == 302 and response["Location"] == source_file.get_warning_url()

    page = client.get(source_file.get_warning_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Content warning" in html
    # A plain form: confirming works without JavaScript.
    assert f'action="{source_file.get_download_url()}"' in html
    assert 'name="confirmed" value="1"' in html

    response = client.get(source_file.get_download_url(), {"confirmed": "1"})
    assert response.status_code == 200 and body(response) == CONTENT


def test_warning_page_of_a_restricted_file_is_404(client_for):
    source_file = public_file(is_graphic=True, is_restricted=True)
    assert client_for(None).get(source_file.get_warning_url()).status_code == 404


def test_missing_stored_file_is_404_not_500(client_for, media_root):
    source_file = public_file()
    (media_root / source_file.file.name).unlink()
    assert client_for(None).get(source_file.get_download_url()).status_code == 404


def test_files_component_lists_hash_size_type_and_link():
    open_file = public_file()
    graphic = SourceFileFactory(source=open_file.source, is_graphic=True)
    restricted = SourceFileFactory(source=open_file.source, is_restricted=True)
    html = render_to_string("sources/_files.html", {"files": [open_file, graphic, restricted]})
    assert open_file.sha256 in html and graphic.sha256 in html
    assert f"{open_file.size} bytes" in html and "text/plain" in html
    assert open_file.get_download_url() in html
    assert graphic.get_warning_url() in html and "Graphic content" in html
    assert restricted.get_download_url() not in html
    assert "Restricted: not available to the public." in html


# --- /verify-file/ ---------------------------------------------------------------------------

VERIFY = "/en/verify-file/"


def test_verify_page_offers_both_ways_without_inline_script(client):
    html = client.get(VERIFY).content.decode()
    assert '<form method="get" action="/en/verify-file/"' in html
    assert 'name="sha256"' in html
    assert 'src="/static/js/verify-file.js"' in html
    assert "<script>" not in html and "onclick" not in html


def test_verify_script_is_served(client):
    response = client.get("/static/js/verify-file.js")
    assert response.status_code == 200
    assert b"crypto.subtle.digest" in b"".join(response.streaming_content)


def test_verify_finds_a_public_file_and_who_cites_it(client):
    source_file = public_file()
    ClaimEvidenceFactory(
        source=source_file.source,
        claim=ClaimFactory(incident=IncidentFactory(published=True, title="Cited by a claim")),
    )
    ClaimEvidenceFactory(
        source=source_file.source,
        claim=ClaimFactory(incident=IncidentFactory(title="A draft citing it")),
    )
    response = client.get(VERIFY, {"sha256": source_file.sha256.upper()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "We hold this exact file" in html
    assert "Intercept published by intelligence" in html
    assert source_file.source.get_absolute_url() in html
    assert "Executions near Popasna" in html and "Cited by a claim" in html
    assert "A draft citing it" not in html


@pytest.mark.parametrize(
    "make",
    [
        lambda: public_file(is_restricted=True),
        draft_file,
    ],
    ids=["restricted", "unpublished"],
)
def test_verify_does_not_reveal_restricted_or_unpublished_files(client_for, editor, make):
    source_file = make()
    # The answer is the public answer, whoever asks.
    for user in (None, editor):
        html = client_for(user).get(VERIFY, {"sha256": source_file.sha256}).content.decode()
        assert "Not found" in html
        assert source_file.original_name not in html
        assert source_file.source.title not in html


def test_verify_unknown_hash_is_not_found(client):
    public_file()
    response = client.get(VERIFY, {"sha256": hashlib.sha256(b"other").hexdigest()})
    assert response.status_code == 200
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize("value", ["", "abc", "g" * 64, "a" * 65, "<script>", "a" * 1000])
def test_verify_invalid_input_is_a_clear_message(client, value):
    response = client.get(VERIFY, {"sha256": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "That is not a SHA-256" in html
    assert "<script>" not in html


def test_download_needs_get(client):
    source_file = public_file()
    assert client.post(source_file.get_download_url()).status_code == 405


@pytest.mark.parametrize(("who", "count"), [(None, 1), ("reader", 1), ("researcher", 2)])
def test_files_for_source_hides_restricted_files_from_readers(request, who, count):
    from public.selectors import files_for_source

    user = request.getfixturevalue(who) if who else None
    source_file = public_file()
    SourceFileFactory(source=source_file.source, is_restricted=True)
    assert files_for_source(source=source_file.source, user=user).count() == count


def test_source_page_shows_each_files_hash_size_and_type(client):
    source_file = public_file()
    restricted = SourceFileFactory(source=source_file.source, content=b"secret", is_restricted=True)
    html = client.get(source_file.source.get_absolute_url()).content.decode()
    assert source_file.sha256 in html
    assert source_file.mime_type in html and f"{source_file.size} bytes" in html
    assert source_file.get_download_url() in html
    assert restricted.sha256 not in html and restricted.original_name not in html


def test_verify_names_incidents_citing_the_source_through_a_statement(client):
    from tests.factories import OfficialStatementFactory

    incident = IncidentFactory(published=True, title="Reached through a statement")
    source = SourceFactory(title="Newspaper that reported the statement")
    statement = OfficialStatementFactory(reported_in=source)
    ClaimFactory(incident=incident, statement=statement)
    source_file = SourceFileFactory(source=source, content=b"statement text\n")
    html = client.get(source_file.get_verify_url()).content.decode()
    assert "Reached through a statement" in html
