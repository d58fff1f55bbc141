"""Incidents, the people they happened to, and the claims made about them.

Field names here are a contract: pages, exports and the API speak of them.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.fields import MultipleChoiceField


class Oblast(models.TextChoices):
    CHERKASY = "cherkasy", _("Cherkasy Oblast")
    CHERNIHIV = "chernihiv", _("Chernihiv Oblast")
    CHERNIVTSI = "chernivtsi", _("Chernivtsi Oblast")
    DNIPROPETROVSK = "dnipropetrovsk", _("Dnipropetrovsk Oblast")
    DONETSK = "donetsk", _("Donetsk Oblast")
    IVANO_FRANKIVSK = "ivano_frankivsk", _("Ivano-Frankivsk Oblast")
    KHARKIV = "kharkiv", _("Kharkiv Oblast")
    KHERSON = "kherson", _("Kherson Oblast")
    KHMELNYTSKYI = "khmelnytskyi", _("Khmelnytskyi Oblast")
    KIROVOHRAD = "kirovohrad", _("Kirovohrad Oblast")
    KYIV_OBLAST = "kyiv_oblast", _("Kyiv Oblast")
    LUHANSK = "luhansk", _("Luhansk Oblast")
    LVIV = "lviv", _("Lviv Oblast")
    MYKOLAIV = "mykolaiv", _("Mykolaiv Oblast")
    ODESA = "odesa", _("Odesa Oblast")
    POLTAVA = "poltava", _("Poltava Oblast")
    RIVNE = "rivne", _("Rivne Oblast")
    SUMY = "sumy", _("Sumy Oblast")
    TERNOPIL = "ternopil", _("Ternopil Oblast")
    VINNYTSIA = "vinnytsia", _("Vinnytsia Oblast")
    VOLYN = "volyn", _("Volyn Oblast")
    ZAKARPATTIA = "zakarpattia", _("Zakarpattia Oblast")
    ZAPORIZHZHIA = "zaporizhzhia", _("Zaporizhzhia Oblast")
    ZHYTOMYR = "zhytomyr", _("Zhytomyr Oblast")
    KYIV_CITY = "kyiv_city", _("Kyiv (city)")
    CRIMEA = "crimea", _("Autonomous Republic of Crimea")
    SEVASTOPOL = "sevastopol", _("Sevastopol (city)")
    OUTSIDE_UKRAINE = "outside_ukraine", _("Outside Ukraine")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")  # the date (or each end of the range) is known to the day
    MONTH = "month", _("Month")  # only the month is known; the day stored is the 1st
    YEAR = "year", _("Year")  # only the year is known; the day stored is 1 January
    APPROXIMATE = "approximate", _("Approximate")  # sources disagree or give "around"


class LocationPrecision(models.TextChoices):
    EXACT = "exact", _("Exact")  # geolocated to the spot, e.g. from footage
    APPROXIMATE = "approximate", _("Approximate")  # within a few kilometres
    SETTLEMENT = "settlement", _("Settlement")  # the centre of the named town or village
    DISTRICT = "district", _("District")  # the centre of the raion
    OBLAST = "oblast", _("Oblast")  # the centre of the oblast


class Category(models.TextChoices):
    POW_EXECUTION = (
        "pow_execution",
        _("Execution or killing of prisoners of war / persons hors de combat"),
    )
    TORTURE = "torture", _("Torture or ill-treatment")
    CIVILIAN_KILLING = "civilian_killing", _("Killing of civilians")
    ATTACK_ON_CIVILIAN_OBJECTS = "attack_civilian_objects", _("Attack on civilian objects")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    UNLAWFUL_DETENTION = "unlawful_detention", _("Unlawful detention or deportation")
    OTHER = "other", _("Other")


def format_date_range(start, end, precision: str) -> str:
    """Write a date or a date range no more precisely than it is known."""
    if start is None:
        return ""
    if end == start:
        end = None
    if precision == DatePrecision.YEAR:
        if end and end.year != start.year:
            return f"{start.year}–{end.year}"
        return str(start.year)
    if precision in (DatePrecision.MONTH, DatePrecision.APPROXIMATE):
        prefix = _("approx. ") if precision == DatePrecision.APPROXIMATE else ""
        first = date_format(start, "F Y")
        if end and (end.year, end.month) != (start.year, start.month):
            if end.year == start.year:
                return f"{prefix}{date_format(start, 'F')} – {date_format(end, 'F Y')}"
            return f"{prefix}{first} – {date_format(end, 'F Y')}"
        return f"{prefix}{first}"
    if end is None:
        return date_format(start, "j F Y")
    if (end.year, end.month) == (start.year, start.month):
        return f"{start.day}–{date_format(end, 'j F Y')}"
    if end.year == start.year:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


class IncidentQuerySet(models.QuerySet):
    def public(self):
        """Incidents any reader may see: published ones and retracted ones (with their notice)."""
        return self.filter(status__in=Incident.PUBLIC_STATUSES)

    def published(self):
        """Incidents currently published (not retracted)."""
        return self.filter(status=Incident.Status.PUBLISHED)

    def visible_to(self, user):
        """The one visibility gate: staff who may view incidents see all; others, the public."""
        if user is not None and user.is_active and user.has_perm("cases.view_incident"):
            return self.all()
        return self.public()


class Incident(models.Model):
    """One event in time and place that is alleged to be a violation."""

    # What a researcher describes about the event: entered in the admin, imported from files,
    # exported. (Publication state, audit and bookkeeping fields are set by the services.)
    DESCRIPTIVE_FIELDS: tuple[str, ...] = (
        "title",
        "summary",
        "description",
        "occurred_from",
        "occurred_to",
        "date_precision",
        "place_name",
        "oblast",
        "country",
        "latitude",
        "longitude",
        "location_precision",
        "category",
        "perpetrator",
        "victims_min",
        "victims_max",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being entered; never public
        IN_REVIEW = "in_review", _("In review")  # submitted by a researcher for an editor
        PUBLISHED = "published", _("Published")  # public
        RETRACTED = "retracted", _("Retracted")  # stays public with the retraction notice

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")

    occurred_from = models.DateField(_("occurred from"))
    occurred_to = models.DateField(
        _("occurred to"), null=True, blank=True, help_text=_("Leave empty for a single date.")
    )
    date_precision = models.CharField(
        _("date precision"), max_length=12, choices=DatePrecision, default=DatePrecision.DAY
    )

    place_name = models.CharField(_("place"), max_length=200, blank=True, default="")
    oblast = models.CharField(_("oblast"), max_length=20, choices=Oblast, blank=True, default="")
    country = models.CharField(_("country"), max_length=100, default="Ukraine")
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    location_precision = models.CharField(
        _("location precision"),
        max_length=12,
        choices=LocationPrecision,
        default=LocationPrecision.SETTLEMENT,
    )

    category = models.CharField(_("category"), max_length=30, choices=Category)
    legal_references = models.TextField(
        _("legal references"),
        blank=True,
        default="",
        help_text=_("E.g. Geneva Convention III art. 13; Rome Statute art. 8(2)(b)(vi)."),
    )
    perpetrator = models.CharField(
        _("alleged perpetrator"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Force and unit, as alleged."),
    )
    victims_min = models.PositiveIntegerField(_("victims (at least)"), null=True, blank=True)
    victims_max = models.PositiveIntegerField(_("victims (at most)"), null=True, blank=True)

    status = models.CharField(
        _("publication status"), max_length=12, choices=Status, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True, editable=False)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    retraction_note = models.TextField(
        _("retraction note"),
        blank=True,
        default="",
        editable=False,
        help_text=_("Shown publicly on a retracted incident."),
    )
    # Where the record came from when it was imported (another tracker's id); empty otherwise.
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, default="", editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Bumped on every save through the services; a stale form is refused (no lost updates).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Full-text search document, PostgreSQL only (see cases.search); NULL on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    # search_vector is kept in history too: excluding a field breaks simple-history on reverse
    # many-to-many changes (incident.sources.add).
    history = HistoricalRecords()
    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_from", "-pk"]
        permissions = [
            ("publish_incident", "Can publish, retract or unpublish incidents"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_to__isnull=True) | Q(occurred_to__gte=F("occurred_from")),
                name="incident_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="incident_latitude_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_coordinates_pair",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(victims_max__isnull=True)
                | Q(victims_min__isnull=False, victims_max__gte=F("victims_min")),
                name="incident_victims_range",
                violation_error_message=_(
                    "The maximum number of victims needs a minimum and cannot be below it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, published_by__isnull=True)
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="incident_published_at_by_pair",
                violation_error_message=_("Published at and published by go together."),
            ),
            models.CheckConstraint(
                condition=Q(retracted_at__isnull=True, retracted_by__isnull=True)
                | Q(retracted_at__isnull=False, retracted_by__isnull=False),
                name="incident_retracted_at_by_pair",
                violation_error_message=_("Retracted at and retracted by go together."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "retracted"]) | Q(published_at__isnull=False),
                name="incident_public_has_published_at",
                violation_error_message=_("A public incident needs a publication date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted")
                | (Q(retracted_at__isnull=False) & ~Q(retraction_note="")),
                name="incident_retraction_has_note",
                violation_error_message=_("A retracted incident needs a public retraction note."),
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="incident_external_id_unique",
                violation_error_message=_("Another incident already has this external id."),
            ),
        ]
        # Measured at 100,000 incidents (docs/benchmarks.md). The public list filters on
        # status IN (published, retracted) and sorts; without the partial indexes below each
        # sort is a sequential scan plus a sort of ~90,000 rows (170 ms; 540 ms at page 2,000).
        # They also let the list fetch a page of ids with an index-only scan, deep or not.
        indexes = [
            models.Index(fields=["status", "-occurred_from"], name="incident_status_date"),
            models.Index(fields=["oblast"], name="incident_oblast"),
            models.Index(fields=["category"], name="incident_category"),
            models.Index(
                fields=["-occurred_from", "-id"],
                condition=Q(status__in=["published", "retracted"]),
                name="incident_public_newest",
            ),
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(status__in=["published", "retracted"]),
                name="incident_public_updated",
            ),
        ]
        # "Most victims" sorts NULLS LAST, which SQLite cannot index: that index is created on
        # PostgreSQL only, by migration 0004 (incident_public_victims).

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cases:incident_detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def date_display(self) -> str:
        """The dates as a reader should read them, e.g. "20–22 April 2022", "approx. April 2022"."""
        return format_date_range(self.occurred_from, self.occurred_to, self.date_precision)

    @property
    def victims_display(self) -> str:
        if self.victims_min is None:
            return ""
        if self.victims_max is None or self.victims_max == self.victims_min:
            return str(self.victims_min) if self.victims_max is not None else f"{self.victims_min}+"
        return f"{self.victims_min}–{self.victims_max}"


class AllegedVictim(models.Model):
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

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victims")
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
        label = self.name or self.get_status_display()
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

    @property
    def public_name(self) -> str:
        """The name as a reader may see it, or "Name withheld"."""
        return self.name_if_public or str(_("Name withheld"))


class VerificationStatus(models.TextChoices):
    # Reported; not yet assessed, or not assessable yet. Every claim starts here.
    UNVERIFIED = "unverified", _("Unverified")
    # Some elements are confirmed by independent evidence, others are not.
    PARTIALLY_VERIFIED = "partially_verified", _("Partially verified")
    # Confirmed by evidence independent of the claimant (geolocation, authenticated audio,
    # two or more independent sources ...).
    VERIFIED = "verified", _("Verified")
    # Credible evidence or a substantiated denial contradicts it.
    DISPUTED = "disputed", _("Disputed")
    # Shown to be untrue.
    FALSE = "false", _("False")


class VerificationMethod(models.TextChoices):
    GEOLOCATION = "geolocation", _("Geolocation")
    CHRONOLOCATION = "chronolocation", _("Chronolocation")
    AV_FORENSICS = "av_forensics", _("Audio or video forensics")
    METADATA = "metadata", _("Metadata analysis")
    CORROBORATION = "corroboration", _("Independent corroboration")
    OFFICIAL_CONFIRMATION = "official_confirmation", _("Official confirmation")
    TESTIMONY = "testimony", _("Witness testimony")
    OTHER = "other", _("Other")


class Claim(models.Model):
    """One attributable assertion within an incident, with its own verification status."""

    Status = VerificationStatus

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField(_("claim"))
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
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "pk"]
        permissions = [("verify_claim", "Can change the verification status of claims")]
        constraints = [
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


class ClaimEvidence(models.Model):
    """A source cited for or against a claim."""

    class Relation(models.TextChoices):
        SUPPORTS = "supports", _("Supports")
        CONTRADICTS = "contradicts", _("Contradicts")
        CONTEXT = "context", _("Context")  # relevant background; neither for nor against

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, related_name="evidence")
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


class AppendOnlyQuerySet(models.QuerySet):
    """Audit records are written once: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} records are append-only.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} records are append-only.")


class ClaimStatusChange(AppendOnlyModel):
    """One change of a claim's verification status: who, when, from what, to what and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=VerificationStatus)
    to_status = models.CharField(_("to"), max_length=20, choices=VerificationStatus)
    rationale = models.TextField(_("rationale"), blank=True, default="")
    methods = MultipleChoiceField(_("verification methods"), choices_enum=VerificationMethod)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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
        SUBMIT = "submit", _("Submitted for review")
        PUBLISH = "publish", _("Published")
        RETURN_TO_DRAFT = "return_to_draft", _("Sent back to draft")
        RETRACT = "retract", _("Retracted")
        UNPUBLISH = "unpublish", _("Unpublished")

    # Actions whose note a reader may see on the incident's public history.
    PUBLIC_ACTIONS = (Action.PUBLISH, Action.RETRACT)

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="publication_events"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    from_status = models.CharField(_("from"), max_length=12, choices=Incident.Status)
    to_status = models.CharField(_("to"), max_length=12, choices=Incident.Status)
    note = models.TextField(_("note"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    source = models.ForeignKey(
        "sources.Source",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
    )
    statement = models.ForeignKey(
        "sources.OfficialStatement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
    )
    # What was corrected, as readers know it: "Claim “…”", "Summary", "Alleged victim".
    record = models.CharField(_("record"), max_length=300)
    # [{"field": label, "before": text, "after": text}], public values only.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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


class CorrectionProposal(models.Model):
    """A researcher's proposal to correct a public incident, waiting for an editor's decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # waiting in the editors' queue
        ACCEPTED = "accepted", _("Accepted")  # an editor made the correction
        DECLINED = "declined", _("Declined")  # an editor decided not to; the note says why

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="correction_proposals"
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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
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
