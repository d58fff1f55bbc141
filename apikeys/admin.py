"""API tokens in the admin: staff make, list and revoke their own; superusers everyone's.
The key is shown once, in a message after it is made."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apikeys import services
from apikeys.forms import TokenCreateForm
from apikeys.models import ApiToken
from core.admin_base import REFUSALS, add_refusal


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    actions = ["revoke"]
    fields = [
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or services.may_manage(by=request.user, user=obj.user)

    def has_add_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # tokens are made and revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the record of who held a token stays

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            actions["revoke"] = self.get_action("revoke")
        return actions

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset:
            try:
                revoked += services.token_revoke(token=token, by=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TokenCreateForm(request.POST or None, by=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                token, key = services.token_create(
                    by=request.user,
                    user=data.get("user") or request.user,
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_at=data["expires_at"],
                )
            except REFUSALS as error:
                add_refusal(form, error)
            else:
                self.message_user(
                    request,
                    _("Token “%(name)s” made. Copy the key now, it is not shown again: %(key)s")
                    % {"name": token.name, "key": key},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:apikeys_apitoken_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Make an API token"),
            "opts": self.model._meta,
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/apikeys/apitoken/create.html", context)
