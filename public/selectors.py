"""Reads that span models, for the public pages.

Lists read ``public()``/``published()``; only the detail pages' reads take the user, for staff
preview behind the draft banner (``visible_to``).
"""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from cases.models import (
    AllegedVictim,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    PublicationEvent,
    VerificationStatus,
)
from ledger import selectors as ledger_selectors
from public import tallies
from sources.models import OfficialStatement, ReportedFigure, Source, SourceFile


def claim_tallies(incident_ids) -> dict[int, list[tuple[str, str, int]]]:
    """For each incident id, [(status, label, count), ...] in scale order, zero counts left out."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Claim.objects.filter(incident_id__in=list(incident_ids))
        .order_by()
        .values_list("incident_id", "status")
        .annotate(n=Count("pk"))
    )
    for incident_id, status, n in rows:
        counts[incident_id][status] = n
    return {
        incident_id: [
            (value, label, by_status[value])
            for value, label in VerificationStatus.choices
            if by_status.get(value)
        ]
        for incident_id, by_status in counts.items()
    }


def attach_tallies(incidents) -> list[Incident]:
    incidents = list(incidents)
    tallies = claim_tallies(incident.pk for incident in incidents)
    for incident in incidents:
        incident.claim_tally = tallies.get(incident.pk, [])
    return incidents


def incidents_in_order(ids: list[int]) -> list[Incident]:
    """The incidents with these ids, in the order given (ids come from a gated, sorted query)."""
    by_id = Incident.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def claim_status_counts() -> list[tuple[str, str, int]]:
    """How many claims of published incidents are in each status, in scale order (zeros kept).

    Retracted incidents are left out: their claims' statuses no longer vouch for anything. Read
    from the tally the write path keeps (``public.tallies``): one small query at any size.
    """
    counts = tallies.counts()
    return [(value, label, counts[value]) for value, label in VerificationStatus.choices]


def _evidence() -> Prefetch:
    return Prefetch(
        "evidence",
        queryset=ClaimEvidence.objects.select_related("source").order_by("relation", "pk"),
    )


def with_evidence(claims: list[Claim]) -> list[Claim]:
    """The claims with their evidence and its sources (one query; none for no claims)."""
    prefetch_related_objects(claims, _evidence())
    return claims


def incident_for_page(*, slug: str, user, evidence: bool = True) -> Incident:
    """One incident with everything its page shows, in a fixed number of queries.

    ``evidence=False``: the claims without their evidence, for a page that shows the evidence
    of some claims only (``with_evidence``); the incident page shows it for one page of claims.
    """
    # The statement's source gives the claim's "appearance" in the page's ClaimReview JSON-LD.
    claims = Claim.objects.select_related("statement__reported_in")
    if evidence:
        claims = claims.prefetch_related(_evidence())
    statements = OfficialStatement.objects.select_related("reported_in").prefetch_related(
        Prefetch("figures", queryset=ReportedFigure.objects.order_by("period_start", "pk"))
    )
    return (
        Incident.objects.visible_to(user)
        .select_related("published_by")
        .prefetch_related(
            Prefetch("victims", queryset=AllegedVictim.objects.order_by("pk")),
            Prefetch("claims", queryset=claims.order_by("pk")),
            Prefetch("statements", queryset=statements.order_by("stated_on", "pk")),
            Prefetch("sources", queryset=Source.objects.order_by("kind", "-published_on", "title")),
        )
        .get(slug=slug)
    )


def incident_history(incident: Incident, claims: list[Claim] | None = None) -> list[dict]:
    """The public history of an incident: status changes of its claims and publication events.

    Only what a reader may see: dates, from → to, the rationale, and publication decisions.
    Internal notes, who-did-it for researchers, and notes of non-public actions stay out.
    ``claims``: the incident's claims when already read (each change names its claim).
    """
    entries = []
    changes = ClaimStatusChange.objects.filter(claim__incident=incident).order_by(
        "changed_at", "pk"
    )
    if claims is None:
        changes = changes.select_related("claim")
    else:
        by_id = {claim.pk: claim for claim in claims}
    for change in changes:
        if claims is not None and change.claim_id not in by_id:
            # A claim added after its incident's claims were read (a replica replaying between
            # the two queries): its history shows with the claim, on the next reading.
            continue
        entries.append(
            {
                "at": change.changed_at,
                "kind": "claim",
                "claim": change.claim if claims is None else by_id[change.claim_id],
                "from_label": change.get_from_status_display(),
                "to_label": change.get_to_status_display(),
                "to_status": change.to_status,
                "text": change.rationale,
                "methods": change.method_labels,
                "subject": f"claimstatuschange:{change.pk}",
            }
        )
    events = incident.publication_events.filter(action__in=PublicationEvent.PUBLIC_ACTIONS)
    for event in events.order_by("at", "pk"):
        entries.append(
            {
                "at": event.at,
                "kind": "publication",
                "label": event.get_action_display(),
                "text": event.note if event.action == PublicationEvent.Action.RETRACT else "",
                "subject": f"publicationevent:{event.pk}",
            }
        )
    entries.extend(correction_entries(incident.corrections.all(), log_links=False))
    entries.sort(key=lambda entry: entry["at"])
    return with_log_links(entries)


def with_log_links(entries: list[dict]) -> list[dict]:
    """Each history entry with ``log_index``: its transparency-log entry, None if not logged
    (one query)."""
    indexes = ledger_selectors.indexes_for(entry["subject"] for entry in entries)
    for entry in entries:
        entry["log_index"] = indexes.get(entry["subject"])
    return entries


def correction_entries(corrections, *, log_links: bool = True) -> list[dict]:
    """Corrections as history entries: when, what record, what changed, and the reason.

    ``changes`` hold public values only (the services never store withheld ones).
    """
    entries = [
        {
            "at": correction.at,
            "kind": "correction",
            "record": correction.record,
            "changes": correction.changes,
            "text": correction.reason,
            "subject": f"correction:{correction.pk}",
        }
        for correction in corrections.order_by("at", "pk")
    ]
    return with_log_links(entries) if log_links and entries else entries


def sources_by_kind(sources) -> list[tuple[str, list[Source]]]:
    grouped: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        grouped[source.kind].append(source)
    return [(label, grouped[value]) for value, label in Source.Kind.choices if grouped.get(value)]


def public_incidents_citing(*, source: Source) -> QuerySet[Incident]:
    """Public incidents that cite ``source``, by every route the source gate follows: as a
    cited source, as evidence for a claim, or as where a statement about the incident (or made
    in one of its claims) was reported."""
    statements = OfficialStatement.objects.filter(reported_in=source)
    cites = (
        Exists(Source.incidents.through.objects.filter(incident=OuterRef("pk"), source=source))
        | Exists(ClaimEvidence.objects.filter(claim__incident=OuterRef("pk"), source=source))
        | Exists(statements.filter(incidents=OuterRef("pk")))
        | Exists(statements.filter(claims__incident=OuterRef("pk")))
    )
    return Incident.objects.public().filter(cites).order_by(*Incident._meta.ordering)


def publicly_held_file(*, sha256: str) -> SourceFile | None:
    """The file with this SHA-256 if a reader may know it is held; None otherwise.

    Restricted files and files of sources that no public record cites answer None, exactly as
    an unknown hash does, so the answer reveals nothing about unpublished work.
    """
    return SourceFile.objects.public().select_related("source").filter(sha256=sha256).first()


def files_for_source(*, source: Source, user) -> QuerySet[SourceFile]:
    """The files of ``source`` that ``user`` may see, for ``templates/sources/_files.html``."""
    return SourceFile.objects.visible_to(user).filter(source=source).order_by("pk")


def with_timestamps(files) -> list[SourceFile]:
    """The files, each with ``timestamp``: its RFC 3161 stamp or None (issue 17; one query)."""
    from ledger.timestamps import for_subjects
    from sources.timestamps import file_subject

    files = list(files)
    stamps = for_subjects(file_subject(f.pk) for f in files) if files else {}
    for source_file in files:
        source_file.timestamp = stamps.get(file_subject(source_file.pk))
    return files


# issue 16
def preserved_copy(*, source: Source, user) -> dict | None:
    """The source's latest capture for ``templates/sources/_capture.html``.

    Readers get only a finished capture, with only its files released to them (none: nothing
    shown). Staff who may view captures also get a pending or failed one, with its reason.
    """
    from sources.models import SourceCapture

    staff = user.is_active and user.has_perm("sources.view_sourcecapture")
    captures = SourceCapture.objects.filter(source=source)
    if not staff:
        captures = captures.filter(state=SourceCapture.State.DONE)
    capture = captures.order_by("-requested_at", "-pk").first()
    if capture is None:
        return None
    files = list(SourceFile.objects.visible_to(user).filter(captures=capture).order_by("pk"))
    if not staff and not files:
        return None
    return {
        "capture": capture,
        "files": files,
        "staff": staff,
        "can_retry": user.has_perm("sources.change_source"),
    }
