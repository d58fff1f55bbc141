"""Incidents, the people they happened to, and the claims made about them.

Field names here are a contract: pages, exports and the API speak of them.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.languages import (
    ContentLanguage,
    localize,
    no_translation_into_the_original,
    translation_field_names,
)
from core.models import PublicQuerySet
from core.text import CheckedTextModel
from core.urls import record_url


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
    # The sources give no date at all: no date is stored (none is invented), the incident is
    # listed after the dated ones and left out of date filters unless readers ask for it.
    UNKNOWN = "unknown", _("Date unknown")


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
    if start is None or precision == DatePrecision.UNKNOWN:
        return str(_("Date unknown"))
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
        return date_format(start, "j E Y")
    if (end.year, end.month) == (start.year, start.month):
        return f"{start.day}–{date_format(end, 'j E Y')}"
    if end.year == start.year:
        return f"{date_format(start, 'j E')} – {date_format(end, 'j E Y')}"
    return f"{date_format(start, 'j E Y')} – {date_format(end, 'j E Y')}"


TRANSLATED_FIELDS = ("title", "summary", "description")


class IncidentQuerySet(PublicQuerySet):
    def public(self):
        """Incidents any reader may see: published ones and retracted ones (with their notice)."""
        return self.filter(status__in=Incident.PUBLIC_STATUSES)

    def published(self):
        """Incidents currently published (not retracted)."""
        return self.filter(status=Incident.Status.PUBLISHED)


class Incident(CheckedTextModel):
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
    # Everything of the description readers see: pages, the API and the exports. Legal
    # references are entered in the admin but not imported.
    # The text a reader gets in their language (issue 15): translations of these three.
    TRANSLATED_FIELDS: tuple[str, ...] = TRANSLATED_FIELDS
    PUBLIC_FIELDS: tuple[str, ...] = (
        *DESCRIPTIVE_FIELDS,
        "legal_references",
        # Translations are what readers see too: changing one on a public incident is a
        # correction by an editor, like any other visible change (cases.policy).
        "original_language",
        *translation_field_names(TRANSLATED_FIELDS),
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
    original_language = models.CharField(
        _("original language"),
        max_length=2,
        choices=ContentLanguage,
        default=ContentLanguage.EN,
        help_text=_("The language the title, summary and description are written in."),
    )
    title_en = models.CharField(_("title in English"), max_length=300, blank=True, default="")
    title_uk = models.CharField(_("title in Ukrainian"), max_length=300, blank=True, default="")
    summary_en = models.TextField(_("summary in English"), blank=True, default="")
    summary_uk = models.TextField(_("summary in Ukrainian"), blank=True, default="")
    description_en = models.TextField(_("description in English"), blank=True, default="")
    description_uk = models.TextField(_("description in Ukrainian"), blank=True, default="")

    occurred_from = models.DateField(
        _("occurred from"),
        null=True,
        blank=True,
        help_text=_("Leave empty only when the date is unknown (date precision “Date unknown”)."),
    )
    occurred_to = models.DateField(
        _("occurred to"), null=True, blank=True, help_text=_("Leave empty for a single date.")
    )
    date_precision = models.CharField(
        _("date precision"), max_length=12, choices=DatePrecision, default=DatePrecision.DAY
    )

    place_name = models.CharField(_("place"), max_length=200, blank=True, default="")
    oblast = models.CharField(_("oblast"), max_length=20, choices=Oblast, blank=True, default="")
    # Set when the importer derived the oblast from the coordinates (cases.oblasts.oblast_at),
    # not from what a source or a researcher said; choosing an oblast by hand clears it.
    oblast_derived = models.BooleanField(
        _("oblast derived from coordinates"), default=False, editable=False
    )
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
        verbose_name=_("published by"),
    )
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True, editable=False)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("retracted by"),
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
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("updated by"),
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
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        # Undated incidents (date unknown) come after the dated ones in either direction.
        ordering = [F("occurred_from").desc(nulls_last=True), "-pk"]
        permissions = [
            ("publish_incident", "Can publish, retract or unpublish incidents"),
        ]
        constraints = [
            no_translation_into_the_original(
                "original_language", TRANSLATED_FIELDS, "incident_no_translation_into_original"
            ),
            models.CheckConstraint(
                condition=Q(occurred_to__isnull=True) | Q(occurred_to__gte=F("occurred_from")),
                name="incident_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(
                    occurred_from__isnull=True, occurred_to__isnull=True, date_precision="unknown"
                )
                | (Q(occurred_from__isnull=False) & ~Q(date_precision="unknown")),
                name="incident_unknown_date_is_empty",
                violation_error_message=_(
                    "Leave the dates empty exactly when the date precision is “Date unknown”."
                ),
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
            # Issue 21: the home page's and the feed's latest publications (a scan and sort of
            # every published incident without it), and the list's "from" date filter, which
            # compares where an incident ends (its last day, or its only day).
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(status="published"),
                name="incident_latest_published",
            ),
            models.Index(
                Coalesce("occurred_to", "occurred_from"),
                condition=Q(status__in=["published", "retracted"]),
                name="incident_public_ends",
            ),
        ]
        # "Most victims" sorts NULLS LAST, which SQLite cannot index: that index is created on
        # PostgreSQL only, by migration 0004 (incident_public_victims).

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        unknown = self.date_precision == DatePrecision.UNKNOWN
        if unknown and (self.occurred_from or self.occurred_to):
            raise ValidationError(
                {"date_precision": _("With “Date unknown”, leave the dates empty.")}
            )
        if not unknown and self.occurred_from is None:
            raise ValidationError(
                {"occurred_from": _("Enter the date, or choose the date precision “Date unknown”.")}
            )

    @property
    def original_body(self) -> list[str]:
        """The original summary and description, shown beside a translation."""
        return [self.summary, self.description]

    @property
    def country_display(self) -> str:
        # The default country is ours to name in the reader's language; others are as entered.
        return str(_("Ukraine")) if self.country == "Ukraine" else self.country

    # The reader's language when a translation exists, else the original (cases.models.languages).
    @property
    def localized_title(self):
        return localize(self, "title", self.original_language)

    @property
    def localized_summary(self):
        return localize(self, "summary", self.original_language)

    @property
    def localized_description(self):
        return localize(self, "description", self.original_language)

    def get_absolute_url(self):
        return record_url("cases:incident_detail", "slug", self.slug)

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
