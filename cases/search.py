"""Full-text search over incidents: what a reader sees on the incident page, and nothing else.

``SEARCHED`` below is the one list of what search covers. Both backends follow it:

- PostgreSQL stores a weighted ``search_vector`` per incident (GIN index; queries are ranked).
  The database keeps it true by itself: ``document_function_sql()`` turns ``SEARCHED`` into one
  SQL function, and triggers on every table whose text feeds it recompute the affected incidents
  on any insert, update or delete, whoever writes (see docs/decisions/0005-search-by-trigger.md).
- SQLite, the embedded development database, matches every word case-insensitively as a
  substring of any of the same fields.

Changing ``SEARCHED`` needs a migration that installs the new function (``install_sql()``) and
rebuilds the vectors; ``tests/test_search.py`` fails on PostgreSQL until there is one.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

# PostgreSQL's "russian" configuration stems ASCII words with the English stemmer (so English
# text gets exactly the vectors "english" gave) and Cyrillic words with the Russian one, which
# also strips many Ukrainian endings (no Ukrainian stemmer ships with PostgreSQL 15). Measured on
# twelve Ukrainian word-form pairs (query vs text, e.g. "страти" / "страта"): "english" and
# "simple" matched 1 (the identical form), "russian" 5 (docs/decisions/0016-two-languages.md).
CONFIG = "russian"
DOCUMENT_FUNCTION = "cases_incident_search_document"


@dataclass(frozen=True)
class Searched:
    """Text shown on the incident page, as a lookup path from the incident.

    ``only`` restricts related rows to those the page shows (a victim's name only when its
    publication is allowed), as lookups on the first model along the path.
    """

    path: str
    weight: str  # A (most) to D (least), for ranking
    only: tuple[tuple[str, object], ...] = field(default=())


SEARCHED: tuple[Searched, ...] = (
    Searched("title", "A"),
    # Translations (issue 15): a record is found in either language.
    Searched("title_en", "A"),
    Searched("title_uk", "A"),
    Searched("summary", "B"),
    Searched("summary_en", "B"),
    Searched("summary_uk", "B"),
    Searched("place_name", "B"),
    Searched("perpetrator", "B"),
    Searched("description", "C"),
    Searched("description_en", "C"),
    Searched("description_uk", "C"),
    Searched("legal_references", "D"),
    Searched("retraction_note", "D"),
    Searched("claims__text", "C"),
    Searched("claims__text_en", "C"),
    Searched("claims__text_uk", "C"),
    Searched("claims__claimant", "C"),
    Searched("claims__rationale", "D"),
    Searched("claims__evidence__note", "D"),
    Searched("claims__evidence__source__title", "D"),
    Searched("claims__evidence__source__publisher", "D"),
    # Never a withheld name: AllegedVictim.publishable_name is the same rule in Python.
    Searched("victims__name", "C", only=(("identity_public", True),)),
    Searched("statements__speaker", "C"),
    Searched("statements__speaker_role", "C"),
    Searched("statements__organisation", "C"),
    Searched("statements__quote", "C"),
    Searched("statements__translation", "C"),
    Searched("sources__title", "D"),
    Searched("sources__publisher", "D"),
)


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _own_fields() -> list[Searched]:
    return [s for s in SEARCHED if "__" not in s.path]


def _related_groups() -> dict[tuple[str, str, tuple, str], list[str]]:
    """Related fields grouped by (first hop, relation, restriction, weight): one subquery each.

    Grouped by the whole relation path, so that a claim's text is read once per claim, not once
    per piece of its evidence.
    """
    groups: dict[tuple[str, str, tuple, str], list[str]] = defaultdict(list)
    for searched in SEARCHED:
        if "__" in searched.path:
            hop, rest = searched.path.split("__", 1)
            relation = searched.path.rsplit("__", 1)[0]
            groups[(hop, relation, searched.only, searched.weight)].append(rest)
    return groups


def _related_rows(hop: str, only: tuple, incident) -> QuerySet:
    """The rows behind ``hop`` (e.g. the claims) of ``incident`` that the page shows."""
    from cases.models import Incident

    relation = Incident._meta.get_field(hop)
    back = relation.field.name  # the lookup from the related model back to the incident
    # No ordering: the default orderings would join the incident table for nothing.
    rows = relation.related_model._default_manager.filter(**{back: incident}, **dict(only))
    return rows.order_by()


# --- SQLite (and any other backend): substring matching over the same fields --------------------


def _substring_match(word: str) -> Q:
    """Incidents that show ``word`` somewhere on their page, by case-insensitive substring."""
    match = Q()
    for searched in _own_fields():
        match |= Q(**{f"{searched.path}__icontains": word})
    for (hop, _relation, only, _weight), paths in _related_groups().items():
        in_related = Q()
        for path in paths:
            in_related |= Q(**{f"{path}__icontains": word})
        match |= Exists(_related_rows(hop, only, OuterRef("pk")).filter(in_related))
    return match


# --- PostgreSQL: the document function and its triggers ------------------------------------------


def _weighted(expression: str, weight: str) -> str:
    return f"setweight(to_tsvector('{CONFIG}', coalesce({expression}, '')), '{weight}')"


def document_function_sql() -> str:
    """``CREATE FUNCTION`` for an incident's search document, generated from ``SEARCHED``.

    It takes the incident row itself so that the incident's BEFORE trigger can pass the row being
    written; related text is read with the same querysets the SQLite fallback uses.
    """
    parts = [_weighted(f"i.{s.path}", s.weight) for s in _own_fields()]
    for (hop, _relation, only, weight), paths in _related_groups().items():
        rows = _related_rows(hop, only, RawSQL("i.id", ())).values_list(*paths)
        sql, params = rows.query.get_compiler(connection=connection).as_sql()
        with connection.cursor() as cursor:
            subquery = cursor.mogrify(sql, params)
        subquery = subquery.decode() if isinstance(subquery, bytes) else subquery
        columns = [f"c{n}" for n in range(len(paths))]
        text = (
            f"(SELECT string_agg(concat_ws(' ', {', '.join(columns)}), ' ') "
            f"FROM ({subquery}) AS t({', '.join(columns)}))"
        )
        parts.append(_weighted(text, weight))
    body = "\n    || ".join(parts)
    return (
        f"CREATE OR REPLACE FUNCTION {DOCUMENT_FUNCTION}(i cases_incident) RETURNS tsvector\n"
        f"LANGUAGE sql STABLE AS $body$\nSELECT {body}\n$body$;"
    )


# Which incidents a changed row of each table feeds, from the trigger's transition table ``r``.
# An incident's own columns are handled by its BEFORE trigger; these are the AFTER triggers.
AFFECTED_INCIDENTS = {
    "cases_claim": "SELECT r.incident_id FROM {rows} r",
    "cases_allegedvictim": "SELECT r.incident_id FROM {rows} r",
    "cases_claimevidence": (
        "SELECT c.incident_id FROM {rows} r JOIN cases_claim c ON c.id = r.claim_id"
    ),
    "sources_source_incidents": "SELECT r.incident_id FROM {rows} r",
    "sources_officialstatement_incidents": "SELECT r.incident_id FROM {rows} r",
    "sources_source": (
        "SELECT l.incident_id FROM {rows} r"
        " JOIN sources_source_incidents l ON l.source_id = r.id"
        " UNION SELECT c.incident_id FROM {rows} r"
        " JOIN cases_claimevidence e ON e.source_id = r.id"
        " JOIN cases_claim c ON c.id = e.claim_id"
    ),
    "sources_officialstatement": (
        "SELECT l.incident_id FROM {rows} r"
        " JOIN sources_officialstatement_incidents l ON l.officialstatement_id = r.id"
    ),
}


def _recompute(where: str) -> str:
    # Sets only search_vector, so the incident's own trigger (on its text columns) does not fire.
    return f"UPDATE cases_incident i SET search_vector = {DOCUMENT_FUNCTION}(i) WHERE {where}"


def install_sql() -> list[str]:
    """Statements that (re)install the document function and every trigger that keeps it true."""
    own_columns = ", ".join(s.path for s in _own_fields())
    statements = [
        document_function_sql(),
        f"""CREATE OR REPLACE FUNCTION cases_incident_search_own() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    NEW.search_vector := {DOCUMENT_FUNCTION}(NEW);
    RETURN NEW;
END $body$;""",
        "DROP TRIGGER IF EXISTS search_own ON cases_incident;",
        # Only when a searched column is written: recomputing from a child table sets
        # search_vector alone and must not recurse into this trigger.
        f"""CREATE TRIGGER search_own BEFORE INSERT OR UPDATE OF {own_columns}
ON cases_incident FOR EACH ROW EXECUTE FUNCTION cases_incident_search_own();""",
    ]
    for table, affected in AFFECTED_INCIDENTS.items():
        new, old = affected.format(rows="new_rows"), affected.format(rows="old_rows")
        function = f"{table}_search_refresh"
        # Statement-level with transition tables: a bulk insert of 500 claims recomputes each
        # incident once, not once per claim. A moved row feeds both its old and new incident.
        statements += [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_recompute(f"i.id IN ({new})")};
    ELSIF TG_OP = 'DELETE' THEN
        {_recompute(f"i.id IN ({old})")};
    ELSE
        {_recompute(f"i.id IN ({new} UNION {old})")};
    END IF;
    RETURN NULL;
END $body$;""",
            f"DROP TRIGGER IF EXISTS search_insert ON {table};",
            f"DROP TRIGGER IF EXISTS search_update ON {table};",
            f"DROP TRIGGER IF EXISTS search_delete ON {table};",
            # PostgreSQL allows transition tables only on single-event triggers: three of them.
            f"""CREATE TRIGGER search_insert AFTER INSERT ON {table}
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();""",
            f"""CREATE TRIGGER search_update AFTER UPDATE ON {table}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION {function}();""",
            f"""CREATE TRIGGER search_delete AFTER DELETE ON {table}
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();""",
        ]
    return statements


def uninstall_sql() -> list[str]:
    statements = [
        "DROP TRIGGER IF EXISTS search_own ON cases_incident;",
        "DROP FUNCTION IF EXISTS cases_incident_search_own();",
    ]
    for table in AFFECTED_INCIDENTS:
        statements += [
            f"DROP TRIGGER IF EXISTS search_{event} ON {table};"
            for event in ("insert", "update", "delete")
        ]
        statements.append(f"DROP FUNCTION IF EXISTS {table}_search_refresh();")
    statements.append(f"DROP FUNCTION IF EXISTS {DOCUMENT_FUNCTION}(cases_incident);")
    return statements


def refresh_search_vectors(incident_ids: Iterable[int] | None = None) -> None:
    """Rebuild the stored search vectors of the given incidents (all when None).

    Not needed after writes: the database's triggers keep every vector true. This is the full
    rebuild for after installing a new document function, and stays callable (a no-op on SQLite)
    for code that still calls it.
    """
    if not uses_postgres():
        return
    sql = _recompute("TRUE")
    with connection.cursor() as cursor:
        if incident_ids is None:
            cursor.execute(sql)
        else:
            ids = list(incident_ids)
            if ids:
                cursor.execute(_recompute("i.id = ANY(%s)"), [ids])


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
    matches = Q()
    for word in text.split():
        matches &= _substring_match(word)
    return queryset.filter(matches)
