"""Text no output can carry (control characters) is refused at input and stripped at output."""

import json
import xml.dom.minidom

import pytest
from django.core.exceptions import ValidationError

from cases.models import Incident
from core.text import check_text, printable
from exchange.importing.writer import import_incidents
from tests.factories import (
    ClaimFactory,
    ClaimStatusChangeFactory,
    IncidentFactory,
    SourceFactory,
)
from tests.html_forms import submit

pytestmark = pytest.mark.django_db

REFUSED = [
    "\x00",
    "\x08",
    "\x0b",
    "\x0c",
    "\x0e",
    "\x1f",
    "\x7f",
    "\ufffe",
    "\uffff",
    "\ud800",
]


@pytest.mark.parametrize("character", REFUSED)
def test_control_characters_are_refused_with_their_code(character):
    with pytest.raises(ValidationError) as refused:
        check_text(f"Drone{character} footage")
    assert f"U+{ord(character):04X}" in refused.value.messages[0]
    assert "at position 6" in refused.value.messages[0]
    assert printable(f"Drone{character} footage") == "Drone footage"


def test_tab_newline_and_carriage_return_are_text():
    text = "First line\r\nSecond\tline\n"
    check_text(text)
    assert printable(text) == text


def test_full_clean_names_every_field_with_a_control_character():
    incident = IncidentFactory.build(title="Title\x0b", summary="Summary\x0c", place_name="X\x01")

    with pytest.raises(ValidationError) as refused:
        incident.full_clean(exclude=["created_by", "updated_by", "place_name"])

    assert set(refused.value.message_dict) == {"title", "summary"}
    assert "U+000B" in refused.value.message_dict["title"][0]


def test_sources_are_checked_too():
    source = SourceFactory.build(title="A report\x0b")
    with pytest.raises(ValidationError) as refused:
        source.full_clean(exclude=["created_by", "updated_by", "incidents"])
    assert "title" in refused.value.message_dict


def test_admin_shows_a_field_error_and_saves_nothing(client, researcher):
    incident = IncidentFactory(summary="Drone footage.", created_by=researcher)
    client.force_login(researcher)

    response = submit(
        client,
        f"/admin/cases/incident/{incident.pk}/change/",
        {"summary": "Drone\x0b footage."},
        form_id="incident_form",
    )

    assert response.status_code == 200
    assert "U+000B" in response.content.decode()
    assert response.context["adminform"].form.errors["summary"]
    incident.refresh_from_db()
    assert incident.summary == "Drone footage."


def test_importer_reports_the_row_and_column():
    data = (
        b"external_id,title,occurred_from,category,claim\n"
        b"c:1,Fine,2022-04-01,torture,A fine claim\n"
        b"c:2,Bad\x0bTitle,2022-04-01,torture,A claim with a \x0c form feed\n"
    )

    result = import_incidents(data=data)

    messages = [str(error) for error in result.errors]
    assert len(messages) == 2
    assert messages[0].startswith("row 3, column title: This text contains an invisible")
    assert "U+000B" in messages[0]
    assert messages[1].startswith("row 3, column claim: ")
    assert "U+000C" in messages[1]
    assert not result.written
    assert Incident.objects.count() == 0


@pytest.fixture
def stored_before_the_rule():
    """Text written by older code, straight to the database, past the check."""
    incident = IncidentFactory(
        published=True,
        title="Title\x0b",
        summary="Drone\x0b footage\uffff",
        latitude=48.6,
        longitude=38.4,
    )
    claim = ClaimFactory(incident=incident, text="Claim\x0b text", rationale="Why\x1f")
    ClaimStatusChangeFactory(claim=claim, rationale="Geolocated\x0b.")
    Incident.objects.filter(pk=incident.pk).update(
        summary="Drone\x0b footage\uffff", place_name="Popasna\x0c\x08"
    )
    return incident


@pytest.mark.parametrize("url", ["/feeds/incidents.atom", "/feeds/claims.atom"])
def test_feeds_strip_what_xml_cannot_carry(client, stored_before_the_rule, url):
    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    xml.dom.minidom.parseString(response.content)  # well-formed
    assert "\x0b" not in body and "\uffff" not in body
    if "incidents" in url:
        assert "Drone footage" in body
    else:
        assert "Claim text" in body and "Geolocated." in body


def test_exports_strip_control_characters(client, stored_before_the_rule):
    csv_response = client.get("/incidents/export.csv")
    assert csv_response.status_code == 200
    csv_text = b"".join(csv_response.streaming_content).decode()
    assert "Drone footage" in csv_text and "\x0b" not in csv_text

    for url in ("/incidents/export.json", "/incidents/export.geojson"):
        response = client.get(url)
        assert response.status_code == 200
        data = json.loads(b"".join(response.streaming_content))
        text = json.dumps(data, ensure_ascii=False)
        assert "Drone footage" in text and "\x0b" not in text and "\uffff" not in text
    data = json.loads(b"".join(client.get("/incidents/export.json").streaming_content))
    assert data["incidents"][0]["place_name"] == "Popasna"
    assert data["incidents"][0]["claims"][0]["text"] == "Claim text"
    assert data["incidents"][0]["claims"][0]["rationale"] == "Why"


def test_api_answers_valid_json(client, stored_before_the_rule):
    for url in ("/api/v1/incidents/", f"/api/v1/incidents/{stored_before_the_rule.slug}/"):
        response = client.get(url)
        assert response.status_code == 200
        json.loads(response.content)  # valid JSON: control characters escaped
    claims = client.get("/api/v1/claims/")
    assert claims.status_code == 200
    assert json.loads(claims.content)["results"][0]["text"] == "Claim\x0b text"
