"""Captures of cited pages in the admin (issue 16): the status on a source's page with a button
to capture (again), a column and filter on the source list, a bulk action, and the list of
captures where editors find failures and retry them."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_base import ReadOnlyAdminMixin, refusal_messages
from sources.captures import capture_bulk, capture_request, capture_retry
from sources.models import Source, SourceCapture

State = SourceCapture.State


def latest_capture_state():
    latest = SourceCapture.objects.filter(source=OuterRef("pk")).order_by("-requested_at", "-pk")
    return Subquery(latest.values("state")[:1])


class CaptureFilter(admin.SimpleListFilter):
    title = _("capture of the URL")
    parameter_name = "capture"

    def lookups(self, request, model_admin):
        return [
            ("captured", _("Captured")),
            ("failed", _("Failed")),
            ("pending", _("Queued or running")),
            ("never", _("Never captured")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "captured":
            return queryset.filter(capture_state=State.DONE)
        if value == "failed":
            return queryset.filter(capture_state=State.FAILED)
        if value == "pending":
            return queryset.filter(capture_state__in=SourceCapture.ACTIVE_STATES)
        if value == "never":
            return queryset.filter(capture_state__isnull=True).exclude(url="")
        return queryset


def capture_summary(capture: SourceCapture | None) -> str:
    """One line for staff: captured on …, failed: why, or queued/running."""
    if capture is None:
        return str(_("Never captured."))
    if capture.state == State.DONE:
        return _("Captured on %(at)s.") % {"at": f"{capture.captured_at:%Y-%m-%d %H:%M} UTC"}
    if capture.state == State.FAILED:
        return _("Capture failed: %(reason)s") % {"reason": capture.reason or capture.failure}
    if capture.state == State.RETRYING:
        return _("Capture waiting to retry: %(reason)s") % {"reason": capture.reason}
    return str(capture.get_state_display())


class SourceCaptureAdminMixin:
    """Added to SourceAdmin: the capture status, the capture button and the bulk action."""

    capture_fieldset = (
        _("Preserved copy of the URL"),
        {"fields": ["capture_status"]},
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(capture_state=latest_capture_state())

    @admin.display(description=_("capture"), ordering="capture_state")
    def capture_column(self, obj):
        if not obj.url:
            return "—"
        return dict(State.choices).get(obj.capture_state, _("Never"))

    @admin.display(description=_("Preserved copy"))
    def capture_status(self, obj):
        if obj is None or not obj.pk:
            return _("Captured in the background once the source is saved with a URL.")
        capture = obj.captures.prefetch_related("files").first()
        parts = [format_html("<p>{}</p>", capture_summary(capture))]
        if capture is not None and capture.state == State.DONE:
            parts.append(
                format_html(
                    "<ul>{}</ul>",
                    format_html_join(
                        "",
                        '<li><a href="{}">{}</a> (SHA-256 <code>{}</code>)</li>',
                        (
                            (
                                reverse("admin:sources_sourcefile_change", args=[f.pk]),
                                f.original_name,
                                f.sha256,
                            )
                            for f in capture.files.all()
                        ),
                    ),
                )
            )
        if obj.url and (capture is None or not capture.is_active):
            if capture is None:
                label = _("Capture the URL now")
            elif capture.state == State.FAILED:
                label = _("Retry the capture")
            else:
                label = _("Capture again")
            # A link to a small confirmation form: a submit button here would sit inside the
            # change form and be the one Enter presses.
            parts.append(
                format_html(
                    '<a class="button" href="{}">{}</a>',
                    reverse("admin:sources_source_capture", args=[obj.pk]),
                    label,
                )
            )
        return format_html_join("", "{}", ((p,) for p in parts))

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/capture/",
                self.admin_site.admin_view(self.capture_view),
                name="sources_source_capture",
            )
        ]
        return urls + super().get_urls()

    def capture_view(self, request, pk):
        source = get_object_or_404(Source, pk=pk)
        if not self.has_change_permission(request, source):
            raise PermissionDenied
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin/sources/source/capture_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": _("Capture the URL of this source"),
                    "source": source,
                },
            )
        try:
            capture = capture_request(source=source, by=request.user)
        except (PermissionDenied, ValidationError) as error:
            for message in refusal_messages(error):
                messages.error(request, message)
        else:
            messages.success(
                request, _("Capture queued: %(state)s.") % {"state": capture.get_state_display()}
            )
        return HttpResponseRedirect(reverse("admin:sources_source_change", args=[pk]))

    @admin.action(description=_("Capture the URLs of the selected sources"))
    def capture_selected(self, request, queryset):
        try:
            captures = capture_bulk(sources=queryset, by=request.user)
        except (PermissionDenied, ValidationError) as error:
            for message in refusal_messages(error):
                messages.error(request, message)
            return
        messages.success(
            request,
            ngettext("%(n)d capture queued.", "%(n)d captures queued.", len(captures))
            % {"n": len(captures)},
        )


@admin.register(SourceCapture)
class SourceCaptureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The editors' list of captures: filter by state=failed and retry them."""

    list_display = ["url", "source", "state", "failure", "reason", "requested_at", "captured_at"]
    list_filter = ["state", "failure"]
    list_select_related = ["source"]
    search_fields = ["url", "reason", "source__title"]
    actions = ["retry_selected"]
    fields = [
        "source",
        "url",
        "state",
        "failure",
        "reason",
        "final_url",
        "http_status",
        "captured_at",
        "tools",
        "notes",
        "capture_files",
        "job",
        "requested_by",
        "requested_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("files"))
    def capture_files(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:sources_sourcefile_change", args=[f.pk]), f.original_name)
                for f in obj.files.all()
            ),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("sources.change_source"):
            actions.pop("retry_selected", None)
        return actions

    @admin.action(description=_("Retry the selected failed captures"))
    def retry_selected(self, request, queryset):
        retried = 0
        for capture in queryset.select_related("source").filter(state=State.FAILED):
            try:
                capture_retry(capture=capture, by=request.user)
            except (PermissionDenied, ValidationError) as error:
                for message in refusal_messages(error):
                    messages.error(request, message)
                return
            retried += 1
        messages.success(
            request,
            ngettext("%(n)d capture queued again.", "%(n)d captures queued again.", retried)
            % {"n": retried},
        )
