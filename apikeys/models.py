"""Per-user API tokens for archivers, bots and other tools (the write API, issue 19).

A token is shown once, when it is made; only its SHA-256 and a short prefix (to find it and to
show which token is which) are stored. Tokens are revoked, never deleted, so the record of who
held which token stays.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do; each write endpoint names the one it needs."""

    DRAFTS = "drafts", _("Create draft incidents and add sources to drafts")
    FILES = "files", _("Add evidence files to the sources of drafts")
    CORRECTIONS = "corrections", _("Propose corrections to public incidents")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that authenticate now: not revoked, not expired, of an active user."""
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        verbose_name=_("user"),
        help_text=_("The token acts as this user, with this user's permissions."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. “archive bot”.")
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="apitoken_revoked_at_by_pair",
                violation_error_message=_("Revoked at and revoked by go together."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.user.is_active
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class IdempotentRequest(models.Model):
    """A write made with an ``Idempotency-Key``: a retry with the same key gets the same answer
    instead of a second write. Kept ``IDEMPOTENCY_HOURS`` (apikeys.services)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_unique"),
        ]

    def __str__(self):
        return self.key
