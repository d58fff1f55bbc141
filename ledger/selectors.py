"""Reads of the log for other apps' pages."""

from ledger.models import LogEntry


def indexes_for(subjects) -> dict[str, int]:
    """{subject: log index} for the subjects that are logged (one query)."""
    subjects = [s for s in subjects if s]
    if not subjects:
        return {}
    return dict(LogEntry.objects.filter(subject__in=subjects).values_list("subject", "index"))


def entries_in_scope(scope: str):
    return LogEntry.objects.filter(scope=scope).order_by("index")
