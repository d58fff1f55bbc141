"""Runs one job: state, attempts, backoff and the reason for a failure.

Called by the Celery task (jobs.tasks.run_job) with the job's id. Safe to call twice for the
same job (a redelivered message): a finished job is skipped.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import registry
from jobs.errors import Failed, Retryable
from jobs.models import Job

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None  # seconds until the next attempt, when state is RETRYING


def backoff_seconds(attempt: int) -> int:
    """Delay after failed attempt number ``attempt`` (1-based): base, 2×base, 4×base …, capped."""
    base = settings.JOBS_RETRY_BACKOFF_SECONDS
    return min(base * 2 ** (attempt - 1), settings.JOBS_RETRY_BACKOFF_MAX_SECONDS)


def run(job_id: int) -> Outcome | None:
    """Run job ``job_id`` once. Returns what became of it, or None when there was nothing to run
    (no such job, or already finished)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in Job.FINISHED_STATES:
            logger.info("Job %s: nothing to run (missing or finished).", job_id)
            return None
        job.state = Job.State.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.retry_at = None
        job.save(update_fields=["state", "attempts", "started_at", "retry_at"])

    try:
        kind = registry.get(job.kind)
        result = kind.handler(job=job, **job.payload)
    except Failed as error:
        return _finish(job, Job.State.FAILED, reason=str(error))
    except Exception as error:
        if isinstance(error, Retryable):
            reason = str(error)
        else:
            logger.exception("Job %s (%s) raised an unexpected error.", job.pk, job.kind)
            reason = _("Unexpected error: %(error)s") % {"error": f"{type(error).__name__}"}
        if job.is_last_attempt:
            return _finish(
                job,
                Job.State.FAILED,
                reason=_("%(reason)s (gave up after %(n)d attempts)")
                % {"reason": reason, "n": job.attempts},
            )
        delay = backoff_seconds(job.attempts)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RETRYING,
            reason=reason,
            retry_at=timezone.now() + timezone.timedelta(seconds=delay),
        )
        return Outcome(state=Job.State.RETRYING, retry_in=delay)
    return _finish(job, Job.State.DONE, result=result if isinstance(result, dict) else {})


def _finish(job: Job, state: str, *, reason: str = "", result: dict | None = None) -> Outcome:
    fields = {"state": state, "reason": reason, "finished_at": timezone.now()}
    if result is not None:
        fields["result"] = result
        if job.progress_total:
            fields["progress_done"] = job.progress_total
    Job.objects.filter(pk=job.pk).update(**fields)
    return Outcome(state=state)
