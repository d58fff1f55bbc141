"""Reads about sources that span models."""

from django.db.models import QuerySet

from sources.models import Source


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
