"""Issue 21: the rendering shortcuts give exactly what Django's own ways give."""

import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from cases.models import AllegedVictim, ClaimStatusChange, Incident
from tests.factories import (
    AllegedVictimFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def test_record_urls_equal_reverse_including_the_script_prefix():
    incident, source = IncidentFactory(slug="popasna-2022"), SourceFactory()
    statement = OfficialStatementFactory()
    try:
        for prefix in ("/", "/tracker/"):
            set_script_prefix(prefix)
            assert incident.get_absolute_url() == reverse(
                "cases:incident_detail", kwargs={"slug": "popasna-2022"}
            )
            assert incident.get_absolute_url().startswith(prefix)
            assert source.get_absolute_url() == reverse(
                "sources:source_detail", kwargs={"pk": source.pk}
            )
            assert statement.get_absolute_url() == reverse(
                "sources:statement_detail", kwargs={"pk": statement.pk}
            )
    finally:
        set_script_prefix("/")


@override_settings(ROOT_URLCONF="tests.urls_moved")
def test_record_urls_follow_a_changed_url_configuration():
    assert IncidentFactory(slug="moved").get_absolute_url() == "/cases/moved/"


def test_choice_labels_are_django_s():
    victim = AllegedVictimFactory(status=AllegedVictim.Status.CIVILIAN, fate="missing")
    assert victim.get_status_display() == "Civilian"
    assert victim.get_fate_display() == str(AllegedVictim.Fate("missing").label)
    incident = IncidentFactory(oblast="")
    assert incident.get_oblast_display() == ""  # a blank value shows as itself, as in Django
    assert Incident(status="not-a-status").get_status_display() == "not-a-status"
    change = ClaimStatusChange(claim=ClaimFactory(), from_status="unverified", to_status="false")
    assert (change.get_from_status_display(), change.get_to_status_display()) == (
        "Unverified",
        "False",
    )


def test_figure_totals_are_the_periods_containing_another():
    """The home page's and /figures/' "total" marks, found without comparing every pair, are
    the figures whose period contains a different figure's period in the same series."""
    import datetime as dt
    import random

    from public.figures import Point, _mark_totals
    from sources.models import ReportedFigure

    def contains(outer, inner):
        a, b = outer.figure, inner.figure
        if None in (a.period_start, a.period_end, b.period_start, b.period_end):
            return False
        same = (a.period_start, a.period_end) == (b.period_start, b.period_end)
        return not same and a.period_start <= b.period_start and b.period_end <= a.period_end

    rng = random.Random(21)
    day = dt.date(2022, 1, 1)
    for _ in range(200):
        points = []
        for _ in range(rng.randint(0, 12)):
            start = day + dt.timedelta(days=rng.randint(0, 30))
            end = start + dt.timedelta(days=rng.randint(0, 30))
            if rng.random() < 0.1:
                start = None
            points.append(Point(ReportedFigure(period_start=start, period_end=end)))
        _mark_totals(points)
        assert [p.is_total for p in points] == [
            any(contains(p, other) for other in points) for p in points
        ]
