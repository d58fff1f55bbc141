from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases.admin import UserFormMixin
from sources import selectors, services
from sources.forms import SourceFileForm, SourceFileFormSet
from sources.models import (
    FileCustodyEvent,
    OfficialStatement,
    ReportedFigure,
    Source,
    SourceFile,
)


class CreatedByAdminMixin:
    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdminMixin:
    """Records written only by the services: people may look, not touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(Source)
class SourceAdmin(CreatedByAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "publisher",
        "published_on",
        "language",
        "is_graphic",
        "n_incidents",
    ]
    list_filter = ["kind", "is_graphic", "language"]
    search_fields = ["title", "publisher", "author", "url", "archive_url"]
    search_help_text = _("Title, publisher, author or URL.")
    autocomplete_fields = ["incidents"]
    inlines = [SourceFileInline]
    # Addresses typed without a scheme are https:// (Django 6's default, asked for today).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "published_on"
    readonly_fields = ["created_at", "created_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "title", ("publisher", "author"), "language"]}),
        (
            _("Where to find it"),
            {"fields": ["url", "archive_url", ("published_on", "accessed_on")]},
        ),
        (_("Handling"), {"fields": ["is_graphic", "notes", "incidents"]}),
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

    def save_model(self, request, obj, form, change):
        services.source_set_normalised_url(source=obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warning = duplicate_warning(form.instance)
        if warning:
            messages.warning(request, warning)

    def save_formset(self, request, form, formset, change):
        if formset.model is not SourceFile:
            return super().save_formset(request, form, formset, change)
        # New files go through the one service that hashes, stores and logs them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for file_form in formset.forms:
            if not file_form.has_changed():
                continue
            if file_form.instance.pk:
                file_form.save()
                formset.changed_objects.append((file_form.instance, file_form.changed_data))
            else:
                formset.new_objects.append(
                    services.source_file_add(
                        source=form.instance,
                        uploaded=file_form.cleaned_data["upload"],
                        by=request.user,
                        is_restricted=file_form.cleaned_data["is_restricted"],
                        is_graphic=file_form.cleaned_data["is_graphic"],
                        notes=file_form.cleaned_data["notes"],
                    )
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
class SourceFileAdmin(admin.ModelAdmin):
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
    fields = [
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


@admin.register(FileCustodyEvent)
class FileCustodyEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "source_file", "by"]
    list_filter = ["action"]
    list_select_related = ["source_file", "by"]
    search_fields = ["source_file__original_name", "source_file__sha256", "detail"]
    date_hierarchy = "at"


class ReportedFigureInline(admin.TabularInline):
    model = ReportedFigure
    extra = 0
    fields = ["metric", "value", "unit", "period_start", "period_end", "as_of", "note"]


@admin.register(OfficialStatement)
class OfficialStatementAdmin(CreatedByAdminMixin, SimpleHistoryAdmin):
    list_display = ["speaker", "organisation", "stated_on", "stance", "n_figures"]
    list_filter = ["stance", "organisation"]
    search_fields = ["speaker", "speaker_role", "organisation", "quote", "translation"]
    search_help_text = _("Speaker, role, organisation or words of the quote.")
    autocomplete_fields = ["reported_in", "incidents"]
    inlines = [ReportedFigureInline]
    date_hierarchy = "stated_on"
    readonly_fields = ["created_at", "created_by", "updated_at"]
    fieldsets = [
        (None, {"fields": [("speaker", "speaker_role"), "organisation", ("stated_on", "stance")]}),
        (_("What was said"), {"fields": ["quote", "quote_language", "translation"]}),
        (_("Where it was reported"), {"fields": ["reported_in", "incidents", "notes"]}),
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


@admin.register(ReportedFigure)
class ReportedFigureAdmin(SimpleHistoryAdmin):
    list_display = ["metric", "value", "unit", "period_start", "period_end", "as_of", "statement"]
    list_select_related = ["statement"]
    search_fields = ["metric", "statement__speaker"]
    autocomplete_fields = ["statement"]
