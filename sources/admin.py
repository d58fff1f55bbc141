from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from sources.models import OfficialStatement, ReportedFigure, Source


class CreatedByAdminMixin:
    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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
