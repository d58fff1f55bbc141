import csv

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_static import admin as _static_admin  # noqa: F401 (registers first)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _totp_admin  # noqa: F401 (registers first)
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, two_factor
from accounts.access_log import Action, record_access
from accounts.forms import ReasonForm, SuspendForm
from accounts.models import AccessEvent, StaffSession, User
from core.admin_base import ReadOnlyAdminMixin, refusal_messages

# django-otp's own device pages show secret keys and change devices with no access-log entry;
# enrolment and recovery go through accounts.views and the user's "Security" page instead.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

# Changing any of these changes what a person may do: each change goes to the access log.
ROLE_FIELDS = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")


def _field_value(form, name):
    value = form.cleaned_data.get(name)
    if hasattr(value, "__iter__") and not isinstance(value, str):
        return sorted(str(item) for item in value)
    return value


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "role_names",
        "access",
    ]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active", "access"]
    readonly_fields = ["access", "access_reason"]

    @admin.display(description=gettext_lazy("Roles"))
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = [name for name in ROLE_FIELDS if name in form.changed_data]
        if changed:
            record_access(
                request=request,
                action=Action.ROLE_CHANGED,
                obj=form.instance,
                detail={name: _field_value(form, name) for name in changed},
            )

    # --- the "Security" page: superusers sign a person out, reset 2FA, suspend -------------------

    def get_urls(self):
        return [
            path(
                "<int:object_id>/security/",
                self.admin_site.admin_view(self.security_view),
                name="accounts_user_security",
            ),
            *super().get_urls(),
        ]

    def security_view(self, request, object_id):
        if not request.user.is_superuser:
            raise PermissionDenied
        person = get_object_or_404(User, pk=object_id)
        reset_form = ReasonForm(prefix="reset")
        suspend_form = SuspendForm(prefix="suspend")
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "sign_out":
                    services.sign_out_everywhere(user=person, by=request.user, request=request)
                    messages.success(
                        request, _("%(person)s is signed out everywhere.") % {"person": person}
                    )
                    return redirect("admin:accounts_user_security", person.pk)
                if action == "reset":
                    reset_form = ReasonForm(request.POST, prefix="reset")
                    if reset_form.is_valid():
                        services.two_factor_reset(
                            user=person,
                            by=request.user,
                            reason=reset_form.cleaned_data["reason"],
                            request=request,
                        )
                        messages.success(request, _("Two-factor sign-in is reset."))
                        return redirect("admin:accounts_user_security", person.pk)
                elif action == "suspend":
                    suspend_form = SuspendForm(request.POST, prefix="suspend")
                    if suspend_form.is_valid():
                        services.account_suspend(
                            user=person,
                            access=suspend_form.cleaned_data["access"],
                            reason=suspend_form.cleaned_data["reason"],
                            by=request.user,
                            request=request,
                        )
                        messages.success(request, _("The account is suspended."))
                        return redirect("admin:accounts_user_security", person.pk)
                elif action == "restore":
                    services.account_restore(user=person, by=request.user, request=request)
                    messages.success(request, _("The account has full access again."))
                    return redirect("admin:accounts_user_security", person.pk)
            except ValidationError as error:
                for text in refusal_messages(error):
                    messages.error(request, text)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": person,
            "title": _("Security of %(person)s") % {"person": person.get_username()},
            "person": person,
            "authenticator": two_factor.authenticator(person),
            "backup_codes_left": two_factor.backup_codes_left(person),
            "sessions": StaffSession.objects.filter(user=person),
            "reset_form": reset_form,
            "suspend_form": suspend_form,
            "events": AccessEvent.objects.filter(
                object_id=str(person.pk), object_type__model="user"
            )[:20],
        }
        status = 400 if reset_form.errors or suspend_form.errors else 200
        return TemplateResponse(
            request, "admin/accounts/user/security.html", context, status=status
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "permissions" in form.changed_data or "name" in form.changed_data:
            record_access(
                request=request,
                action=Action.ROLE_CHANGED,
                obj=form.instance,
                detail={"permissions": _field_value(form, "permissions")},
            )


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The access log: superusers only, read-only, filterable, exportable as CSV."""

    list_display = ["at", "username", "action", "object_repr", "address", "path"]
    list_filter = ["action", "at", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "object_repr", "address", "path"]
    date_hierarchy = "at"
    list_select_related = ["object_type"]
    actions = ["export_csv"]
    fields = [
        "at",
        "username",
        "user",
        "action",
        "address",
        "path",
        "object_type",
        "object_id",
        "object_repr",
        "detail",
    ]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def get_actions(self, request):
        # The action only: "delete selected" never applies to the log.
        return {
            name: action
            for name, action in super().get_actions(request).items()
            if name == "export_csv"
        }

    @admin.action(description=gettext_lazy("Export the selected entries as CSV"))
    def export_csv(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="access-log-{timezone.now():%Y-%m-%d}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "time",
                "username",
                "action",
                "address",
                "path",
                "object_type",
                "object_id",
                "object",
                "detail",
            ]
        )
        rows = 0
        for event in queryset.select_related("object_type").order_by("at", "pk"):
            writer.writerow(
                [
                    event.at.isoformat(),
                    event.username,
                    event.action,
                    event.address,
                    event.path,
                    event.object_type.model if event.object_type else "",
                    event.object_id,
                    event.object_repr,
                    event.detail,
                ]
            )
            rows += 1
        record_access(request=request, action=Action.LOG_EXPORTED, detail={"rows": rows})
        return response
