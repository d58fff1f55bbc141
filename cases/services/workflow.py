"""Every write to incidents and claims that is more than one step goes through here.

Each service is keyword-only, checks the actor's permission, runs in one transaction, validates
before it saves, and writes its audit record. The admin and the public views call these same
functions: there is one way to change a claim's status and one way to publish.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import transparency
from cases.models import (
    Claim,
    ClaimStatusChange,
    Incident,
    PublicationEvent,
    VerificationStatus,
)

logger = logging.getLogger(__name__)


class StaleEdit(ValidationError):
    """The record changed since the editor opened it; their save would overwrite that change."""


def describe_last_change(obj) -> str:
    """'changed by NAME at TIME' for the newest history entry of ``obj``."""
    latest = (
        obj.history.order_by("-history_date", "-history_id").select_related("history_user").first()
    )
    if latest is None:
        return _("changed by someone else")
    who = latest.history_user or _("an unknown user")
    when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S %Z")
    return _("changed by %(who)s at %(when)s") % {"who": who, "when": when}


def bump_version(obj) -> int:
    """The one place a record's version goes up: every saved change makes older forms stale."""
    obj.version += 1
    return obj.version


def check_version(obj, expected_version: int | None) -> None:
    """Refuse a save made from a form opened before someone else's save (no lost updates)."""
    if expected_version is None:
        return
    current = type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()
    if current is not None and current != expected_version:
        raise StaleEdit(
            _(
                "This record was %(change)s since you opened it. Reload the page to see the "
                "current version; your changes were not saved."
            )
            % {"change": describe_last_change(obj)},
            code="stale",
        )


def claim_change_status(
    *,
    claim: Claim,
    status: str,
    rationale: str,
    methods: Iterable[str],
    by,
    expected_version: int | None = None,
) -> ClaimStatusChange | None:
    """Set a claim's verification status, rationale and methods, and record the change.

    Requires ``cases.verify_claim``. Any status but Unverified needs a rationale and at least
    one method. Returns the recorded change, or None when nothing differed.
    """
    if not by.has_perm("cases.verify_claim"):
        raise PermissionDenied(_("You do not have permission to change verification statuses."))
    methods = list(methods)
    rationale = (rationale or "").strip()
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        check_version(locked, expected_version)
        if (locked.status, locked.rationale, locked.methods) == (status, rationale, methods):
            return None
        if status != VerificationStatus.UNVERIFIED:
            errors = {}
            if not rationale:
                errors["rationale"] = _(
                    "A rationale is required for any status other than Unverified."
                )
            if not methods:
                errors["methods"] = _("Say which methods support this status.")
            if errors:
                raise ValidationError(errors)
        now = timezone.now()
        from_status = locked.status
        locked.status = status
        locked.rationale = rationale
        locked.methods = methods
        locked.status_changed_at = now
        locked.status_changed_by = by
        bump_version(locked)
        locked.full_clean()
        locked._change_reason = _("Verification status set to %(status)s") % {
            "status": locked.get_status_display()
        }
        locked.save()
        change = ClaimStatusChange(
            claim=locked,
            from_status=from_status,
            to_status=status,
            rationale=rationale,
            methods=methods,
            changed_by=by,
            changed_at=now,
        )
        change.full_clean()
        change.save()
        transparency.log_claim_status_change(change, incident=locked.incident)
    # Keep the caller's object in step with the database.
    for field in (
        "status",
        "rationale",
        "methods",
        "status_changed_at",
        "status_changed_by",
        "version",
    ):
        setattr(claim, field, getattr(locked, field))
    return change


# The publication workflow: (action, from status) -> to status. Anything else is refused.
S = Incident.Status
A = PublicationEvent.Action
TRANSITIONS: dict[tuple[str, str], str] = {
    (A.SUBMIT, S.DRAFT): S.IN_REVIEW,
    (A.PUBLISH, S.DRAFT): S.PUBLISHED,
    (A.PUBLISH, S.IN_REVIEW): S.PUBLISHED,
    (A.RETURN_TO_DRAFT, S.IN_REVIEW): S.DRAFT,
    (A.RETRACT, S.PUBLISHED): S.RETRACTED,
    (A.UNPUBLISH, S.PUBLISHED): S.DRAFT,
    (A.UNPUBLISH, S.RETRACTED): S.DRAFT,
}
# Which permission each action needs on top of being able to change incidents.
ACTION_PERMISSION = {
    A.SUBMIT: "cases.change_incident",
    A.PUBLISH: "cases.publish_incident",
    A.RETURN_TO_DRAFT: "cases.publish_incident",
    A.RETRACT: "cases.publish_incident",
    A.UNPUBLISH: "cases.publish_incident",
}
# Actions that must say why.
NOTE_REQUIRED = {A.RETURN_TO_DRAFT, A.RETRACT, A.UNPUBLISH}


def allowed_actions(*, incident: Incident, user) -> list[str]:
    """The workflow actions ``user`` may take on ``incident`` now."""
    return [
        action
        for (action, from_status) in TRANSITIONS
        if from_status == incident.status and user.has_perm(ACTION_PERMISSION[action])
    ]


def incident_transition(
    *,
    incident: Incident,
    action: str,
    by,
    note: str = "",
    expected_version: int | None = None,
    notify: bool = True,
) -> PublicationEvent:
    """Move an incident through the publication workflow and record the event.

    Checks the transition table and the actor's permission; retracting, sending back and
    unpublishing need a note (a retraction note is shown to readers). The researcher who
    submitted the incident is emailed, after commit, when it is published or sent back
    (``notify=False`` for loaders that replay a workflow, such as the demo data).
    """
    action = A(action)
    if not by.has_perm(ACTION_PERMISSION[action]):
        raise PermissionDenied(_("You do not have permission to do that."))
    note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Say why; this is recorded.")})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        check_version(locked, expected_version)
        to_status = TRANSITIONS.get((action, locked.status))
        if to_status is None:
            raise ValidationError(
                _("An incident that is %(status)s cannot be %(action)s.")
                % {"status": locked.get_status_display().lower(), "action": action.label.lower()},
                code="transition",
            )
        republishing = (
            action == A.PUBLISH and locked.publication_events.filter(action=A.UNPUBLISH).exists()
        )
        if republishing and not note:
            # Readers saw an earlier version: what changed meanwhile is a correction, in the open.
            raise ValidationError(
                {
                    "note": _(
                        "This incident was public before. Say what changed since readers last "
                        "saw it: readers see this note in its history as a correction."
                    )
                }
            )
        now = timezone.now()
        from_status = locked.status
        locked.status = to_status
        locked.updated_by = by
        bump_version(locked)
        if action == A.PUBLISH:
            locked.published_at, locked.published_by = now, by
        if action == A.RETRACT:
            locked.retracted_at, locked.retracted_by = now, by
            locked.retraction_note = note
        if action == A.UNPUBLISH:
            locked.retracted_at = locked.retracted_by = None
            locked.retraction_note = ""
        locked.full_clean()
        locked._change_reason = action.label
        locked.save()
        event = PublicationEvent(
            incident=locked,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            by=by,
            at=now,
        )
        event.full_clean()
        event.save()
        transparency.log_publication_event(event)
        if republishing:
            _record_republication(incident=locked, by=by, note=note)
        if notify and action in (A.PUBLISH, A.RETURN_TO_DRAFT):
            transaction.on_commit(lambda: _notify_submitter(event))
    for field in (
        "status",
        "updated_by",
        "version",
        "published_at",
        "published_by",
        "retracted_at",
        "retracted_by",
        "retraction_note",
    ):
        setattr(incident, field, getattr(locked, field))
    return event


def _record_republication(*, incident: Incident, by, note: str) -> None:
    """A public correction for an incident published again after being unpublished: the
    editor's note, and the incident's own fields that differ from what readers last saw."""
    from cases.services.records import INCIDENT_FIELDS, describe, record_correction

    unpublished = incident.publication_events.filter(action=A.UNPUBLISH).latest("at")
    last_seen = (
        incident.history.filter(history_date__lte=unpublished.at)
        .order_by("-history_date", "-history_id")
        .first()
    )
    changes = []
    if last_seen is not None:
        before = last_seen.instance
        changed = {
            name for name in INCIDENT_FIELDS if getattr(before, name) != getattr(incident, name)
        }
        changes = describe(before, incident, changed)
    record_correction(
        incident=incident,
        by=by,
        reason=note,
        record=_("Published again after changes"),
        changes=changes,
    )


def _notify_submitter(event: PublicationEvent) -> None:
    submission = (
        event.incident.publication_events.filter(action=A.SUBMIT, at__lte=event.at)
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    if submission is None or not submission.by.email or submission.by == event.by:
        return
    incident = event.incident
    subject = _("“%(title)s” was %(action)s") % {
        "title": incident.title,
        "action": event.get_action_display().lower(),
    }
    body = _("%(editor)s: %(action)s.\n\n%(note)s\n\n%(url)s") % {
        "editor": event.by,
        "action": event.get_action_display(),
        "note": event.note,
        "url": settings.SITE_URL + incident.get_absolute_url(),
    }
    try:
        send_mail(subject, body, None, [submission.by.email])
    except OSError:
        # The decision is already committed; a mail outage must not turn it into an error.
        logger.exception("Could not email %s about incident %s", submission.by.email, incident.pk)
