"""Filter counts (facets): each option of the list's choice filters says how many incidents it
would give under the other filters as they stand; options that would give none are dimmed.

One grouped query per choice filter (five), whatever is chosen, each over the gated queryset
(``Incident.objects.public()``) with every other filter applied, so no count includes a record
readers cannot see.

The counts grow with the data (half of a cold list page at 10,000 incidents, 0.9 s at 100,000),
and they are the same for every page and sort order of one set of filters, so they are kept in
the cache under the version of the public data (``public.cache.PUBLIC_DATA``, renewed after any
change a reader of a public incident could see: a publication, a claim decision, a source
correction): precise invalidation, never a stale count (issue 21).
"""

import contextlib
import hashlib
import logging
import secrets
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from cases.models import AllegedVictim, Claim, Incident
from public.cache import EVERYTHING, PUBLIC_DATA, tag_tokens
from public.filters import IncidentFilter
from sources.models import Source

logger = logging.getLogger(__name__)


class FacetSelect(forms.Select):
    """A select whose options carry ``data-empty`` when they would give no incident."""

    def __init__(self, *args, counts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.counts = counts

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value != "" and not self.counts.get(value):
            option["attrs"]["data-empty"] = ""
        return option


def _incidents_without(data, name: str):
    """The gated incidents with every filter in ``data`` applied except ``name``."""
    others = data.copy()
    others.pop(name, None)
    return IncidentFilter(others or None, queryset=Incident.objects.public()).qs.order_by()


def _counts(data, name: str) -> dict[str, int]:
    incidents = _incidents_without(data, name)
    if name in ("oblast", "category"):
        rows = incidents.values_list(name).annotate(n=Count("pk"))
    elif name == "status":
        rows = (
            Claim.objects.filter(incident__in=incidents.values("pk"))
            .values_list("status")
            .annotate(n=Count("incident", distinct=True))
        )
    elif name == "victim_status":
        rows = (
            AllegedVictim.objects.filter(incident__in=incidents.values("pk"))
            .values_list("status")
            .annotate(n=Count("incident", distinct=True))
        )
    else:  # source_kind
        rows = (
            Source.incidents.through.objects.filter(incident__in=incidents.values("pk"))
            .values_list("source__kind")
            .annotate(n=Count("incident", distinct=True))
        )
    return dict(rows.order_by())


FACETS = ("oblast", "category", "status", "victim_status", "source_kind")
# Parameters that change the order or the page shown, not which incidents match.
_NOT_FILTERS = ("page", "sort")


def data_version() -> str:
    """The version of everything public the list shows: renewed by any change to it.

    With the cache server down, a new random one: nothing is served from the cache.
    """
    try:
        return "-".join(tag_tokens([EVERYTHING, PUBLIC_DATA]))
    except Exception:
        logger.exception("Cache unavailable; facet counts and the filter form are not reused.")
        return secrets.token_hex(8)


def _kept(kind: str, data, count):
    """``count(filters)`` for the filters in ``data`` (page and sort left out), from the cache
    when the public data has not changed since it was counted."""
    filters = data.copy()
    for name in _NOT_FILTERS:
        filters.pop(name, None)
    # Encoded, so that a value holding "&" or "=" never names another set of filters.
    query = urlencode(sorted((k, v) for k, values in filters.lists() for v in values))
    key = f"{kind}:" + hashlib.sha256(f"{data_version()}\n{query}".encode()).hexdigest()
    with contextlib.suppress(Exception):  # the cache server is down: count, as without one
        value = cache.get(key)
        if value is not None:
            return value
    value = count(filters)
    with contextlib.suppress(Exception):
        cache.set(key, value, settings.FRAGMENT_CACHE_SECONDS)
    return value


def facet_counts(data) -> dict[str, dict[str, int]]:
    """{filter name: {value: incidents}} for the filters in ``data``."""
    return _kept("facets", data, lambda filters: {name: _counts(filters, name) for name in FACETS})


def matching_count(data, queryset) -> int:
    """How many incidents match the filters in ``data`` (``queryset``: them, filtered): the
    list's total, for every page and order (a search's count of many matches is most of it)."""
    return _kept("matching", data, lambda filters: queryset.count())


def apply_facets(incident_filter: IncidentFilter, data) -> None:
    """Write the counts into the filter form's option labels and mark the empty options."""
    form = incident_filter.form
    all_counts = facet_counts(data)
    for name in FACETS:
        counts = all_counts[name]
        field = form.fields[name]
        choices = []
        for value, label in field.choices:
            if value == "":
                choices.append((value, label))
            else:
                choices.append((value, f"{label} ({counts.get(value, 0):,})"))
        field.widget = FacetSelect(counts=counts, attrs=field.widget.attrs)
        field.choices = choices
