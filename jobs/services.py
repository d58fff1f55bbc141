"""Writes to jobs. ``enqueue`` is the one way for any app to ask for background work.

    from jobs.services import enqueue

    job = enqueue("sources.capture", payload={"source_id": 7}, key="capture:7",
                  label="Capture https://…", by=request.user)

The job row is written in the caller's transaction and its message is sent to the queue only
when that transaction commits (``transaction.on_commit``): a worker never sees a job whose data
was rolled back. Asking again with the key of a job that is still queued, running or waiting to
retry returns that job instead of a second one.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jobs import registry
from jobs.models import Job

logger = logging.getLogger(__name__)


def enqueue(
    kind: str,
    *,
    payload: dict | None = None,
    key: str = "",
    label: str = "",
    by=None,
    max_attempts: int | None = None,
) -> Job:
    """Record a job of ``kind`` (a name registered in an app's ``jobs.py``) and queue it.

    ``payload`` must be JSON: ids, not objects (the handler reloads what it needs).
    ``key`` makes the request idempotent while the job is active. ``by`` is the user who asked,
    shown on the job. Returns the new job, or the active job that already has ``key``.
    """
    kind_spec = registry.get(kind)  # an unknown kind fails here, in the request, not in a worker
    attempts = max_attempts or kind_spec.max_attempts or settings.JOBS_MAX_ATTEMPTS
    if key:
        existing = Job.objects.filter(key=key, state__in=Job.ACTIVE_STATES).first()
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        label=label[:300],
        key=key,
        payload=payload or {},
        max_attempts=attempts,
        requested_by=by if by is not None and by.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # Someone queued the same key between our look and our insert.
        existing = Job.objects.filter(key=key, state__in=Job.ACTIVE_STATES).first()
        if existing is None:
            raise
        return existing
    transaction.on_commit(lambda: send(job.pk))
    return job


def send(job_id: int, *, countdown: float | None = None) -> bool:
    """Put a message for job ``job_id`` on the queue. A broker that cannot be reached is logged
    and leaves the job queued (``manage.py requeue_jobs`` sends it again); never raises."""
    from jobs.tasks import run_job  # Celery's task module loads the app's configuration

    try:
        run_job.apply_async(args=[job_id], countdown=countdown, retry=False)
    except Exception:
        logger.exception("Job %s could not be sent to the queue; it stays queued.", job_id)
        return False
    return True


def progress(job: Job, *, done: int, total: int | None = None, stage: str | None = None) -> None:
    """Report how far ``job`` got (rows done of total, and the stage in words).

    Written straight to the row (one UPDATE, outside any model save) so the admin shows it while
    the job runs.
    """
    fields = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    if stage is not None:
        fields["stage"] = stage[:200]
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def requeue_stale(*, older_than_seconds: int = 300) -> list[int]:
    """Send again the jobs still queued after ``older_than_seconds`` (their message was lost,
    e.g. the broker was down when they were recorded). Idempotent: the runner skips a job that
    already finished, so a duplicate message does no harm."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for job_id in ids:
        send(job_id)
    return ids
