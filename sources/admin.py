from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import PolicyAdminMixin
from core.admin_base import (
    InlineWrites,
    ReadOnlyAdminMixin,
    UserFormMixin,
)
from sources import selectors, services
from sources.admin_captures import CaptureFilter, SourceCaptureAdminMixin
from sources.forms import (
    OfficialStatementAdminForm,
    ReportedFigureAdminForm,
    SourceAdminForm,
    SourceFileAdminForm,
    SourceFileForm,
    SourceFileFormSet,
)
from sources.models import (
    FileCustodyEvent,
    OfficialStatement,
    ReportedFigure,
    Source,
    SourceFile,
)


class SourceFileInline(UserFormMixin, admin.TabularInline):
    """Upload evidence on the source page; what the server measured is shown, never edited."""

    model = SourceFile
    form = SourceFileForm
    formset = SourceFileFormSet
    extra = 1
    can_delete = False
    fields = [
        "upload",
        "download",
        "sha256",
        "file_size",
        "mime_type",
        "uploaded_by",
        "uploaded_at",
        "is_restricted",
        "is_graphic",
        "notes",
    ]
    readonly_fields = ["download", "sha256", "file_size", "mime_type", "uploaded_by", "uploaded_at"]
    verbose_name = _("evidence file")
    verbose_name_plural = _("evidence files (SHA-256 computed on upload)")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kept file"))
    def download(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            obj.get_download_url() + "?confirmed=1",
            obj.original_name,
            reverse("admin:sources_sourcefile_change", args=[obj.pk]),
            _("custody log"),
        )

    @admin.display(description=_("size"))
    def file_size(self, obj):
        return filesizeformat(obj.size) if obj.pk else "—"


def file_writes(request, reason: str) -> InlineWrites:
    """New files are stored, hashed and logged by one service; kept files change only flags."""
    by = request.user

    def create(source, data, form):
        return services.source_file_add(
            source=source,
            uploaded=form.cleaned_data["upload"],
            by=by,
            is_restricted=data["is_restricted"],
            is_graphic=data["is_graphic"],
            notes=data["notes"],
        )

    def update(source_file, data, form):
        return services.source_file_update(source_file=source_file, by=by, reason=reason, **data)

    def delete(source_file):
        raise PermissionDenied(_("Kept files are never deleted: their custody log protects them."))

    return InlineWrites(
        fields=("is_restricted", "is_graphic", "notes"), create=create, update=update, delete=delete
    )


def figure_writes(request, reason: str) -> InlineWrites:
    by = request.user
    return InlineWrites(
        fields=services.FIGURE_FIELDS,
        create=lambda statement, data, form: services.figure_create(
            statement=statement, by=by, data=data, reason=reason
        ),
        update=lambda figure, data, form: services.figure_update(
            figure=figure, by=by, data=data, reason=reason
        ),
        delete=lambda figure: services.figure_delete(figure=figure, by=by, reason=reason),
    )


@admin.register(Source)
class SourceAdmin(SourceCaptureAdminMixin, PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "publisher",
        "published_on",
        "language",
        "is_graphic",
        "n_incidents",
        "capture_column",  # issue 16
    ]
    list_filter = ["kind", "is_graphic", "language", CaptureFilter]
    actions = ["capture_selected"]
    search_fields = ["title", "publisher", "author", "url", "archive_url"]
    search_help_text = _("Title, publisher, author or URL.")
    form = SourceAdminForm
    inlines = [SourceFileInline]
    # Addresses typed without a scheme are https:// (Django 6's default, asked for today).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "published_on"
    readonly_fields = ["created_at", "created_by", "updated_at", "cited_by", "capture_status"]
    fieldsets = [
        (None, {"fields": ["correction_reason"]}),
        (None, {"fields": ["kind", "title", ("publisher", "author"), "language"]}),
        (
            _("Where to find it"),
            {"fields": ["url", "archive_url", ("published_on", "accessed_on")]},
        ),
        SourceCaptureAdminMixin.capture_fieldset,
        (_("Handling"), {"fields": ["is_graphic", "notes", "cited_by"]}),
        (_("Record"), {"fields": [("created_at", "created_by"), "updated_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(incident_count=Count("incidents", distinct=True))
            .order_by(*Source._meta.ordering)
        )

    @admin.display(description=_("Incidents"), ordering="incident_count")
    def n_incidents(self, obj):
        return obj.incident_count

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["duplicate_warning"] = duplicate_warning(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("Cited by incidents"))
    def cited_by(self, obj):
        return cited_by_links(obj)

    def service_create(self, request, form):
        return services.source_create(
            by=request.user, data=self.form_data(form, services.SOURCE_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.source_update(
            source=obj,
            by=request.user,
            data=self.form_data(form, services.SOURCE_FIELDS),
            reason=self.reason(request, form),
        )

    def service_delete(self, request, obj):
        services.source_delete(source=obj, by=request.user)

    def inline_writes(self, request, reason):
        return {SourceFile: file_writes(request, reason)}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warning = duplicate_warning(form.instance)
        if warning:
            messages.warning(request, warning)


def cited_by_links(obj) -> str:
    """Links to the incidents citing ``obj`` (links are made on the incident's page)."""
    if not obj.pk:
        return "—"
    incidents = obj.incidents.order_by("title")
    return (
        format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:cases_incident_change", args=[incident.pk]), incident.title)
                for incident in incidents
            ),
        )
        or "—"
    )


def duplicate_warning(source: Source) -> str:
    """HTML naming the other sources that look like ``source``, or "" when there are none."""
    duplicates = list(selectors.duplicate_sources(source=source)[:10])
    if not duplicates:
        return ""
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (reverse("admin:sources_source_change", args=[duplicate.pk]), str(duplicate))
            for duplicate in duplicates
        ),
    )
    return format_html(
        "{} {}",
        _("Possible duplicate: the same URL or the same file is already recorded on"),
        links,
    )


class FileCustodyEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FileCustodyEvent
    extra = 0
    fields = ["at", "action", "by", "detail"]
    readonly_fields = fields
    verbose_name_plural = _("custody log")


@admin.register(SourceFile)
class SourceFileAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Kept files and their custody logs. Files are added on their source's page."""

    list_display = [
        "original_name",
        "source",
        "mime_type",
        "size",
        "is_restricted",
        "is_graphic",
        "uploaded_at",
    ]
    list_filter = ["is_restricted", "is_graphic", "mime_type"]
    list_select_related = ["source"]
    search_fields = ["original_name", "sha256", "source__title"]
    search_help_text = _("File name, SHA-256 or source title.")
    inlines = [FileCustodyEventInline]
    form = SourceFileAdminForm
    fields = [
        "correction_reason",
        "source",
        "original_name",
        "sha256",
        "size",
        "mime_type",
        ("uploaded_by", "uploaded_at"),
        "is_restricted",
        "is_graphic",
        "notes",
    ]
    readonly_fields = [
        "source",
        "original_name",
        "sha256",
        "size",
        "mime_type",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def service_update(self, request, obj, form):
        return services.source_file_update(
            source_file=obj,
            by=request.user,
            reason=self.reason(request, form),
            **self.form_data(form, ("is_restricted", "is_graphic", "notes")),
        )


@admin.register(FileCustodyEvent)
class FileCustodyEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "source_file", "by"]
    list_filter = ["action"]
    list_select_related = ["source_file", "by"]
    search_fields = ["source_file__original_name", "source_file__sha256", "detail"]
    date_hierarchy = "at"


class ReportedFigureInline(admin.TabularInline):
    """Figures of a statement; on a public statement, changing them is an editor's correction."""

    model = ReportedFigure
    extra = 0
    fields = ["metric", "value", "unit", "period_start", "period_end", "as_of", "note"]


@admin.register(OfficialStatement)
class OfficialStatementAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = ["speaker", "organisation", "stated_on", "stance", "n_figures"]
    list_filter = ["stance", "organisation"]
    search_fields = ["speaker", "speaker_role", "organisation", "quote", "translation"]
    search_help_text = _("Speaker, role, organisation or words of the quote.")
    autocomplete_fields = ["reported_in"]
    form = OfficialStatementAdminForm
    inlines = [ReportedFigureInline]
    date_hierarchy = "stated_on"
    readonly_fields = ["created_at", "created_by", "updated_at", "cited_by"]
    fieldsets = [
        (None, {"fields": ["correction_reason"]}),
        (None, {"fields": [("speaker", "speaker_role"), "organisation", ("stated_on", "stance")]}),
        (_("What was said"), {"fields": ["quote", "quote_language", "translation"]}),
        (_("Where it was reported"), {"fields": ["reported_in", "cited_by", "notes"]}),
        (_("Record"), {"fields": [("created_at", "created_by"), "updated_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(figure_count=Count("figures"))
            .order_by(*OfficialStatement._meta.ordering)
        )

    @admin.display(description=_("Figures"), ordering="figure_count")
    def n_figures(self, obj):
        return obj.figure_count

    @admin.display(description=_("About incidents"))
    def cited_by(self, obj):
        return cited_by_links(obj)

    def service_create(self, request, form):
        return services.statement_create(
            by=request.user, data=self.form_data(form, services.STATEMENT_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.statement_update(
            statement=obj,
            by=request.user,
            data=self.form_data(form, services.STATEMENT_FIELDS),
            reason=self.reason(request, form),
        )

    def service_delete(self, request, obj):
        services.statement_delete(statement=obj, by=request.user)

    def inline_writes(self, request, reason):
        return {ReportedFigure: figure_writes(request, reason)}


@admin.register(ReportedFigure)
class ReportedFigureAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = ["metric", "value", "unit", "period_start", "period_end", "as_of", "statement"]
    list_select_related = ["statement"]
    search_fields = ["metric", "statement__speaker"]
    autocomplete_fields = ["statement"]
    form = ReportedFigureAdminForm

    def get_readonly_fields(self, request, obj=None):
        # A figure belongs to the statement that gave it; it is never moved to another one.
        return ["statement"] if obj is not None else []

    def service_create(self, request, form):
        return services.figure_create(
            statement=form.cleaned_data["statement"],
            by=request.user,
            data=self.form_data(form, services.FIGURE_FIELDS),
            reason=self.reason(request, form),
        )

    def service_update(self, request, obj, form):
        return services.figure_update(
            figure=obj,
            by=request.user,
            data=self.form_data(form, services.FIGURE_FIELDS),
            reason=self.reason(request, form),
        )

    def service_delete(self, request, obj):
        services.figure_delete(figure=obj, by=request.user, reason=self.reason(request))
