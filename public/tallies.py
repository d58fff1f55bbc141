"""The home page's claim counts (``ClaimStatusTally``), kept up to date by the write path.

Signals, like the page cache's invalidation: every writer (services, admin, shell) moves the
counts without having to remember them, and in the writer's own transaction, so a rolled-back
write changes nothing. What counts: the claims of *published* incidents, by status.
Bulk loads that send no signals (the bench generator) call ``rebuild()`` after.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count, F
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from cases.models import Claim, Incident, VerificationStatus
from public.models import ClaimStatusTally

PUBLISHED = Incident.Status.PUBLISHED


def counts() -> dict[str, int]:
    """Claims of published incidents by status (every status present, zeros included)."""
    found = dict(ClaimStatusTally.objects.values_list("status", "count"))
    return {status: max(0, found.get(status, 0)) for status in VerificationStatus.values}


def recount() -> dict[str, int]:
    """The same counted from the claims (for ``rebuild`` and the tests)."""
    rows = (
        Claim.objects.filter(incident__status=PUBLISHED)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    return {status: found.get(status, 0) for status in VerificationStatus.values}


def rebuild() -> None:
    """Count again from the claims (after bulk loads, which send no signals)."""
    with transaction.atomic():
        ClaimStatusTally.objects.all().delete()
        ClaimStatusTally.objects.bulk_create(
            ClaimStatusTally(status=status, count=n) for status, n in recount().items()
        )


def _add(changes: Counter) -> None:
    for status, delta in changes.items():
        if not delta:
            continue
        updated = ClaimStatusTally.objects.filter(status=status).update(count=F("count") + delta)
        if not updated:
            ClaimStatusTally.objects.create(status=status, count=delta)


def _published(incident_id) -> bool:
    return Incident.objects.filter(pk=incident_id, status=PUBLISHED).exists()


def _claim_before(sender, instance, raw=False, **kwargs) -> None:
    instance._tally_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    row = Claim.objects.filter(pk=instance.pk).values_list("incident_id", "status").first()
    if row and _published(row[0]):
        instance._tally_before = row[1]


def _claim_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    changes = Counter()
    before = getattr(instance, "_tally_before", None)
    if before:
        changes[before] -= 1
    if _published(instance.incident_id):
        changes[instance.status] += 1
    _add(changes)


def _claim_deleting(sender, instance, **kwargs) -> None:
    instance._tally_deleted = _published(instance.incident_id)


def _claim_deleted(sender, instance, **kwargs) -> None:
    if getattr(instance, "_tally_deleted", False):
        _add(Counter({instance.status: -1}))


def _incident_before(sender, instance, raw=False, **kwargs) -> None:
    instance._tally_was_published = None
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._tally_was_published = (
        Incident.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        == PUBLISHED
    )


def _incident_saved(sender, instance, raw=False, created=False, **kwargs) -> None:
    if raw or created:
        return  # a new incident has no claims yet
    was = bool(getattr(instance, "_tally_was_published", False))
    now = instance.status == PUBLISHED
    if was == now:
        return
    rows = instance.claims.order_by().values_list("status").annotate(n=Count("pk"))
    sign = 1 if now else -1
    _add(Counter({status: sign * n for status, n in rows}))


def connect() -> None:
    uid = "public.tallies"
    pre_save.connect(_claim_before, sender=Claim, dispatch_uid=uid)
    post_save.connect(_claim_saved, sender=Claim, dispatch_uid=uid)
    pre_delete.connect(_claim_deleting, sender=Claim, dispatch_uid=uid)
    post_delete.connect(_claim_deleted, sender=Claim, dispatch_uid=uid)
    pre_save.connect(_incident_before, sender=Incident, dispatch_uid=uid)
    post_save.connect(_incident_saved, sender=Incident, dispatch_uid=uid)
