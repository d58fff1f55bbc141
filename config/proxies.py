"""The client's address, behind as many trusted proxies as settings.TRUSTED_PROXIES says.

One rule for the login lockout (django-axes, AXES_CLIENT_IP_CALLABLE) and the API throttle, so
both key on the same address. See docs/decisions/0004-client-addresses-and-lockouts.md.
"""

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR with no trusted proxy; with N, the N-th X-Forwarded-For entry from the right.

    Each proxy appends the address it received the request from, so the entries a client can
    forge are all to the left of the ones our own proxies wrote; the N-th from the right is the
    address our outermost proxy saw. Without trusted proxies X-Forwarded-For is ignored.
    This is DRF's NUM_PROXIES rule, read from our one setting.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies == 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    # Fewer entries than proxies: the leftmost is still the furthest our proxies saw.
    return entries[-min(proxies, len(entries))] or remote


class AnonRateThrottle(throttling.AnonRateThrottle):
    """DRF's anonymous throttle, keyed on ``client_address``."""

    def get_ident(self, request) -> str:
        return client_address(request)
