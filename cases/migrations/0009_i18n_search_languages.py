"""Search finds a record in either language (issue 15, docs/decisions/0016-two-languages.md).

The document function now reads the translations (title_en/uk, summary_en/uk, description_en/uk,
claims' text_en/uk) and uses the "russian" text search configuration: English words are stemmed as
before (its ASCII words use the English stemmer), Cyrillic words with the Russian stemmer, which
also strips many Ukrainian endings. The SQL is frozen as cases.search.install_sql() generated it;
the other triggers of 0006 are unchanged. PostgreSQL only: SQLite matches substrings.
"""

import importlib

from django.db import migrations

INSTALL = [
    """CREATE OR REPLACE FUNCTION cases_incident_search_document(i cases_incident) RETURNS tsvector
LANGUAGE sql STABLE AS $body$
SELECT setweight(to_tsvector('russian', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('russian', coalesce(i.title_en, '')), 'A')
    || setweight(to_tsvector('russian', coalesce(i.title_uk, '')), 'A')
    || setweight(to_tsvector('russian', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(i.summary_en, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(i.summary_uk, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(i.place_name, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(i.perpetrator, '')), 'B')
    || setweight(to_tsvector('russian', coalesce(i.description, '')), 'C')
    || setweight(to_tsvector('russian', coalesce(i.description_en, '')), 'C')
    || setweight(to_tsvector('russian', coalesce(i.description_uk, '')), 'C')
    || setweight(to_tsvector('russian', coalesce(i.legal_references, '')), 'D')
    || setweight(to_tsvector('russian', coalesce(i.retraction_note, '')), 'D')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0, c1, c2, c3), ' ') FROM (SELECT "cases_claim"."text" AS "text", "cases_claim"."text_en" AS "text_en", "cases_claim"."text_uk" AS "text_uk", "cases_claim"."claimant" AS "claimant" FROM "cases_claim" WHERE "cases_claim"."incident_id" = (i.id)) AS t(c0, c1, c2, c3)), '')), 'C')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0), ' ') FROM (SELECT "cases_claim"."rationale" AS "rationale" FROM "cases_claim" WHERE "cases_claim"."incident_id" = (i.id)) AS t(c0)), '')), 'D')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0), ' ') FROM (SELECT "cases_claimevidence"."note" AS "evidence__note" FROM "cases_claim" LEFT OUTER JOIN "cases_claimevidence" ON ("cases_claim"."id" = "cases_claimevidence"."claim_id") WHERE "cases_claim"."incident_id" = (i.id)) AS t(c0)), '')), 'D')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0, c1), ' ') FROM (SELECT "sources_source"."title" AS "evidence__source__title", "sources_source"."publisher" AS "evidence__source__publisher" FROM "cases_claim" LEFT OUTER JOIN "cases_claimevidence" ON ("cases_claim"."id" = "cases_claimevidence"."claim_id") LEFT OUTER JOIN "sources_source" ON ("cases_claimevidence"."source_id" = "sources_source"."id") WHERE "cases_claim"."incident_id" = (i.id)) AS t(c0, c1)), '')), 'D')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0), ' ') FROM (SELECT "cases_allegedvictim"."name" AS "name" FROM "cases_allegedvictim" WHERE ("cases_allegedvictim"."identity_public" AND "cases_allegedvictim"."incident_id" = (i.id))) AS t(c0)), '')), 'C')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0, c1, c2, c3, c4), ' ') FROM (SELECT "sources_officialstatement"."speaker" AS "speaker", "sources_officialstatement"."speaker_role" AS "speaker_role", "sources_officialstatement"."organisation" AS "organisation", "sources_officialstatement"."quote" AS "quote", "sources_officialstatement"."translation" AS "translation" FROM "sources_officialstatement" INNER JOIN "sources_officialstatement_incidents" ON ("sources_officialstatement"."id" = "sources_officialstatement_incidents"."officialstatement_id") WHERE "sources_officialstatement_incidents"."incident_id" = (i.id)) AS t(c0, c1, c2, c3, c4)), '')), 'C')
    || setweight(to_tsvector('russian', coalesce((SELECT string_agg(concat_ws(' ', c0, c1), ' ') FROM (SELECT "sources_source"."title" AS "title", "sources_source"."publisher" AS "publisher" FROM "sources_source" INNER JOIN "sources_source_incidents" ON ("sources_source"."id" = "sources_source_incidents"."source_id") WHERE "sources_source_incidents"."incident_id" = (i.id)) AS t(c0, c1)), '')), 'D')
$body$;""",
    """DROP TRIGGER IF EXISTS search_own ON cases_incident;""",
    """CREATE TRIGGER search_own BEFORE INSERT OR UPDATE OF title, title_en, title_uk, summary, summary_en, summary_uk, place_name, perpetrator, description, description_en, description_uk, legal_references, retraction_note
ON cases_incident FOR EACH ROW EXECUTE FUNCTION cases_incident_search_own();""",
]

REBUILD = "UPDATE cases_incident i SET search_vector = cases_incident_search_document(i)"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in INSTALL:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(REBUILD, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    previous = importlib.import_module("cases.migrations.0006_search_triggers")
    for statement in previous.INSTALL:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(REBUILD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_i18n_content_languages"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
