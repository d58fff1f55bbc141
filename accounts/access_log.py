"""The staff access log: the one function that writes it.

Call ``record_access`` where staff see or move what readers cannot: withheld names shown in the
admin, restricted or unpublished files downloaded, exports and imports made by staff, API requests
authenticated with a token, role and permission changes, two-factor enrolment and resets, session
and suspension changes. The entry keeps who, when, from which address (the client's, behind
``TRUSTED_PROXIES``: ``config.proxies.client_address``), the address requested and the object.
Never put the sensitive content itself (a name, a note) in ``detail``: the log says that someone
saw it, not what it was.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from accounts.models import AccessEvent
from config.proxies import client_address

Action = AccessEvent.Action


def record_access(
    *,
    action: str,
    request: HttpRequest | None = None,
    user=None,
    obj: models.Model | None = None,
    detail: dict | None = None,
) -> AccessEvent:
    """Append one entry. ``user`` defaults to the request's; without a request (a management
    command) pass ``user`` or leave it empty, and the address stays blank."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    event = AccessEvent(
        action=action,
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None else "",
        address=client_address(request)[:45] if request is not None else "",
        path=request.get_full_path()[:500] if request is not None else "",
        detail=detail or {},
    )
    if obj is not None:
        event.object_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    event.full_clean()
    event.save()
    return event
