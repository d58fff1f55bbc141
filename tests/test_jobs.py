"""Background jobs (issue 16): the queue's records, the runner's retries and a real worker.

The runner is called as the Celery task calls it; the last tests start a real Celery worker
(in a thread of this process) consuming from Redis, so the queue itself is exercised, not an
always-eager mode. Those need JOBS_TEST_REDIS_URL (`.ci/run` exports it); without it they are
skipped, except under CI where they fail.
"""

import os
import time

import pytest
from django.db import transaction

from jobs import registry
from jobs.errors import Failed, Retryable
from jobs.models import Job
from jobs.runner import backoff_seconds, run
from jobs.services import enqueue, progress, requeue_stale

CALLS: list[dict] = []


@registry.register("tests.echo")
def echo(*, job, text="", steps=0):
    for step in range(steps):
        progress(job, done=step + 1, total=steps, stage="echoing")
    CALLS.append({"job": job.pk, "text": text, "attempt": job.attempts})
    return {"echo": text}


@registry.register("tests.flaky", max_attempts=3)
def flaky(*, job, failures=1):
    if job.attempts <= failures:
        raise Retryable(f"503 on attempt {job.attempts}")
    return {"ok": job.attempts}


@registry.register("tests.broken")
def broken(*, job):
    raise Failed("404: the page is gone")


@registry.register("tests.crash", max_attempts=2)
def crash(*, job):
    raise ZeroDivisionError("boom")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


@pytest.mark.django_db
def test_enqueue_records_a_queued_job_and_a_key_makes_it_idempotent(researcher):
    job = enqueue("tests.echo", payload={"text": "hi"}, key="echo:1", label="Say hi", by=researcher)
    again = enqueue("tests.echo", payload={"text": "hi"}, key="echo:1", by=researcher)
    assert again.pk == job.pk
    assert Job.objects.count() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, job.requested_by, str(job)) == (
        "queued",
        0,
        researcher,
        "Say hi",
    )
    # Once it finished, the same key queues new work.
    run(job.pk)
    assert enqueue("tests.echo", key="echo:1").pk != job.pk


@pytest.mark.django_db
def test_unknown_kind_is_refused_when_asked_not_in_a_worker():
    with pytest.raises(LookupError):
        enqueue("tests.nothing")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_job_runs_to_done_with_its_result_and_progress():
    job = enqueue("tests.echo", payload={"text": "hello", "steps": 3})
    outcome = run(job.pk)
    job.refresh_from_db()
    assert outcome.state == job.state == "done"
    assert job.result == {"echo": "hello"}
    assert (job.progress_done, job.progress_total, job.stage, job.percent) == (3, 3, "echoing", 100)
    assert job.started_at and job.finished_at and job.attempts == 1


@pytest.mark.django_db
def test_a_finished_job_delivered_again_is_not_run_again():
    job = enqueue("tests.echo", payload={"text": "once"})
    run(job.pk)
    assert run(job.pk) is None
    assert run(999_999) is None
    assert len(CALLS) == 1


@pytest.mark.django_db
def test_passing_failures_are_retried_with_doubling_backoff_then_given_up(settings):
    settings.JOBS_RETRY_BACKOFF_SECONDS = 30
    job = enqueue("tests.flaky", payload={"failures": 5})
    first = run(job.pk)
    job.refresh_from_db()
    assert (first.state, first.retry_in, job.state, job.reason) == (
        "retrying",
        30,
        "retrying",
        "503 on attempt 1",
    )
    assert job.retry_at is not None
    assert run(job.pk).retry_in == 60
    last = run(job.pk)
    job.refresh_from_db()
    assert last.state == job.state == "failed"
    assert job.reason == "503 on attempt 3 (gave up after 3 attempts)"
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


@pytest.mark.django_db
def test_a_retried_job_that_then_succeeds_is_done():
    job = enqueue("tests.flaky", payload={"failures": 1})
    assert run(job.pk).state == "retrying"
    assert run(job.pk).state == "done"
    job.refresh_from_db()
    assert (job.attempts, job.result) == (2, {"ok": 2})


@pytest.mark.django_db
def test_a_final_failure_is_not_retried_and_keeps_its_reason():
    job = enqueue("tests.broken")
    assert run(job.pk).state == "failed"
    job.refresh_from_db()
    assert (job.attempts, job.reason) == (1, "404: the page is gone")


@pytest.mark.django_db
def test_an_unexpected_error_is_retried_then_failed_without_a_traceback_for_readers():
    job = enqueue("tests.crash")
    assert run(job.pk).state == "retrying"
    assert run(job.pk).state == "failed"
    job.refresh_from_db()
    assert job.reason == "Unexpected error: ZeroDivisionError (gave up after 2 attempts)"


@pytest.mark.django_db
def test_requeue_sends_again_only_jobs_left_queued(django_capture_on_commit_callbacks):
    old = enqueue("tests.echo")
    done = enqueue("tests.echo")
    run(done.pk)
    Job.objects.filter(pk__in=[old.pk, done.pk]).update(
        created_at=old.created_at - __import__("datetime").timedelta(hours=1)
    )
    assert requeue_stale(older_than_seconds=60) == [old.pk]


@pytest.mark.django_db
def test_the_message_is_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue("tests.echo")
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue("tests.echo")
        transaction.set_rollback(True)
    assert callbacks == []


@pytest.mark.django_db
def test_jobs_admin_shows_state_progress_and_reason(client_for, editor):
    job = enqueue("tests.broken", label="Capture of a gone page")
    run(job.pk)
    client = client_for(editor)
    from django.urls import reverse

    listing = client.get(reverse("admin:jobs_job_changelist") + "?state=failed")
    assert listing.status_code == 200
    assert "Capture of a gone page" in listing.content.decode()
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk]))
    assert "404: the page is gone" in page.content.decode()
    assert client.post(reverse("admin:jobs_job_delete", args=[job.pk])).status_code == 403
    assert Job.objects.filter(pk=job.pk).exists()


# --- a real worker on Redis -------------------------------------------------------------------

REDIS_URL = os.environ.get("JOBS_TEST_REDIS_URL", "")


def wait_for(job, states=("done", "failed"), timeout=60.0):
    # Generous: on a loaded 2-core machine a worker thread can wait its turn for many seconds.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in states:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.state} after {timeout} s")


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming this process's queue on Redis."""
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the worker tests: JOBS_TEST_REDIS_URL is not set")
        pytest.skip("JOBS_TEST_REDIS_URL is not set (a Redis to run a real worker on)")
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.conf.broker_url.startswith("redis://")
    with app.connection_for_write() as connection:
        # Leftovers of an earlier run of this queue would name jobs this database never had.
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


def test_a_real_worker_takes_the_job_from_redis_after_commit(celery_worker_on_redis):
    with transaction.atomic():
        job = enqueue("tests.echo", payload={"text": "through redis", "steps": 2})
    wait_for(job)
    assert (job.state, job.result, job.progress_done) == ("done", {"echo": "through redis"}, 2)


def test_a_real_worker_retries_after_the_backoff(celery_worker_on_redis):
    with transaction.atomic():
        job = enqueue("tests.flaky", payload={"failures": 1})
    wait_for(job)
    assert (job.state, job.attempts, job.result) == ("done", 2, {"ok": 2})
