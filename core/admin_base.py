"""The admin as a user interface over the services.

Every admin write — add and change pages with their inlines, deletions, bulk actions — calls a
service, which consults ``cases.policy``. When a service refuses (``PermissionDenied`` or
``ValidationError``), the whole save is rolled back and the same page is shown again with the
refusal as a form error: nothing is half-written, and a crafted POST meets the same rules as a
browser's. The history pages only show old versions; they never save.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.forms import REASON_FIELD

REFUSALS = (PermissionDenied, ValidationError)


def refusal_messages(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error) or str(_("You do not have permission to do that."))]


def add_refusal(form: forms.Form, error: Exception) -> None:
    """Show a service's refusal on the fields it names, or on the form as a whole."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal_messages(error))


class ReadOnlyAdminMixin:
    """Records written only by the services: people may look, not touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Audit records are read-only for everyone, superusers included."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class UserFormMixin:
    """Hands the signed-in user to the inline's form, so it knows what to offer the user."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        return formset


@dataclass(frozen=True)
class InlineWrites:
    """The services behind one inline: each takes the form's object, its data and the reason.

    ``create(parent, data, form)``, ``update(obj, data, form)``, ``delete(obj)``; ``fields``
    are the model fields the form may hand to the services.
    """

    fields: tuple[str, ...]
    create: Callable
    update: Callable
    delete: Callable


class ServiceAdminMixin:
    """Routes every write of a ModelAdmin through services; see the module docstring.

    Subclasses implement ``service_create(request, form)`` and ``service_update(request, obj,
    form)`` (returning the saved object), ``service_delete(request, obj)``, and
    ``inline_writes(request, reason)`` mapping an inline model to its ``InlineWrites``.
    """

    reason_in_form = True

    # --- add and change pages --------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not hasattr(request, "_service_refusal"):
            try:
                with transaction.atomic():
                    return super().changeform_view(request, object_id, form_url, extra_context)
            except REFUSALS as refusal:
                if isinstance(refusal, PermissionDenied) and not hasattr(
                    request, "_service_reached"
                ):
                    raise  # the admin's own permission check: a 403, as before
                # Rolled back; show the same submission again with the refusal on the form.
                request._service_refusal = refusal
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        attrs = {"user": request.user}
        if refusal is not None:

            def clean(self):
                cleaned = super(refused, self).clean()
                add_refusal(self, refusal)
                return cleaned

            attrs["clean"] = clean
        refused = type(form.__name__, (form,), attrs)
        return refused

    def may_correct_public(self, request) -> bool:
        """Whether the user may change what readers see, giving a reason: the domain's policy
        answers (``cases.admin.PolicyAdminMixin``); core knows no policy."""
        raise NotImplementedError

    def get_fieldsets(self, request, obj=None):
        """The correction reason is asked of those who may correct public records (a new claim
        or figure may join a public record: the add pages ask too)."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.may_correct_public(request):
            return fieldsets
        trimmed = []
        for name, options in fieldsets:
            fields = [f for f in options.get("fields", []) if f != REASON_FIELD]
            if fields:
                trimmed.append((name, {**options, "fields": fields}))
        return trimmed

    def save_form(self, request, form, change):
        # The services save; the admin only hands them what the form cleaned.
        return form.instance

    def save_model(self, request, obj, form, change):
        request._service_reached = True
        saved = (
            self.service_update(request, obj, form)
            if change
            else self.service_create(request, form)
        )
        if saved is not obj:
            for field in type(obj)._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False
        form.instance = obj

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            # The admin's change message reads these; rows the services never reached (e.g.
            # nested under an empty new claim) have nothing to report.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for formset in formsets:
            # django-nested-admin lists nested formsets here too; they are saved with their
            # parent row (save_inline_formset), once that row exists.
            if getattr(formset, "nesting_depth", 1) == 1:
                self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        reason = self.reason(request, form)
        save_inline_formset(
            formset, parent=form.instance, writes=self.inline_writes(request, reason)
        )

    def reason(self, request, form=None) -> str:
        if form is not None and hasattr(form, "cleaned_data"):
            return form.cleaned_data.get(REASON_FIELD, "") or ""
        return request.POST.get(REASON_FIELD, "")

    def inline_writes(self, request, reason: str) -> dict:
        return {}

    @staticmethod
    def form_data(form, fields) -> dict:
        return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}

    # --- deletions -------------------------------------------------------------------------

    def delete_model(self, request, obj):
        request._service_reached = True
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        request._service_reached = True
        with transaction.atomic():
            for obj in queryset:
                self.service_delete(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except REFUSALS as refusal:
            if isinstance(refusal, PermissionDenied) and not hasattr(request, "_service_reached"):
                raise
            for message in refusal_messages(refusal):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except REFUSALS as refusal:
            if isinstance(refusal, PermissionDenied) and not hasattr(request, "_service_reached"):
                raise
            for message in refusal_messages(refusal):
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # --- history pages: read-only ------------------------------------------------------------

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's "view this version" page would save a posted form in full, around
        # every service; it is for reading old versions only.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


def save_inline_formset(formset, *, parent, writes: dict) -> None:
    """Save one inline formset (and its nested ones) through the services in ``writes``."""
    handler: InlineWrites | None = writes.get(formset.model)
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    if handler is None:
        # A read-only inline (e.g. a custody log): nothing may be written through it.
        if any(form.has_changed() for form in formset.forms):
            raise PermissionDenied(_("These records cannot be changed here."))
        return
    for form in formset.initial_forms:
        obj = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            handler.delete(obj)
            formset.deleted_objects.append(obj)
            continue
        if form.has_changed():
            data = {n: form.cleaned_data[n] for n in handler.fields if n in form.cleaned_data}
            handler.update(obj, data, form)
            formset.changed_objects.append((obj, form.changed_data))
    for form in formset.extra_forms:
        if not form.has_changed() or (formset.can_delete and formset._should_delete_form(form)):
            continue
        data = {n: form.cleaned_data[n] for n in handler.fields if n in form.cleaned_data}
        form.instance = handler.create(parent, data, form)
        formset.new_objects.append(form.instance)
    for form in formset.forms:
        if form.instance.pk is None or form.instance in formset.deleted_objects:
            continue
        for nested in getattr(form, "nested_formsets", []):
            nested.instance = form.instance
            save_inline_formset(nested, parent=form.instance, writes=writes)
