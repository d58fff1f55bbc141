"""Background jobs in the admin: read-only, with their progress and the reason of a failure."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_base import ReadOnlyAdminMixin
from jobs.models import Job


def progress_bar(job: Job) -> str:
    """A <progress> bar with the count in words (works without JavaScript or CSS)."""
    if job.progress_total:
        words = _("%(done)d of %(total)d") % {
            "done": job.progress_done,
            "total": job.progress_total,
        }
    else:
        words = f"{job.percent} %"
    return format_html(
        '<progress max="100" value="{}" aria-label="{}">{}</progress> {}',
        job.percent,
        _("progress"),
        words,
        words,
    )


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "state",
        "progress",
        "attempts",
        "requested_by",
        "created_at",
    )
    list_filter = ("state", "kind")
    list_select_related = ("requested_by",)
    search_fields = ("label", "key", "reason")
    date_hierarchy = "created_at"
    fields = (
        "label",
        "kind",
        "state",
        "progress",
        "stage",
        "reason",
        "attempts",
        "max_attempts",
        "retry_at",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "key",
        "payload",
        "result",
    )
    readonly_fields = fields

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return progress_bar(obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("jobs.view_job")
