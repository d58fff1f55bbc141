"""What incidents and claims cite: sources, official statements and the figures they report."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import Claim, ClaimEvidence, Incident
from core.models import AppendOnlyModel, PublicQuerySet
from core.text import CheckedTextModel
from core.urls import record_url


class SourceQuerySet(PublicQuerySet):
    def public(self):
        """Sources any reader may see: those cited by a public incident or claim, or reporting a
        public statement."""
        public = Incident.PUBLIC_STATUSES
        # Correlated EXISTS, not "pk IN (every public link)": one source's page then probes three
        # indexes instead of reading every public incident-source link (94 ms at 100,000).
        cited_by_incident = Source.incidents.through.objects.filter(
            source=OuterRef("pk"), incident__status__in=public
        )
        cited_as_evidence = ClaimEvidence.objects.filter(
            source=OuterRef("pk"), claim__incident__status__in=public
        )
        reports_statement = OfficialStatement.objects.public().filter(reported_in=OuterRef("pk"))
        return self.filter(
            Exists(cited_by_incident) | Exists(cited_as_evidence) | Exists(reports_statement)
        )


class Source(CheckedTextModel):
    """Something cited: an article, an intercept, footage, a document, a testimony ..."""

    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", _("News article")
        INTERCEPT = "intercept", _("Intercepted communication")
        VIDEO = "video", _("Video")
        PHOTO = "photo", _("Photo")
        SOCIAL_MEDIA = "social_media", _("Social-media post")
        OFFICIAL_DOCUMENT = "official_document", _("Official document")
        TESTIMONY = "testimony", _("Testimony")
        SATELLITE = "satellite", _("Satellite imagery")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    title = models.CharField(_("title"), max_length=400)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True, default="")
    author = models.CharField(_("author"), max_length=200, blank=True, default="")
    url = models.URLField(_("URL"), max_length=2000, blank=True, default="")
    # The URL in one comparable spelling (sources.normalise), to find the same page entered
    # twice. Set by the admin and the services, never by save().
    normalised_url = models.CharField(
        _("normalised URL"), max_length=2000, blank=True, default="", editable=False
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("Language code, e.g. en, uk, ru."),
    )
    archive_url = models.URLField(
        _("archived copy"),
        max_length=2000,
        blank=True,
        default="",
        help_text=_("A copy in a web archive, in case the original disappears."),
    )
    is_graphic = models.BooleanField(
        _("graphic content"),
        default=False,
        help_text=_("Never embedded; readers are warned before following the link."),
    )
    notes = models.TextField(
        _("internal notes"), blank=True, default="", help_text=_("Never public.")
    )
    incidents = models.ManyToManyField(
        Incident, related_name="sources", blank=True, verbose_name=_("incidents")
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

    history = HistoricalRecords(m2m_fields=[incidents])
    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(published_on__isnull=True)
                | Q(accessed_on__isnull=True)
                | Q(accessed_on__gte=F("published_on")),
                name="source_accessed_after_published",
                violation_error_message=_("A source cannot be accessed before it was published."),
            )
        ]
        # kind: the list's "source kind" filter joins incidents to sources of one kind.
        indexes = [
            models.Index(fields=["normalised_url"], name="source_normalised_url"),
            models.Index(fields=["kind"], name="source_kind"),
        ]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title

    def get_absolute_url(self):
        return record_url("sources:source_detail", "pk", self.pk)


class OfficialStatementQuerySet(PublicQuerySet):
    def public(self):
        """Statements any reader may see: those about a public incident or in which a claim of a
        public incident is made (the incident page names and links them)."""
        public = Incident.PUBLIC_STATUSES
        about_public = OfficialStatement.incidents.through.objects.filter(
            officialstatement=OuterRef("pk"), incident__status__in=public
        )
        made_in_public_claim = Claim.objects.filter(
            statement=OuterRef("pk"), incident__status__in=public
        )
        return self.filter(Exists(about_public) | Exists(made_in_public_claim))


class OfficialStatement(CheckedTextModel):
    """Something an official said, on the record, with who, when and where it was reported."""

    class Stance(models.TextChoices):
        ACCUSES = "accuses", _("Accuses")
        CONFIRMS = "confirms", _("Confirms")
        DENIES = "denies", _("Denies")
        CONDEMNS = "condemns", _("Condemns")
        INVESTIGATES = "investigates", _("Investigates")  # announces or reports an investigation
        OTHER = "other", _("Other")

    speaker = models.CharField(_("speaker"), max_length=200)
    speaker_role = models.CharField(_("speaker's role"), max_length=300, blank=True, default="")
    organisation = models.CharField(_("organisation"), max_length=300, blank=True, default="")
    stated_on = models.DateField(_("stated on"), null=True, blank=True)
    quote = models.TextField(_("quote"), help_text=_("In the original language."))
    quote_language = models.CharField(
        _("quote language"), max_length=20, blank=True, default="", help_text=_("e.g. en, uk, ru")
    )
    translation = models.TextField(
        _("translation"), blank=True, default="", help_text=_("English translation, if needed.")
    )
    stance = models.CharField(_("stance"), max_length=20, choices=Stance, default=Stance.OTHER)
    reported_in = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("reported in"),
    )
    incidents = models.ManyToManyField(
        Incident, related_name="statements", blank=True, verbose_name=_("incidents")
    )
    notes = models.TextField(
        _("internal notes"), blank=True, default="", help_text=_("Never public.")
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

    history = HistoricalRecords(m2m_fields=[incidents])
    objects = OfficialStatementQuerySet.as_manager()

    class Meta:
        ordering = ["-stated_on", "speaker"]
        verbose_name = _("official statement")

    def __str__(self):
        who = f"{self.speaker} ({self.organisation})" if self.organisation else self.speaker
        when = f", {self.stated_on:%Y-%m-%d}" if self.stated_on else ""
        return f"{who}{when}"

    def get_absolute_url(self):
        return record_url("sources:statement_detail", "pk", self.pk)


class ReportedFigure(CheckedTextModel):
    """A number an official statement gives, e.g. criminal cases opened as of a date."""

    statement = models.ForeignKey(
        OfficialStatement,
        on_delete=models.CASCADE,
        related_name="figures",
        verbose_name=_("official statement"),
    )
    metric = models.CharField(
        _("metric"),
        max_length=200,
        help_text=_("What is counted, e.g. 'criminal cases opened', 'prisoners of war executed'."),
    )
    value = models.PositiveBigIntegerField(_("value"))
    unit = models.CharField(_("unit"), max_length=50, blank=True, default="")
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["statement", "period_start", "pk"]
        verbose_name = _("reported figure")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="figure_value_not_negative",
                violation_error_message=_("A reported figure cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="figure_period_ordered",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.metric}: {self.value}{unit}"


def evidence_upload_to(instance: "SourceFile", filename: str) -> str:
    """evidence/<first two hex digits>/<sha256>/<original name>: one folder per exact file."""
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class SourceFileQuerySet(PublicQuerySet):
    def public(self):
        """Files anyone may download: not restricted, on a source cited by a public record."""
        # Correlated, so one source's files probe the source gate once, not build it whole.
        public_source = Source.objects.public().filter(pk=OuterRef("source"))
        return self.filter(Exists(public_source), is_restricted=False)


class SourceFile(CheckedTextModel):
    """A file kept as evidence for a source, with the SHA-256 it had when it was collected."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="files", verbose_name=_("source")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=500)
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        unique=True,
        editable=False,
        error_messages={"unique": _("This exact file (same SHA-256) is already held.")},
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    mime_type = models.CharField(
        _("type"), max_length=100, editable=False, help_text=_("Detected from the content.")
    )
    original_name = models.CharField(_("original file name"), max_length=255, editable=False)
    is_restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Never served to readers, never revealed by the public file check."),
    )
    is_graphic = models.BooleanField(
        _("graphic content"),
        default=False,
        help_text=_("Readers see a content warning before they can download it."),
    )
    notes = models.TextField(
        _("internal notes"), blank=True, default="", help_text=_("Never public.")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = SourceFileQuerySet.as_manager()

    class Meta:
        ordering = ["source", "pk"]
        verbose_name = _("source file")
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="sourcefile_sha256_hex",
                violation_error_message=_("A SHA-256 is 64 lower-case hexadecimal digits."),
            ),
            models.CheckConstraint(
                condition=Q(uploaded_at__isnull=True, uploaded_by__isnull=True)
                | Q(uploaded_at__isnull=False, uploaded_by__isnull=False),
                name="sourcefile_uploaded_at_by_pair",
                violation_error_message=_("Uploaded at and uploaded by go together."),
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return self.get_download_url()

    def get_download_url(self):
        """The download address; graphic files answer it with their content warning first."""
        return reverse("files:download", kwargs={"pk": self.pk})

    def get_warning_url(self):
        return reverse("files:warning", kwargs={"pk": self.pk})

    def get_verify_url(self):
        return f"{reverse('files:verify')}?sha256={self.sha256}"


class FileCustodyEvent(AppendOnlyModel):
    """One thing that happened to a kept file: the chain of custody, written once, never edited."""

    class Action(models.TextChoices):
        # Received and stored; the detail gives the SHA-256 computed while storing.
        UPLOADED = "uploaded", _("Uploaded")
        # Re-hashed; the stored bytes still have the recorded SHA-256.
        HASH_VERIFIED = "hash_verified", _("Hash verified")
        # Re-hashed; the stored bytes no longer match the recorded SHA-256.
        HASH_MISMATCH = "hash_mismatch", _("Hash mismatch")
        # The stored file could not be found or read.
        MISSING = "missing", _("Missing")
        DOWNLOADED_BY_STAFF = "downloaded_by_staff", _("Downloaded by staff")
        EXPORTED = "exported", _("Exported")
        # Flags changed on the record; the detail gives the reason where one was given.
        RESTRICTED = "restricted", _("Restricted")
        RELEASED = "released", _("Released to readers")
        MARKED_GRAPHIC = "marked_graphic", _("Marked graphic")
        UNMARKED_GRAPHIC = "unmarked_graphic", _("Content warning removed")
        NOTES_CHANGED = "notes_changed", _("Notes changed")
        # Made by the archiver from the source's URL; the detail names the URL, time, tools
        # and SHA-256 (issue 16).
        CAPTURED = "captured", _("Captured from the URL")

    # Results a reviewer must act on.
    PROBLEMS = (Action.HASH_MISMATCH, Action.MISSING)

    source_file = models.ForeignKey(
        SourceFile,
        on_delete=models.PROTECT,
        related_name="custody_events",
        verbose_name=_("source file"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action)
    detail = models.TextField(_("detail"), blank=True, default="")
    # Empty for the system itself, e.g. the scheduled `verify_files`.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        get_latest_by = "at"
        verbose_name = _("file custody event")
        indexes = [models.Index(fields=["source_file", "at"], name="custody_file_at")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"


class SourceCapture(models.Model):
    """One attempt to preserve a source's URL: its state, the files it made, or why it failed.

    Written only by sources.captures (the capture services and the ``sources.capture`` job).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        # The last attempt met a passing failure (timeout, 5xx); it is tried again.
        RETRYING = "retrying", _("Waiting to retry")
        DONE = "done", _("Captured")
        FAILED = "failed", _("Failed")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.RETRYING)

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="captures", verbose_name=_("source")
    )
    url = models.URLField(_("URL"), max_length=2000)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.QUEUED)
    # What went wrong, as a short code for filters: http_404, timeout, too_large, refused,
    # dns, tls, network, redirects, error.
    failure = models.CharField(_("failure"), max_length=30, blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="")
    final_url = models.URLField(_("final URL"), max_length=2000, blank=True, default="")
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    tools = models.CharField(_("tools"), max_length=300, blank=True, default="")
    notes = models.TextField(_("capture notes"), blank=True, default="")
    files = models.ManyToManyField(
        SourceFile, blank=True, related_name="captures", verbose_name=_("files")
    )
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        get_latest_by = "requested_at"
        verbose_name = _("capture")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | Q(captured_at__isnull=False),
                name="capture_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["source", "-requested_at"], name="capture_source_latest")]

    def __str__(self):
        return f"{self.url} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("admin:sources_sourcecapture_change", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES
