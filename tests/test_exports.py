"""CSV, JSON and GeoJSON exports of the incident list."""

import csv
import datetime as dt
import io
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from cases.models import Claim, Incident, VerificationStatus
from exchange import export_sql, exports
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
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


# --- issue 21: on PostgreSQL the rows are written by the database (exchange.export_sql) -------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL writes the rows only on PostgreSQL"
)


def awkward_records(editor):
    """Records whose every value is written differently by careless code: quotes, commas,
    newlines, formulas, Cyrillic, whole and fractional coordinates, microseconds or none,
    empty and missing values, withheld and public names, a draft with a secret."""
    moment = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    first = IncidentFactory(
        published=True,
        title='Shelling of "Hospital No. 2", Kharkiv',
        summary="Line one\nline two, with a comma\r\nand a CRLF; back\\slash \u2028 \U0001f600",
        description="=SUM(A1:A2)",
        place_name="Попасна",
        perpetrator="-unit",
        legal_references="@ref",
        occurred_from=dt.date(2022, 4, 20),
        occurred_to=dt.date(2022, 4, 22),
        latitude=Decimal("48.000000"),
        longitude=Decimal("-0.000010"),
        victims_min=3,
        victims_max=None,
        title_uk="Обстріл лікарні",
    )
    Incident.objects.filter(pk=first.pk).update(published_at=moment, updated_at=moment)
    second = IncidentFactory(
        published=True,
        date_precision="month",
        latitude=Decimal("48.633333"),
        longitude=Decimal("38.383333"),
        summary="",
        description="\tstarts with a tab",
    )
    Incident.objects.filter(pk=second.pk).update(
        published_at=moment.replace(microsecond=120_000), updated_at=moment
    )
    IncidentFactory(published=True, occurred_from=None, date_precision="unknown")
    IncidentFactory(
        retracted=True, retraction_note='Shown to predate, "sadly".', latitude=0, longitude=30
    )
    draft = IncidentFactory(title="SECRET DRAFT TITLE")
    ClaimFactory(incident=draft, text="SECRET DRAFT CLAIM")
    for status in VerificationStatus.values:
        claim = ClaimFactory(
            incident=first,
            status=status,
            text=f'Claim "{status}",\nquoted',
            rationale="" if status == "unverified" else "Geolocated; see frame 3.",
            methods=[] if status == "unverified" else ["geolocation", "witness_testimony"],
        )
        Claim.objects.filter(pk=claim.pk).update(status_changed_at=moment, status_changed_by=editor)
    source = SourceFactory(url='https://example.org/a,b?c="d"')
    ClaimEvidenceFactory(claim=claim, source=source, note='Frame 3, "left"')
    ClaimEvidenceFactory(claim=claim, source=SourceFactory(url=""), relation="contradicts")
    first.sources.add(source, SourceFactory(url="=cmd|' /C calc'!A0"))
    second.sources.add(source)
    AllegedVictimFactory(incident=first, name="WITHHELD PERSON", notes="SECRET NOTE")
    AllegedVictimFactory(incident=first, name="Known Person", identity_public=True)
    AllegedVictimFactory(incident=second, name="", count=4)
    return first


def both_paths(queryset, fmt: str) -> tuple[str, str]:
    """The export of ``queryset`` written by PostgreSQL and by Python (without the JSON head,
    which carries the time of writing)."""
    if fmt == "csv":
        sql = export_sql.stream_csv(queryset)
        python = exports.stream_csv(exports.iter_incidents(queryset, exports.CSV_PARTS))
        return "".join(sql), "".join(python)
    if fmt == "json":
        sql = export_sql.stream_json(queryset, filters={})
        python = exports.stream_json(exports.iter_incidents(queryset), filters={})
    else:
        sql = export_sql.stream_geojson(queryset)
        python = exports.stream_geojson(exports.iter_incidents(queryset, exports.GEOJSON_PARTS))
    # The rows written by PostgreSQL come as UTF-8 bytes (the response's encoding).
    sql_text = "".join(p.decode() if isinstance(p, bytes) else p for p in list(sql)[1:])
    return sql_text, "".join(list(python)[1:])


@on_postgresql
@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_postgresql_writes_the_same_bytes_as_python(editor, monkeypatch, fmt):
    call_command("load_demo", stdout=io.StringIO())  # its seed incidents carry legal mappings
    awkward_records(editor)
    # several chunks, and a partial last one
    monkeypatch.setattr(export_sql, "CHUNK_SIZE", 3)
    monkeypatch.setattr(export_sql, "JSON_CHUNK_SIZE", 3)
    queryset = Incident.objects.public().order_by("-occurred_from", "-pk")
    if fmt == "geojson":
        queryset = queryset.filter(latitude__isnull=False)
    sql, python = both_paths(queryset, fmt)
    assert sql == python
    assert "legal_mapping" not in sql or '"provision": "rs-' in sql
    for secret in ("WITHHELD PERSON", "SECRET NOTE", "SECRET DRAFT"):
        assert secret not in sql


@on_postgresql
def test_text_stored_with_control_characters_is_written_without_them(editor):
    # Refused at input today (core.text), but older rows may hold some: the chunk holding one is
    # written by the Python path, which strips them.
    incident = awkward_records(editor)
    Incident.objects.filter(pk=incident.pk).update(title="Bell\x07 and\x01 nul\x7f", summary="\x0b")
    queryset = Incident.objects.public().order_by("pk")
    for fmt in ("csv", "json", "geojson"):
        sql, python = both_paths(queryset, fmt)
        assert sql == python, fmt
        assert "Bell and nul," in sql or '"Bell and nul"' in sql
        assert "\x07" not in sql and "\\u0007" not in sql and "\x7f" not in sql


@on_postgresql
@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_an_incident_withdrawn_during_an_export_is_left_out(monkeypatch, fmt):
    """The incidents to export are chosen when the export starts; one withdrawn (set back to
    draft, then rewritten) while the file is still being written is left out, never written as
    its draft now reads."""
    monkeypatch.setattr(export_sql, "CHUNK_SIZE", 2)
    monkeypatch.setattr(export_sql, "JSON_CHUNK_SIZE", 2)
    incidents = [
        IncidentFactory(published=True, latitude=Decimal("48.5"), longitude=Decimal("38.1"))
        for _ in range(6)
    ]
    queryset = Incident.objects.public().order_by("pk")
    stream = {
        "csv": lambda: export_sql.stream_csv(queryset),
        "json": lambda: export_sql.stream_json(queryset, filters={}),
        "geojson": lambda: export_sql.stream_geojson(queryset),
    }[fmt]()
    written = [next(stream), next(stream)]  # the head and the first chunk
    withdrawn = incidents[4]
    Incident.objects.filter(pk=withdrawn.pk).update(
        status=Incident.Status.DRAFT, title="SECRET REWRITE OF A WITHDRAWN INCIDENT"
    )
    written += list(stream)
    text = "".join(p.decode() if isinstance(p, bytes) else p for p in written)
    assert "SECRET REWRITE" not in text and withdrawn.slug not in text
    assert all(incident.slug in text for incident in incidents[:4] + incidents[5:])
    if fmt != "csv":
        json.loads(text)  # still one valid document
