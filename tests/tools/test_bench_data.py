"""The benchmark's synthetic data: its shape, its spread, and that it obeys every constraint."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from cases.models import (
    AllegedVictim,
    Category,
    Claim,
    ClaimStatusChange,
    Incident,
    Oblast,
    VerificationStatus,
)
from cases.search import search_incidents
from sources.models import OfficialStatement, Source
from tests.factories import ClaimFactory, IncidentFactory
from tools.data import generate
from tools.management.commands import generate_bench_data, run_benchmark

# The commands are passed as instances: the tools app is installed only under tools.settings.


@pytest.fixture
def generated(db):
    return generate(incidents=60, seed=7, heavy=1, heavy_size=40)


def test_shape_per_incident_on_average(generated):
    assert Incident.objects.count() == 60
    heavy = Incident.objects.annotate(n=Count("claims")).order_by("-n").first()
    assert heavy.n == 40
    assert heavy.sources.count() == 40
    others = Incident.objects.exclude(pk=heavy.pk)
    claims = Claim.objects.exclude(incident=heavy).count() / others.count()
    links = Source.incidents.through.objects.exclude(incident=heavy).count() / others.count()
    victims = AllegedVictim.objects.exclude(incident=heavy).count() / others.count()
    assert 4 <= claims <= 6
    assert 2 <= links <= 4
    assert 1.3 <= victims <= 2.7
    assert OfficialStatement.objects.count() == 60
    # sources are shared: fewer sources than links
    assert Source.objects.count() < Source.incidents.through.objects.count()


def test_statuses_are_spread_and_assessed_claims_are_complete(generated):
    assert set(Claim.objects.values_list("status", flat=True)) == set(VerificationStatus.values)
    assert Incident.objects.published().count() > Incident.objects.count() / 2
    assessed = Claim.objects.exclude(status=VerificationStatus.UNVERIFIED)
    assert not assessed.filter(rationale="").exists()
    assert not assessed.filter(methods=[]).exists()
    assert not assessed.filter(status_changed_by__isnull=True).exists()
    assert ClaimStatusChange.objects.count() == assessed.count()
    for claim in Claim.objects.all():
        claim.full_clean()


def test_every_constraint_holds(generated):
    for incident in Incident.objects.all():
        incident.full_clean()
        incident.validate_constraints()
    assert Incident.objects.filter(status=Incident.Status.PUBLISHED, published_by=None).count() == 0
    for retracted in Incident.objects.filter(status=Incident.Status.RETRACTED):
        assert retracted.retraction_note and retracted.retracted_by_id


def test_spread_over_dates_oblasts_and_categories(db):
    generate(incidents=400, seed=1, heavy=0)
    years = {d.year for d in Incident.objects.values_list("occurred_from", flat=True)}
    assert years == {2022, 2023, 2024, 2025}
    assert set(Incident.objects.values_list("oblast", flat=True)) == set(Oblast.values)
    assert set(Incident.objects.values_list("category", flat=True)) == set(Category.values)


def test_same_seed_same_data(db):
    generate(incidents=5, seed=3, heavy=0)
    first = list(Incident.objects.order_by("pk").values_list("title", "occurred_from", "status"))
    Incident.objects.all().delete()
    generate(incidents=5, seed=3, heavy=0)
    # titles carry a running number that starts at the count of existing incidents (zero again)
    again = list(Incident.objects.order_by("pk").values_list("title", "occurred_from", "status"))
    assert again == first


def test_command_refuses_a_non_empty_database_with_debug_off(db, settings):
    settings.DEBUG = False
    command = generate_bench_data.Command
    call_command(command(), "--incidents", "2", "--heavy", "0")
    with pytest.raises(CommandError, match="already holds"):
        call_command(command(), "--incidents", "2", "--heavy", "0")
    call_command(command(), "--incidents", "2", "--heavy", "0", "--force")
    assert Incident.objects.count() == 4
    assert len(set(Incident.objects.values_list("slug", flat=True))) == 4


def test_benchmark_refuses_to_empty_a_database_not_named_for_it(db):
    IncidentFactory()
    with pytest.raises(CommandError, match="Refusing to empty"):
        call_command(run_benchmark.Command(), incidents=5, reset_data=True)
    assert Incident.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and triggers: PostgreSQL")
def test_a_load_without_triggers_leaves_search_and_triggers_working(db):
    # issue 21: on PostgreSQL the rows go in by COPY with the triggers off; the search vectors
    # are computed once at the end, and the triggers are on again for the writes that follow.
    generate(incidents=30, seed=5, heavy=0)
    assert not Incident.objects.filter(search_vector__isnull=True).exists()
    incident = Incident.objects.order_by("pk").first()
    assert search_incidents(Incident.objects.all(), incident.place_name).filter(pk=incident.pk)
    ClaimFactory(incident=incident, text="Zaporizhzhiaword intercepted")
    assert search_incidents(Incident.objects.all(), "Zaporizhzhiaword").get() == incident
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
