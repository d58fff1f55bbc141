"""The state of background work, visible to staff: one row per job, written only by jobs.services
and jobs.runner."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One piece of background work: what it is, how far it got, and why it failed if it did."""

    class State(models.TextChoices):
        # Recorded and sent to the queue; no worker has taken it yet.
        QUEUED = "queued", _("Queued")
        # A worker is doing it now.
        RUNNING = "running", _("Running")
        # The last attempt met a passing failure; it is tried again after a delay.
        RETRYING = "retrying", _("Waiting to retry")
        # Finished; ``result`` holds what it made.
        DONE = "done", _("Done")
        # Given up; ``reason`` says why.
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.RETRYING)
    FINISHED_STATES = (State.DONE, State.FAILED)

    kind = models.CharField(_("kind"), max_length=100)
    label = models.CharField(_("what"), max_length=300, blank=True, default="")
    key = models.CharField(
        _("idempotency key"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("While a job with this key is active, asking again returns that job."),
    )
    payload = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("most attempts"), default=1)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    result = models.JSONField(_("result"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(state__in=["queued", "running", "retrying"]) & ~Q(key=""),
                name="job_one_active_per_key",
                violation_error_message=_("This work is already queued."),
            ),
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                name="job_progress_within_total",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="job_state_created")]

    def __str__(self):
        return self.label or self.kind

    def get_absolute_url(self):
        return reverse("admin:jobs_job_change", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def is_last_attempt(self) -> bool:
        """Whether the attempt under way is the last one: a passing failure now is final."""
        return self.attempts >= self.max_attempts

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
