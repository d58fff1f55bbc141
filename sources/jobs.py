"""The background jobs of the sources app (registered with jobs.registry at start-up)."""

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from jobs.errors import Failed, Retryable
from jobs.registry import register
from sources.archiving.browser import make_browser
from sources.archiving.capture import capture_url
from sources.archiving.fetch import FetchError
from sources.captures import JOB_KIND, archive_limits, capture_mark, capture_store
from sources.models import SourceCapture

logger = logging.getLogger(__name__)
State = SourceCapture.State


@register(JOB_KIND)
def capture(*, job, capture_id: int) -> dict:
    """Fetch and keep the page of capture ``capture_id``; record why when it fails."""
    capture = SourceCapture.objects.select_related("source").filter(pk=capture_id).first()
    if capture is None or capture.state == State.DONE:
        return {"skipped": True}
    capture_mark(capture, state=State.RUNNING)
    try:
        result = capture_url(capture.url, archive_limits(), browser=_browser())
    except FetchError as error:
        final = not error.passing or job.is_last_attempt
        capture_mark(
            capture,
            state=State.FAILED if final else State.RETRYING,
            failure=error.code,
            reason=str(error),
        )
        message = f"{error.code.replace('_', ' ')}: {error}"
        # A passing failure on the last attempt is still raised as such: the runner then
        # records that it gave up after so many attempts.
        raise (Retryable if error.passing else Failed)(message) from None
    except Exception as error:
        logger.exception("Capture %s failed unexpectedly.", capture_id)
        capture_mark(
            capture,
            state=State.FAILED if job.is_last_attempt else State.RETRYING,
            failure="error",
            reason=_("Unexpected error: %(error)s") % {"error": type(error).__name__},
        )
        raise
    files = capture_store(capture=capture, result=result)
    return {"capture": capture.pk, "files": [f.pk for f in files], "notes": result.notes}


def _browser():
    return make_browser(settings.ARCHIVE_CHROMIUM) if settings.ARCHIVE_CHROMIUM else None
