"""Writes to sources and their evidence files.

Each service is keyword-only, checks the actor's permission where there is an actor, runs in one
transaction, validates before it saves and writes the file's custody record. Files are read in
chunks: a two-gigabyte video never sits in memory.
"""

import copy
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policy
from cases.services import record_correction
from cases.services.records import apply_changes, describe, save_validated
from ledger import timestamps as ledger_timestamps
from sources import storage, timestamps, transparency, uploads
from sources.captures import capture_on_save
from sources.filetypes import ALLOWED_DESCRIPTION
from sources.hashing import Inspection, Measure
from sources.models import FileCustodyEvent, OfficialStatement, ReportedFigure, Source, SourceFile
from sources.normalise import normalise_url

Action = FileCustodyEvent.Action


def hash_file(file: File) -> Inspection:
    """SHA-256, size and detected type of ``file``, read chunk by chunk from the start."""
    return hash_chunks(file.chunks())


def hash_chunks(chunks: Iterable[bytes]) -> Inspection:
    """SHA-256, size and detected type of a stream of bytes (e.g. an object in the bucket)."""
    measure = Measure()
    for chunk in chunks:
        measure.update(chunk)
    return measure.result()


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
    # Measured while Django wrote the upload (sources/uploads.py), or else read here once.
    inspection = getattr(uploaded, uploads.ATTRIBUTE, None) or hash_file(uploaded)
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
    is_restricted: bool = True,
    is_graphic: bool = False,
    notes: str = "",
) -> SourceFile:
    """Store an uploaded file as evidence for ``source`` and open its custody log.

    Requires ``sources.add_sourcefile``. A file is kept restricted unless an editor releases it
    (``is_restricted=False``; cases.policy). The SHA-256, size and type are computed here from the
    bytes received (never taken from the client). A file that is refused leaves nothing
    behind: it is only written to storage after it passed every check, and removed again if the
    database refuses the record.
    """
    if not by.has_perm("sources.add_sourcefile"):
        raise PermissionDenied(_("You do not have permission to add files."))
    policy.check_file_release(user=by, releasing=not is_restricted)
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
            transparency.log_file_release(
                source_file, at=now, source_is_public=source_is_public(source)
            )
            ledger_timestamps.after_commit(timestamps.request_for_file, source_file.pk)
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

    ``by`` is empty when the system checks (``manage.py verify_files``). Objects in a bucket
    are read back from the bucket, streamed: the check is of what is actually kept there.
    """
    try:
        # Streamed from the disk or the bucket, never the whole file in memory.
        inspection = hash_chunks(storage.read_chunks(source_file.file))
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


def source_file_update(
    *,
    source_file: SourceFile,
    by,
    is_restricted: bool,
    is_graphic: bool,
    notes: str,
    reason: str = "",
) -> SourceFile:
    """Change a kept file's flags or notes; each change of a flag is a custody event.

    Releasing a file to readers (lifting "restricted") and removing its content warning are
    editors' decisions; restricting or marking graphic is open to whoever may change files.
    """
    if not by.has_perm("sources.change_sourcefile"):
        raise PermissionDenied(_("You do not have permission to change files."))
    with transaction.atomic():
        locked = SourceFile.objects.select_for_update().get(pk=source_file.pk)
        releasing = locked.is_restricted and not is_restricted
        policy.check_file_release(user=by, releasing=releasing)
        policy.check_file_flag_lowering(
            user=by, unmarking_graphic=locked.is_graphic and not is_graphic
        )
        why = (reason or "").strip()
        events = []
        if locked.is_restricted != is_restricted:
            events.append(
                (Action.RESTRICTED, _("Restricted: readers cannot download it."))
                if is_restricted
                else (Action.RELEASED, _("Released to readers."))
            )
        if locked.is_graphic != is_graphic:
            events.append(
                (Action.MARKED_GRAPHIC, _("Marked graphic: readers are warned first."))
                if is_graphic
                else (Action.UNMARKED_GRAPHIC, _("Content warning removed."))
            )
        if locked.notes != notes:
            events.append((Action.NOTES_CHANGED, _("Internal notes changed.")))
        locked.is_restricted, locked.is_graphic, locked.notes = is_restricted, is_graphic, notes
        locked.full_clean()
        locked.save()
        for action, detail in events:
            event = _record(
                source_file=locked,
                action=action,
                by=by,
                detail=f"{detail} {why}".strip(),
            )
            if action == Action.RELEASED:
                transparency.log_file_release(
                    locked, at=event.at, source_is_public=source_is_public(locked.source)
                )
    source_file.is_restricted, source_file.is_graphic = is_restricted, is_graphic
    source_file.notes = notes
    return source_file


# --- sources, statements and figures ----------------------------------------------------------

SOURCE_FIELDS = (
    "kind",
    "title",
    "publisher",
    "author",
    "url",
    "archive_url",
    "published_on",
    "accessed_on",
    "language",
    "is_graphic",
    "notes",
)
STATEMENT_FIELDS = (
    "speaker",
    "speaker_role",
    "organisation",
    "stated_on",
    "quote",
    "quote_language",
    "translation",
    "stance",
    "reported_in",
    "notes",
)
FIGURE_FIELDS = ("metric", "value", "unit", "period_start", "period_end", "as_of", "note")


def source_is_public(source: Source) -> bool:
    return source.pk is not None and Source.objects.public().filter(pk=source.pk).exists()


def statement_is_public(statement: OfficialStatement) -> bool:
    return (
        statement.pk is not None
        and OfficialStatement.objects.public().filter(pk=statement.pk).exists()
    )


def _update(*, model, obj, by, data: dict, fields, reason: str, subject: str, is_public):
    """The one path for changing a source, statement or figure: policy, save, correction.

    ``subject`` names what a correction is about ("source" or "statement"); a figure's
    corrections belong to its statement.
    """
    policy.require_model_permission(by, model, "change")
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        before = copy.copy(locked)
        changed = apply_changes(locked, data, fields)
        if not changed:
            return obj
        target = locked.statement if isinstance(locked, ReportedFigure) else locked
        correct = policy.check_public_change(
            user=by,
            is_public=is_public(target),
            what=_describe_subject(target),
            changed=changed,
            reason=reason,
        )
        if isinstance(locked, Source):
            locked.normalised_url = normalise_url(locked.url)
        save_validated(locked, by=by, reason=reason)
        if correct:
            record_correction(
                by=by,
                reason=reason,
                record=str(before),
                changes=describe(before, locked, changed),
                **{subject: target},
            )
    for field in model._meta.concrete_fields:
        setattr(obj, field.attname, getattr(locked, field.attname))
    return obj


def _describe_subject(obj) -> str:
    if isinstance(obj, Source):
        return _("source “%(title)s”") % {"title": obj}
    return _("statement by %(who)s") % {"who": obj}


def source_create(*, by, data: dict) -> Source:
    """Record a new source. Nothing cites it yet, so it is not public."""
    policy.require_model_permission(by, Source, "add")
    source = Source(created_by=by)
    apply_changes(source, data, SOURCE_FIELDS)
    source.normalised_url = normalise_url(source.url)
    with transaction.atomic():
        save_validated(source, by=by)
        capture_on_save(source=source, by=by, url_before="")
    return source


def source_update(*, source: Source, by, data: dict, reason: str = "") -> Source:
    """Change a source; once public records cite it, an editor corrects it with a reason.

    A changed URL is captured in the background (``ARCHIVE_ON_SAVE``; sources.captures)."""
    with transaction.atomic():
        url_before = Source.objects.filter(pk=source.pk).values_list("url", flat=True).first()
        updated = _update(
            model=Source,
            obj=source,
            by=by,
            data=data,
            fields=SOURCE_FIELDS,
            reason=reason,
            subject="source",
            is_public=source_is_public,
        )
        capture_on_save(source=updated, by=by, url_before=url_before or "")
    return updated


def source_delete(*, source: Source, by) -> None:
    """Delete a source nothing public cites (cited sources are protected by the database too)."""
    policy.require_model_permission(by, Source, "delete")
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        if source_is_public(locked):
            raise PermissionDenied(
                _("Public records cite this source: it cannot be deleted, only corrected.")
            )
        locked._history_user = by
        locked.delete()


def statement_create(*, by, data: dict) -> OfficialStatement:
    """Record an official statement; it is public once a public incident refers to it."""
    policy.require_model_permission(by, OfficialStatement, "add")
    statement = OfficialStatement(created_by=by)
    apply_changes(statement, data, STATEMENT_FIELDS)
    with transaction.atomic():
        save_validated(statement, by=by)
    return statement


def statement_update(
    *, statement: OfficialStatement, by, data: dict, reason: str = ""
) -> OfficialStatement:
    """Change a statement; a public one is corrected by an editor, with a reason."""
    return _update(
        model=OfficialStatement,
        obj=statement,
        by=by,
        data=data,
        fields=STATEMENT_FIELDS,
        reason=reason,
        subject="statement",
        is_public=statement_is_public,
    )


def statement_delete(*, statement: OfficialStatement, by) -> None:
    """Delete a statement no public record refers to."""
    policy.require_model_permission(by, OfficialStatement, "delete")
    with transaction.atomic():
        locked = OfficialStatement.objects.select_for_update().get(pk=statement.pk)
        if statement_is_public(locked):
            raise PermissionDenied(
                _("Public records refer to this statement: it cannot be deleted, only corrected.")
            )
        locked._history_user = by
        locked.delete()


def figure_create(
    *, statement: OfficialStatement, by, data: dict, reason: str = ""
) -> ReportedFigure:
    """Add a reported figure to a statement (a public statement: an editor, with a reason)."""
    policy.require_model_permission(by, ReportedFigure, "add")
    figure = ReportedFigure(statement=statement)
    apply_changes(figure, data, FIGURE_FIELDS)
    with transaction.atomic():
        correct = policy.check_public_change(
            user=by,
            is_public=statement_is_public(statement),
            what=_describe_subject(statement),
            changed={"added"},
            reason=reason,
        )
        save_validated(figure, by=by, reason=reason)
        if correct:
            record_correction(
                by=by,
                reason=reason,
                record=str(figure),
                changes=[{"field": _("added"), "before": "", "after": ""}],
                statement=statement,
            )
    return figure


def figure_update(*, figure: ReportedFigure, by, data: dict, reason: str = "") -> ReportedFigure:
    """Change a reported figure; on a public statement, an editor corrects it in the open."""
    return _update(
        model=ReportedFigure,
        obj=figure,
        by=by,
        data=data,
        fields=FIGURE_FIELDS,
        reason=reason,
        subject="statement",
        is_public=statement_is_public,
    )


def figure_delete(*, figure: ReportedFigure, by, reason: str = "") -> None:
    """Remove a reported figure (a public statement's: an editor, with a public reason)."""
    policy.require_model_permission(by, ReportedFigure, "delete")
    with transaction.atomic():
        locked = ReportedFigure.objects.select_for_update().get(pk=figure.pk)
        statement = locked.statement
        correct = policy.check_public_change(
            user=by,
            is_public=statement_is_public(statement),
            what=_describe_subject(statement),
            changed={"removed"},
            reason=reason,
        )
        label = str(locked)
        locked._history_user = by
        locked.delete()
        if correct:
            record_correction(
                by=by,
                reason=reason,
                record=label,
                changes=[{"field": _("removed"), "before": "", "after": ""}],
                statement=statement,
            )


def _record(
    *, source_file: SourceFile, action: str, by, detail: str = "", at=None
) -> FileCustodyEvent:
    event = FileCustodyEvent(
        source_file=source_file, action=action, by=by, detail=detail, at=at or timezone.now()
    )
    event.full_clean()
    event.save()
    ledger_timestamps.after_commit(timestamps.request_for_custody_event, event.pk)
    return event
