"""A failure in the middle of any service leaves nothing written.

Each test lets a service run until it writes its last record (usually the audit record), makes
the database refuse that insert, and then checks that every table is as it was before: no status
changed, no history row, no audit row, no stored file, no email queued. The failure is injected
into Django's insert path (``QuerySet._insert``, which ``save()`` and ``bulk_create`` both use),
not into our services, so what is tested is the services' own transaction handling.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.db.models.query import QuerySet

from cases import services
from cases.models import Claim, ClaimStatusChange, Incident, PublicationEvent
from exchange.demo import load_demo
from exchange.importing.writer import import_incidents
from sources import services as source_services
from sources.models import FileCustodyEvent, SourceFile
from tests.factories import ClaimFactory, IncidentFactory, PublicationEventFactory, SourceFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def table_counts() -> dict[str, int]:
    """How many rows every model of the project has, history and audit tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "cases", "sources", "auth"}
    }


@contextmanager
def insert_fails(model) -> Iterator[None]:
    """Make the database refuse every insert into ``model``'s table, as a constraint would."""
    original = QuerySet._insert

    def refusing(queryset, *args, **kwargs):
        if queryset.model is model:
            raise IntegrityError(f"forced failure inserting into {model._meta.db_table}")
        return original(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, "_insert", refusing):
        yield


def test_claim_change_status_writes_nothing_when_its_audit_record_fails(
    editor, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    before = table_counts()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        insert_fails(ClaimStatusChange),
        pytest.raises(IntegrityError),
    ):
        services.claim_change_status(
            claim=claim,
            status="verified",
            rationale="Geolocated.",
            methods=["geolocation"],
            by=editor,
        )
    assert table_counts() == before
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.rationale, claim.version) == ("unverified", "", 1)
    assert claim.status_changed_by is None
    assert callbacks == []


def test_incident_transition_writes_nothing_when_its_event_fails(
    editor, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW)
    PublicationEventFactory(incident=incident)  # the submission, whose author would be emailed
    before = table_counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        insert_fails(PublicationEvent),
        pytest.raises(IntegrityError),
    ):
        services.incident_transition(incident=incident, action="publish", by=editor)
    assert table_counts() == before
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.status, incident.published_at, incident.version) == ("in_review", None, 1)
    assert callbacks == [] and mail.outbox == []


def test_incident_transition_writes_nothing_when_the_history_row_fails(editor):
    incident = IncidentFactory()
    before = table_counts()
    with insert_fails(Incident.history.model), pytest.raises(IntegrityError):
        services.incident_transition(incident=incident, action="publish", by=editor)
    assert table_counts() == before
    assert Incident.objects.get(pk=incident.pk).status == "draft"


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_source_file_add_stores_no_file_and_no_record_when_the_custody_log_fails(
    researcher, media_root
):
    source = SourceFactory()
    before = table_counts()
    uploaded = ContentFile(b"Transcript of an intercepted call.\n", name="call.txt")
    with insert_fails(FileCustodyEvent), pytest.raises(IntegrityError):
        source_services.source_file_add(source=source, uploaded=uploaded, by=researcher)
    assert table_counts() == before
    assert not SourceFile.objects.exists()
    assert stored_files(media_root) == []


def test_import_writes_nothing_when_its_last_bulk_insert_fails(researcher):
    data = (FIXTURES / "native_ok.csv").read_bytes()
    before = table_counts()
    # Claims are written last, after incidents, sources, links and their history rows.
    with insert_fails(Claim), pytest.raises(IntegrityError):
        import_incidents(data=data, by=researcher, filename="ok.csv")
    assert table_counts() == before
    # The same file imports completely once the database accepts it.
    result = import_incidents(data=data, by=researcher, filename="ok.csv")
    assert result.written and Incident.objects.count() == 3


def test_load_demo_writes_nothing_when_publication_fails():
    before = table_counts()
    # Publishing the first incident comes after users, sources, statements, victims and claims.
    with insert_fails(PublicationEvent), pytest.raises(IntegrityError):
        load_demo(password="demo-password-2024")
    assert table_counts() == before
    load_demo(password="demo-password-2024")
    assert Incident.objects.public().exists()
