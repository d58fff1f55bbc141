"""Full-text search over incidents.

On PostgreSQL each incident stores a weighted ``search_vector`` (title and summary weigh most,
then place, perpetrator and the text of its claims) with a GIN index, and queries are ranked.
SQLite, the embedded development database, falls back to case-insensitive substring matching.
The vector is refreshed by ``refresh_search_vectors`` after every write that changes those texts
(admin saves, the importer, the demo and benchmark loaders), in one UPDATE statement.
"""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

CONFIG = "english"

_REFRESH_SQL = f"""
UPDATE cases_incident AS i SET search_vector =
    setweight(to_tsvector('{CONFIG}', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('{CONFIG}', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce(i.place_name, '') || ' '
                 || coalesce(i.perpetrator, '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce(
           (SELECT string_agg(c.text, ' ') FROM cases_claim c WHERE c.incident_id = i.id), ''
       )), 'C')
"""


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def refresh_search_vectors(incident_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored search vectors of the given incidents (all when None)."""
    if not uses_postgres():
        return
    with connection.cursor() as cursor:
        if incident_ids is None:
            cursor.execute(_REFRESH_SQL)
        else:
            ids = list(incident_ids)
            if ids:
                cursor.execute(_REFRESH_SQL + " WHERE i.id = ANY(%s)", [ids])


def search_incidents(queryset: QuerySet, text: str) -> QuerySet:
    """Incidents matching ``text``; on PostgreSQL annotated with a ``rank`` for ordering."""
    text = text.strip()
    if not text:
        return queryset
    if uses_postgres():
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    from cases.models import Claim

    matches = Q()
    for word in text.split():
        in_claims = Exists(Claim.objects.filter(incident=OuterRef("pk"), text__icontains=word))
        matches &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(place_name__icontains=word)
            | Q(perpetrator__icontains=word)
            | in_claims
        )
    return queryset.filter(matches)
