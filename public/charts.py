"""The timeline: incidents per month for the list's filters, as a server-rendered SVG.

Bars are stacked by category or (``?stack=status``) by each incident's strongest claim status,
and each piece links to the list filtered to that month (and category). The same numbers are a
table under the chart, for screen readers and anyone who wants the figures. No JavaScript.

An incident counts in the month it started (``occurred_from``); the list's date filters match
any incident whose dates overlap the month, so a multi-month incident appears in the list for
every month it spans but in the chart once.
"""

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, IntegerField, Max, Value, When
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models import Category, Incident, VerificationStatus
from public.cache import cache_public_page
from public.filters import IncidentFilter

STACKS = {"category": _("category"), "status": _("strongest claim status")}

# "Strongest" claim status: the one furthest through assessment. An incident with a verified
# claim counts as verified, whatever else is said about it; one with no claims is apart.
STATUS_STRENGTH = [
    VerificationStatus.VERIFIED,
    VerificationStatus.PARTIALLY_VERIFIED,
    VerificationStatus.DISPUTED,
    VerificationStatus.FALSE,
    VerificationStatus.UNVERIFIED,
]
NO_CLAIMS = "none"

# The drawing, in SVG user units (the SVG scales to its container).
WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36


@dataclass
class Series:
    key: str
    label: str
    css: str
    counts: dict = field(default_factory=dict)  # month (date) -> count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def month_after(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_after(month)
    return months


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at or above ``value`` (the top of the axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def counts_by_category(queryset) -> list[tuple[dt.date, str, int]]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth("occurred_from"))
        .values_list("month", "category")
        .annotate(n=Count("pk"))
    )
    return [(_as_date(month), category, n) for month, category, n in rows]


def counts_by_status(queryset) -> list[tuple[dt.date, str, int]]:
    """Per month, incidents by their strongest claim status (one grouped query, summed here)."""
    strength = Case(
        *[
            When(claims__status=status, then=Value(len(STATUS_STRENGTH) - position))
            for position, status in enumerate(STATUS_STRENGTH)
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth("occurred_from"), strength=Max(strength))
        .values_list("month", "strength")
    )
    by_strength = {len(STATUS_STRENGTH) - p: s.value for p, s in enumerate(STATUS_STRENGTH)}
    tally = Counter(
        (_as_date(month), by_strength.get(strength or 0, NO_CLAIMS)) for month, strength in rows
    )
    return [(month, key, n) for (month, key), n in tally.items()]


def build_series(rows, stack: str) -> list[Series]:
    if stack == "status":
        series = [Series(s.value, s.label, f"tl-status-{s.value}") for s in STATUS_STRENGTH]
        series.append(Series(NO_CLAIMS, _("No claims yet"), "tl-status-none"))
    else:
        series = [Series(c.value, c.label, f"cat-{c.value}") for c in Category]
    index = {s.key: s for s in series}
    for month, key, n in rows:
        if key in index:
            index[key].counts[month] = index[key].counts.get(month, 0) + n
    return [s for s in series if s.total]


def layout(series: list[Series], months: list[dt.date], link) -> dict:
    """Rectangles, axis ticks and labels of the stacked bars, in SVG user units."""
    totals = [sum(s.counts.get(month, 0) for s in series) for month in months]
    highest = max(totals, default=0) or 1
    step = nice_ceiling(-(-highest // 4))  # at most about four gridlines, at round numbers
    top = step * -(-highest // step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    bar_w = max(slot * 0.8, 1)
    bars = []
    for i, month in enumerate(months):
        base = 0
        x = LEFT + i * slot + (slot - bar_w) / 2
        for s in series:
            n = s.counts.get(month, 0)
            if not n:
                continue
            y_top = TOP + plot_h * (1 - (base + n) / top)
            height = plot_h * n / top
            label = _("%(month)s: %(count)s %(what)s") % {
                "month": date_format(month, "F Y"),
                "count": n,
                "what": s.label,
            }
            bars.append(
                {
                    "x": round(x, 2),
                    "y": round(y_top, 2),
                    "w": round(bar_w, 2),
                    "h": round(max(height, 0.5), 2),
                    "css": s.css,
                    "label": label,
                    "href": link(month, s.key),
                }
            )
            base += n
    ticks = [
        {"value": value, "y": round(TOP + plot_h * (1 - value / top), 2)}
        for value in range(0, top + 1, step)
    ]
    # A year label under each January (and the first month), thinned when there are many years.
    years = sorted({m.year for m in months})
    every = max(1, len(years) // 10)
    year_labels = [
        {"x": round(LEFT + i * slot + 1, 2), "text": str(m.year)}
        for i, m in enumerate(months)
        if (m.month == 1 or i == 0) and (m.year - years[0]) % every == 0
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "baseline": TOP + plot_h,
        "label_y": TOP + plot_h + 22,
        "bars": bars,
        "ticks": ticks,
        "years": year_labels,
    }


@cache_public_page
def incident_timeline(request):
    incident_filter = IncidentFilter(request.GET or None, queryset=Incident.objects.public())
    stack = request.GET.get("stack") if request.GET.get("stack") in STACKS else "category"
    queryset = incident_filter.qs
    rows = counts_by_status(queryset) if stack == "status" else counts_by_category(queryset)
    series = build_series(rows, stack)

    # The list's filters without paging, sorting or the chart's own choice.
    base_query = request.GET.copy()
    for name in ("page", "stack", "sort", "date_from", "date_to"):
        base_query.pop(name, None)
    list_url = reverse("cases:incident_list")

    def link(month: dt.date, key: str = "") -> str:
        query = base_query.copy()
        last_day = calendar.monthrange(month.year, month.month)[1]
        query["date_from"] = month.isoformat()
        query["date_to"] = month.replace(day=last_day).isoformat()
        if stack == "category" and key:
            query["category"] = key
        return f"{list_url}?{query.urlencode()}"

    months = months_between(min(r[0] for r in rows), max(r[0] for r in rows)) if rows else []
    table = [
        {
            "month": month,
            "href": link(month),
            "cells": [s.counts.get(month, 0) for s in series],
            "total": sum(s.counts.get(month, 0) for s in series),
        }
        for month in months
    ]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("stack", None)
    query_string = query.urlencode()
    return render(
        request,
        "public/incident_timeline.html",
        {
            "filter": incident_filter,
            "filter_action": reverse("cases:incident_timeline"),
            "stack": stack,
            "stacks": [
                (key, label, "?" + urlencode([*query.lists(), ("stack", key)], doseq=True))
                for key, label in STACKS.items()
            ],
            "series": series,
            "chart": layout(series, months, link) if months else None,
            "table": table,
            "total": sum(s.total for s in series),
            "query_string": query_string,
        },
    )
