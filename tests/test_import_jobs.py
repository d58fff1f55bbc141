"""The importer's confirm as a background job (issue 16): progress page, report, ownership.

The job is run as a worker runs it (jobs.runner.run); the last test confirms through a real
Celery worker on Redis (see tests/test_jobs.py).
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Incident
from jobs.models import Job
from jobs.runner import run
from tests.factories import EditorFactory
from tests.test_jobs import celery_worker_on_redis, wait_for  # noqa: F401 (a fixture)

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_URL = "admin:cases_incident_import"


@pytest.fixture
def as_job(settings, tmp_path):
    settings.IMPORT_AS_JOB = True
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")


def preview_and_confirm(client, name: str, **confirm) -> object:
    csv = (FIXTURES / name).read_bytes()
    preview = client.post(
        reverse(IMPORT_URL),
        {"file": SimpleUploadedFile(name, csv, content_type="text/csv"), "mapping": "native"},
    )
    assert preview.status_code == 200
    token = client.session["incident_import"]["token"]
    return client.post(reverse(IMPORT_URL), {"token": token, **confirm})


@pytest.mark.django_db
def test_confirm_queues_the_import_and_its_page_shows_progress_then_the_report(
    as_job, client_for, researcher
):
    client = client_for(researcher)
    response = preview_and_confirm(client, "native_ok.csv")
    job = Job.objects.get(kind="exchange.import")
    assert response.status_code == 302
    assert response.url == reverse("admin:cases_incident_import_job", args=[job.pk])
    assert Incident.objects.count() == 0  # nothing written in the request
    waiting = client.get(response.url).content.decode()
    assert "Queued" in waiting and 'http-equiv="refresh"' in waiting

    assert run(job.pk).state == "done"

    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.stage) == (
        job.progress_total,
        job.progress_total,
        "Writing records",
    )
    assert job.progress_total > 3
    report = client.get(response.url).content.decode()
    assert "3 rows: 3 to create" in report and "Imported." in report
    assert 'http-equiv="refresh"' not in report
    assert Incident.objects.filter(created_by=researcher, status="draft").count() == 3


@pytest.mark.django_db
def test_a_file_with_errors_writes_nothing_and_the_report_lists_them(
    as_job, client_for, researcher
):
    client = client_for(researcher)
    response = preview_and_confirm(client, "native_errors.csv")
    run(Job.objects.get().pk)
    report = client.get(response.url).content.decode()
    assert "Nothing was written" in report
    assert "row 3, column occurred_from: not a date" in report
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows_in_the_background(as_job, client_for, researcher):
    client = client_for(researcher)
    response = preview_and_confirm(client, "native_errors.csv", skip_invalid="on")
    job = Job.objects.get()
    assert job.payload["skip_invalid"] is True
    run(job.pk)
    assert "Imported." in client.get(response.url).content.decode()
    assert Incident.objects.exists()


@pytest.mark.django_db
def test_another_users_import_page_is_not_found(as_job, client_for, researcher):
    response = preview_and_confirm(client_for(researcher), "native_ok.csv")
    other = client_for(EditorFactory(username="other-editor"))
    assert other.get(response.url).status_code == 404


@pytest.mark.django_db
def test_a_vanished_upload_fails_the_job_with_a_reason(as_job, client_for, researcher, tmp_path):
    client = client_for(researcher)
    response = preview_and_confirm(client, "native_ok.csv")
    for stored in (tmp_path / "uploads").glob("*.csv"):
        stored.unlink()
    assert run(Job.objects.get().pk).state == "failed"
    page = client.get(response.url).content.decode()
    assert "The import failed: The uploaded file is no longer there" in page


def test_a_real_worker_runs_the_confirmed_import(as_job, celery_worker_on_redis, client_for):  # noqa: F811
    from django.db import transaction

    from jobs.services import enqueue
    from tests.factories import ResearcherFactory

    researcher = ResearcherFactory(username="worker-researcher")
    client = client_for(researcher)
    csv = (FIXTURES / "native_ok.csv").read_bytes()
    client.post(
        reverse(IMPORT_URL),
        {"file": SimpleUploadedFile("ok.csv", csv, content_type="text/csv"), "mapping": "native"},
    )
    pending = client.session["incident_import"]
    # Queued as the confirm queues it (the confirm itself is tested above: on SQLite's shared
    # in-memory test database a worker writing while the request saves its session would
    # lock the request out, which a real database does not do).
    with transaction.atomic():
        job = enqueue(
            "exchange.import",
            payload={
                "token": pending["token"],
                "sha256": pending["sha256"],
                "filename": "ok.csv",
                "mapping": "",
                "skip_invalid": False,
                "user_id": researcher.pk,
            },
            by=researcher,
        )
    wait_for(job)
    assert job.state == "done", job.reason
    assert Incident.objects.filter(created_by=researcher).count() == 3
    page = client.get(reverse("admin:cases_incident_import_job", args=[job.pk]))
    assert "Imported." in page.content.decode()
