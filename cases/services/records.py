"""Entering and editing incidents and their parts: victims, claims, evidence, links.

Every function here is keyword-only, takes the acting user as ``by``, runs in one transaction,
validates with ``full_clean()`` before it saves, and consults ``cases.policy``: on a public
incident only an editor changes what readers see, with a reason that becomes a public
``Correction``. ``data`` maps model field names to new values (what a form cleaned); the
services compare them with the locked row, so a route that posts unchanged values changes
nothing and a crafted one meets the same rules as the admin.
"""

import copy
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policy, transparency
from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Correction,
    Incident,
    VerificationStatus,
)
from cases.services.workflow import bump_version, check_version

INCIDENT_FIELDS = ("slug", *Incident.PUBLIC_FIELDS)
VICTIM_FIELDS = (
    "name",
    "identity_public",
    "identity_reason",
    "status",
    "fate",
    "count",
    "age",
    "sex",
    "notes",
)
CLAIM_FIELDS = ("text", "text_language", "text_en", "text_uk", "claimant", "statement")
EVIDENCE_FIELDS = ("source", "relation", "note")


# --- shared machinery ------------------------------------------------------------------------


def apply_changes(obj, data: dict, allowed: Iterable[str]) -> set[str]:
    """Set the allowed fields of ``data`` on ``obj``; return the names whose value changed."""
    allowed = set(allowed)
    changed = set()
    for name, value in data.items():
        if name not in allowed:
            continue
        field = obj._meta.get_field(name)
        before = getattr(obj, field.attname)
        setattr(obj, name, value)
        after = getattr(obj, field.attname)
        if isinstance(before, list) and isinstance(after, list):
            before, after = sorted(before), sorted(after)
        if before != after:
            changed.add(name)
    return changed


def display_value(obj, name: str) -> str:
    """A field's value as readers would read it (choice labels, related records' names)."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None or value == "":
        return "—"
    if field.choices and not isinstance(value, list):
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def describe(before, after, changed: set[str]) -> list[dict]:
    """What readers see change, field by field in model order; internal fields left out."""
    visible = policy.public_changes(changed)
    return [
        {
            "field": str(field.verbose_name),
            "before": display_value(before, field.name),
            "after": display_value(after, field.name),
        }
        for field in after._meta.concrete_fields
        if field.name in visible
    ]


def record_correction(*, by, reason: str, record: str, changes: list[dict], **subject):
    """Append a public correction about one incident, source or statement."""
    correction = Correction(
        record=record[:300],
        changes=changes,
        reason=reason.strip(),
        by=by,
        at=timezone.now(),
        **subject,
    )
    correction.full_clean()
    correction.save()
    transparency.log_correction(correction)
    return correction


def save_validated(obj, *, by, reason: str = "") -> None:
    """Validate and save ``obj`` as ``by``, with the history reason (every record service)."""
    obj.full_clean()
    obj._history_user = by
    if reason:
        obj._change_reason = reason[:100]
    obj.save()


def _incident_label(incident: Incident) -> str:
    return _("incident “%(title)s”") % {"title": incident.title}


def _check_public(*, by, incident: Incident, changed: set[str], reason: str) -> bool:
    return policy.check_public_change(
        user=by,
        is_public=incident.is_public,
        what=_incident_label(incident),
        changed=changed,
        reason=reason,
    )


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- incidents -------------------------------------------------------------------------------


def incident_create(*, by, data: dict, external_id: str = "") -> Incident:
    """Create a draft incident. Whoever may add incidents may do this; it is never public."""
    policy.require_model_permission(by, Incident, "add")
    incident = Incident(created_by=by, updated_by=by, external_id=external_id)
    apply_changes(incident, data, INCIDENT_FIELDS)
    with transaction.atomic():
        save_validated(incident, by=by)
    return incident


def incident_update(
    *,
    incident: Incident,
    by,
    data: dict,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Change an incident's descriptive fields.

    On a public incident this needs an editor and a reason, and becomes a public correction.
    A form opened before someone else's save is refused (``expected_version``).
    """
    policy.require_model_permission(by, Incident, "change")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        check_version(locked, expected_version)
        before = copy.copy(locked)
        changed = apply_changes(locked, data, INCIDENT_FIELDS)
        if changed:
            correct = _check_public(by=by, incident=locked, changed=changed, reason=reason)
            if "oblast" in changed:
                locked.oblast_derived = False  # a person chose it: no longer derived
            locked.updated_by = by
            bump_version(locked)
            save_validated(locked, by=by, reason=reason)
            if correct:
                record_correction(
                    incident=locked,
                    by=by,
                    reason=reason,
                    record=_("Incident"),
                    changes=describe(before, locked, changed),
                )
    for name in (*INCIDENT_FIELDS, "oblast_derived", "updated_by", "updated_at", "version"):
        setattr(incident, name, getattr(locked, name))
    return incident


def incident_delete(*, incident: Incident, by) -> None:
    """Delete a draft incident with everything in it. Public incidents are never deleted."""
    policy.require_model_permission(by, Incident, "delete")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        policy.check_delete_incident(incident=locked)
        locked._history_user = by
        locked.delete()


def touch_incident(incident: Incident, *, by) -> None:
    """Mark the incident as changed (its page's "last updated" and version follow its parts)."""
    version = bump_version(incident)
    Incident.objects.filter(pk=incident.pk).update(
        updated_at=timezone.now(), updated_by=by, version=version
    )


# --- parts of an incident: the same rules for each kind ---------------------------------------


def _part_label(obj) -> str:
    """How readers know a part of an incident. A victim's name never enters a correction:
    corrections are append-only, and a name published today may be withdrawn tomorrow."""
    if isinstance(obj, AllegedVictim):
        parts = [obj.get_status_display(), obj.get_fate_display()]
        if obj.count > 1:
            parts.append(f"×{obj.count}")
        return _("Alleged victim (%(what)s)") % {"what": ", ".join(str(p) for p in parts)}
    if isinstance(obj, Claim):
        return _("Claim “%(text)s”") % {"text": _quote(obj.text)}
    if isinstance(obj, ClaimEvidence):
        return _("Evidence for claim “%(claim)s”: %(source)s") % {
            "claim": _quote(obj.claim.text, 50),
            "source": _quote(str(obj.source), 60),
        }
    return str(obj)


def _victim_changes(before: AllegedVictim, after: AllegedVictim, changed: set[str]):
    """A victim's changes as readers may see them: status, fate and count with their values;
    the name and the identity decision without any value (see ``_part_label``). Age, sex and
    notes are never shown to readers, so changing them is no correction.

    Returns the changed fields readers see, and the correction's entries.
    """
    visible = changed & policy.VICTIM_PUBLIC_FIELDS
    if "name" in changed and (before.identity_public or after.identity_public):
        visible.add("name")
    entries = describe(before, after, visible & {"status", "fate", "count"})
    if "name" in visible and "identity_public" not in visible:
        entries.append({"field": str(_("name")), "before": "", "after": str(_("corrected"))})
    if "identity_public" in visible:
        entries.append(
            {
                "field": str(AllegedVictim._meta.get_field("identity_public").verbose_name),
                "before": "",
                "after": str(
                    _("identity made public") if after.identity_public else _("identity withheld")
                ),
            }
        )
    return visible, entries


def _entry(action: str, after: str = "") -> list[dict]:
    """The one entry of a correction that adds or removes a whole part (or a link)."""
    labels = {
        "added": _("added"),
        "removed": _("removed"),
        "linked": _("linked"),
        "unlinked": _("unlinked"),
    }
    return [{"field": labels[action], "before": "", "after": after}]


def create_part(
    *,
    obj,
    incident: Incident,
    by,
    data: dict,
    fields,
    reason: str,
    label=_part_label,
    action: str = "added",
    after=None,
    check=None,
):
    """Add one part of an incident (or of its legal mapping) under the publication policy.

    ``label(obj)`` names the part in a correction, ``action`` ("added" or "linked") is the
    correction's entry with ``after(obj)`` as its new value; ``check(obj)`` runs first.
    """
    policy.require_model_permission(by, type(obj), "add")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        apply_changes(obj, data, fields)
        if check is not None:
            check(obj)
        if isinstance(obj, AllegedVictim):
            _decide_identity(obj=obj, before=None, by=by)
        correct = _check_public(by=by, incident=locked, changed={action}, reason=reason)
        save_validated(obj, by=by, reason=reason)
        if correct:
            record_correction(
                incident=locked,
                by=by,
                reason=reason,
                record=label(obj),
                changes=_entry(action, after(obj) if after else ""),
            )
        touch_incident(locked, by=by)
    return obj


def update_part(
    *,
    obj,
    incident_of,
    by,
    data: dict,
    fields,
    reason: str,
    expected_version=None,
    label=_part_label,
    describe_changes=None,
    check=None,
):
    """Change one part of an incident under the publication policy.

    ``describe_changes(before, after, changed)`` gives the correction's entries when the plain
    before/after of each field is not what readers should see; ``check(locked)`` runs on the
    changed row before it is saved.
    """
    model = type(obj)
    policy.require_model_permission(by, model, "change")
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if expected_version is not None:
            check_version(locked, expected_version)
        before = copy.copy(locked)
        changed = apply_changes(locked, data, fields)
        if not changed:
            return obj, set()
        incident = Incident.objects.select_for_update().get(pk=incident_of(locked).pk)
        if incident_of(before).pk != incident.pk:
            policy.check_move(
                what=str(model._meta.verbose_name),
                from_public=incident_of(before).is_public,
                to_public=incident.is_public,
            )
        visible = changed
        changes = None
        if isinstance(locked, AllegedVictim):
            _decide_identity(obj=locked, before=before, by=by)
            visible, changes = _victim_changes(before, locked, changed)
        correct = _check_public(by=by, incident=incident, changed=visible, reason=reason)
        if check is not None:
            check(locked)
        if isinstance(locked, Claim) and "text" in changed:
            _reword(claim=locked, by=by, reason=reason)
        if hasattr(locked, "version"):
            bump_version(locked)
        save_validated(locked, by=by, reason=reason)
        if correct:
            if changes is None:
                changes = (describe_changes or describe)(before, locked, changed)
            record_correction(
                incident=incident, by=by, reason=reason, record=label(before), changes=changes
            )
        if policy.public_changes(visible):
            # Readers' "last updated" moves only when something they can see changed.
            touch_incident(incident, by=by)
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(locked, field.attname))
    return obj, changed


def delete_part(
    *,
    obj,
    incident_of,
    by,
    reason: str,
    check=None,
    label=_part_label,
    action: str = "removed",
    dependents=None,
) -> None:
    """Delete one part of an incident; ``check(locked)`` runs on the locked row first, and
    ``dependents(locked)`` lists rows that go with it (each with its own history row)."""
    model = type(obj)
    policy.require_model_permission(by, model, "delete")
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if check is not None:
            check(locked)
        incident = Incident.objects.select_for_update().get(pk=incident_of(locked).pk)
        correct = _check_public(by=by, incident=incident, changed={action}, reason=reason)
        record = label(locked)
        for row in [*(dependents(locked) if dependents else []), locked]:
            row._history_user = by
            row.delete()
        if correct:
            record_correction(
                incident=incident, by=by, reason=reason, record=record, changes=_entry(action)
            )
        touch_incident(incident, by=by)


def _decide_identity(*, obj: AllegedVictim, before: AllegedVictim | None, by) -> None:
    """Record who decided that a victim's identity may be public (editors only, with reason)."""
    revealing = obj.identity_public and not (before is not None and before.identity_public)
    policy.check_identity(user=by, revealing=revealing, reason=obj.identity_reason)
    if revealing:
        obj.identity_decided_at, obj.identity_decided_by = timezone.now(), by


def _reword(*, claim: Claim, by, reason: str) -> None:
    """New words are not assessed yet: an assessed claim returns to Unverified, on the record."""
    if not policy.claim_rewording(user=by, status=claim.status):
        return
    now = timezone.now()
    change = ClaimStatusChange(
        claim=claim,
        from_status=claim.status,
        to_status=VerificationStatus.UNVERIFIED,
        rationale=_("The claim was reworded; the new words are not assessed yet. %(why)s")
        % {"why": reason.strip()},
        methods=[],
        changed_by=by,
        changed_at=now,
    )
    claim.status = VerificationStatus.UNVERIFIED
    claim.rationale = ""
    claim.methods = []
    claim.status_changed_at, claim.status_changed_by = now, by
    change.full_clean()
    change.save()


# --- victims ---------------------------------------------------------------------------------


def victim_create(*, incident: Incident, by, data: dict, reason: str = "") -> AllegedVictim:
    """Add an alleged victim. Making the identity public is an editor's decision, with reason."""
    victim = AllegedVictim(incident=incident)
    return create_part(
        obj=victim, incident=incident, by=by, data=data, fields=VICTIM_FIELDS, reason=reason
    )


def victim_update(*, victim: AllegedVictim, by, data: dict, reason: str = "") -> AllegedVictim:
    """Change an alleged victim; a withheld name's changes are never described publicly."""
    return update_part(
        obj=victim,
        incident_of=lambda v: v.incident,
        by=by,
        data=data,
        fields=VICTIM_FIELDS,
        reason=reason,
    )[0]


def victim_delete(*, victim: AllegedVictim, by, reason: str = "") -> None:
    """Remove an alleged victim (on a public incident: an editor, with a public reason)."""
    delete_part(obj=victim, incident_of=lambda v: v.incident, by=by, reason=reason)


# --- claims ----------------------------------------------------------------------------------


def claim_create(*, incident: Incident, by, data: dict, reason: str = "") -> Claim:
    """Add a claim; every claim starts Unverified (statuses change through the status service)."""
    claim = Claim(incident=incident)
    return create_part(
        obj=claim, incident=incident, by=by, data=data, fields=CLAIM_FIELDS, reason=reason
    )


def claim_update(
    *,
    claim: Claim,
    by,
    data: dict,
    reason: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Change a claim's words, claimant, statement or (between drafts) its incident.

    Rewording an assessed claim returns it to Unverified (editors) or is refused (others).
    """
    return update_part(
        obj=claim,
        incident_of=lambda c: c.incident,
        by=by,
        data=data,
        fields=(*CLAIM_FIELDS, "incident"),
        reason=reason,
        expected_version=expected_version,
    )[0]


def claim_delete(*, claim: Claim, by, reason: str = "") -> None:
    """Remove a claim and its evidence (on a public incident: an editor, with a reason).

    A claim with a recorded status history is refused (``policy.check_claim_removal``).
    """
    delete_part(
        obj=claim,
        incident_of=lambda c: c.incident,
        by=by,
        reason=reason,
        # Under the row lock, so a status change committed meanwhile is seen.
        check=lambda locked: policy.check_claim_removal(assessed=locked.status_changes.exists()),
    )


# --- evidence --------------------------------------------------------------------------------


def evidence_create(*, claim: Claim, by, data: dict, reason: str = "") -> ClaimEvidence:
    """Cite a source for or against a claim."""
    evidence = ClaimEvidence(claim=claim)
    return create_part(
        obj=evidence,
        incident=claim.incident,
        by=by,
        data=data,
        fields=EVIDENCE_FIELDS,
        reason=reason,
    )


def evidence_update(*, evidence: ClaimEvidence, by, data: dict, reason: str = "") -> ClaimEvidence:
    """Change which source is cited, how it relates to the claim, or the note."""
    return update_part(
        obj=evidence,
        incident_of=lambda e: e.claim.incident,
        by=by,
        data=data,
        fields=EVIDENCE_FIELDS,
        reason=reason,
    )[0]


def evidence_delete(*, evidence: ClaimEvidence, by, reason: str = "") -> None:
    """Stop citing a source for a claim."""
    delete_part(obj=evidence, incident_of=lambda e: e.claim.incident, by=by, reason=reason)


# --- links between incidents and sources or statements ---------------------------------------


def _link(*, incident: Incident, related, relation: str, by, reason: str, add: bool) -> bool:
    policy.require_model_permission(by, Incident, "change")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        manager = getattr(locked, relation)
        present = manager.filter(pk=related.pk).exists()
        if present == add:
            return False
        correct = _check_public(by=by, incident=locked, changed={relation}, reason=reason)
        (manager.add if add else manager.remove)(related)
        if correct:
            field = Incident._meta.get_field(relation)
            record_correction(
                incident=locked,
                by=by,
                reason=reason,
                record=str(related),
                changes=[
                    {
                        "field": str(field.related_model._meta.verbose_name),
                        "before": "" if add else _("cited"),
                        "after": _("cited") if add else _("no longer cited"),
                    }
                ],
            )
        touch_incident(locked, by=by)
    return True


def incident_link_source(*, incident: Incident, source, by, reason: str = "") -> bool:
    """Cite ``source`` for the incident (a public incident: an editor, with a reason)."""
    return _link(
        incident=incident, related=source, relation="sources", by=by, reason=reason, add=True
    )


def incident_unlink_source(*, incident: Incident, source, by, reason: str = "") -> bool:
    """Stop citing ``source`` for the incident."""
    return _link(
        incident=incident, related=source, relation="sources", by=by, reason=reason, add=False
    )


def incident_link_statement(*, incident: Incident, statement, by, reason: str = "") -> bool:
    """Attach an official statement about the incident."""
    return _link(
        incident=incident, related=statement, relation="statements", by=by, reason=reason, add=True
    )


def incident_unlink_statement(*, incident: Incident, statement, by, reason: str = "") -> bool:
    """Detach an official statement from the incident."""
    return _link(
        incident=incident,
        related=statement,
        relation="statements",
        by=by,
        reason=reason,
        add=False,
    )
