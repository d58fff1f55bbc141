"""The publication policy: who may change what, on a draft and on a public record.

One module, consulted by every service that writes (never by a form or an admin hook alone):

- On a **draft** or an incident **in review**, researchers and editors enter and edit freely.
  Two decisions are editors' even there: a claim's verification status (``cases.verify_claim``)
  and making a victim's identity public (``cases.reveal_identity``, with its own reason).
- On a **public** incident (published or retracted) a researcher changes nothing readers see;
  they propose a correction instead, which reaches the editors' queue. An editor may change
  what readers see, giving a reason; the services then record a public ``Correction``.
  Internal fields (notes never shown to readers) stay editable by researchers.
- A claim's words cannot change under an assessed status: an editor's rewording returns the
  claim to Unverified (recorded as a status change); anyone else is refused.
- Releasing an evidence file to readers (unrestricted) and removing a content warning are
  editors' decisions. The protective opposite (restricting a file, marking it graphic) is open
  to whoever may change files, on public sources too: someone who sees a victim exposed must be
  able to act at once; each such change is in the file's custody log for an editor to review.
- The importer writes drafts only, and marks as graphic only sources no public record cites.
- Public incidents are never deleted: they are retracted or unpublished first.
- A claim with a recorded verification history is never deleted, on a draft or in public: its
  status changes are the audit trail (and, once public, its public history). It is reworded
  (which returns it to Unverified, on the record) or assessed again instead.

Sources and statements follow the same rule: once a public record cites them, they are public
records too.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core.forms import REASON_FIELD

# The capability behind every editor's decision on public records: the same permission that
# publishes, retracts and unpublishes incidents (accounts.roles gives it to Editors only).
CORRECT_PUBLIC = "cases.publish_incident"
VERIFY = "cases.verify_claim"
REVEAL_IDENTITY = "cases.reveal_identity"
RELEASE_FILE = "cases.publish_incident"

# Fields readers never see, on any model that has them. Changing them is not a correction.
INTERNAL_FIELDS = frozenset({"notes", "identity_reason"})
# What readers see of an alleged victim (the page, the API, the exports): the name only where
# the identity is public. Age and sex are kept for research, never shown.
VICTIM_PUBLIC_FIELDS = frozenset({"status", "fate", "count", "identity_public"})


def may_correct_public(user) -> bool:
    return user.has_perm(CORRECT_PUBLIC)


def require_model_permission(user, model, action: str) -> None:
    """Refuse ``action`` (add, change, delete) on ``model`` without the Django permission."""
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        # One whole sentence per action, so that a translation never glues a verb into it.
        messages = {
            "add": _("You do not have permission to add %(things)s."),
            "change": _("You do not have permission to change %(things)s."),
            "delete": _("You do not have permission to delete %(things)s."),
            "view": _("You do not have permission to view %(things)s."),
        }
        message = messages.get(action, _("You do not have permission to do that."))
        raise PermissionDenied(message % {"things": opts.verbose_name_plural})


def public_changes(changed: set[str]) -> set[str]:
    """The fields of ``changed`` that readers can see."""
    return {name for name in changed if name not in INTERNAL_FIELDS}


def check_public_change(*, user, is_public: bool, what: str, changed: set[str], reason: str):
    """Refuse a change readers would see on a public record unless an editor gives a reason.

    ``what`` names the public record for the message ("incident “…”", "source “…”").
    Returns True when the change must be recorded as a public correction.
    """
    if not is_public or not public_changes(changed):
        return False
    if not may_correct_public(user):
        raise PermissionDenied(
            _(
                "%(what)s is public: only an editor can change what readers see, and it is "
                "recorded as a correction. Propose a correction instead; nothing was saved."
            )
            % {"what": what[:1].upper() + what[1:]}
        )
    if not (reason or "").strip():
        raise ValidationError(
            {
                REASON_FIELD: _(
                    "%(what)s is public: say why you change it. Readers see this reason in "
                    "its history as a correction."
                )
                % {"what": what[:1].upper() + what[1:]}
            }
        )
    return True


def importer_may_change(*, incident) -> bool:
    """A re-imported file changes drafts only; anything submitted or public is left alone
    (reported as locked): in review, an editor is looking at what was submitted."""
    from cases.models import Incident

    return incident.status == Incident.Status.DRAFT


def check_delete_incident(*, incident) -> None:
    if incident.is_public:
        raise PermissionDenied(
            _(
                "A published or retracted incident is never deleted: readers may have cited it. "
                "Retract or unpublish it instead."
            )
        )


def check_identity(*, user, revealing: bool, reason: str) -> None:
    """Making a victim's identity public is an editor's decision with its own reason."""
    if not revealing:
        return
    if not user.has_perm(REVEAL_IDENTITY):
        raise PermissionDenied(
            _(
                "Only an editor can make a victim's identity public. Leave “identity public” "
                "unticked; nothing was saved."
            )
        )
    if not (reason or "").strip():
        raise ValidationError(
            {
                "identity_reason": _(
                    "Say why this identity may be published (consent, or where it is already "
                    "public)."
                )
            }
        )


def claim_rewording(*, user, status: str) -> bool:
    """Whether rewording a claim with ``status`` returns it to Unverified (else it is refused).

    The status vouches for the words that were assessed; new words are not assessed yet.
    """
    from cases.models import VerificationStatus

    if status == VerificationStatus.UNVERIFIED:
        return False
    if not user.has_perm(VERIFY):
        raise ValidationError(
            {
                "text": _(
                    "This claim is assessed as %(status)s; its words cannot change under that "
                    "status. Ask an editor: rewording returns it to Unverified."
                )
                % {"status": VerificationStatus(status).label}
            }
        )
    return True


def check_claim_removal(*, assessed: bool) -> None:
    """A claim whose status was ever decided keeps that record: it is not deleted."""
    if assessed:
        raise ValidationError(
            _(
                "This claim has a recorded verification history, so it cannot be deleted: that "
                "history is part of the record. Reword it (it returns to Unverified, on the "
                "record) or ask an editor to assess it again. Nothing was deleted."
            )
        )


def check_move(*, what: str, from_public: bool, to_public: bool) -> None:
    """Records do not move between incidents once either incident is public."""
    if from_public or to_public:
        raise ValidationError(
            {
                "incident": _(
                    "This %(what)s cannot move to another incident while either incident is "
                    "public: add it to the other incident and remove it here, each in the open."
                )
                % {"what": what}
            }
        )


def check_file_release(*, user, releasing: bool) -> None:
    """Only editors make a kept file downloadable by readers."""
    if releasing and not user.has_perm(RELEASE_FILE):
        raise PermissionDenied(
            _(
                "Only an editor can release a file to readers (untick “restricted”). "
                "Nothing was saved."
            )
        )


def check_file_flag_lowering(*, user, unmarking_graphic: bool) -> None:
    """Removing a content warning exposes readers to graphic material: editors only."""
    if unmarking_graphic and not user.has_perm(RELEASE_FILE):
        raise PermissionDenied(
            _("Only an editor can remove a file's content warning. Nothing was saved.")
        )
