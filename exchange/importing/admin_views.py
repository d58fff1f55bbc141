"""The admin's import page: upload → preview (per-row errors, what would change) → confirm.

Between preview and confirm the uploaded file waits in a private folder outside MEDIA_ROOT
(``settings.IMPORT_UPLOAD_DIR``, by default ``<tmp>/case-tracker-imports``) under a random
name that only the uploader's session knows, with its SHA-256; confirm re-reads it, checks the
hash, validates again and imports. Files older than a day are removed on the next upload.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts.access_log import Action, record_access
from exchange.importing.mapping import Mapping, MappingError, load_mapping, shipped_mappings
from exchange.importing.reader import FileError
from exchange.importing.writer import ImportResult, import_incidents
from jobs.models import Job
from jobs.services import enqueue

SESSION_KEY = "incident_import"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 500
NATIVE = "native"
UPLOADED = "upload"


def upload_dir() -> Path:
    folder = Path(settings.IMPORT_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _clean_old_uploads(folder: Path, max_age: float = 24 * 3600) -> None:
    cutoff = time.time() - max_age
    for stale in folder.glob("*.csv"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (UTF-8)"))
    mapping = forms.ChoiceField(label=_("Format"))
    mapping_file = forms.FileField(
        label=_("Mapping file (JSON)"),
        required=False,
        help_text=_("Only with “my own mapping file”. See docs/import.md for the format."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].choices = [
            (NATIVE, _("Native format (docs/import.md)")),
            *[(name, _("Mapping: %(name)s") % {"name": name}) for name in shipped_mappings()],
            (UPLOADED, _("My own mapping file")),
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("mapping")
        if choice == UPLOADED and not cleaned.get("mapping_file"):
            self.add_error("mapping_file", _("Upload the mapping file, or choose a format."))
        if choice and not self.errors:
            try:
                cleaned["mapping_text"] = _mapping_text(choice, cleaned.get("mapping_file"))
                mapping_from_text(cleaned["mapping_text"])
            except MappingError as error:
                self.add_error("mapping_file" if choice == UPLOADED else "mapping", str(error))
        return cleaned


def _mapping_text(choice: str, upload) -> str:
    if choice == NATIVE:
        return ""
    if choice == UPLOADED:
        try:
            return upload.read(1024 * 1024).decode("utf-8")
        except UnicodeDecodeError:
            raise MappingError("The mapping file is not UTF-8.") from None
    return shipped_mappings()[choice].read_text(encoding="utf-8")


def mapping_from_text(text: str) -> Mapping | None:
    return load_mapping(text) if text else None


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and leave out the invalid ones"), required=False
    )


class IncidentImportAdminMixin:
    """Adds ``import/`` to the Incident admin. Needs permission to add and change incidents."""

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="cases_incident_import",
            ),
            # issue 16: the confirmed import runs as a background job; its progress and report
            path(
                "import/jobs/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="cases_incident_import_job",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                return self._preview(request, form)
        else:
            form = ImportForm()
        return self._render(request, {"form": form})

    def _render(self, request, context, status=200) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import incidents from CSV"),
            "preview_rows": PREVIEW_ROWS,
            **context,
        }
        return TemplateResponse(request, "admin/cases/incident/import.html", context, status=status)

    def _preview(self, request, form: ImportForm) -> HttpResponse:
        data = form.cleaned_data["file"].read()
        mapping_text = form.cleaned_data["mapping_text"]
        filename = Path(form.cleaned_data["file"].name).name
        try:
            result = import_incidents(
                data=data,
                mapping=mapping_from_text(mapping_text),
                by=request.user,
                dry_run=True,
                filename=filename,
            )
        except FileError as error:
            form.add_error("file", str(error))
            return self._render(request, {"form": form})
        folder = upload_dir()
        _clean_old_uploads(folder)
        token = secrets.token_urlsafe(24)
        (folder / f"{token}.csv").write_bytes(data)
        request.session[SESSION_KEY] = {
            "token": token,
            "sha256": result.sha256,
            "filename": filename,
            "mapping": mapping_text,
        }
        confirm = ConfirmForm(initial={"token": token})
        return self._render(request, {"result": result, "confirm": confirm, "filename": filename})

    def _confirm(self, request) -> HttpResponse:
        if settings.IMPORT_AS_JOB:
            return self._confirm_as_job(request)
        form = ConfirmForm(request.POST)
        pending = request.session.get(SESSION_KEY) or {}
        if not form.is_valid() or not secrets.compare_digest(
            form.cleaned_data["token"], pending.get("token", "")
        ):
            messages.error(request, _("That upload has expired; please upload the file again."))
            return HttpResponseRedirect(reverse("admin:cases_incident_import"))
        stored = upload_dir() / f"{pending['token']}.csv"
        data = stored.read_bytes() if stored.is_file() else b""
        if hashlib.sha256(data).hexdigest() != pending["sha256"]:
            messages.error(request, _("That upload has expired; please upload the file again."))
            return HttpResponseRedirect(reverse("admin:cases_incident_import"))
        result: ImportResult = import_incidents(
            data=data,
            mapping=mapping_from_text(pending["mapping"]),
            by=request.user,
            skip_invalid=form.cleaned_data["skip_invalid"],
            filename=pending["filename"],
        )
        if not result.written:
            # The data changed between preview and confirm in a way that made rows invalid.
            return self._render(
                request,
                {"result": result, "confirm": form, "filename": pending["filename"]},
                status=400,
            )
        stored.unlink(missing_ok=True)
        del request.session[SESSION_KEY]
        record_access(
            request=request,
            action=Action.IMPORT,
            detail={
                "file": pending["filename"],
                "sha256": pending["sha256"],
                "summary": result.summary(),
            },
        )
        messages.success(
            request,
            _("Imported %(file)s: %(summary)s")
            % {
                "file": pending["filename"],
                "summary": result.summary(),
            },
        )
        return HttpResponseRedirect(reverse("admin:cases_incident_changelist"))


# --- issue 16: the confirm step as a background job ----------------------------------------------


class ImportJobMixin:
    """The confirm queues ``exchange.import`` (exchange/jobs.py) and shows its progress page."""

    def _confirm_as_job(self, request) -> HttpResponse:
        form = ConfirmForm(request.POST)
        pending = request.session.get(SESSION_KEY) or {}
        if not form.is_valid() or not secrets.compare_digest(
            form.cleaned_data["token"], pending.get("token", "")
        ):
            messages.error(request, _("That upload has expired; please upload the file again."))
            return HttpResponseRedirect(reverse("admin:cases_incident_import"))
        job = enqueue(
            "exchange.import",
            payload={
                "token": pending["token"],
                "sha256": pending["sha256"],
                "filename": pending["filename"],
                "mapping": pending["mapping"],
                "skip_invalid": form.cleaned_data["skip_invalid"],
                "user_id": request.user.pk,
            },
            key=f"exchange.import:{pending['token']}",
            label=_("Import of %(file)s") % {"file": pending["filename"]},
            by=request.user,
        )
        del request.session[SESSION_KEY]
        return HttpResponseRedirect(reverse("admin:cases_incident_import_job", args=[job.pk]))

    def import_job_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        # Someone else's import is not found, as if it did not exist.
        job = get_object_or_404(Job, pk=pk, kind="exchange.import", requested_by=request.user)
        job.with_live_progress()
        return TemplateResponse(
            request,
            "admin/cases/incident/import_job.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Import of %(file)s") % {"file": job.payload.get("filename", "")},
                "job": job,
                "result": job.result,
            },
        )
