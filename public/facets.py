"""Filter counts (facets): each option of the list's choice filters says how many incidents it
would give under the other filters as they stand; options that would give none are dimmed.

One grouped query per choice filter (five), whatever is chosen, each over the gated queryset
(``Incident.objects.public()``) with every other filter applied, so no count includes a record
readers cannot see.
"""

from django import forms
from django.db.models import Count

from cases.models import AllegedVictim, Claim, Incident
from public.filters import IncidentFilter
from sources.models import Source


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


def apply_facets(incident_filter: IncidentFilter, data) -> None:
    """Write the counts into the filter form's option labels and mark the empty options."""
    form = incident_filter.form
    for name in FACETS:
        counts = _counts(data, name)
        field = form.fields[name]
        choices = []
        for value, label in field.choices:
            if value == "":
                choices.append((value, label))
            else:
                choices.append((value, f"{label} ({counts.get(value, 0):,})"))
        field.widget = FacetSelect(counts=counts, attrs=field.widget.attrs)
        field.choices = choices
