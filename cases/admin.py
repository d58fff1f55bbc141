"""Data entry: one incident page edits its victims, claims (with their evidence), sources and
statements. Every write goes through ``cases.services`` (see ``core.admin_base``), which apply
the publication policy: the admin only shows forms and hands over what they cleaned."""

import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.access_log import Action, record_access
from cases import policy, services
from cases.admin_writes import claim_writes, incident_part_writes
from cases.forms import (
    ClaimForm,
    CorrectionProposalForm,
    IncidentAdminForm,
    VictimForm,
)
from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Correction,
    CorrectionProposal,
    Incident,
    PublicationEvent,
    VerificationStatus,
)
from core.admin_base import (
    AuditAdmin,
    ServiceAdminMixin,
    UserFormMixin,
    add_refusal,
)


def is_public_record(obj) -> bool:
    """Whether ``obj`` is, or belongs to, an incident readers can see."""
    if isinstance(obj, Incident):
        return obj.is_public
    if isinstance(obj, (Claim, AllegedVictim)):
        return obj.incident_id is not None and obj.incident.is_public
    if isinstance(obj, ClaimEvidence):
        return obj.claim_id is not None and obj.claim.incident.is_public
    return False


class PolicyAdminMixin(ServiceAdminMixin):
    """The admin over the services, asking ``cases.policy`` who may correct public records."""

    def may_correct_public(self, request) -> bool:
        return policy.may_correct_public(request.user)


class EditorsDeletePublicMixin:
    """Offer the delete box on a public incident's parts only to those the policy lets delete
    them (the services refuse anyone else regardless). For inlines ``obj`` is the parent."""

    def has_delete_permission(self, request, obj=None):
        if is_public_record(obj) and not policy.may_correct_public(request.user):
            return False
        return super().has_delete_permission(request, obj)


class EvidenceInline(EditorsDeletePublicMixin, nested_admin.NestedTabularInline):
    model = ClaimEvidence
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "relation", "note"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 40})}
    }
    verbose_name = _("evidence")
    verbose_name_plural = _("evidence: sources for or against this claim")


class ClaimInline(EditorsDeletePublicMixin, UserFormMixin, nested_admin.NestedStackedInline):
    model = Claim
    form = ClaimForm
    extra = 0
    autocomplete_fields = ["statement"]

    def get_queryset(self, request):
        # The evidence inline asks each claim whether its incident is public: one query.
        return super().get_queryset(request).select_related("incident")

    inlines = [EvidenceInline]
    fields = [
        "text",
        ("text_language", "text_en", "text_uk"),
        "claimant",
        "statement",
        ("status", "methods"),
        "rationale",
        "loaded_version",
        "status_change_info",
    ]
    readonly_fields = ["status_change_info"]

    @admin.display(description=_("Status last changed"))
    def status_change_info(self, obj):
        if not obj.pk or not obj.status_changed_at:
            return "—"
        return format_html(
            "{} by {}", f"{obj.status_changed_at:%Y-%m-%d %H:%M}", obj.status_changed_by
        )


class VictimInline(EditorsDeletePublicMixin, UserFormMixin, nested_admin.NestedTabularInline):
    model = AllegedVictim
    form = VictimForm
    extra = 0
    fields = list(services.VICTIM_FIELDS)


class SourceLinkInline(EditorsDeletePublicMixin, nested_admin.NestedTabularInline):
    model = Incident.sources.through
    extra = 0
    autocomplete_fields = ["source"]
    verbose_name = _("source")
    verbose_name_plural = _("sources cited for this incident")


class StatementLinkInline(EditorsDeletePublicMixin, nested_admin.NestedTabularInline):
    model = Incident.statements.through
    extra = 0
    autocomplete_fields = ["officialstatement"]
    verbose_name = _("official statement")
    verbose_name_plural = _("official statements about this incident")


class ClaimStatusFilter(admin.SimpleListFilter):
    title = _("claim status")
    parameter_name = "claim_status"

    def lookups(self, request, model_admin):
        return VerificationStatus.choices

    def queryset(self, request, queryset):
        if self.value() in VerificationStatus.values:
            return queryset.filter(claims__status=self.value()).distinct()
        return queryset


class WorkflowForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)


def _log_withheld_names(request, incident: Incident) -> None:
    """The incident's page shows its victims' withheld names: the access log says who saw them
    (issue 20). Never the names themselves."""
    withheld = incident.victims.filter(identity_public=False).exclude(name="").count()
    if withheld:
        record_access(
            request=request,
            action=Action.WITHHELD_NAME_VIEWED,
            obj=incident,
            detail={"withheld_names": withheld},
        )


@admin.register(Incident)
class IncidentAdmin(
    PolicyAdminMixin,
    nested_admin.NestedModelAdminMixin,
    SimpleHistoryAdmin,
):
    form = IncidentAdminForm
    inlines = [VictimInline, ClaimInline, SourceLinkInline, StatementLinkInline]
    list_display = [
        "title",
        "occurred_from",
        "oblast",
        "category",
        "status",
        "claims_by_status",
        "updated_at",
    ]
    list_filter = [
        "status",
        "category",
        "oblast",
        "oblast_derived",
        ClaimStatusFilter,
        "date_precision",
    ]
    search_fields = [
        "title",
        "title_en",
        "title_uk",
        "summary",
        "place_name",
        "perpetrator",
        "claims__text",
        "claims__text_uk",
        "external_id",
    ]
    search_help_text = _("Title, summary, place, perpetrator, claim text or external id.")
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "occurred_from"
    list_per_page = 50
    readonly_fields = [
        "status",
        "published_at",
        "published_by",
        "retraction_note",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "external_id",
        "oblast_derived",
    ]
    fieldsets = [
        (None, {"fields": ["correction_reason"], "classes": ["correction"]}),
        (None, {"fields": ["title", "slug", "summary", "description", "loaded_version"]}),
        # issue 15: the text above is the original; translations into the interface languages.
        (
            _("Languages"),
            {
                "fields": [
                    "original_language",
                    ("title_en", "title_uk"),
                    ("summary_en", "summary_uk"),
                    ("description_en", "description_uk"),
                ]
            },
        ),
        (_("When"), {"fields": [("occurred_from", "occurred_to", "date_precision")]}),
        (
            _("Where"),
            {
                "fields": [
                    ("place_name", "oblast", "oblast_derived", "country"),
                    ("latitude", "longitude", "location_precision"),
                ]
            },
        ),
        (
            _("What"),
            {
                "fields": [
                    "category",
                    "perpetrator",
                    ("victims_min", "victims_max"),
                    "legal_references",
                ]
            },
        ),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    ("published_at", "published_by"),
                    "retraction_note",
                    ("created_at", "created_by"),
                    ("updated_at", "updated_by"),
                    "external_id",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        tallies = {
            f"n_{value}": Count("claims", filter=Q(claims__status=value))
            for value in VerificationStatus.values
        }
        return super().get_queryset(request).annotate(**tallies).order_by(*Incident._meta.ordering)

    @admin.display(description=_("Claims"))
    def claims_by_status(self, obj):
        parts = [
            (getattr(obj, f"n_{value}", 0), label)
            for value, label in VerificationStatus.choices
            if getattr(obj, f"n_{value}", 0)
        ]
        return format_html_join(", ", "{} {}", parts) or "—"

    def service_create(self, request, form):
        return services.incident_create(
            by=request.user, data=self.form_data(form, services.INCIDENT_FIELDS)
        )

    def service_update(self, request, obj, form):
        return services.incident_update(
            incident=obj,
            by=request.user,
            data=self.form_data(form, services.INCIDENT_FIELDS),
            reason=self.reason(request, form),
            expected_version=form.cleaned_data.get("loaded_version"),
        )

    def service_delete(self, request, obj):
        services.incident_delete(incident=obj, by=request.user)

    def inline_writes(self, request, reason):
        return incident_part_writes(request, reason)

    # --- publication workflow -------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="cases_incident_workflow",
            ),
            path(
                "<path:object_id>/propose-correction/",
                self.admin_site.admin_view(self.propose_correction_view),
                name="cases_incident_propose_correction",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        incident = self.get_object(request, object_id)
        if incident is not None:
            extra_context["workflow_actions"] = [
                (
                    PublicationEvent.Action(action).verb,
                    reverse("admin:cases_incident_workflow", args=[incident.pk, action]),
                )
                for action in services.allowed_actions(incident=incident, user=request.user)
            ]
            extra_context["publication_events"] = incident.publication_events.select_related("by")
            extra_context["corrections"] = incident.corrections.select_related("by")
            extra_context["may_correct_public"] = policy.may_correct_public(request.user)
            if request.method == "GET":
                _log_withheld_names(request, incident)
            if incident.is_public and self.has_change_permission(request, incident):
                extra_context["propose_url"] = reverse(
                    "admin:cases_incident_propose_correction", args=[incident.pk]
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_view(self, request, object_id, action):
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        if action not in PublicationEvent.Action.values:
            raise PermissionDenied
        action = PublicationEvent.Action(action)
        change_url = reverse("admin:cases_incident_change", args=[incident.pk])
        if request.method == "POST":
            form = WorkflowForm(request.POST)
            if form.is_valid():
                try:
                    services.incident_transition(
                        incident=incident,
                        action=action,
                        by=request.user,
                        note=form.cleaned_data["note"],
                        expected_version=form.cleaned_data["loaded_version"],
                    )
                except (PermissionDenied, ValidationError) as error:
                    add_refusal(form, error)
                else:
                    self.message_user(
                        request,
                        _("“%(title)s”: %(action)s.") % {"title": incident, "action": action.label},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = WorkflowForm(initial={"loaded_version": incident.version})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": incident,
            "title": _("%(action)s: %(title)s") % {"action": action.verb, "title": incident},
            "action": action,
            "form": form,
            "note_required": action in services.NOTE_REQUIRED,
            "note_public": action == PublicationEvent.Action.RETRACT,
            "change_url": change_url,
            "permitted": action in services.allowed_actions(incident=incident, user=request.user),
        }
        status = 200 if context["permitted"] or request.method == "POST" else 403
        if request.method == "POST" and form.errors and not context["permitted"]:
            status = 403
        return TemplateResponse(
            request, "admin/cases/incident/workflow.html", context, status=status
        )

    def propose_correction_view(self, request, object_id):
        """A researcher's way to change a public incident: ask the editors, with a reason."""
        incident = get_object_or_404(Incident, pk=object_id)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        change_url = reverse("admin:cases_incident_change", args=[incident.pk])
        form = CorrectionProposalForm(request.POST or None, incident=incident)
        if request.method == "POST" and form.is_valid():
            try:
                services.correction_propose(incident=incident, by=request.user, **form.cleaned_data)
            except (PermissionDenied, ValidationError) as refusal:
                add_refusal(form, refusal)
            else:
                self.message_user(
                    request,
                    _("Your proposed correction is in the editors' queue."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": incident,
            "title": _("Propose a correction: %(title)s") % {"title": incident},
            "form": form,
            "change_url": change_url,
            "proposals": incident.correction_proposals.select_related("proposed_by", "decided_by"),
        }
        return TemplateResponse(
            request,
            "admin/cases/incident/propose_correction.html",
            context,
            status=400 if form.errors else 200,
        )


@admin.register(Claim)
class ClaimAdmin(PolicyAdminMixin, EditorsDeletePublicMixin, UserFormMixin, SimpleHistoryAdmin):
    form = ClaimForm
    list_display = ["__str__", "incident", "status", "claimant", "status_changed_at"]
    list_filter = ["status", "incident__status", "incident__category"]
    search_fields = ["text", "claimant", "incident__title"]
    list_select_related = ["incident"]
    autocomplete_fields = ["incident", "statement"]
    inlines = []
    fields = [
        "correction_reason",
        "incident",
        "text",
        "text_language",
        "text_en",
        "text_uk",
        "claimant",
        "statement",
        "status",
        "methods",
        "rationale",
        "loaded_version",
    ]

    def service_create(self, request, form):
        data = self.form_data(form, services.CLAIM_FIELDS)
        return claim_writes(request, self.reason(request, form)).create(
            form.cleaned_data["incident"], data, form
        )

    def service_update(self, request, obj, form):
        data = self.form_data(form, (*services.CLAIM_FIELDS, "incident"))
        return claim_writes(request, self.reason(request, form)).update(obj, data, form)

    def service_delete(self, request, obj):
        services.claim_delete(claim=obj, by=request.user, reason=self.reason(request))

    def inline_writes(self, request, reason):
        return incident_part_writes(request, reason)


class EvidenceStandaloneInline(EditorsDeletePublicMixin, admin.TabularInline):
    model = ClaimEvidence
    extra = 0
    autocomplete_fields = ["source"]


ClaimAdmin.inlines = [EvidenceStandaloneInline]


@admin.register(ClaimStatusChange)
class ClaimStatusChangeAdmin(AuditAdmin):
    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "from_status"]
    list_select_related = ["claim", "changed_by"]
    search_fields = ["claim__text", "rationale"]
    date_hierarchy = "changed_at"


@admin.register(PublicationEvent)
class PublicationEventAdmin(AuditAdmin):
    list_display = ["incident", "action", "from_status", "to_status", "by", "at"]
    list_filter = ["action"]
    list_select_related = ["incident", "by"]
    search_fields = ["incident__title", "note"]
    date_hierarchy = "at"


@admin.register(Correction)
class CorrectionAdmin(AuditAdmin):
    list_display = ["at", "record", "incident", "source", "statement", "by"]
    list_select_related = ["incident", "source", "statement", "by"]
    search_fields = ["record", "reason", "incident__title"]
    date_hierarchy = "at"


@admin.register(CorrectionProposal)
class CorrectionProposalAdmin(AuditAdmin):
    """Proposals are made on the incident's page and decided in the review queue."""

    list_display = ["__str__", "incident", "status", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["incident", "proposed_by", "decided_by"]
    search_fields = ["what", "why", "incident__title"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


from cases import admin_victims  # noqa: E402,F401 (issue 20: registers the victims list)
