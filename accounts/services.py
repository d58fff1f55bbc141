"""Writes about accounts: second-factor recovery, sessions and suspensions.

Each writes its access-log entry in the same transaction. ``request`` is passed for the log's
address and path only.
"""

from django.contrib.auth import update_session_auth_hash
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import two_factor
from accounts.access_log import Action, record_access
from accounts.models import StaffSession, User


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    """Raise the session epoch (every session of ``user`` fails its hash check from now on,
    tracked or not) and delete the tracked ones but ``keep``."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    tracked = StaffSession.objects.filter(user=user)
    if keep:
        tracked = tracked.exclude(session_key=keep)
    keys = list(tracked.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    tracked.delete()
    return len(keys)


@transaction.atomic
def sign_out_other_sessions(*, request: HttpRequest) -> int:
    """End every session of the signed-in person but this one."""
    user = request.user
    old_key = request.session.session_key
    ended = _end_sessions(user, keep=old_key)
    # This session gets the new hash, so it stays signed in (and keeps its second factor); its
    # key changes on the way, and its row in the list follows.
    update_session_auth_hash(request, user)
    StaffSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
    record_access(request=request, action=Action.SIGNED_OUT_OTHERS, obj=user)
    return ended


@transaction.atomic
def sign_out_everywhere(*, user: User, by: User, request: HttpRequest) -> int:
    """A superuser ends every session of ``user``."""
    ended = _end_sessions(user)
    record_access(request=request, user=by, action=Action.SIGNED_OUT_EVERYWHERE, obj=user)
    return ended


@transaction.atomic
def two_factor_reset(*, user: User, by: User, reason: str, request: HttpRequest) -> None:
    """Recovery for someone who lost their phone and backup codes: their devices go, their
    sessions end, and they enrol again at their next sign-in."""
    if not reason.strip():
        raise ValidationError(_("Say why the two-factor sign-in is reset."))
    removed = two_factor.remove_all_devices(user)
    _end_sessions(user)
    record_access(
        request=request,
        user=by,
        action=Action.TWO_FACTOR_RESET,
        obj=user,
        detail={"reason": reason, "devices_removed": removed},
    )


@transaction.atomic
def account_suspend(*, user: User, access: str, reason: str, by: User, request: HttpRequest):
    """Limit an account to read-only or no access, without deleting anything it did."""
    if access not in (User.Access.READ_ONLY, User.Access.NO_ACCESS):
        raise ValidationError(_("Choose read-only or no access."))
    if user.pk == by.pk:
        raise ValidationError(_("You cannot suspend your own account."))
    user.access = access
    user.access_reason = reason.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["access", "access_reason"])
    if access == User.Access.NO_ACCESS:
        _end_sessions(user)
    record_access(
        request=request,
        user=by,
        action=Action.SUSPENDED,
        obj=user,
        detail={"access": access, "reason": user.access_reason},
    )


@transaction.atomic
def account_restore(*, user: User, by: User, request: HttpRequest) -> None:
    """Give a suspended account its full access back."""
    previous = user.access
    user.access = User.Access.FULL
    user.access_reason = ""
    user.save(update_fields=["access", "access_reason"])
    record_access(
        request=request, user=by, action=Action.RESTORED, obj=user, detail={"was": previous}
    )
