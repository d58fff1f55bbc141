"""Every write to legal texts and to incidents' legal mappings goes through here.

The mapping of an incident (the provisions that may apply, the claims linked to elements) is
part of its public record once the incident is published: the same publication policy applies
as to its claims (``cases.policy``). On a draft or an incident in review, researchers and
editors map freely, and readers see none of it until an editor publishes the incident. On a
public incident only an editor changes the mapping, with a reason that becomes a public
``Correction`` in the incident's history.

Legal texts (provisions and their elements) are added and amended by editors (the model
permissions of ``accounts.roles``); nobody deletes an element or a provision, since incidents
may be mapped to them and their codes are stable.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import policy
from cases.models import Claim, Incident
from cases.services.records import (
    apply_changes,
    create_part,
    delete_part,
    save_validated,
    update_part,
)
from law.models import ClaimElement, Element, IncidentProvision, Provision

PROVISION_FIELDS = (
    "code",
    "instrument",
    "article",
    "title",
    "text",
    "conflict_type",
    "source_title",
    "source_url",
    "elements_source_title",
    "elements_source_url",
    "note",
)
ELEMENT_FIELDS = ("number", "identifier", "kind", "text")
INCIDENT_PROVISION_FIELDS = ("liability", "note")
LINK_FIELDS = ("element", "claim", "note")


def _mapping_label(chosen: IncidentProvision) -> str:
    return _("Provision that may apply: %(provision)s") % {"provision": chosen.provision}


def _link_label(link: ClaimElement) -> str:
    text = " ".join(link.claim.text.split())
    if len(text) > 60:
        text = text[:59] + "…"
    return _("Claim “%(claim)s” → element %(element)s") % {
        "claim": text,
        "element": link.element.identifier,
    }


# --- the provisions that may apply to an incident ------------------------------------------


def incident_provision_add(
    *, incident: Incident, provision: Provision, by, data: dict | None = None, reason: str = ""
) -> IncidentProvision:
    """Say that ``provision`` may apply to ``incident`` (an allegation, never a finding)."""
    return create_part(
        obj=IncidentProvision(incident=incident, provision=provision),
        incident=incident,
        by=by,
        data=data or {},
        fields=INCIDENT_PROVISION_FIELDS,
        reason=reason,
        label=_mapping_label,
        after=lambda chosen: str(chosen.get_liability_display()),
    )


def incident_provision_update(
    *, incident_provision: IncidentProvision, by, data: dict, reason: str = ""
) -> IncidentProvision:
    """Change the alleged mode of liability or the public note of a chosen provision."""
    return update_part(
        obj=incident_provision,
        incident_of=lambda chosen: chosen.incident,
        by=by,
        data=data,
        fields=INCIDENT_PROVISION_FIELDS,
        reason=reason,
        label=_mapping_label,
    )[0]


def incident_provision_remove(*, incident_provision: IncidentProvision, by, reason: str = ""):
    """Withdraw a provision from an incident, with the claims linked to its elements."""
    delete_part(
        obj=incident_provision,
        incident_of=lambda chosen: chosen.incident,
        by=by,
        reason=reason,
        label=_mapping_label,
        dependents=lambda chosen: list(chosen.links.all()),
    )


# --- claims linked to elements -------------------------------------------------------------


def _check_link(link: ClaimElement) -> None:
    if link.element_id is None or link.claim_id is None:
        raise ValidationError(_("Choose both a claim and an element."))


def claim_element_link(
    *,
    incident_provision: IncidentProvision,
    element: Element,
    claim: Claim,
    by,
    note: str = "",
    reason: str = "",
) -> ClaimElement:
    """Link ``claim`` to ``element``: if verified, the claim goes to establish that element."""
    return create_part(
        obj=ClaimElement(incident_provision=incident_provision, element=element, claim=claim),
        incident=incident_provision.incident,
        by=by,
        data={"note": note},
        fields=("note",),
        reason=reason,
        label=_link_label,
        action="linked",
        after=lambda link: link.note or "",
        check=_check_link,
    )


def claim_element_update(*, link: ClaimElement, by, data: dict, reason: str = "") -> ClaimElement:
    """Change which claim or element a link joins, or its public note."""
    return update_part(
        obj=link,
        incident_of=lambda locked: locked.incident_provision.incident,
        by=by,
        data=data,
        fields=LINK_FIELDS,
        reason=reason,
        label=_link_label,
        describe_changes=_describe_link,
        check=_check_link,
    )[0]


def _describe_link(before: ClaimElement, after: ClaimElement, changed: set[str]) -> list[dict]:
    return [
        {
            "field": str(ClaimElement._meta.get_field(name).verbose_name),
            "before": _link_part(before, name),
            "after": _link_part(after, name),
        }
        for name in LINK_FIELDS
        if name in changed
    ]


def _link_part(link: ClaimElement, name: str) -> str:
    if name == "element":
        return link.element.identifier
    if name == "claim":
        return _link_label(link)
    return link.note or "—"


def claim_element_unlink(*, link: ClaimElement, by, reason: str = "") -> None:
    """Remove a claim's link to an element."""
    delete_part(
        obj=link,
        incident_of=lambda locked: locked.incident_provision.incident,
        by=by,
        reason=reason,
        label=_link_label,
        action="unlinked",
    )


# --- legal texts ---------------------------------------------------------------------------


def provision_create(*, by, data: dict) -> Provision:
    """Add a provision (editors). Its code is stable from now on."""
    policy.require_model_permission(by, Provision, "add")
    provision = Provision()
    apply_changes(provision, data, PROVISION_FIELDS)
    with transaction.atomic():
        save_validated(provision, by=by)
    return provision


def provision_update(*, provision: Provision, by, data: dict) -> Provision:
    """Amend a provision's text or source (editors). Its code never changes once used."""
    policy.require_model_permission(by, Provision, "change")
    with transaction.atomic():
        locked = Provision.objects.select_for_update().get(pk=provision.pk)
        changed = apply_changes(locked, data, PROVISION_FIELDS)
        if "code" in changed:
            raise ValidationError(
                {"code": _("A provision's code is stable: addresses and exports use it.")}
            )
        if changed:
            save_validated(locked, by=by)
    for name in PROVISION_FIELDS:
        setattr(provision, name, getattr(locked, name))
    return provision


def element_create(*, provision: Provision, by, data: dict) -> Element:
    """Add an element to a provision (editors)."""
    policy.require_model_permission(by, Element, "add")
    element = Element(provision=provision)
    apply_changes(element, data, ELEMENT_FIELDS)
    with transaction.atomic():
        save_validated(element, by=by)
    return element


def element_update(*, element: Element, by, data: dict) -> Element:
    """Amend an element's text or kind (editors); its identifier and number are stable."""
    policy.require_model_permission(by, Element, "change")
    with transaction.atomic():
        locked = Element.objects.select_for_update().get(pk=element.pk)
        changed = apply_changes(locked, data, ELEMENT_FIELDS)
        if changed & {"identifier", "number"}:
            raise ValidationError(
                _("An element's number and identifier are stable: the API and exports use them.")
            )
        if changed:
            save_validated(locked, by=by)
    for name in ELEMENT_FIELDS:
        setattr(element, name, getattr(locked, name))
    return element


def element_delete(*, element: Element, by) -> None:
    """Refused: incidents may be mapped to the element, and its identifier is stable."""
    raise PermissionDenied(
        _("Elements of legal provisions are never deleted; amend the text instead.")
    )
