"""A read-only list of alleged victims across incidents (issue 20: least privilege).

Withheld names, internal notes and the reasons for publishing an identity are shown only to staff
with ``accounts.view_withheld_identities`` (Editors hold it; a Researcher can be given it); others
see "[withheld]", and those fields are not searchable for them. Showing withheld names goes to
the access log. Victims are entered and corrected on their incident's page.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access_log import Action, record_access
from cases.models import AllegedVictim

PERMISSION = "accounts.view_withheld_identities"
MASK = "[withheld]"


def may_see_identities(user) -> bool:
    return user.has_perm(PERMISSION)


@admin.register(AllegedVictim)
class AllegedVictimAdmin(admin.ModelAdmin):
    list_display = ["shown_name", "incident", "status", "fate", "count", "identity_public"]
    list_filter = ["status", "fate", "identity_public"]
    list_select_related = ["incident"]
    actions = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if may_see_identities(request.user):
            return queryset.annotate(shown_name_value=F("name"), shown_notes_value=F("notes"))
        # Masked in the query itself, so no template or export path can show the real value.
        return queryset.annotate(
            shown_name_value=Case(When(identity_public=True, then=F("name")), default=Value(MASK)),
            shown_notes_value=Value(MASK),
        )

    @admin.display(description=_("name"), ordering="shown_name_value")
    def shown_name(self, obj):
        return obj.shown_name_value or "—"

    @admin.display(description=_("internal notes"))
    def shown_notes(self, obj):
        return obj.shown_notes_value or "—"

    def get_search_fields(self, request):
        if may_see_identities(request.user):
            return ["name", "incident__title"]
        return ["incident__title"]

    def get_fields(self, request, obj=None):
        fields = ["incident", "shown_name", "status", "fate", "count", "age", "sex"]
        fields += ["identity_public", "shown_notes"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting an incident deletes its victims: the admin's confirmation asks this admin, so it
    # keeps the model permission; this list itself offers no delete (no actions, no page).
    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and may_see_identities(request.user):
            record_access(
                request=request,
                action=Action.WITHHELD_NAME_VIEWED,
                detail={"list": gettext("alleged victims")},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code != 200 or request.method != "GET":
            return response
        victim = self.get_object(request, object_id)
        if (
            victim is not None
            and victim.name
            and not victim.identity_public
            and may_see_identities(request.user)
        ):
            record_access(request=request, action=Action.WITHHELD_NAME_VIEWED, obj=victim)
        return response
