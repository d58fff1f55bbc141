"""Legal texts and incidents' legal mappings in the admin: a user interface over ``law.services``.

- Provisions, with their elements inline: everyone on staff reads them; editors add and amend
  them; nobody deletes one.
- Provisions that may apply to an incident, with the claims linked to their elements inline:
  researchers and editors on drafts; on public incidents editors, with a public reason.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cases import policy
from cases.admin import PolicyAdminMixin
from cases.models import Claim
from core.admin_base import InlineWrites
from core.forms import reason_field
from law import services
from law.models import ClaimElement, Element, IncidentProvision, Provision


class ElementInline(admin.TabularInline):
    model = Element
    extra = 0
    fields = ["number", "identifier", "kind", "text"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provision)
class ProvisionAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    list_display = ["short_name", "title", "code", "instrument", "conflict_type"]
    list_filter = ["instrument", "conflict_type"]
    search_fields = ["code", "article", "title", "text"]
    fields = list(services.PROVISION_FIELDS)
    inlines = [ElementInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def service_create(self, request, form):
        return services.provision_create(
            by=request.user, data=self.form_data(form, services.PROVISION_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.provision_update(
            provision=obj, by=request.user, data=self.form_data(form, services.PROVISION_FIELDS)
        )

    def service_delete(self, request, obj):
        raise PermissionDenied(_("Legal provisions are never deleted."))

    def inline_writes(self, request, reason):
        by = request.user
        return {
            Element: InlineWrites(
                fields=services.ELEMENT_FIELDS,
                create=lambda provision, data, form: services.element_create(
                    provision=provision, by=by, data=data
                ),
                update=lambda element, data, form: services.element_update(
                    element=element, by=by, data=data
                ),
                delete=lambda element: services.element_delete(element=element, by=by),
            )
        }


class IncidentProvisionForm(forms.ModelForm):
    correction_reason = reason_field()

    class Meta:
        model = IncidentProvision
        fields = ["incident", "provision", "liability", "note"]


class ClaimElementInline(admin.TabularInline):
    """The claims linked to the elements of one chosen provision (choices: this incident's
    claims, this provision's elements)."""

    model = ClaimElement
    extra = 1
    fields = ["element", "claim", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        parent = getattr(request, "_law_parent", None)
        if db_field.name == "element":
            kwargs["queryset"] = Element.objects.filter(
                provision_id=parent.provision_id if parent else None
            )
        elif db_field.name == "claim":
            kwargs["queryset"] = Claim.objects.filter(
                incident_id=parent.incident_id if parent else None
            ).order_by("pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.incident.is_public
            and not policy.may_correct_public(request.user)
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(IncidentProvision)
class IncidentProvisionAdmin(PolicyAdminMixin, SimpleHistoryAdmin):
    form = IncidentProvisionForm
    list_display = ["incident", "provision", "liability"]
    list_filter = ["provision", "liability", "incident__status"]
    list_select_related = ["incident", "provision"]
    search_fields = ["incident__title", "provision__code", "provision__article"]
    autocomplete_fields = ["incident"]
    fieldsets = [
        (None, {"fields": ["correction_reason"], "classes": ["correction"]}),
        (None, {"fields": ["incident", "provision", "liability", "note"]}),
    ]
    inlines = [ClaimElementInline]

    def get_readonly_fields(self, request, obj=None):
        return ["incident", "provision"] if obj is not None else []

    def get_inline_instances(self, request, obj=None):
        # The inline's choices depend on the chosen incident and provision: links are added
        # once the provision is saved for the incident.
        request._law_parent = obj
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and obj.incident.is_public
            and not policy.may_correct_public(request.user)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def service_create(self, request, form):
        return services.incident_provision_add(
            incident=form.cleaned_data["incident"],
            provision=form.cleaned_data["provision"],
            by=request.user,
            data=self.form_data(form, services.INCIDENT_PROVISION_FIELDS),
            reason=self.reason(request, form),
        )

    def service_update(self, request, obj, form):
        return services.incident_provision_update(
            incident_provision=obj,
            by=request.user,
            data=self.form_data(form, services.INCIDENT_PROVISION_FIELDS),
            reason=self.reason(request, form),
        )

    def service_delete(self, request, obj):
        services.incident_provision_remove(
            incident_provision=obj, by=request.user, reason=self.reason(request)
        )

    def inline_writes(self, request, reason):
        by = request.user
        return {
            ClaimElement: InlineWrites(
                fields=services.LINK_FIELDS,
                create=lambda chosen, data, form: services.claim_element_link(
                    incident_provision=chosen,
                    element=data.get("element"),
                    claim=data.get("claim"),
                    note=data.get("note", ""),
                    by=by,
                    reason=reason,
                ),
                update=lambda link, data, form: services.claim_element_update(
                    link=link, by=by, data=data, reason=reason
                ),
                delete=lambda link: services.claim_element_unlink(link=link, by=by, reason=reason),
            )
        }
