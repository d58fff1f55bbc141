"""The record of what was done: status changes, publication events, corrections, proposals.

Status changes, publication events and corrections are append-only: services write them once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.fields import MultipleChoiceField
from cases.models.claims import Claim, VerificationMethod, VerificationStatus
from cases.models.incidents import Incident
from core.models import AppendOnlyModel
from core.text import CheckedTextModel


class ClaimStatusChange(AppendOnlyModel):
    """One change of a claim's verification status: who, when, from what, to what and why."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("claim")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=VerificationStatus)
    to_status = models.CharField(_("to"), max_length=20, choices=VerificationStatus)
    rationale = models.TextField(_("rationale"), blank=True, default="")
    methods = MultipleChoiceField(_("verification methods"), choices_enum=VerificationMethod)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["changed_at", "pk"]
        get_latest_by = "changed_at"
        verbose_name = _("claim status change")

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"

    @property
    def method_labels(self) -> list[str]:
        return self._meta.get_field("methods").label_list(self.methods)


class PublicationEvent(AppendOnlyModel):
    """One move of an incident through the publication workflow."""

    class Action(models.TextChoices):
        # Labels say what happened, for the history; `verb` says what a button will do.
        SUBMIT = "submit", _("Submitted for review")
        PUBLISH = "publish", _("Published")
        RETURN_TO_DRAFT = "return_to_draft", _("Sent back to draft")
        RETRACT = "retract", _("Retracted")
        UNPUBLISH = "unpublish", _("Unpublished")

        @property
        def verb(self) -> str:
            return PublicationEvent.ACTION_VERBS[self]

    ACTION_VERBS = {
        Action.SUBMIT: _("Submit for review"),
        Action.PUBLISH: _("Publish"),
        Action.RETURN_TO_DRAFT: _("Send back to draft"),
        Action.RETRACT: _("Retract"),
        Action.UNPUBLISH: _("Unpublish"),
    }

    # Actions whose note a reader may see on the incident's public history.
    PUBLIC_ACTIONS = (Action.PUBLISH, Action.RETRACT)

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="publication_events",
        verbose_name=_("incident"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    from_status = models.CharField(_("from"), max_length=12, choices=Incident.Status)
    to_status = models.CharField(_("to"), max_length=12, choices=Incident.Status)
    note = models.TextField(_("note"), blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        get_latest_by = "at"
        verbose_name = _("publication event")

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d})"


class Correction(AppendOnlyModel):
    """A change to something readers were told, made in the open: what changed, when and why.

    Written by the services whenever an editor changes what readers see on a published or
    retracted incident, or on a source or statement that public records cite. ``changes`` holds
    only what readers may see (withheld names and internal notes never appear).
    """

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("incident"),
    )
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("source"),
    )
    statement = models.ForeignKey(
        "sources.OfficialStatement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("official statement"),
    )
    # What was corrected, as readers know it: "Claim “…”", "Summary", "Alleged victim".
    record = models.CharField(_("record"), max_length=300)
    # [{"field": label, "before": text, "after": text}], public values only.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        get_latest_by = "at"
        verbose_name = _("correction")
        constraints = [
            models.CheckConstraint(
                condition=Q(incident__isnull=False, source__isnull=True, statement__isnull=True)
                | Q(incident__isnull=True, source__isnull=False, statement__isnull=True)
                | Q(incident__isnull=True, source__isnull=True, statement__isnull=False),
                name="correction_one_subject",
                violation_error_message=_(
                    "A correction concerns one incident, source or statement."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="correction_has_reason",
                violation_error_message=_("A correction needs a reason readers can see."),
            ),
        ]

    def __str__(self):
        return f"{self.record} ({self.at:%Y-%m-%d})"


class CorrectionProposal(CheckedTextModel):
    """A researcher's proposal to correct a public incident, waiting for an editor's decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # waiting in the editors' queue
        ACCEPTED = "accepted", _("Accepted")  # an editor made the correction
        DECLINED = "declined", _("Declined")  # an editor decided not to; the note says why

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="correction_proposals",
        verbose_name=_("incident"),
    )
    what = models.TextField(_("what should change"))
    why = models.TextField(_("why"))
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supporting source"),
    )
    source_url = models.URLField(
        _("or a link to a new source"), max_length=2000, blank=True, default=""
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, default="")

    class Meta:
        ordering = ["proposed_at", "pk"]
        verbose_name = _("correction proposal")
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, decided_by__isnull=True)
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="proposal_decided_at_by_pair",
                violation_error_message=_("Decided at and decided by go together."),
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="proposal_decided_when_closed",
                violation_error_message=_("A decided proposal records who decided and when."),
            ),
        ]

    def __str__(self):
        what = " ".join(self.what.split())
        return what if len(what) <= 80 else what[:79] + "…"
