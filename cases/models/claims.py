"""The people an incident happened to, and the claims made about it with their status."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.fields import MultipleChoiceField
from cases.models.incidents import Incident
from cases.models.languages import ContentLanguage, localize, no_translation_into_the_original
from core.text import CheckedTextModel


class AllegedVictim(CheckedTextModel):
    """A person or group harmed in an incident; identity withheld unless publication is allowed."""

    class Status(models.TextChoices):
        # Protected under Geneva Convention III once in the power of the enemy.
        PRISONER_OF_WAR = "pow", _("Prisoner of war")
        # Surrendered, wounded or otherwise out of the fight (AP I art. 41): may not be attacked.
        HORS_DE_COMBAT = "hors_de_combat", _("Combatant hors de combat")
        CIVILIAN = "civilian", _("Civilian")
        UNKNOWN = "unknown", _("Unknown")

    class Fate(models.TextChoices):
        KILLED = "killed", _("Killed")
        INJURED = "injured", _("Injured")
        MISSING = "missing", _("Missing")
        DETAINED = "detained", _("Detained")
        TORTURED = "tortured", _("Tortured")
        UNKNOWN = "unknown", _("Unknown")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNKNOWN = "unknown", _("Unknown")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="victims", verbose_name=_("incident")
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Withheld from the public unless 'identity public' is ticked."),
    )
    identity_public = models.BooleanField(
        _("identity public"),
        default=False,
        help_text=_("Tick only with consent, or when the identity is already public."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.UNKNOWN)
    fate = models.CharField(_("fate"), max_length=20, choices=Fate, default=Fate.UNKNOWN)
    count = models.PositiveIntegerField(
        _("count"), default=1, help_text=_("More than 1 for a group, e.g. six soldiers.")
    )
    age = models.PositiveSmallIntegerField(
        _("age"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, blank=True, default="")
    notes = models.TextField(
        _("internal notes"), blank=True, default="", help_text=_("Never public.")
    )
    # Publishing a person's identity is an editor's decision with its own recorded reason
    # (cases.policy); who decided and why is kept beside the flag and in the history.
    identity_reason = models.TextField(
        _("why the identity may be public"),
        blank=True,
        default="",
        help_text=_("Consent, or where the identity was already published. Never public."),
    )
    identity_decided_at = models.DateTimeField(
        _("identity decided at"), null=True, blank=True, editable=False
    )
    identity_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("identity decided by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "pk"]
        verbose_name = _("alleged victim")
        permissions = [("reveal_identity", "Can make a victim's identity public")]
        # The list's "victims who were" filter is an EXISTS per incident: answered from the index.
        indexes = [models.Index(fields=["incident", "status"], name="victim_incident_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="victim_count_positive",
                violation_error_message=_("A victim entry counts at least one person."),
            ),
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=130),
                name="victim_age_range",
                violation_error_message=_("Age must be between 0 and 130."),
            ),
            models.CheckConstraint(
                condition=Q(identity_public=False) | ~Q(identity_reason=""),
                name="victim_public_identity_has_reason",
                violation_error_message=_("Say why this identity may be published."),
            ),
            models.CheckConstraint(
                condition=Q(identity_decided_at__isnull=True, identity_decided_by__isnull=True)
                | Q(identity_decided_at__isnull=False, identity_decided_by__isnull=False),
                name="victim_identity_decided_at_by_pair",
                violation_error_message=_("Identity decided at and by go together."),
            ),
        ]

    def __str__(self):
        # Never a withheld name (issue 20): this text reaches delete confirmations, the admin's
        # log, history pages and page titles, whoever reads them.
        label = (self.name if self.identity_public else "") or self.get_status_display()
        return f"{label} ×{self.count}" if self.count > 1 else label

    @staticmethod
    def publishable_name(name: str, identity_public: bool) -> str | None:
        """The one rule for showing a victim's name: only when publication is allowed.

        A static function too, for exports that read plain rows instead of model instances.
        """
        return name if identity_public and name else None

    @property
    def name_if_public(self) -> str | None:
        return self.publishable_name(self.name, self.identity_public)


class VerificationStatus(models.TextChoices):
    """The verification scale. What each status means is ``definition`` (STATUS_DEFINITIONS):
    the one wording the about page, the status legend and the README's table use."""

    UNVERIFIED = "unverified", _("Unverified")
    PARTIALLY_VERIFIED = "partially_verified", _("Partially verified")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")
    FALSE = "false", _("False")

    @property
    def definition(self) -> str:
        return STATUS_DEFINITIONS[self]


# What each status means, in plain language for readers (and for a court).
STATUS_DEFINITIONS = {
    VerificationStatus.UNVERIFIED: _(
        "Reported, but not yet assessed by our editors, or not assessable yet. Every claim "
        "starts here. It does not mean the claim is doubtful."
    ),
    VerificationStatus.PARTIALLY_VERIFIED: _(
        "Some elements are confirmed by independent evidence, others are not. The rationale "
        "says which."
    ),
    VerificationStatus.VERIFIED: _(
        "Confirmed by evidence independent of whoever makes the claim: for example footage "
        "geolocated and chronolocated, audio authenticated, or two or more independent sources."
    ),
    VerificationStatus.DISPUTED: _(
        "Credible evidence, or a denial backed by evidence, contradicts the claim."
    ),
    VerificationStatus.FALSE: _("Shown to be untrue."),
}


class VerificationMethod(models.TextChoices):
    GEOLOCATION = "geolocation", _("Geolocation")
    CHRONOLOCATION = "chronolocation", _("Chronolocation")
    AV_FORENSICS = "av_forensics", _("Audio or video forensics")
    METADATA = "metadata", _("Metadata analysis")
    CORROBORATION = "corroboration", _("Independent corroboration")
    OFFICIAL_CONFIRMATION = "official_confirmation", _("Official confirmation")
    TESTIMONY = "testimony", _("Witness testimony")
    OTHER = "other", _("Other")


class Claim(CheckedTextModel):
    """One attributable assertion within an incident, with its own verification status."""

    Status = VerificationStatus

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="claims", verbose_name=_("incident")
    )
    text = models.TextField(_("claim"))
    text_language = models.CharField(
        _("language of the claim"),
        max_length=2,
        choices=ContentLanguage,
        default=ContentLanguage.EN,
        help_text=_("The language the claim above is written in: its original."),
    )
    text_en = models.TextField(_("claim in English"), blank=True, default="")
    text_uk = models.TextField(_("claim in Ukrainian"), blank=True, default="")
    claimant = models.CharField(
        _("claimant"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Who makes the claim, e.g. 'Ukrainian military intelligence (HUR)'."),
    )
    statement = models.ForeignKey(
        "sources.OfficialStatement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("official statement"),
        help_text=_("The statement in which the claim is made, if any."),
    )
    status = models.CharField(
        _("verification status"),
        max_length=20,
        choices=VerificationStatus,
        default=VerificationStatus.UNVERIFIED,
    )
    rationale = models.TextField(
        _("rationale"),
        blank=True,
        default="",
        help_text=_("Why the claim has this status. Required for any status but Unverified."),
    )
    methods = MultipleChoiceField(_("verification methods"), choices_enum=VerificationMethod)
    status_changed_at = models.DateTimeField(
        _("status changed at"), null=True, blank=True, editable=False
    )
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["incident", "pk"]
        permissions = [("verify_claim", "Can change the verification status of claims")]
        constraints = [
            no_translation_into_the_original(
                "text_language", ("text",), "claim_no_translation_into_original"
            ),
            models.CheckConstraint(
                condition=Q(status="unverified") | ~Q(rationale=""),
                name="claim_assessed_has_rationale",
                violation_error_message=_(
                    "A rationale is required for any status other than Unverified."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status_changed_at__isnull=True, status_changed_by__isnull=True)
                | Q(status_changed_at__isnull=False, status_changed_by__isnull=False),
                name="claim_status_changed_at_by_pair",
                violation_error_message=_("Status changed at and by go together."),
            ),
        ]
        # (incident, status): the claim-status filter's EXISTS and the tallies of each list page
        # are index-only scans instead of reading every claim row of the page's incidents.
        indexes = [
            models.Index(fields=["status"], name="claim_status"),
            models.Index(fields=["incident", "status"], name="claim_incident_status"),
        ]

    def __str__(self):
        text = " ".join(self.text.split())
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def localized_text(self):
        """The claim in the reader's language when translated, else its original words."""
        return localize(self, "text", self.text_language)

    def get_absolute_url(self):
        return f"{self.incident.get_absolute_url()}#claim-{self.pk}"

    def clean(self):
        if self.status != VerificationStatus.UNVERIFIED and not self.methods:
            raise ValidationError(
                {"methods": _("Say which methods support a status other than Unverified.")}
            )

    @property
    def method_labels(self) -> list[str]:
        return self._meta.get_field("methods").label_list(self.methods)


class ClaimEvidence(CheckedTextModel):
    """A source cited for or against a claim."""

    class Relation(models.TextChoices):
        SUPPORTS = "supports", _("Supports")
        CONTRADICTS = "contradicts", _("Contradicts")
        CONTEXT = "context", _("Context")  # relevant background; neither for nor against

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("claim")
    )
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("source"),
    )
    relation = models.CharField(
        _("relation"), max_length=12, choices=Relation, default=Relation.SUPPORTS
    )
    note = models.TextField(_("note"), blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "pk"]
        verbose_name = _("claim evidence")
        verbose_name_plural = _("claim evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source"],
                name="claim_evidence_unique_source",
                violation_error_message=_("This source is already cited for this claim."),
            )
        ]

    def __str__(self):
        return f"{self.get_relation_display()}: {self.source}"
