"""Trusted timestamps of kept files and custody events (ledger.timestamps does the stamping).

A file is stamped on its SHA-256 (the token's imprint is the file's own hash, so
``openssl ts -verify -data FILE`` works); a custody event on the SHA-256 of its canonical JSON
(``custody_document``), so a custody row rewritten later no longer matches its token. These
are the job functions ``ledger.timestamps.after_commit`` runs.
"""

import hashlib

from ledger import timestamps
from ledger.canonical import canonical, instant
from sources.models import FileCustodyEvent, SourceFile


def file_subject(file_id: int) -> str:
    return f"sourcefile:{file_id}"


def custody_subject(event_id: int) -> str:
    return f"custody:{event_id}"


def custody_document(event: FileCustodyEvent) -> bytes:
    """The custody event as stamped: every field, canonical JSON."""
    return canonical(
        {
            "id": event.pk,
            "file": event.source_file_id,
            "file_sha256": event.source_file.sha256,
            "action": event.action,
            "detail": event.detail,
            "by": event.by_id,
            "at": instant(event.at),
        }
    )


def custody_digest(event: FileCustodyEvent) -> str:
    return hashlib.sha256(custody_document(event)).hexdigest()


def request_for_file(file_id: int) -> None:
    source_file = SourceFile.objects.filter(pk=file_id).first()
    if source_file is not None:
        timestamps.stamp(subject=file_subject(file_id), sha256_hex=source_file.sha256)


def request_for_custody_event(event_id: int) -> None:
    event = FileCustodyEvent.objects.select_related("source_file").filter(pk=event_id).first()
    if event is not None:
        timestamps.stamp(subject=custody_subject(event_id), sha256_hex=custody_digest(event))


def missing() -> tuple[list[int], list[int]]:
    """Ids of files and custody events without a timestamp."""
    from ledger.models import Timestamp

    stamped = set(Timestamp.objects.values_list("subject", flat=True))
    files = [
        pk
        for pk in SourceFile.objects.values_list("pk", flat=True)
        if file_subject(pk) not in stamped
    ]
    events = [
        pk
        for pk in FileCustodyEvent.objects.values_list("pk", flat=True)
        if custody_subject(pk) not in stamped
    ]
    return files, events


def request_pending() -> tuple[int, list[str]]:
    """Ask for every missing file and custody timestamp; (stamped, failures)."""
    from ledger.tsp import TimestampError

    files, events = missing()
    done, failures = 0, []
    for function, ids in ((request_for_file, files), (request_for_custody_event, events)):
        for pk in ids:
            try:
                function(pk)
                done += 1
            except TimestampError as error:
                failures.append(f"{function.__name__}({pk}): {error}")
    return done, failures
