"""The incident map: the filtered list's incidents that have coordinates, drawn honestly.

The page is the list's filter form and gate (``IncidentFilter`` over ``Incident.objects.public()``)
with an empty map that ``static/js/incident-map.js`` fills from ``map.json``. The data is built
to stay small and quick at 100,000 incidents (docs/benchmarks.md): columns, not GeoJSON (the
GeoJSON export exists for that), and no titles: latitudes, longitudes, precision indexes and
slugs. The browser clusters them with Supercluster (a spatial index, milliseconds per view) and
fetches a chosen incident's title from the public API's incident detail only when a reader
opens it.

A location is drawn no more precisely than it is known: a point for an exact location, otherwise
a circle whose radius is the stated precision's (``PRECISION_RADIUS_M``), said in words under the
map.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page

from cases.models import Incident, LocationPrecision
from public.cache import cache_public_page
from public.filters import IncidentFilter

# The order of precisions in the data (the third item of each point is an index into it).
PRECISIONS = [choice.value for choice in LocationPrecision]

# Radius in metres of the circle drawn for each stated precision (0: a point). The model's
# definitions: approximate is "within a few kilometres"; a settlement's centre stands for a
# town or village; a district (raion) is typically 30-60 km across; an oblast 150-250 km.
PRECISION_RADIUS_M = {
    LocationPrecision.EXACT: 0,
    LocationPrecision.APPROXIMATE: 3_000,
    LocationPrecision.SETTLEMENT: 5_000,
    LocationPrecision.DISTRICT: 25_000,
    LocationPrecision.OBLAST: 100_000,
}

# Four decimals are about 11 metres: finer than any marker on screen, and a tenth smaller data.
COORDINATE_DECIMALS = 4


def precision_legend():
    """(label, radius in km) for each precision, for the words under the map."""
    return [
        (LocationPrecision(value).label, PRECISION_RADIUS_M[value] // 1000) for value in PRECISIONS
    ]


def map_config(*, data_url: str = "") -> dict:
    """The attributes the map script reads from its container (tiles, radii, data)."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "radii": json.dumps([PRECISION_RADIUS_M[value] for value in PRECISIONS]),
        "precisions": json.dumps(PRECISIONS),
        "data_url": data_url,
        # A chosen incident's title comes from the public API (the same gate: public() only).
        "detail_api": reverse("incident-detail", kwargs={"slug": "SLUG"}),
    }


def _filtered(request):
    return IncidentFilter(request.GET or None, queryset=Incident.objects.public())


@cache_public_page
def incident_map(request):
    incident_filter = _filtered(request)
    incidents = incident_filter.qs.order_by()
    total = incidents.count()
    located = incidents.filter(latitude__isnull=False).count()
    query = request.GET.urlencode()
    data_url = reverse("cases:incident_map_data") + (f"?{query}" if query else "")
    return render(
        request,
        "public/incident_map.html",
        {
            "filter": incident_filter,
            "filter_action": reverse("cases:incident_map"),
            "total": total,
            "located": located,
            "unlocated": total - located,
            "query_string": query,
            "map": map_config(data_url=data_url),
            "legend": precision_legend(),
        },
    )


def map_columns(queryset) -> dict[str, list]:
    """The incidents in ``queryset`` that have coordinates, as columns (one list per field).

    Columns rather than a list of points: the same 100,000 numbers and slugs with a quarter
    fewer brackets and commas, and the browser reads each column straight into its index.
    """
    index = {value: position for position, value in enumerate(PRECISIONS)}
    rows = (
        queryset.filter(latitude__isnull=False)
        .order_by()
        .values_list("latitude", "longitude", "location_precision", "slug")
    )
    columns: dict[str, list] = {"lat": [], "lon": [], "precision": [], "slug": []}
    for latitude, longitude, precision, slug in rows.iterator(chunk_size=5000):
        columns["lat"].append(round(float(latitude), COORDINATE_DECIMALS))
        columns["lon"].append(round(float(longitude), COORDINATE_DECIMALS))
        columns["precision"].append(index.get(precision, index[LocationPrecision.SETTLEMENT]))
        columns["slug"].append(slug)
    return columns


# gzip outside the page cache: the cache keeps the plain body, each response is compressed.
@gzip_page
@cache_public_page
def incident_map_data(request):
    body = json.dumps(
        {
            "precisions": PRECISIONS,
            "url": reverse("cases:incident_detail", kwargs={"slug": "SLUG"}),
            **map_columns(_filtered(request).qs),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return HttpResponse(body, content_type="application/json")


def incident_small_map(incident) -> dict | None:
    """The small map of one incident page, or None when it has no coordinates."""
    if incident.latitude is None:
        return None
    return {
        **map_config(),
        "lat": float(incident.latitude),
        "lon": float(incident.longitude),
        "precision": incident.location_precision,
        "radius_m": PRECISION_RADIUS_M.get(incident.location_precision, 0),
        "radius_km": PRECISION_RADIUS_M.get(incident.location_precision, 0) // 1000,
    }
