"""Legal provisions, their elements, and how an incident's claims are mapped to them.

A provision (Rome Statute art. 8(2)(b)(vi), Geneva Convention III art. 13 ...) is quoted text
with its source; a crime's provision has elements, each of which must be proven on its own (the
ICC *Elements of Crimes*). On an incident, staff choose the provisions that *may* apply and link
claims to the elements they would go to establish if verified. The state of each element is
never stored: it is derived from the linked claims' current verification statuses on every read
(``element_state``), so a status decided in the review queue shows at once.

Codes (``Provision.code``) and element identifiers are stable: URLs, filters, the API and the
exports use them, and they are never reused.
"""

from dataclasses import dataclass

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import VerificationStatus
from core.text import CheckedTextModel


class Provision(CheckedTextModel):
    """A treaty provision, quoted, with the source it is quoted from."""

    class Instrument(models.TextChoices):
        ROME_STATUTE = "rome_statute", _("Rome Statute of the International Criminal Court")
        GENEVA_III = "geneva_iii", _("Geneva Convention (III) on prisoners of war")
        ADDITIONAL_PROTOCOL_I = "additional_protocol_i", _("Additional Protocol I (1977)")
        OTHER = "other", _("Other instrument")

    class ConflictType(models.TextChoices):
        # An armed conflict between States (the Russian Federation and Ukraine since 2014/2022).
        INTERNATIONAL = "international", _("International armed conflict")
        # Between a State and organised armed groups, or between such groups.
        NON_INTERNATIONAL = (
            "non_international",
            _("Armed conflict not of an international character"),
        )
        ANY = "any", _("Any armed conflict")

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stable: used in addresses, filters, the API and exports. Never reuse one."),
    )
    instrument = models.CharField(_("instrument"), max_length=30, choices=Instrument)
    article = models.CharField(_("article"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), help_text=_("Quoted from the source, word for word."))
    conflict_type = models.CharField(_("conflict type"), max_length=20, choices=ConflictType)
    source_title = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=500)
    elements_source_title = models.CharField(
        _("elements source"), max_length=300, blank=True, default=""
    )
    elements_source_url = models.URLField(
        _("elements source address"), max_length=500, blank=True, default=""
    )
    note = models.TextField(_("note for readers"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument", "pk"]
        verbose_name = _("legal provision")
        verbose_name_plural = _("legal provisions")

    def __str__(self):
        return f"{self.short_name} — {self.title}"

    @property
    def short_name(self) -> str:
        prefix = {
            self.Instrument.ROME_STATUTE: "RS art.",
            self.Instrument.GENEVA_III: "GC III art.",
            self.Instrument.ADDITIONAL_PROTOCOL_I: "AP I art.",
        }.get(self.instrument, "art.")
        return f"{prefix} {self.article}"

    def get_absolute_url(self):
        return reverse("law:provision_detail", kwargs={"code": self.code})


class Element(CheckedTextModel):
    """One element of a crime that must be proven, as the ICC Elements of Crimes words it."""

    class Kind(models.TextChoices):
        CONDUCT = "conduct", _("Conduct")  # what the perpetrator did
        CIRCUMSTANCE = "circumstance", _("Circumstance")  # e.g. the victims were hors de combat
        MENTAL = "mental", _("Mental element")  # awareness or purpose
        CONTEXT = "context", _("Context")  # the link with an armed conflict

    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="elements")
    number = models.PositiveSmallIntegerField(_("number"))
    identifier = models.CharField(
        _("identifier"),
        max_length=60,
        unique=True,
        help_text=_("Stable, e.g. 8(2)(b)(vi)/2: the API and exports use it."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    text = models.TextField(_("text"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["provision", "number"]
        verbose_name = _("element")
        constraints = [
            models.UniqueConstraint(
                fields=["provision", "number"],
                name="law_element_number_unique",
                violation_error_message=_(
                    "This provision already has an element with that number."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.identifier}: {self.text[:80]}"


class IncidentProvision(CheckedTextModel):
    """A provision that *may* apply to an incident: an allegation, never a finding."""

    class Liability(models.TextChoices):
        # Rome Statute art. 25(3)(a): committing the crime, alone or with others.
        PERPETRATION = "perpetration", _("Alleged perpetration (art. 25(3)(a))")
        # Art. 25(3)(b): ordering, soliciting or inducing it.
        ORDERING = "ordering", _("Alleged order (art. 25(3)(b))")
        # Art. 28: a commander's failure to prevent, repress or report subordinates' crimes.
        COMMAND = "command", _("Alleged command responsibility (art. 28)")
        UNSPECIFIED = "unspecified", _("Not specified")

    incident = models.ForeignKey(
        "cases.Incident", on_delete=models.CASCADE, related_name="legal_provisions"
    )
    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="+")
    liability = models.CharField(
        _("alleged mode of liability"),
        max_length=20,
        choices=Liability,
        default=Liability.UNSPECIFIED,
    )
    note = models.TextField(_("public note"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "provision__instrument", "provision_id"]
        verbose_name = _("provision that may apply")
        verbose_name_plural = _("provisions that may apply")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "provision"],
                name="law_incident_provision_unique",
                violation_error_message=_("This provision is already chosen for this incident."),
            ),
        ]

    def __str__(self):
        return f"{self.provision.short_name} ({self.get_liability_display()})"


class ClaimElement(CheckedTextModel):
    """A claim that, if verified, goes to establish one element of a provision on its incident."""

    incident_provision = models.ForeignKey(
        IncidentProvision, on_delete=models.CASCADE, related_name="links"
    )
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey("cases.Claim", on_delete=models.CASCADE, related_name="element_links")
    note = models.TextField(_("public note"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["element__number", "claim_id"]
        verbose_name = _("claim linked to an element")
        verbose_name_plural = _("claims linked to elements")
        constraints = [
            models.UniqueConstraint(
                fields=["incident_provision", "element", "claim"],
                name="law_claim_element_unique",
                violation_error_message=_("This claim is already linked to that element."),
            ),
        ]

    def __str__(self):
        return f"{self.element.identifier} ← claim {self.claim_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        chosen = self.incident_provision if self.incident_provision_id else None
        if chosen and self.element_id and self.element.provision_id != chosen.provision_id:
            errors["element"] = _("This element belongs to another provision.")
        if chosen and self.claim_id and self.claim.incident_id != chosen.incident_id:
            errors["claim"] = _("This claim belongs to another incident.")
        if errors:
            raise ValidationError(errors)


# --- the state of an element, derived from its claims ---------------------------------------


class ElementState(models.TextChoices):
    """What the claims linked to an element say today. Never a finding that a crime occurred."""

    # At least one linked claim is verified and none is disputed or false.
    SUPPORTED = "supported", _("Supported by verified claims")
    # Verified claims and disputed or false ones both: the record pulls both ways.
    CONTESTED = "contested", _("Verified claims, contradicted by others")
    # No verified claim; at least one linked claim is disputed or shown false.
    CONTRADICTED = "contradicted", _("Contradicted")
    # Only unverified or partially verified claims.
    UNVERIFIED = "unverified", _("Only unverified or partially verified claims")
    # No claim linked yet.
    MISSING = "missing", _("Nothing yet")


CONTRADICTING = {VerificationStatus.DISPUTED, VerificationStatus.FALSE}


def element_state(statuses) -> ElementState:
    """The state of an element whose linked claims have ``statuses``."""
    statuses = set(statuses)
    if not statuses:
        return ElementState.MISSING
    contradicted = bool(statuses & CONTRADICTING)
    if VerificationStatus.VERIFIED in statuses:
        return ElementState.CONTESTED if contradicted else ElementState.SUPPORTED
    if contradicted:
        return ElementState.CONTRADICTED
    return ElementState.UNVERIFIED


@dataclass
class ElementRow:
    """One element on a page: its text, the linked claims and the state they give it."""

    element: Element
    links: list  # ClaimElement rows with their claims

    @property
    def state(self) -> ElementState:
        return element_state(link.claim.status for link in self.links)
