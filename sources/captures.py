"""Preserving the URL a source cites (issue 16): queue a capture, store what it made.

``capture_request`` queues a capture (on demand, in bulk, or from ``source_create`` /
``source_update`` when the URL is new and ``ARCHIVE_ON_SAVE`` is on); the ``sources.capture``
job (sources/jobs.py) fetches the page in a worker and calls ``capture_store`` or
``capture_record_failure``. Every artifact becomes a restricted ``SourceFile`` with its SHA-256
and a ``captured`` custody event; an editor releases it like any other file.
"""

import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.services import enqueue
from sources.archiving.capture import Capture
from sources.archiving.fetch import Limits
from sources.models import FileCustodyEvent, Source, SourceCapture, SourceFile

JOB_KIND = "sources.capture"


def archive_limits() -> Limits:
    return Limits(
        user_agent=settings.ARCHIVE_USER_AGENT,
        timeout=settings.ARCHIVE_TIMEOUT_SECONDS,
        max_bytes=settings.ARCHIVE_MAX_BYTES,
        max_redirects=settings.ARCHIVE_MAX_REDIRECTS,
        allow_loopback=settings.ARCHIVE_ALLOW_LOOPBACK,
    )


def capture_request(*, source: Source, by) -> SourceCapture:
    """Queue a capture of ``source.url`` and return it (or the one already under way).

    Requires ``sources.change_source``; ``by`` is None only for the system (``manage.py
    capture_sources``). A source without a URL is refused with a message.
    """
    if by is not None and not by.has_perm("sources.change_source"):
        raise PermissionDenied(_("You do not have permission to capture sources."))
    if not source.url:
        raise ValidationError(_("This source has no URL to capture."), code="no_url")
    with transaction.atomic():
        # One capture at a time per source: the lock makes a double click queue one.
        Source.objects.select_for_update().filter(pk=source.pk).first()
        active = source.captures.filter(state__in=SourceCapture.ACTIVE_STATES).first()
        if active is not None and active.url == source.url:
            return active
        capture = SourceCapture.objects.create(source=source, url=source.url, requested_by=by)
        capture.job = enqueue(
            JOB_KIND,
            payload={"capture_id": capture.pk},
            key=f"{JOB_KIND}:{capture.pk}",
            label=_("Capture of %(url)s") % {"url": source.url[:250]},
            by=by,
        )
        capture.save(update_fields=["job"])
    return capture


def capture_on_save(*, source: Source, by, url_before: str) -> SourceCapture | None:
    """Called by the source services: a new or changed URL is captured when
    ``ARCHIVE_ON_SAVE`` is on. Never refuses the save it follows."""
    if not settings.ARCHIVE_ON_SAVE or not source.url or source.url == url_before:
        return None
    if by is not None and not by.has_perm("sources.change_source"):
        by = None  # a researcher adding a source may lack "change"; the system captures it
    return capture_request(source=source, by=by)


def capture_retry(*, capture: SourceCapture, by) -> SourceCapture:
    """Capture again the source of a failed capture (its current URL)."""
    if capture.is_active:
        return capture
    return capture_request(source=capture.source, by=by)


def capture_bulk(*, sources, by) -> list[SourceCapture]:
    """Queue captures of ``sources`` that have a URL (skipping the others)."""
    return [capture_request(source=source, by=by) for source in sources if source.url]


def capture_mark(capture: SourceCapture, *, state: str, failure: str = "", reason: str = ""):
    SourceCapture.objects.filter(pk=capture.pk).update(
        state=state, failure=failure, reason=reason[:2000]
    )
    capture.state, capture.failure, capture.reason = state, failure, reason


def capture_store(*, capture: SourceCapture, result: Capture) -> list[SourceFile]:
    """Keep what a capture made: each artifact a restricted SourceFile (graphic when the source
    is) with its SHA-256 and a ``captured`` custody event; the capture is then done."""
    source = capture.source
    captured_at = datetime.fromtimestamp(result.started_at, tz=UTC)
    stamp = captured_at.strftime("%Y%m%dT%H%M%SZ")
    written = []
    kept = []
    try:
        with transaction.atomic():
            for artifact in result.artifacts:
                sha256 = hashlib.sha256(artifact.data).hexdigest()
                existing = SourceFile.objects.filter(sha256=sha256).first()
                if existing is not None:
                    # The same bytes were captured before (an unchanged screenshot): link them.
                    kept.append(existing)
                    continue
                stem, _dot, ext = artifact.name.rpartition(".")
                name = f"{stem}-{source.pk}-{stamp}.{ext}"
                source_file = SourceFile(
                    source=source,
                    sha256=sha256,
                    size=len(artifact.data),
                    mime_type=artifact.mime_type,
                    original_name=name,
                    is_restricted=True,
                    is_graphic=source.is_graphic,
                    notes=_("Captured from %(url)s") % {"url": capture.url},
                )
                source_file.file.save(name, ContentFile(artifact.data), save=False)
                written.append(source_file.file.name)
                source_file.full_clean()
                source_file.save()
                event = FileCustodyEvent(
                    source_file=source_file,
                    action=FileCustodyEvent.Action.CAPTURED,
                    by=None,
                    at=timezone.now(),
                    detail=_(
                        "Captured from %(url)s at %(at)s by the archiver, %(tool)s. "
                        "SHA-256 %(sha256)s, %(size)d bytes, %(type)s."
                    )
                    % {
                        "url": capture.url,
                        "at": captured_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                        "tool": artifact.tool,
                        "sha256": sha256,
                        "size": len(artifact.data),
                        "type": artifact.mime_type,
                    },
                )
                event.full_clean()
                event.save()
                kept.append(source_file)
            capture.files.add(*kept)
            capture.state = SourceCapture.State.DONE
            capture.failure = capture.reason = ""
            capture.final_url = result.final_url[:2000]
            capture.http_status = result.status
            capture.tools = "; ".join(sorted({a.tool for a in result.artifacts}))[:300]
            capture.notes = "\n".join(result.notes)
            capture.captured_at = captured_at
            capture.full_clean(exclude=["job", "requested_by", "source"])
            capture.save()
    except Exception:
        for name in written:
            SourceFile._meta.get_field("file").storage.delete(name)
        raise
    return kept
