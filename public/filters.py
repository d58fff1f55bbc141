"""The public incident list's filters. Every query parameter here is part of shareable URLs."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cases.models import AllegedVictim, Category, Claim, Incident, Oblast, VerificationStatus
from cases.search import search_incidents, uses_postgres
from law.models import Provision
from law.selectors import incidents_with_element_gap, incidents_with_provision
from sources.models import Source


class SortChoices:
    NEWEST = "newest"
    OLDEST = "oldest"
    UPDATED = "updated"
    VICTIMS = "victims"
    RELEVANCE = "relevance"

    choices = [
        (NEWEST, _("Newest first")),
        (OLDEST, _("Oldest first")),
        (UPDATED, _("Recently updated")),
        (VICTIMS, _("Most victims")),
        (RELEVANCE, _("Best match (with a search)")),
    ]

    orderings = {
        # Undated incidents ("Date unknown") come last either way.
        NEWEST: [F("occurred_from").desc(nulls_last=True), "-pk"],
        OLDEST: [F("occurred_from").asc(nulls_last=True), "pk"],
        UPDATED: ["-updated_at", "-pk"],
        VICTIMS: [
            F("victims_max").desc(nulls_last=True),
            F("victims_min").desc(nulls_last=True),
            "-pk",
        ],
    }


class _RawCheckbox(forms.CheckboxInput):
    """A checkbox that hands the submitted text to its field, so that a value other than the
    browser's "on" (or true/false) is an error rather than silently true."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictBooleanField(forms.BooleanField):
    widget = _RawCheckbox
    _TRUE, _FALSE = ("on", "true", "1"), ("", "off", "false", "0")

    def to_python(self, value):
        if isinstance(value, bool) or value is None:
            return bool(value)
        text = str(value).strip().casefold()
        if text in self._TRUE:
            return True
        if text in self._FALSE:
            return False
        raise forms.ValidationError(_("Tick the box, or leave it empty."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _AnyCodeChoiceField(django_filters.fields.ChoiceField):
    """Offers the known codes, and takes any other as a code that matches nothing: legal
    provisions are data editors add, so the API schema cannot list them (issue 18)."""

    def valid_value(self, value):
        return True


class CodeChoiceFilter(django_filters.ChoiceFilter):
    field_class = _AnyCodeChoiceField


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words or a phrase")}),
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Undated incidents match no date range; readers who want them with the range ask for them.
    undated = StrictBooleanFilter(
        label=_("Include incidents whose date is unknown"), method="filter_undated"
    )
    oblast = django_filters.ChoiceFilter(
        label=_("Oblast"), choices=Oblast.choices, empty_label=_("Any oblast")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("Any category")
    )
    status = django_filters.ChoiceFilter(
        label=_("Has a claim that is"),
        choices=VerificationStatus.choices,
        method="filter_claim_status",
        empty_label=_("Any status"),
    )
    victim_status = django_filters.ChoiceFilter(
        label=_("Victims who were"),
        choices=AllegedVictim.Status.choices,
        method="filter_victim_status",
        empty_label=_("Any"),
    )
    source_kind = django_filters.ChoiceFilter(
        label=_("Cites a source of kind"),
        choices=Source.Kind.choices,
        method="filter_source_kind",
        empty_label=_("Any kind"),
    )
    perpetrator = django_filters.CharFilter(
        label=_("Alleged perpetrator"), field_name="perpetrator", lookup_expr="icontains"
    )
    # issue 18: legal provisions and elements (codes are stable: law.models.Provision.code)
    provision = CodeChoiceFilter(
        label=_("A provision that may apply"),
        choices=lambda: [
            (p.code, p.short_name) for p in Provision.objects.only("code", "instrument", "article")
        ],
        method="filter_provision",
        empty_label=_("Any provision"),
    )
    element_gap = StrictBooleanFilter(
        label=_("Has an element with no verified claim"),
        method="filter_element_gap",
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SortChoices.choices, method="apply_sort", empty_label=None
    )

    class Meta:
        model = Incident
        fields = []

    def filter_search(self, queryset, name, value):
        return search_incidents(queryset, value)

    def _with_undated(self, condition: Q) -> Q:
        if self.form.cleaned_data.get("undated"):
            return condition | Q(occurred_from__isnull=True)
        return condition

    def filter_date_from(self, queryset, name, value):
        # Overlap: the incident ends (or, with no end, happens) on or after the start of the range.
        return queryset.alias(ends=Coalesce("occurred_to", "occurred_from")).filter(
            self._with_undated(Q(ends__gte=value))
        )

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(self._with_undated(Q(occurred_from__lte=value)))

    def filter_undated(self, queryset, name, value):
        return queryset  # read by the date filters (an undated incident has no date to filter)

    def filter_claim_status(self, queryset, name, value):
        return queryset.filter(Exists(Claim.objects.filter(incident=OuterRef("pk"), status=value)))

    def filter_victim_status(self, queryset, name, value):
        return queryset.filter(
            Exists(AllegedVictim.objects.filter(incident=OuterRef("pk"), status=value))
        )

    def filter_source_kind(self, queryset, name, value):
        through = Source.incidents.through
        return queryset.filter(
            Exists(through.objects.filter(incident=OuterRef("pk"), source__kind=value))
        )

    def filter_provision(self, queryset, name, value: str):
        return incidents_with_provision(queryset, value)

    def filter_element_gap(self, queryset, name, value: bool):
        return incidents_with_element_gap(queryset) if value else queryset

    def apply_sort(self, queryset, name, value):
        return queryset  # ordering is applied last, in ``sorted_qs``

    @property
    def sort_value(self) -> str:
        self.form.is_valid()  # an invalid filter is ignored; the valid ones, sort included, hold
        data = getattr(self.form, "cleaned_data", {})  # unbound: no filters at all
        sort = data.get("sort") or ""
        searching = bool((data.get("q") or "").strip())
        if sort == SortChoices.RELEVANCE and not (searching and uses_postgres()):
            return SortChoices.NEWEST
        if not sort:
            return SortChoices.RELEVANCE if searching and uses_postgres() else SortChoices.NEWEST
        return sort

    @property
    def sorted_qs(self):
        """The filtered incidents in the requested order (invalid values are ignored)."""
        queryset = self.qs
        sort = self.sort_value
        if sort == SortChoices.RELEVANCE:
            return queryset.order_by(
                F("rank").desc(), F("occurred_from").desc(nulls_last=True), "-pk"
            )
        return queryset.order_by(*SortChoices.orderings[sort])
