"""Writes to sources and their evidence files.

Each service is keyword-only, checks the actor's permission where there is an actor, runs in one
transaction, validates before it saves and writes the file's custody record. Files are read in
chunks: a two-gigabyte video never sits in memory.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sources.filetypes import ALLOWED_DESCRIPTION, HEAD_BYTES, detect_mime_type
from sources.models import FileCustodyEvent, Source, SourceFile
from sources.normalise import normalise_url

Action = FileCustodyEvent.Action


@dataclass(frozen=True)
class Inspection:
    """What the server measured on a file: its SHA-256, size in bytes and detected type."""

    sha256: str
    size: int
    mime_type: str | None


def hash_file(file: File) -> Inspection:
    """SHA-256, size and detected type of ``file``, read chunk by chunk from the start."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
    return Inspection(sha256=digest.hexdigest(), size=size, mime_type=detect_mime_type(head))


def inspect_upload(*, uploaded: File) -> Inspection:
    """Measure an uploaded file and refuse it if it is too large, empty or not an allowed kind.

    Raises ``ValidationError`` with a message meant for the person who chose the file.
    """
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    too_large = _("This file is %(size)s; the largest accepted is %(limit)s.")
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            too_large % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    inspection = hash_file(uploaded)
    if inspection.size > limit:
        raise ValidationError(
            too_large % {"size": filesizeformat(inspection.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if inspection.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    if inspection.mime_type is None:
        raise ValidationError(
            _(
                "This kind of file is not accepted (its content was checked, not its name). "
                "Accepted: %(allowed)s."
            )
            % {"allowed": ALLOWED_DESCRIPTION},
            code="file_type",
        )
    return inspection


def check_not_held(*, sha256: str) -> None:
    """Refuse a file whose exact bytes are already kept, naming the record that holds them."""
    existing = SourceFile.objects.select_related("source").filter(sha256=sha256).first()
    if existing is not None:
        raise ValidationError(
            _(
                "This exact file is already held as “%(name)s” on source “%(source)s” "
                "(%(url)s). The same file cannot be stored twice."
            )
            % {
                "name": existing.original_name,
                "source": existing.source,
                "url": reverse("admin:sources_source_change", args=[existing.source_id]),
            },
            code="duplicate",
        )


def source_file_add(
    *,
    source: Source,
    uploaded: File,
    by,
    is_restricted: bool = False,
    is_graphic: bool = False,
    notes: str = "",
) -> SourceFile:
    """Store an uploaded file as evidence for ``source`` and open its custody log.

    Requires ``sources.add_sourcefile``. The SHA-256, size and type are computed here from the
    bytes received (never taken from the client). A file that is refused leaves nothing
    behind: it is only written to storage after it passed every check, and removed again if the
    database refuses the record.
    """
    if not by.has_perm("sources.add_sourcefile"):
        raise PermissionDenied(_("You do not have permission to add files."))
    inspection = inspect_upload(uploaded=uploaded)
    check_not_held(sha256=inspection.sha256)
    original_name = (uploaded.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255]
    now = timezone.now()
    source_file = SourceFile(
        source=source,
        sha256=inspection.sha256,
        size=inspection.size,
        mime_type=inspection.mime_type,
        original_name=original_name,
        is_restricted=is_restricted,
        is_graphic=is_graphic,
        notes=notes,
        uploaded_at=now,
        uploaded_by=by,
    )
    source_file.file.save(original_name, uploaded, save=False)
    try:
        with transaction.atomic():
            source_file.full_clean()
            source_file.save()
            _record(
                source_file=source_file,
                action=Action.UPLOADED,
                by=by,
                at=now,
                detail=_("SHA-256 %(sha256)s, %(size)d bytes, %(type)s, as “%(name)s”.")
                % {
                    "sha256": inspection.sha256,
                    "size": inspection.size,
                    "type": inspection.mime_type,
                    "name": original_name,
                },
            )
    except Exception as error:
        # Whatever refused the record, its bytes must not stay behind.
        source_file.file.storage.delete(source_file.file.name)
        if isinstance(error, IntegrityError):
            # Someone stored the same file between our check and our insert.
            check_not_held(sha256=inspection.sha256)
        raise
    return source_file


def source_file_verify(*, source_file: SourceFile, by=None) -> FileCustodyEvent:
    """Re-hash a stored file and record the result: verified, mismatch or missing.

    ``by`` is empty when the system checks (``manage.py verify_files``).
    """
    try:
        with source_file.file.storage.open(source_file.file.name, "rb") as stored:
            inspection = hash_file(File(stored))
    except (FileNotFoundError, OSError) as error:
        action = Action.MISSING
        detail = _("The stored file could not be read: %(error)s") % {"error": error}
    else:
        if inspection.sha256 == source_file.sha256:
            action = Action.HASH_VERIFIED
            detail = _("SHA-256 matches (%(size)d bytes).") % {"size": inspection.size}
        else:
            action = Action.HASH_MISMATCH
            detail = _("Expected SHA-256 %(expected)s, found %(found)s (%(size)d bytes).") % {
                "expected": source_file.sha256,
                "found": inspection.sha256,
                "size": inspection.size,
            }
    with transaction.atomic():
        return _record(source_file=source_file, action=action, by=by, detail=detail)


def source_file_record_download(*, source_file: SourceFile, by) -> FileCustodyEvent:
    """Record that a member of staff downloaded a file (readers' downloads are not logged)."""
    with transaction.atomic():
        return _record(source_file=source_file, action=Action.DOWNLOADED_BY_STAFF, by=by)


def source_file_record_export(*, source_file: SourceFile, by, detail: str = "") -> FileCustodyEvent:
    """Record that a file left our custody in an export (say to whom or for what in ``detail``)."""
    with transaction.atomic():
        return _record(source_file=source_file, action=Action.EXPORTED, by=by, detail=detail)


def source_set_normalised_url(*, source: Source) -> None:
    """Bring ``source.normalised_url`` in step with its URL (the caller saves the source)."""
    source.normalised_url = normalise_url(source.url)


def _record(
    *, source_file: SourceFile, action: str, by, detail: str = "", at=None
) -> FileCustodyEvent:
    event = FileCustodyEvent(
        source_file=source_file, action=action, by=by, detail=detail, at=at or timezone.now()
    )
    event.full_clean()
    event.save()
    return event
