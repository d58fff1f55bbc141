from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel, AppendOnlyQuerySet


class User(AbstractUser):
    """A person who signs in: a researcher, an editor or an administrator.

    Readers need no account. Roles are Django groups (see ``accounts.roles``); this model exists
    from the first migration so that fields can be added later without a painful swap.
    """

    class Access(models.TextChoices):
        """What a signed-in person may do, set by a superuser without deleting the account."""

        FULL = "full", _("Full access")
        # Sees what their role lets them see; every add, change and delete is refused.
        READ_ONLY = "read_only", _("Suspended: read-only")
        # Cannot sign in; open sessions end at their next request.
        NO_ACCESS = "no_access", _("Suspended: no access")

    access = models.CharField(
        _("access"), max_length=20, choices=Access, default=Access.FULL, editable=False
    )
    access_reason = models.TextField(
        _("why access was limited"), blank=True, default="", editable=False
    )
    # Raised to end every session of this person at once: it is part of the session hash.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            (
                "view_withheld_identities",
                "Can see withheld victims' names and internal notes in lists and exports",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(access="full") | ~Q(access_reason=""),
                name="user_limited_access_has_reason",
                violation_error_message=_("Say why this account's access is limited."),
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_suspended(self) -> bool:
        return self.access != self.Access.FULL

    def has_perm(self, perm, obj=None):
        # A read-only suspension keeps every "view" permission and nothing else, superusers too.
        if self.access == self.Access.READ_ONLY and not perm.split(".", 1)[-1].startswith("view_"):
            return False
        if self.access == self.Access.NO_ACCESS:
            return False
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.access == self.Access.NO_ACCESS:
            return False
        return super().has_module_perms(app_label)

    def _get_session_auth_hash(self, secret=None):
        # Django's hash, with the epoch mixed in once it is raised (epoch 0 keeps the sessions
        # that existed before this field did). Raising it signs the person out everywhere.
        value = self.password if not self.session_epoch else f"{self.password}:{self.session_epoch}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class StaffSession(models.Model):
    """One signed-in browser: what the person sees on "Your sessions". Written by
    ``accounts.middleware`` at most once a minute per session."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=45, blank=True, default="")
    user_agent = models.CharField(_("browser"), max_length=300, blank=True, default="")
    signed_in_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_active_at = models.DateTimeField(_("last active"), default=timezone.now)

    class Meta:
        ordering = ["-last_active_at"]
        verbose_name = _("staff session")

    def __str__(self):
        return f"{self.user} — {self.address} — {self.last_active_at:%Y-%m-%d %H:%M}"


class AccessEventQuerySet(AppendOnlyQuerySet):
    def prune(self, *, before) -> int:
        """Delete entries older than ``before`` (the retention job's one way to delete)."""
        deleted, _ = models.QuerySet.delete(self.filter(at__lt=before))
        return deleted


class AccessEvent(AppendOnlyModel):
    """One entry of the staff access log: who saw, exported, imported or changed what, when and
    from where. Kept apart from the public history; written only by
    ``accounts.access_log.record_access``; read by superusers."""

    class Action(models.TextChoices):
        WITHHELD_NAME_VIEWED = "withheld_name_viewed", _("Viewed withheld names")
        RESTRICTED_FILE_DOWNLOADED = "restricted_file", _("Downloaded a file readers cannot")
        EXPORT = "export", _("Exported as staff")
        IMPORT = "import", _("Imported")
        API_TOKEN = "api_token", _("Used the API with a token")
        ROLE_CHANGED = "role_changed", _("Changed roles or permissions")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Enrolled two-factor sign-in")
        TWO_FACTOR_BACKUP_CODES = "2fa_backup_codes", _("Made new backup codes")
        TWO_FACTOR_RESET = "2fa_reset", _("Reset someone's two-factor sign-in")
        SIGNED_OUT_OTHERS = "signed_out_others", _("Signed out of other sessions")
        SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed someone out everywhere")
        SUSPENDED = "suspended", _("Suspended an account")
        RESTORED = "restored", _("Lifted a suspension")
        LOG_EXPORTED = "log_exported", _("Exported the access log")
        LOG_PRUNED = "log_pruned", _("Pruned the access log")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as written, so the entry still says who after the account is renamed or deleted.
    username = models.CharField(_("username"), max_length=150, blank=True, default="")
    action = models.CharField(_("action"), max_length=30, choices=Action)
    address = models.CharField(_("address"), max_length=45, blank=True, default="")
    path = models.CharField(_("address requested"), max_length=500, blank=True, default="")
    object_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["user", "-at"], name="accessevent_user_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"
