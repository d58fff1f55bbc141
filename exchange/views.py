"""Downloads of the public incident list: CSV, JSON and GeoJSON, filtered like the list."""

import itertools

from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.access_log import Action, record_access
from cases.models import Incident
from exchange import export_sql, exports
from public.filters import IncidentFilter


def _exported_incidents(request):
    """The incidents of the list page for these query parameters, only what readers may see.

    Staff get the public records too: an export is for publishing, never a way out for drafts.
    Invalid filter values are ignored, as on the list page.
    """
    return IncidentFilter(request.GET or None, queryset=Incident.objects.public()).sorted_qs


def _log_staff_export(request, extension: str) -> None:
    """Staff exports go to the access log (issue 20); readers' downloads are not logged."""
    if request.user.is_authenticated and request.user.is_staff:
        record_access(
            request=request, action=Action.EXPORT, detail={"format": extension, **_filters(request)}
        )


def _download(content, *, extension: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type=content_type)
    filename = f"incidents-{timezone.now():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _built_by_postgresql() -> bool:
    """PostgreSQL writes the rows (``exchange.export_sql``, issue 21); elsewhere Python does,
    with the same bytes."""
    return connection.vendor == "postgresql"


def _filters(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key not in ("page", "bom")}


def incident_export_csv(request):
    """``?bom=1`` starts the file with a UTF-8 byte-order mark: spreadsheet programs (Excel)
    read Cyrillic right only with it."""
    _log_staff_export(request, "csv")
    if _built_by_postgresql():
        rows = export_sql.stream_csv(_exported_incidents(request))
    else:
        incidents = exports.iter_incidents(_exported_incidents(request), exports.CSV_PARTS)
        rows = exports.stream_csv(incidents)
    if request.GET.get("bom") == "1":
        rows = itertools.chain(["\ufeff"], rows)
    return _download(rows, extension="csv", content_type="text/csv; charset=utf-8")


def incident_export_json(request):
    _log_staff_export(request, "json")
    if _built_by_postgresql():
        content = export_sql.stream_json(_exported_incidents(request), filters=_filters(request))
    else:
        incidents = exports.iter_incidents(_exported_incidents(request))
        content = exports.stream_json(incidents, filters=_filters(request))
    return _download(
        content,
        extension="json",
        content_type="application/json",
    )


def incident_export_geojson(request):
    _log_staff_export(request, "geojson")
    located = _exported_incidents(request).filter(latitude__isnull=False)
    if _built_by_postgresql():
        content = export_sql.stream_geojson(located)
    else:
        content = exports.stream_geojson(exports.iter_incidents(located, exports.GEOJSON_PARTS))
    return _download(
        content,
        extension="geojson",
        content_type="application/geo+json",
    )
