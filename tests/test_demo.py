"""`load_demo`: the seed reports as data, loaded idempotently, with the demo logins."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    PublicationEvent,
)
from sources.models import OfficialStatement, ReportedFigure, Source

pytestmark = pytest.mark.django_db

MODELS = [
    Incident,
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    PublicationEvent,
    Source,
    OfficialStatement,
    ReportedFigure,
]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS
    } | {
        "history": sum(model.history.count() for model in MODELS if hasattr(model, "history")),
    }


def test_load_demo_creates_the_seed_content_and_prints_logins():
    out = StringIO()
    call_command("load_demo", "--password", "s3cret-demo-pass", stdout=out)
    output = out.getvalue()
    for username in ("researcher", "editor", "admin"):
        assert f"{username}" in output
        # django-axes throttles by address, so authentication needs the request.
        request = RequestFactory().post("/admin/login/")
        assert authenticate(request, username=username, password="s3cret-demo-pass") is not None
    assert "s3cret-demo-pass" in output
    assert "Demo logins for http://127.0.0.1:8000/admin/" in output
    # `make run PORT=8291` prints the address it serves on.
    again = StringIO()
    call_command("load_demo", "--address", "127.0.0.1:8291", stdout=again)
    assert "Demo logins for http://127.0.0.1:8291/admin/" in again.getvalue()

    assert Incident.objects.public().count() >= 2
    statuses = Counter(Claim.objects.values_list("status", flat=True))
    assert sum(statuses.values()) >= 8 and len(statuses) >= 3
    assert Source.objects.count() >= 5
    assert OfficialStatement.objects.count() >= 4

    zp = Incident.objects.get(oblast="zaporizhzhia")
    assert (zp.occurred_from.year, zp.occurred_from.month, zp.date_precision) == (2024, 11, "month")
    assert (zp.victims_min, zp.victims_max) == (2, 6)
    assert zp.claims.filter(text__contains="seize the commander and kill the rest").exists()
    assert sum(v.count for v in zp.victims.all()) == 6
    popasna = Incident.objects.get(oblast="luhansk")
    assert popasna.place_name == "Popasna" and popasna.occurred_from.year == 2022

    speakers = set(OfficialStatement.objects.values_list("speaker", flat=True))
    assert {"Heorhii Tykhyi", "Morris Tidball-Binz", "Yuriy Belousov", "CNN"} <= speakers
    assert OfficialStatement.objects.filter(speaker__icontains="forensic").exists()

    figures = ReportedFigure.objects.filter(statement__organisation__icontains="Prosecutor General")
    cases = {
        f.period_start.year
        if f.period_start.year != 2022 or f.period_start.month == 1
        else "total": f.value
        for f in figures
        if "cases" in f.metric
    }
    victims = {
        f.period_start.year
        if f.period_start.year != 2022 or f.period_start.month == 1
        else "total": f.value
        for f in figures
        if "executed" in f.metric
    }
    assert cases == {"total": 75, 2022: 8, 2023: 8, 2024: 39, 2025: 20}
    assert victims == {"total": 268, 2022: 57, 2023: 11, 2024: 149, 2025: 51}
    assert all(f.as_of.isoformat() == "2025-05-05" for f in figures)

    # Every assessed claim says why and how, and the change is on record.
    for claim in Claim.objects.exclude(status="unverified"):
        assert claim.rationale and claim.methods
        assert claim.status_changes.get().to_status == claim.status
    # No withheld name is set to public in the demo.
    assert not AllegedVictim.objects.filter(identity_public=True).exists()


def test_load_demo_twice_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before
