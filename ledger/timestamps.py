"""Trusted timestamps (RFC 3161) of digests, requested after the writing transaction commits.

``after_commit`` is the ONE place timestamp requests are scheduled: as a background job
(``ledger.jobs``), or inline after the commit when ``LEDGER_TIMESTAMPS_IN_JOBS`` is off
(docs/decisions/0015-transparency-log-and-timestamps.md). A failed request is
logged and leaves no row: ``manage.py timestamp_pending`` asks again for what is missing.
"""

import hashlib
import logging
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger import log, signing, tsp
from ledger.models import Timestamp

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(settings.TSA_URL)


def after_commit(function, *args) -> None:
    """Have ``function(*args)`` run once the current transaction commits, if timestamps are on.

    With ``LEDGER_TIMESTAMPS_IN_JOBS`` (the default) as a background job (``ledger.jobs``:
    retried with backoff while the TSA is unreachable, its state visible in the admin); without
    it inline after the commit, a failure logged for ``manage.py timestamp_pending``.
    """
    if not enabled():
        return
    if settings.LEDGER_TIMESTAMPS_IN_JOBS:
        from jobs.services import enqueue

        name = f"{function.__module__}.{function.__qualname__}"
        ids = ":".join(str(arg) for arg in args)
        enqueue(
            "ledger.timestamp",
            payload={"function": name, "args": list(args)},
            key=f"timestamp:{name}:{ids}",
            label=f"Trusted timestamp ({function.__name__} {ids})"[:300],
        )
        return
    transaction.on_commit(partial(_run_logged, function, *args))


def _run_logged(function, *args) -> None:
    try:
        function(*args)
    except tsp.TimestampError:
        # The change is committed; a TSA outage must not turn it into an error.
        logger.exception(
            "Timestamp request %s%r failed; timestamp_pending will retry", function, args
        )


def stamp(*, subject: str, sha256_hex: str) -> Timestamp:
    """Timestamp ``sha256_hex`` for ``subject`` unless it already is; return the stored stamp."""
    existing = Timestamp.objects.filter(subject=subject).first()
    if existing is not None:
        return existing
    result = tsp.request(
        url=settings.TSA_URL, sha256_hex=sha256_hex, timeout=settings.TSA_TIMEOUT_SECONDS
    )
    try:
        with transaction.atomic():
            return Timestamp.objects.create(
                subject=subject,
                sha256=sha256_hex,
                response=result.response,
                gen_time=result.gen_time,
                tsa_name=result.tsa_name[:500],
                tsa_url=settings.TSA_URL,
                requested_at=timezone.now(),
            )
    except IntegrityError:  # stamped meanwhile by another worker
        return Timestamp.objects.get(subject=subject)


def check(stored: Timestamp, *, sha256_hex: str) -> tsp.Stamp:
    """Verify a stored stamp against the digest it should cover (and ``TSA_CA_FILE``)."""
    return tsp.verify(
        response=bytes(stored.response),
        sha256_hex=sha256_hex,
        ca_certs=tsp.load_ca_file(settings.TSA_CA_FILE),
    )


def for_subjects(subjects) -> dict[str, Timestamp]:
    return {t.subject: t for t in Timestamp.objects.filter(subject__in=list(subjects))}


# --- the tree head -------------------------------------------------------------------------------


def tree_head_subject(tree_size: int) -> str:
    return f"treehead:{tree_size}"


def tree_head_digest(head: log.Head) -> str:
    """What is stamped for a tree head: SHA-256 of its signed TreeHeadSignature bytes."""
    message = signing.tree_head_message(
        timestamp_ms=head.timestamp_ms, tree_size=head.tree_size, root=head.root
    )
    return hashlib.sha256(message).hexdigest()


def request_for_tree_head() -> Timestamp | None:
    """Timestamp the latest signed tree head (periodic job; ``manage.py timestamp_tree_head``)."""
    head = log.head()
    if head is None or head.stored is None:
        return None
    return stamp(subject=tree_head_subject(head.tree_size), sha256_hex=tree_head_digest(head))
