"""The importer's confirm step as a background job (issue 16): ``exchange.import``."""

import hashlib

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from exchange.importing.admin_views import mapping_from_text, upload_dir
from exchange.importing.reader import FileError
from exchange.importing.writer import import_incidents
from jobs.errors import Failed
from jobs.registry import register
from jobs.services import progress

MAX_LISTED = 500  # errors and warnings kept on the job for its report page

KIND = "exchange.import"


# One attempt: the import is all-or-nothing in one transaction, and what fails it (the file,
# a permission) fails it again. A worker lost mid-import is redelivered and starts afresh.
@register(KIND, max_attempts=1)
def run_import(
    *, job, token: str, sha256: str, filename: str, mapping: str, skip_invalid: bool, user_id
) -> dict:
    stored = upload_dir() / f"{token}.csv"
    data = stored.read_bytes() if stored.is_file() else b""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Failed("The uploaded file is no longer there; please upload it again.")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None

    def report(done: int, total: int, stage: str) -> None:
        progress(job, done=done, total=total, stage=stage)

    try:
        result = import_incidents(
            data=data,
            mapping=mapping_from_text(mapping),
            by=user,
            skip_invalid=skip_invalid,
            filename=filename,
            progress=report,
        )
    except (FileError, PermissionDenied) as error:
        raise Failed(str(error)) from None
    if result.written:
        stored.unlink(missing_ok=True)
    return {
        "filename": filename,
        "written": result.written,
        "summary": result.summary(),
        "errors": [str(e) for e in result.errors[:MAX_LISTED]],
        "warnings": [str(w) for w in result.warnings[:MAX_LISTED]],
        "more_errors": max(0, len(result.errors) - MAX_LISTED),
        "more_warnings": max(0, len(result.warnings) - MAX_LISTED),
    }
