"""Bulk edits on the incident list in the admin (issue 19), through the services.

Four actions: cite a source for many incidents, set the category or the oblast of many drafts,
submit many drafts for review. Each first shows a preview — the form, and what would happen to
every selected incident (change / already so / left alone, with the reason) — and writes
nothing; "Apply" then calls the service once per incident, each in its own transaction (one
refusal does not undo the others), and shows the report. On public incidents the rules are the
admin's own (``cases.policy``): only an editor, with a reason, cites a source for a public
incident (a public correction); category and oblast are set on drafts only (a public record is
corrected on its own page) and only drafts are submitted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import policy, services
from cases.models import Category, Incident, Oblast
from sources import services as source_services
from sources.models import Source
from sources.normalise import normalise_url

CHANGE, SAME, LEFT = "change", "same", "left"


@dataclass
class Outcome:
    incident: Incident
    kind: str  # CHANGE, SAME or LEFT
    reason: str = ""


class SourceBulkForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Source URL"), max_length=2000, assume_scheme="https")
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=400,
        required=False,
        help_text=gettext_lazy("For a new source; empty: the URL. A known URL is reused."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=Source.Kind.choices, initial=Source.Kind.OTHER
    )
    correction_reason = forms.CharField(
        label=gettext_lazy("Reason (public incidents)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=gettext_lazy(
            "Editors only: citing a source for a public incident is a public correction."
        ),
    )


class CategoryBulkForm(forms.Form):
    value = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)


class OblastBulkForm(forms.Form):
    value = forms.ChoiceField(label=gettext_lazy("Oblast"), choices=Oblast.choices)


class SubmitBulkForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note for the editors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


def _source_outcomes(incidents, user, data) -> list[Outcome]:
    key = normalise_url(data["url"])
    source = Source.objects.filter(normalised_url=key).order_by("pk").first()
    cited = set(source.incidents.values_list("pk", flat=True)) if source else set()
    outcomes = []
    for incident in incidents:
        if incident.pk in cited:
            outcomes.append(Outcome(incident, SAME, _("already cites it")))
        elif incident.is_public and not policy.may_correct_public(user):
            outcomes.append(
                Outcome(incident, LEFT, _("public: only an editor corrects it, with a reason"))
            )
        elif incident.is_public and not data["correction_reason"].strip():
            outcomes.append(Outcome(incident, LEFT, _("public: give a reason")))
        else:
            outcomes.append(Outcome(incident, CHANGE))
    return outcomes


def _field_outcomes(incidents, name: str, value: str) -> list[Outcome]:
    outcomes = []
    for incident in incidents:
        if incident.status != Incident.Status.DRAFT:
            outcomes.append(Outcome(incident, LEFT, _("not a draft: correct it on its own page")))
        elif getattr(incident, name) == value:
            outcomes.append(Outcome(incident, SAME, _("already so")))
        else:
            outcomes.append(Outcome(incident, CHANGE))
    return outcomes


def _submit_outcomes(incidents, user) -> list[Outcome]:
    outcomes = []
    for incident in incidents:
        if incident.status == Incident.Status.IN_REVIEW:
            outcomes.append(Outcome(incident, SAME, _("already in review")))
        elif "submit" not in services.allowed_actions(incident=incident, user=user):
            outcomes.append(Outcome(incident, LEFT, _("not a draft you may submit")))
        else:
            outcomes.append(Outcome(incident, CHANGE))
    return outcomes


def _apply_one(outcome: Outcome, call) -> None:
    try:
        with transaction.atomic():
            call(outcome.incident)
    except (ValidationError, PermissionDenied) as error:
        outcome.kind = LEFT
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        outcome.reason = " ".join(messages)


class BulkEditAdminMixin:
    """The four bulk actions on the incident admin's list."""

    actions = ["bulk_add_source", "bulk_set_category", "bulk_set_oblast", "bulk_submit"]

    def _bulk(self, request, queryset, *, title, form_class, outcomes_of, apply):
        incidents = list(queryset.order_by("pk"))
        applying = request.POST.get("bulk_step") == "apply"
        form = form_class(request.POST if "bulk_step" in request.POST else None)
        outcomes = None
        if form.is_bound and form.is_valid():
            outcomes = outcomes_of(incidents, form.cleaned_data)
            if applying:
                for outcome in outcomes:
                    if outcome.kind == CHANGE:
                        _apply_one(outcome, lambda i, d=form.cleaned_data: apply(i, d))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "outcomes": outcomes,
            "applied": applying and outcomes is not None,
            "action": request.POST.get("action"),
            "selected": [incident.pk for incident in incidents],
            "counts": {
                kind: sum(o.kind == kind for o in outcomes or []) for kind in (CHANGE, SAME, LEFT)
            },
        }
        return TemplateResponse(request, "admin/cases/incident/bulk_edit.html", context)

    @admin.action(description=gettext_lazy("Cite a source for the selected incidents"))
    def bulk_add_source(self, request, queryset):
        user = request.user

        def apply(incident, data):
            source = Source.objects.filter(normalised_url=normalise_url(data["url"])).first()
            if source is None:
                source = source_services.source_create(
                    by=user,
                    data={
                        "url": data["url"],
                        "title": data["title"] or data["url"][:400],
                        "kind": data["kind"],
                    },
                )
            services.incident_link_source(
                incident=incident, source=source, by=user, reason=data["correction_reason"]
            )

        return self._bulk(
            request,
            queryset,
            title=_("Cite a source for the selected incidents"),
            form_class=SourceBulkForm,
            outcomes_of=lambda incidents, data: _source_outcomes(incidents, user, data),
            apply=apply,
        )

    def _set(self, request, queryset, name, form_class, title):
        user = request.user
        return self._bulk(
            request,
            queryset,
            title=title,
            form_class=form_class,
            outcomes_of=lambda incidents, data: _field_outcomes(incidents, name, data["value"]),
            apply=lambda incident, data: services.incident_update(
                incident=incident, by=user, data={name: data["value"]}
            ),
        )

    @admin.action(description=gettext_lazy("Set the category of the selected drafts"))
    def bulk_set_category(self, request, queryset):
        return self._set(
            request, queryset, "category", CategoryBulkForm, _("Set the category of drafts")
        )

    @admin.action(description=gettext_lazy("Set the oblast of the selected drafts"))
    def bulk_set_oblast(self, request, queryset):
        return self._set(request, queryset, "oblast", OblastBulkForm, _("Set the oblast of drafts"))

    @admin.action(description=gettext_lazy("Submit the selected drafts for review"))
    def bulk_submit(self, request, queryset):
        user = request.user
        return self._bulk(
            request,
            queryset,
            title=_("Submit drafts for review"),
            form_class=SubmitBulkForm,
            outcomes_of=lambda incidents, data: _submit_outcomes(incidents, user),
            apply=lambda incident, data: services.incident_transition(
                incident=incident, action="submit", by=user, note=data["note"]
            ),
        )
