"""Released evidence files as transparency-log entries (see cases.transparency).

A file enters the log when readers can download it: released while its source is public.
The entry holds what the public download shows: the SHA-256, size and type, never the name
it was uploaded under or its notes.
"""

from ledger import log
from ledger.canonical import instant
from sources.models import SourceFile


def file_release_entry(source_file: SourceFile, *, at) -> tuple[str, str, dict]:
    return (
        f"sourcefile:{source_file.pk}",
        f"source:{source_file.source_id}",
        {
            "kind": "file_release",
            "source": source_file.source_id,
            "file": source_file.pk,
            "sha256": source_file.sha256,
            "size": source_file.size,
            "mime_type": source_file.mime_type,
            "at": instant(at),
        },
    )


def log_file_release(source_file: SourceFile, *, at, source_is_public: bool) -> None:
    if source_file.is_restricted or not source_is_public:
        return
    subject, scope, payload = file_release_entry(source_file, at=at)
    log.append(subject=subject, scope=scope, payload=payload)
