"""Official figures against documented incidents: ``/figures/`` and ``/figures/series.csv``.

A **series** is one metric from one organisation across statements and as-of dates: the
figures of public statements (``OfficialStatement.objects.public()``) grouped by organisation
(the speaker when none is given), metric and unit, compared case- and space-insensitively.
A figure whose period contains another figure's period in the same series is a **total** (the
Prosecutor General's "75 cases since February 2022" beside the yearly counts): it is listed, not
drawn as a bar beside the parts it sums.

Beside each period the tracker's own count: public incidents of the series' category that began
in that period, and the sum of their alleged victims as a min–max range (incidents with no
number are counted apart). Figures carry no category, so a series is compared with the category
most of its statements' public incidents share; with none, with every category.
"""

import bisect
import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models import Category, Claim, Incident
from core.text import printable
from public.cache import FIGURES, LISTING, cache_public_page
from public.charts import nice_ceiling
from sources.models import OfficialStatement, ReportedFigure


@dataclass
class Point:
    figure: ReportedFigure
    is_total: bool = False
    documented: int | None = None  # public incidents in the period (None: no period to compare)
    victims_min: int = 0
    victims_max: int = 0
    without_number: int = 0

    @property
    def statement(self):
        return self.figure.statement

    @property
    def period_label(self) -> str:
        start, end = self.figure.period_start, self.figure.period_end
        if start is None and end is None:
            return str(_("period not stated"))
        whole_year = start and end and start.year == end.year
        if whole_year and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
            return str(start.year)
        if start and end:
            return f"{date_format(start, 'j M Y')} – {date_format(end, 'j M Y')}"
        if start:
            return str(_("from %(date)s") % {"date": date_format(start, "j M Y")})
        return str(_("until %(date)s") % {"date": date_format(end, "j M Y")})

    @property
    def short_label(self) -> str:
        """The period in a few characters, under a bar: "2024", "2025 to 5 May"."""
        start, end = self.figure.period_start, self.figure.period_end
        if start and end and start.year == end.year and (start.month, start.day) == (1, 1):
            if (end.month, end.day) == (12, 31):
                return str(start.year)
            return str(
                _("%(year)s to %(date)s") % {"year": start.year, "date": date_format(end, "j M")}
            )
        return self.period_label

    @property
    def victims_label(self) -> str:
        if self.victims_min == self.victims_max:
            return str(self.victims_min)
        return f"{self.victims_min}–{self.victims_max}"


@dataclass
class FigureSeries:
    organisation: str
    metric: str
    unit: str
    category: str = ""
    points: list[Point] = field(default_factory=list)

    @property
    def slug(self) -> str:
        key = "\n".join(_key(t) for t in (self.organisation, self.metric, self.unit))
        return "series-" + hashlib.sha256(key.encode()).hexdigest()[:10]

    @property
    def parts(self) -> list[Point]:
        return [p for p in self.points if not p.is_total]

    @property
    def totals(self) -> list[Point]:
        return [p for p in self.points if p.is_total]

    @property
    def latest(self) -> Point | None:
        """The figure to quote in one line: the widest latest total, else the latest part."""
        candidates = self.totals or self.points
        return max(
            candidates,
            key=lambda p: (p.figure.as_of or p.figure.period_end or _EPOCH, p.figure.value),
        )

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else str(_("every category"))


_EPOCH = dt.date(1, 1, 1)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _mark_totals(points: list[Point]) -> None:
    """Set ``is_total`` on each point whose period contains another point's, a different one.

    In O(n log n) rather than comparing every pair (issue 21: a series of 700 figures made the
    home page take a second): period (s, e) contains another iff some other period starts later
    and ends by e, or starts on s and ends before e.
    """
    periods = sorted(
        {
            (p.figure.period_start, p.figure.period_end)
            for p in points
            if p.figure.period_start is not None and p.figure.period_end is not None
        }
    )
    if len(periods) < 2:
        return
    # min_end_after[i]: the earliest end among periods whose start is after periods[i]'s start.
    min_end_after: list[dt.date | None] = [None] * len(periods)
    earliest = None
    i = len(periods) - 1
    while i >= 0:
        j = i
        while j > 0 and periods[j - 1][0] == periods[i][0]:
            j -= 1
        for k in range(j, i + 1):
            min_end_after[k] = earliest
        for k in range(j, i + 1):
            earliest = periods[k][1] if earliest is None else min(earliest, periods[k][1])
        i = j - 1
    totals = set()
    for k, (start, end) in enumerate(periods):
        shorter_same_start = k > 0 and periods[k - 1][0] == start  # sorted: its end is earlier
        later_inside = min_end_after[k] is not None and min_end_after[k] <= end
        if shorter_same_start or later_inside:
            totals.add((start, end))
    for point in points:
        point.is_total = (point.figure.period_start, point.figure.period_end) in totals


def _first_series_figures(figures, limit: int) -> list[int]:
    """The ids of the figures of the first ``limit`` series, from plain rows (no instances)."""
    ids: dict[tuple, list[int]] = defaultdict(list)
    rows = figures.values_list(
        "pk", "statement__organisation", "statement__speaker", "metric", "unit"
    )
    for pk, organisation, speaker, metric, unit in rows:
        ids[(_key(organisation or speaker), _key(metric), _key(unit))].append(pk)
    # As public_series orders them: organisation, metric, then first appearance.
    first = sorted(ids, key=lambda key: key[:2])[:limit]
    return [pk for key in first for pk in ids[key]]


def public_series(*, compare: bool = True, limit: int | None = None) -> list[FigureSeries]:
    """Every series of figures readers may see, each point with the tracker's own count
    (``compare=False``: the figures only, for the home page). ``limit``: only the first
    series, with only their figures loaded (the home page shows three)."""
    figures = ReportedFigure.objects.filter(
        statement__in=OfficialStatement.objects.public()
    ).order_by("period_start", "period_end", "as_of", "pk")
    if limit is not None:
        figures = figures.filter(pk__in=_first_series_figures(figures, limit))
    figures = figures.select_related("statement")
    grouped: dict[tuple, FigureSeries] = {}
    statements_of = defaultdict(set)
    for figure in figures:
        statement = figure.statement
        organisation = statement.organisation or statement.speaker
        key = (_key(organisation), _key(figure.metric), _key(figure.unit))
        if key not in grouped:
            grouped[key] = FigureSeries(organisation, figure.metric, figure.unit)
        grouped[key].points.append(Point(figure))
        statements_of[key].add(statement.pk)

    daily: dict[str, _DailyCounts] = {}
    if compare:
        categories = _categories_of_statements(set().union(*statements_of.values()))
    for key, series in grouped.items():
        _mark_totals(series.points)
        if compare:
            series.category = _common_category(statements_of[key], categories)
            _compare(series, daily)
    ordered = sorted(grouped.values(), key=lambda s: (_key(s.organisation), _key(s.metric)))
    return ordered if limit is None else ordered[:limit]


def _categories_of_statements(statement_ids: set[int]) -> dict[int, Counter]:
    """Per statement, the categories of the public incidents it is about or makes claims in.

    Two queries for every series together.
    """
    public = Incident.objects.public()
    about = OfficialStatement.incidents.through.objects.filter(
        officialstatement__in=statement_ids, incident__in=public
    ).values_list("officialstatement_id", "incident__category")
    claimed = Claim.objects.filter(statement__in=statement_ids, incident__in=public).values_list(
        "statement_id", "incident__category"
    )
    categories: dict[int, Counter] = defaultdict(Counter)
    for statement_id, category in [*about, *claimed]:
        categories[statement_id][category] += 1
    return categories


def _common_category(statement_ids: set[int], categories: dict[int, Counter]) -> str:
    total = Counter()
    for statement_id in statement_ids:
        total.update(categories.get(statement_id, Counter()))
    return total.most_common(1)[0][0] if total else ""


class _DailyCounts:
    """Public incidents of one category (or all) per day they began, summed over any period.

    One grouped query per category (a few thousand days at most), then prefix sums: a series of
    any length is compared without a query per period.
    """

    def __init__(self, category: str):
        incidents = Incident.objects.public()
        if category:
            incidents = incidents.filter(category=category)
        rows = (
            incidents.order_by("occurred_from")
            .values_list("occurred_from")
            .annotate(
                n=Count("pk"),
                low=Coalesce(Sum("victims_min"), 0),
                high=Coalesce(Sum(Coalesce("victims_max", "victims_min")), 0),
                none=Count("pk", filter=Q(victims_min__isnull=True)),
            )
        )
        self.days = []
        self.sums = [(0, 0, 0, 0)]  # running totals up to and including each day
        for day, *numbers in rows:
            self.days.append(day)
            last = self.sums[-1]
            self.sums.append(tuple(a + b for a, b in zip(last, numbers, strict=True)))

    def between(self, start, end) -> tuple[int, int, int, int]:
        """(incidents, victims low, victims high, without a number) that began in [start, end]."""
        first = bisect.bisect_left(self.days, start) if start else 0
        last = bisect.bisect_right(self.days, end) if end else len(self.days)
        if last <= first:
            return (0, 0, 0, 0)
        upper, lower = self.sums[last], self.sums[first]
        return tuple(a - b for a, b in zip(upper, lower, strict=True))


def _compare(series: FigureSeries, daily: dict) -> None:
    """Attach to each point the tracker's public incidents and victims for its period."""
    if series.category not in daily:
        daily[series.category] = _DailyCounts(series.category)
    counts = daily[series.category]
    for point in series.points:
        start, end = point.figure.period_start, point.figure.period_end
        if start is None and end is None:
            continue
        n, low, high, none = counts.between(start, end)
        point.documented = n
        point.victims_min, point.victims_max, point.without_number = low, high, none


# The chart of one series, in SVG user units: per period the official figure, the documented
# incidents and the alleged victims' range, on one scale.
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40


def series_chart(series: FigureSeries) -> dict | None:
    parts = series.parts
    if not parts:
        return None
    highest = (
        max(
            [p.figure.value for p in parts]
            + [p.documented or 0 for p in parts]
            + [p.victims_max for p in parts]
        )
        or 1
    )
    step = nice_ceiling(-(-highest // 4))
    top = step * -(-highest // step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(parts)
    bar_w = min(slot * 0.3, 48)

    def y(value: int) -> float:
        return round(TOP + plot_h * (1 - value / top), 2)

    groups = []
    for i, point in enumerate(parts):
        x0 = LEFT + i * slot + (slot - 2 * bar_w - 8) / 2
        official = point.figure.value
        group = {
            "label_x": round(LEFT + i * slot + slot / 2, 2),
            "period": point.short_label,
            "official": {
                "x": round(x0, 2),
                "y": y(official),
                "w": round(bar_w, 2),
                "h": round(max(plot_h * official / top, 0.5), 2),
                "href": point.statement.get_absolute_url(),
                "label": _("%(period)s: %(value)s reported (as of %(as_of)s)")
                % {
                    "period": point.period_label,
                    "value": official,
                    "as_of": date_format(point.figure.as_of, "j M Y")
                    if point.figure.as_of
                    else _("date not stated"),
                },
            },
            "documented": None,
        }
        if point.documented is not None:
            x1 = x0 + bar_w + 8
            group["documented"] = {
                "x": round(x1, 2),
                "y": y(point.documented),
                "w": round(bar_w, 2),
                "h": round(max(plot_h * point.documented / top, 0.5), 2),
                "whisker_x": round(x1 + bar_w / 2, 2),
                "whisker_y1": y(point.victims_max),
                "whisker_y2": y(point.victims_min),
                "tick_x1": round(x1 + bar_w / 2 - 6, 2),
                "tick_x2": round(x1 + bar_w / 2 + 6, 2),
                "has_victims": point.victims_max > 0,
            }
        groups.append(group)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "label_y": TOP + plot_h + 18,
        "groups": groups,
        "ticks": [{"value": v, "y": y(v)} for v in range(0, top + 1, step)],
    }


# Figures are corrected through their statements, which renews FIGURES, not LISTING.
@cache_public_page(tags=(LISTING, FIGURES))
def figures_page(request):
    series = public_series()
    return render(
        request,
        "public/figures.html",
        {"series": [(s, series_chart(s)) for s in series]},
    )


CSV_COLUMNS = [
    "organisation",
    "metric",
    "unit",
    "period_start",
    "period_end",
    "as_of",
    "value",
    "is_total",
    "statement_url",
    "compared_category",
    "documented_incidents",
    "alleged_victims_min",
    "alleged_victims_max",
    "incidents_without_victim_number",
]


# Cells starting with these are run as formulas by spreadsheet programs (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    if isinstance(value, str):
        value = printable(value)
        if value.startswith(_FORMULA_STARTS):
            return "'" + value
    return value


@cache_public_page(tags=(LISTING, FIGURES))
def series_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="figures-series.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for series in public_series():
        for point in series.points:
            figure = point.figure
            compared = point.documented is not None
            writer.writerow(
                [
                    _csv_cell(value)
                    for value in (
                        series.organisation,
                        series.metric,
                        series.unit,
                        figure.period_start or "",
                        figure.period_end or "",
                        figure.as_of or "",
                        figure.value,
                        "yes" if point.is_total else "no",
                        settings.SITE_URL + point.statement.get_absolute_url(),
                        series.category,
                        point.documented if compared else "",
                        point.victims_min if compared else "",
                        point.victims_max if compared else "",
                        point.without_number if compared else "",
                    )
                ]
            )
    return response
