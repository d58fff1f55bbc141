"""Reads about sources that span models."""

from django.db.models import Exists, OuterRef, QuerySet

from cases.models import ClaimEvidence, Incident
from sources.models import OfficialStatement, Source, SourceFile


def duplicate_sources(*, source: Source) -> QuerySet[Source]:
    """Other sources that look like the same thing: the same normalised URL.

    For the admin's duplicate warning; staff see every source, so there is no visibility gate.
    """
    # (A file's hash is unique, so two sources never hold the same file: the URL is the test.)
    if not source.normalised_url:
        return Source.objects.none()
    return (
        Source.objects.filter(normalised_url=source.normalised_url)
        .exclude(pk=source.pk)
        .order_by("pk")
    )


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
    return Incident.objects.public().filter(cites).order_by("-occurred_from", "-pk")


def publicly_held_file(*, sha256: str) -> SourceFile | None:
    """The file with this SHA-256 if a reader may know it is held; None otherwise.

    Restricted files and files of sources that no public record cites answer None, exactly as
    an unknown hash does, so the answer reveals nothing about unpublished work.
    """
    return SourceFile.objects.public().select_related("source").filter(sha256=sha256).first()


def files_for_source(*, source: Source, user) -> QuerySet[SourceFile]:
    """The files of ``source`` that ``user`` may see, for ``templates/sources/_files.html``."""
    return SourceFile.objects.visible_to(user).filter(source=source).order_by("pk")
