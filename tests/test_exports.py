"""CSV, JSON and GeoJSON exports of the incident list."""

import csv
import datetime as dt
import io
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases.models import Claim, Incident, VerificationStatus
from tests.factories import (
    AllegedVictimFactory,
    ClaimFactory,
    IncidentFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

EXPORTS = ["/incidents/export.csv", "/incidents/export.json", "/incidents/export.geojson"]


def body(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def test_demo_data_round_trips_through_the_three_exports(client):
    call_command("load_demo", stdout=io.StringIO())
    public = Incident.objects.public()
    assert public.exists()

    rows = csv_rows(client.get("/incidents/export.csv"))
    assert {row["slug"] for row in rows} == set(public.values_list("slug", flat=True))
    for row in rows:
        claims = Claim.objects.filter(incident__slug=row["slug"])
        expected = Counter(claims.values_list("status", flat=True))
        for status in VerificationStatus.values:
            assert int(row[f"claims_{status}"]) == expected[status], (row["slug"], status)
        assert int(row["claims_total"]) == claims.count()

    data = json.loads(body(client.get("/incidents/export.json")))
    assert len(data["incidents"]) == public.count()
    for item in data["incidents"]:
        db_claims = Claim.objects.filter(incident__slug=item["slug"]).order_by("pk")
        assert [c["status"] for c in item["claims"]] == [c.status for c in db_claims]
        assert [c["text"] for c in item["claims"]] == [c.text for c in db_claims]

    geo = json.loads(body(client.get("/incidents/export.geojson")))
    assert geo["type"] == "FeatureCollection"
    located = public.filter(latitude__isnull=False)
    assert {f["id"] for f in geo["features"]} == set(located.values_list("slug", flat=True))


def test_dates_and_coordinates_carry_their_precision(client):
    IncidentFactory(
        published=True,
        slug="popasna",
        occurred_from=dt.date(2022, 4, 1),
        occurred_to=dt.date(2022, 5, 1),
        date_precision="month",
        latitude=Decimal("48.633333"),
        longitude=Decimal("38.383333"),
        location_precision="settlement",
    )
    IncidentFactory(published=True, slug="nowhere")
    [row, _] = sorted(csv_rows(client.get("/incidents/export.csv")), key=lambda r: r["slug"])[::-1]
    assert row["slug"] == "popasna"
    assert (row["occurred_from"], row["occurred_to"], row["date_precision"]) == (
        "2022-04-01",
        "2022-05-01",
        "month",
    )
    assert (row["latitude"], row["longitude"], row["location_precision"]) == (
        "48.633333",
        "38.383333",
        "settlement",
    )
    [feature] = json.loads(body(client.get("/incidents/export.geojson")))["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [38.383333, 48.633333]}
    assert feature["properties"]["location_precision"] == "settlement"
    assert feature["properties"]["date_precision"] == "month"


def test_exports_apply_the_list_filters_and_keep_drafts_out(client, editor):
    IncidentFactory(published=True, slug="in-luhansk", oblast="luhansk")
    IncidentFactory(published=True, slug="in-donetsk", oblast="donetsk")
    IncidentFactory(slug="draft-luhansk", oblast="luhansk")
    rows = csv_rows(client.get("/incidents/export.csv?oblast=luhansk"))
    assert [row["slug"] for row in rows] == ["in-luhansk"]
    # Signed-in staff get the public records too: an export only ever holds public records.
    client.force_login(editor)
    data = json.loads(body(client.get("/incidents/export.json?oblast=luhansk")))
    assert [item["slug"] for item in data["incidents"]] == ["in-luhansk"]
    assert data["filters"] == {"oblast": "luhansk"}


@pytest.mark.parametrize(
    "query", ["date_from=notadate", "oblast=atlantis", "status=maybe", "sort=sideways", "page=x"]
)
def test_invalid_filter_values_are_ignored(client, query):
    IncidentFactory(published=True)
    for url in EXPORTS:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, url
        body(response)


def test_exports_are_downloads_with_filenames(client):
    for url, extension in zip(EXPORTS, ["csv", "json", "geojson"], strict=True):
        disposition = client.get(url)["Content-Disposition"]
        assert disposition.startswith('attachment; filename="incidents-')
        assert disposition.endswith(f'.{extension}"')


def test_json_victims_as_the_public_sees_them_and_sources(client):
    incident = IncidentFactory(published=True)
    AllegedVictimFactory(incident=incident, name="Hidden Person", notes="note")
    AllegedVictimFactory(incident=incident, name="Known Person", identity_public=True)
    source = SourceFactory(url="https://example.org/report")
    incident.sources.add(source)
    text = body(client.get("/incidents/export.json"))
    assert "Hidden Person" not in text
    [item] = json.loads(text)["incidents"]
    assert item["victims"][0]["name"] is None and item["victims"][0]["name_withheld"] is True
    assert item["victims"][1]["name"] == "Known Person"
    assert item["sources"] == [
        {"id": source.pk, "url": "https://example.org/report", "is_graphic": False}
    ]
    [row] = csv_rows(client.get("/incidents/export.csv"))
    assert row["source_urls"] == "https://example.org/report"


def test_csv_cells_cannot_become_spreadsheet_formulas(client):
    IncidentFactory(published=True, title='=HYPERLINK("http://evil")')
    [row] = csv_rows(client.get("/incidents/export.csv"))
    assert row["title"].startswith("'=")


def test_export_queries_grow_with_chunks_not_rows(client, django_assert_max_num_queries):
    for _ in range(30):
        incident = IncidentFactory(published=True)
        ClaimFactory.create_batch(2, incident=incident)
        AllegedVictimFactory(incident=incident)
        incident.sources.add(SourceFactory())
    # incidents, claims, evidence, victims, sources, chosen legal provisions (one chunk)
    with django_assert_max_num_queries(7):
        assert len(csv_rows(client.get("/incidents/export.csv"))) == 30


def test_list_page_links_to_the_exports_with_its_filters(client):
    IncidentFactory(published=True)
    html = client.get("/en/incidents/?oblast=luhansk").content.decode()
    for url in EXPORTS:
        assert f'href="{url}?oblast=luhansk"' in html
