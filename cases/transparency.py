"""What readers are told, as transparency-log entries (ledger), built from the audit rows.

One builder per kind of public history item; the services call ``log_*`` inside their
transaction, and the public ``history.json`` rebuilds the same payloads from today's rows so a
verifier can compare them with the log (a row rewritten after it was logged no longer matches).
Entries hold only what the public history shows: no staff names, no internal notes, no
withheld names (corrections never hold them), nothing of an incident before it is public.
"""

from cases.models import ClaimStatusChange, Correction, Incident, PublicationEvent
from ledger import log
from ledger.canonical import instant

A = PublicationEvent.Action
# Publication events the log records: what readers were shown, and their withdrawal.
LOGGED_ACTIONS = (A.PUBLISH, A.RETRACT, A.UNPUBLISH)


def incident_scope(incident_id: int) -> str:
    return f"incident:{incident_id}"


def claim_status_entry(change: ClaimStatusChange, *, incident_id: int) -> tuple[str, str, dict]:
    return (
        f"claimstatuschange:{change.pk}",
        incident_scope(incident_id),
        {
            "kind": "claim_status",
            "incident": incident_id,
            "claim": change.claim_id,
            "from": change.from_status,
            "to": change.to_status,
            "rationale": change.rationale,
            "methods": sorted(change.methods),
            "at": instant(change.changed_at),
        },
    )


def publication_entry(event: PublicationEvent) -> tuple[str, str, dict]:
    payload = {
        "kind": "publication",
        "incident": event.incident_id,
        "action": event.action,
        "at": instant(event.at),
    }
    if event.action == A.RETRACT:  # the retraction notice is public; other notes are not
        payload["note"] = event.note
    return f"publicationevent:{event.pk}", incident_scope(event.incident_id), payload


def correction_entry(correction: Correction) -> tuple[str, str, dict]:
    if correction.incident_id:
        scope, about = "incident", {"incident": correction.incident_id}
    elif correction.source_id:
        scope, about = "source", {"source": correction.source_id}
    else:
        scope, about = "statement", {"statement": correction.statement_id}
    return (
        f"correction:{correction.pk}",
        f"{scope}:{next(iter(about.values()))}",
        {
            "kind": "correction",
            **about,
            "record": correction.record,
            "changes": correction.changes,
            "reason": correction.reason,
            "at": instant(correction.at),
        },
    )


def incident_entries(incident: Incident) -> list[tuple[str, str, dict]]:
    """Every log entry a public incident's history stands for, built from today's rows, in
    the order they happened."""
    items = []
    changes = ClaimStatusChange.objects.filter(claim__incident=incident)
    for change in changes.order_by("changed_at", "pk"):
        items.append((change.changed_at, claim_status_entry(change, incident_id=incident.pk)))
    events = incident.publication_events.filter(action__in=LOGGED_ACTIONS)
    for event in events.order_by("at", "pk"):
        items.append((event.at, publication_entry(event)))
    for correction in incident.corrections.order_by("at", "pk"):
        items.append((correction.at, correction_entry(correction)))
    items.sort(key=lambda item: item[0])
    return [entry for _, entry in items]


def _append(built: tuple[str, str, dict]) -> None:
    subject, scope, payload = built
    log.append(subject=subject, scope=scope, payload=payload)


# --- the hooks the services call, inside their transaction ---------------------------------------


def log_publication_event(event: PublicationEvent) -> None:
    """Publishing, retracting or unpublishing. Publishing also logs the claims' earlier status
    changes, which the public history shows from that moment."""
    if event.action not in LOGGED_ACTIONS:
        return
    if event.action == A.PUBLISH:
        changes = ClaimStatusChange.objects.filter(claim__incident_id=event.incident_id)
        for change in changes.order_by("changed_at", "pk"):
            _append(claim_status_entry(change, incident_id=event.incident_id))
    _append(publication_entry(event))


def log_claim_status_change(change: ClaimStatusChange, *, incident: Incident) -> None:
    """A status change readers see now (the incident is public); others wait for publication."""
    if incident.is_public:
        _append(claim_status_entry(change, incident_id=incident.pk))


def log_correction(correction: Correction) -> None:
    _append(correction_entry(correction))
