"""Downloads of the public incident list: CSV, JSON and GeoJSON, filtered like the list."""

import itertools

from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.access_log import Action, record_access
from cases.models import Incident
from exchange import exports
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


def _filters(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key not in ("page", "bom")}


def incident_export_csv(request):
    """``?bom=1`` starts the file with a UTF-8 byte-order mark: spreadsheet programs (Excel)
    read Cyrillic right only with it."""
    _log_staff_export(request, "csv")
    incidents = exports.iter_incidents(_exported_incidents(request), exports.CSV_PARTS)
    rows = exports.stream_csv(incidents)
    if request.GET.get("bom") == "1":
        rows = itertools.chain(["\ufeff"], rows)
    return _download(rows, extension="csv", content_type="text/csv; charset=utf-8")


def incident_export_json(request):
    _log_staff_export(request, "json")
    incidents = exports.iter_incidents(_exported_incidents(request))
    return _download(
        exports.stream_json(incidents, filters=_filters(request)),
        extension="json",
        content_type="application/json",
    )


def incident_export_geojson(request):
    _log_staff_export(request, "geojson")
    located = _exported_incidents(request).filter(latitude__isnull=False)
    return _download(
        exports.stream_geojson(exports.iter_incidents(located, exports.GEOJSON_PARTS)),
        extension="geojson",
        content_type="application/geo+json",
    )
