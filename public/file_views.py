"""Public access to evidence files: downloads, the content warning, and the file check."""

import re

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access_log import Action, record_access
from core.replicas import use_primary
from public import selectors
from sources import services, storage
from sources.models import SourceFile

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Answer to ?confirmed=<this> on a graphic file's download: the reader saw the warning.
CONFIRMED = "1"


@require_GET
def download(request, pk):
    """Send a file as an attachment; graphic files first show their warning.

    Kept in a bucket, the file is not sent through the app: after the same gate and the same
    custody and access-log entries, the answer is a redirect to a signed address of the object
    that expires after ``S3_SIGNED_URL_SECONDS`` (docs/decisions/0020-object-storage.md).
    """
    # Who may have a file is a safety boundary (a witness's video restricted a second ago):
    # decided on the primary, never on a replica still replaying the restriction.
    use_primary()
    source_file = get_object_or_404(SourceFile.objects.visible_to(request.user), pk=pk)
    if source_file.is_graphic and request.GET.get("confirmed") != CONFIRMED:
        return redirect(source_file.get_warning_url())
    in_bucket = storage.in_bucket(source_file.file)
    stored = None
    try:
        if in_bucket:
            if not storage.is_stored(source_file.file):
                raise FileNotFoundError(source_file.file.name)
        else:
            stored = source_file.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The stored file is not available.")) from None
    if request.user.is_authenticated and request.user.has_perm("sources.view_sourcefile"):
        services.source_file_record_download(source_file=source_file, by=request.user)
        if not SourceFile.objects.public().filter(pk=source_file.pk).exists():
            # A file readers cannot download (restricted, or its source not public yet).
            record_access(
                request=request,
                action=Action.RESTRICTED_FILE_DOWNLOADED,
                obj=source_file,
                detail={"sha256": source_file.sha256, "restricted": source_file.is_restricted},
            )
    if in_bucket:
        response = HttpResponseRedirect(storage.signed_download_url(source_file))
        # The address expires: no browser or proxy may keep it, nor pass it on as a referrer.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["Referrer-Policy"] = "no-referrer"
        return response
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=source_file.original_name,
        content_type=source_file.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway (e.g. a saved HTML page), it runs no script.
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_GET
def warning(request, pk):
    """The content warning in front of a graphic file: a plain link confirms, no JavaScript."""
    use_primary()
    source_file = get_object_or_404(
        SourceFile.objects.visible_to(request.user).select_related("source"), pk=pk
    )
    return render(request, "sources/file_warning.html", {"file": source_file})


@require_GET
def verify_file(request):
    """Say whether a file with this SHA-256 is held, and which public records cite it."""
    raw = request.GET.get("sha256")
    context = {"sha256": (raw or "").strip(), "asked": raw is not None}
    if raw is not None:
        sha256 = "".join(raw.split()).lower()
        if not SHA256_RE.match(sha256):
            context["error"] = _(
                "That is not a SHA-256: it should be 64 characters, each 0–9 or a–f."
            )
        else:
            context["sha256"] = sha256
            held = selectors.publicly_held_file(sha256=sha256)
            context["file"] = held
            if held is not None:
                context["incidents"] = list(selectors.public_incidents_citing(source=held.source))
    status = 400 if context.get("error") else 200
    return render(request, "sources/verify_file.html", context, status=status)
