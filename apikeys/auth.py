"""Bearer-token authentication for the write API, and the one place every token use passes."""

import datetime as dt
import hmac

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.throttling import SimpleRateThrottle

from accounts.access_log import record_access
from accounts.models import AccessEvent
from apikeys.models import ApiToken
from apikeys.services import PREFIX_LENGTH, hash_key

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def record_token_use(request, token: ApiToken) -> None:
    """Every authenticated use of a token passes here (the access-log hook).

    It appends an entry to the staff access log (issue 20: who used the API with which token,
    from where, on which address) and keeps ``last_used_at`` (at most one write a minute).
    """
    record_access(
        action=AccessEvent.Action.API_TOKEN,
        request=request,
        user=token.user,
        obj=token,
        detail={"token": token.name, "method": request.method},
    )
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``; a wrong, revoked or expired key is a 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”."))
        key = header[1]
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(prefix=key[:PREFIX_LENGTH])
            .first()
        )
        if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
            raise exceptions.AuthenticationFailed(_("Unknown, revoked or expired token."))
        record_token_use(request, token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class HasScope(permissions.BasePermission):
    """The request's token carries the scope the view names (``required_scope``)."""

    message = _("This token does not have the scope this endpoint needs.")

    def has_permission(self, request, view):
        token = request.auth
        return isinstance(token, ApiToken) and token.has_scope(view.required_scope)


class TokenRateThrottle(SimpleRateThrottle):
    """Writes per token (``API_WRITE_RATE``, default 60/min)."""

    scope = "write"

    def get_rate(self):
        return settings.API_WRITE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
