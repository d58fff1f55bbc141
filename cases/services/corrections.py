"""Corrections proposed by researchers for public incidents, and editors' decisions on them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policy
from cases.models import CorrectionProposal, Incident


def correction_propose(
    *, incident: Incident, by, what: str, why: str, source=None, source_url: str = ""
) -> CorrectionProposal:
    """Ask the editors to correct a public incident: what should change and why.

    Anyone who may change incidents may propose; the proposal changes nothing readers see
    until an editor makes the correction (which is then recorded publicly).
    """
    policy.require_model_permission(by, Incident, "change")
    if not incident.is_public:
        raise ValidationError(
            _("This incident is not public: edit it directly instead of proposing a correction.")
        )
    proposal = CorrectionProposal(
        incident=incident,
        what=(what or "").strip(),
        why=(why or "").strip(),
        source=source,
        source_url=(source_url or "").strip(),
        proposed_by=by,
        proposed_at=timezone.now(),
    )
    with transaction.atomic():
        proposal.full_clean()
        proposal.save()
    return proposal


def correction_proposal_decide(
    *, proposal: CorrectionProposal, by, accept: bool, note: str = ""
) -> CorrectionProposal:
    """Close a proposal: accepted (the editor made the correction) or declined (with a note)."""
    if not policy.may_correct_public(by):
        raise PermissionDenied(_("Only editors decide on proposed corrections."))
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError(
            {"note": _("Say why the proposal is declined; the researcher reads it.")}
        )
    with transaction.atomic():
        locked = CorrectionProposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != CorrectionProposal.Status.OPEN:
            raise ValidationError(
                _("This proposal was already %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status = (
            CorrectionProposal.Status.ACCEPTED if accept else CorrectionProposal.Status.DECLINED
        )
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.decision_note = note
        locked.full_clean()
        locked.save()
    for name in ("status", "decided_by", "decided_at", "decision_note"):
        setattr(proposal, name, getattr(locked, name))
    return proposal
