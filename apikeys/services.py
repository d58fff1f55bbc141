"""Making and revoking API tokens. Staff make their own; superusers make them for anyone."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apikeys.models import ApiToken, Scope

PREFIX_LENGTH = 11  # "ct_" + 8 characters: enough to tell tokens apart, useless alone
# Who may hold a token: the write API creates drafts, so a holder must be able to (a reader
# account cannot hold one).
HOLDER_PERMISSION = "cases.add_incident"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def may_manage(*, by, user) -> bool:
    """Staff manage their own tokens; superusers everyone's."""
    return bool(by.is_active and by.is_staff and (by.is_superuser or by.pk == user.pk))


def token_create(*, by, user, name: str, scopes: list[str], expires_at=None):
    """A new token for ``user``; returns ``(token, key)``. The key is shown once, never stored."""
    if not may_manage(by=by, user=user):
        raise PermissionDenied(_("You may make API tokens only for yourself."))
    if not (user.is_active and user.has_perm(HOLDER_PERMISSION)):
        raise ValidationError(
            {"user": _("Only researchers and editors (who may add incidents) can hold a token.")}
        )
    unknown = set(scopes) - set(Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose one or more of the scopes offered.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    key = "ct_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=by,
    )
    with transaction.atomic():
        token.full_clean()
        token.save()
    return token, key


def token_revoke(*, token: ApiToken, by) -> bool:
    """Revoke ``token`` (kept, never deleted). False if it already was."""
    if not may_manage(by=by, user=token.user):
        raise PermissionDenied(_("You may revoke only your own API tokens."))
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.full_clean()
        locked.save(update_fields=["revoked_at", "revoked_by"])
    token.revoked_at, token.revoked_by = locked.revoked_at, locked.revoked_by
    return True
