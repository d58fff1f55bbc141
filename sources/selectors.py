"""Reads about sources that span models."""

from django.db.models import Q, QuerySet

from cases.models import Incident
from sources.models import Source, SourceFile


def duplicate_sources(*, source: Source) -> QuerySet[Source]:
    """Other sources that look like the same thing: same normalised URL or a file of the same hash.

    For the admin's duplicate warning; staff see every source, so there is no visibility gate.
    """
    same = Q(pk__in=[])
    if source.normalised_url:
        same |= Q(normalised_url=source.normalised_url)
    if source.pk:
        same |= Q(files__sha256__in=SourceFile.objects.filter(source=source).values("sha256"))
    return Source.objects.filter(same).exclude(pk=source.pk).distinct().order_by("pk")


def public_incidents_citing(*, source: Source) -> QuerySet[Incident]:
    """Public incidents that cite ``source``: directly, as claim evidence or via a statement."""
    return (
        Incident.objects.public()
        .filter(
            Q(sources=source)
            | Q(claims__evidence__source=source)
            | Q(statements__reported_in=source)
        )
        .distinct()
        .order_by("-occurred_from", "-pk")
    )


def publicly_held_file(*, sha256: str) -> SourceFile | None:
    """The file with this SHA-256 if a reader may know it is held; None otherwise.

    Restricted files and files of sources that no public record cites answer None, exactly as
    an unknown hash does, so the answer reveals nothing about unpublished work.
    """
    return SourceFile.objects.public().select_related("source").filter(sha256=sha256).first()


def files_for_source(*, source: Source, user) -> QuerySet[SourceFile]:
    """The files of ``source`` that ``user`` may see, for ``templates/sources/_files.html``."""
    return SourceFile.objects.visible_to(user).filter(source=source).order_by("pk")
