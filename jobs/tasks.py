"""The one Celery task: run a recorded job by its id (jobs.runner does the work)."""

from celery import shared_task

from jobs import runner


@shared_task(
    name="jobs.run_job",
    bind=True,
    # The message is acknowledged only after the job ran, and given back if the worker dies
    # mid-job: a job is never lost with a crashed machine (the runner makes a rerun harmless).
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # jobs.runner counts attempts against Job.max_attempts
    ignore_result=True,  # the outcome lives on the Job row
)
def run_job(self, job_id: int) -> None:
    outcome = runner.run(job_id)
    if outcome is not None and outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
