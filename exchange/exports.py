"""Streamed exports of the public incident list: CSV, JSON and GeoJSON.

Each export takes the same query parameters as ``/incidents/`` and only what readers may see.
Rows are read with ``QuerySet.iterator(chunk_size=...)``; the related records (claims and their
evidence, victims, sources) are fetched once per chunk, so memory stays flat and the number of
queries grows with the number of chunks, never with the number of incidents.

The CSV columns share their names with the importer's native format (docs/import.md) where the
meaning is the same, so an export can be read back by another instance of the tracker.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from cases.models import AllegedVictim, Claim, ClaimEvidence, Incident, VerificationStatus
from core.text import printable, printable_data
from exchange import legal
from law.selectors import mapping_for_incidents
from sources.models import Source

CHUNK_SIZE = 500

# The incident's own fields are Incident.PUBLIC_FIELDS, as in the API; the descriptive ones
# carry the names of the importer's native columns.
CSV_COLUMNS = [
    "slug",
    "permalink",
    *Incident.PUBLIC_FIELDS,
    "date_display",
    "publication_status",
    "retraction_note",
    "claims_total",
    *(f"claims_{status}" for status in VerificationStatus.values),
    "source_urls",
    "published_at",
    "updated_at",
    *legal.CSV_COLUMNS,  # issue 18
]

# Cells starting with these are run as formulas by spreadsheet programs (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _batches(queryset: QuerySet) -> Iterator[list[Incident]]:
    batch: list[Incident] = []
    for incident in queryset.iterator(chunk_size=CHUNK_SIZE):
        batch.append(incident)
        if len(batch) == CHUNK_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


# What each format needs besides the incident's own fields (issue 21: the CSV and GeoJSON
# exports read every claim's text and evidence only to count the claims by status).
FULL = frozenset({"claims", "victims", "sources"})
CSV_PARTS = frozenset({"counts", "sources"})
GEOJSON_PARTS = frozenset({"counts"})


def _attach_related(batch: list[Incident], parts: frozenset = FULL) -> None:
    """Give each incident of the batch its claims, victims and sources (``parts``): up to four
    queries a batch; ``counts`` alone is one GROUP BY instead of reading the claims.

    Plain dicts from ``values()``, not prefetch_related: building model instances and a
    queryset per incident made the export five times slower.
    """
    by_id = {incident.pk: incident for incident in batch}
    # reverse() per row cost a quarter of the export's time; the pattern is built once a batch.
    link = _permalink_pattern()
    for incident in batch:
        incident.export_permalink = link.format(incident.slug)
        incident.export_claims, incident.export_victims, incident.export_sources = [], [], []
        incident.export_counts = dict.fromkeys(VerificationStatus.values, 0)
    if "claims" in parts:
        _attach_claims(by_id)
    else:
        counts = (
            Claim.objects.filter(incident_id__in=by_id)
            .order_by()
            .values_list("incident_id", "status")
            .annotate(n=Count("pk"))
        )
        for incident_id, status, n in counts:
            by_id[incident_id].export_counts[status] = n
    if "victims" in parts:
        victims = AllegedVictim.objects.filter(incident_id__in=by_id).order_by("pk")
        for victim in victims.values(
            "incident_id", "name", "identity_public", "status", "fate", "count"
        ):
            by_id[victim["incident_id"]].export_victims.append(victim)
    if "sources" in parts:
        links = Source.incidents.through.objects.filter(incident_id__in=by_id).order_by("source_id")
        for incident_id, source_id, url, graphic in links.values_list(
            "incident_id", "source_id", "source__url", "source__is_graphic"
        ):
            by_id[incident_id].export_sources.append(
                {"id": source_id, "url": url, "is_graphic": graphic}
            )
    # issue 18: the legal mapping, three queries a batch (none when nothing is mapped).
    mapping = mapping_for_incidents(by_id)
    for incident in batch:
        incident.export_legal = mapping.get(incident.pk, [])


def _attach_claims(by_id: dict[int, Incident]) -> None:
    claims = {}
    claim_rows = Claim.objects.filter(incident_id__in=by_id).order_by("pk")
    for claim in claim_rows.values(
        "pk",
        "incident_id",
        "text",
        "claimant",
        "statement_id",
        "status",
        "rationale",
        "methods",
        "status_changed_at",
    ):
        claim["evidence"] = []
        claims[claim["pk"]] = claim
        incident = by_id[claim["incident_id"]]
        incident.export_claims.append(claim)
        incident.export_counts[claim["status"]] += 1
    evidence = ClaimEvidence.objects.filter(claim_id__in=claims).order_by("pk")
    for item in evidence.values("claim_id", "source_id", "relation", "note"):
        claims[item.pop("claim_id")]["evidence"].append(item)


def iter_incidents(queryset: QuerySet, parts: frozenset = FULL) -> Iterator[Incident]:
    """The incidents, read a chunk at a time, each with its related records attached."""
    for batch in _batches(queryset):
        _attach_related(batch, parts)
        yield from batch


def _permalink_pattern() -> str:
    placeholder = "--slug--"
    path = reverse("cases:incident_detail", kwargs={"slug": placeholder})
    return settings.SITE_URL + path.replace(placeholder, "{}")


def permalink(incident: Incident) -> str:
    return incident.export_permalink


def iso(value) -> str | None:
    """ISO 8601 for dates and datetimes; None stays None (null in JSON, empty in CSV)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def status_counts(incident: Incident) -> dict[str, int]:
    return dict(incident.export_counts)


def _date_display(incident: Incident) -> str:
    """``incident.date_display``, formatted once per date range and language in an export
    (Django's localised date formatting was a fifth of the CSV export's time)."""
    key = (get_language(), incident.occurred_from, incident.occurred_to, incident.date_precision)
    text = _DATE_DISPLAYS.get(key)
    if text is None:
        if len(_DATE_DISPLAYS) > 20_000:
            _DATE_DISPLAYS.clear()
        text = _DATE_DISPLAYS[key] = incident.date_display
    return text


_DATE_DISPLAYS: dict[tuple, str] = {}


def _value(value):
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, Decimal):
        return number(value)
    return value


def incident_record(incident: Incident) -> dict:
    """The public fields of an incident, shared by the three formats."""
    return {
        "slug": incident.slug,
        "permalink": permalink(incident),
        **{name: _value(getattr(incident, name)) for name in Incident.PUBLIC_FIELDS},
        "date_display": _date_display(incident),
        "publication_status": incident.status,
        "retraction_note": incident.retraction_note,
        "published_at": iso(incident.published_at),
        "updated_at": iso(incident.updated_at),
    }


def public_victim(victim: dict) -> dict:
    """A victim as the public sees it: the name only when its publication is allowed."""
    name = AllegedVictim.publishable_name(victim["name"], victim["identity_public"])
    return {
        "name": name,
        "name_withheld": name is None,
        "status": victim["status"],
        "fate": victim["fate"],
        "count": victim["count"],
    }


def public_claim(claim: dict, incident: Incident) -> dict:
    return {
        "id": claim["pk"],
        "permalink": f"{permalink(incident)}#claim-{claim['pk']}",
        "text": claim["text"],
        "claimant": claim["claimant"],
        "statement_id": claim["statement_id"],
        "status": claim["status"],
        "rationale": claim["rationale"],
        "methods": list(claim["methods"] or []),
        "status_changed_at": iso(claim["status_changed_at"]),
        "evidence": claim["evidence"],
    }


def json_incident(incident: Incident) -> dict:
    return incident_record(incident) | {
        "claim_counts": status_counts(incident),
        "claims": [public_claim(claim, incident) for claim in incident.export_claims],
        "victims": [public_victim(victim) for victim in incident.export_victims],
        "sources": incident.export_sources,
        "legal_mapping": legal.legal_mapping(incident.export_legal, permalink(incident)),
    }


# --- CSV -----------------------------------------------------------------------------------------


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        # Control characters stored before input refused them (core.text) stay out of files.
        value = printable(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(incident: Incident) -> list:
    record = incident_record(incident)
    counts = status_counts(incident)
    record["claims_total"] = sum(counts.values())
    record.update({f"claims_{status}": n for status, n in counts.items()})
    record["source_urls"] = " | ".join(s["url"] for s in incident.export_sources if s["url"])
    record.update(legal.csv_cells(incident.export_legal))
    return [_csv_cell(record[column]) for column in CSV_COLUMNS]


def stream_csv(incidents: Iterable[Incident]) -> Iterator[str]:
    """The header, then the rows, written a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, incident in enumerate(incidents, start=1):
        writer.writerow(csv_row(incident))
        if n % CHUNK_SIZE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- JSON and GeoJSON ----------------------------------------------------------------------------


# How json.dumps writes the characters core.text refuses: escaped (\u0001, \b, \f …) or as is.
_REFUSED_IN_JSON = ("\\u00", "\\b", "\\f", "\x7f", "\ufffe", "\uffff")


def _dumps(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    # Rare (text stored before input refused these characters), so checked on the output: walking
    # every value first tripled the cost of an export. A false alarm only costs a second dump.
    if any(marker in text for marker in _REFUSED_IN_JSON):
        text = json.dumps(printable_data(value), ensure_ascii=False)
    return text


def _stream_array(items: Iterable[dict]) -> Iterator[str]:
    """The items as JSON separated by commas, a chunk of ``CHUNK_SIZE`` per piece yielded.

    One piece per item made the server write (and the client read) one small packet per
    incident: about a third of the time of the JSON and GeoJSON exports (issue 21).
    """
    pending: list[str] = []
    separator = ""
    for item in items:
        pending.append(_dumps(item))
        if len(pending) == CHUNK_SIZE:
            yield separator + ",\n".join(pending)
            pending, separator = [], ",\n"
    if pending:
        yield separator + ",\n".join(pending)


def stream_json(incidents: Iterable[Incident], *, filters: dict[str, str]) -> Iterator[str]:
    """``{"generated_at", "filters", "incidents": [...]}``, one incident at a time."""
    head = {"generated_at": iso(timezone.now()), "source": settings.SITE_URL, "filters": filters}
    yield _dumps(head)[:-1] + ', "incidents": [\n'
    yield from _stream_array(json_incident(incident) for incident in incidents)
    yield "\n]}\n"


def geojson_feature(incident: Incident) -> dict:
    """A point feature; RFC 7946 order is [longitude, latitude]."""
    properties = incident_record(incident)
    properties["claim_counts"] = status_counts(incident)
    return {
        "type": "Feature",
        "id": incident.slug,
        "geometry": {
            "type": "Point",
            "coordinates": [properties.pop("longitude"), properties.pop("latitude")],
        },
        "properties": properties,
    }


def stream_geojson(incidents: Iterable[Incident]) -> Iterator[str]:
    """A FeatureCollection of the incidents that have coordinates (the others have no place)."""
    yield '{"type": "FeatureCollection", "features": [\n'
    yield from _stream_array(geojson_feature(incident) for incident in incidents)
    yield "\n]}\n"
