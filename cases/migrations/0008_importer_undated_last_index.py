# Hand-written for issue 19: the public list's "newest first" puts undated incidents last
# (occurred_from DESC NULLS LAST). PostgreSQL sorts DESC with NULLS FIRST, so the existing
# incident_public_newest index no longer serves it (its backward scan still serves "oldest
# first", ASC NULLS LAST); this one does. SQLite puts NULLs last in DESC by itself.

from django.db import migrations

NEWEST_INDEX = "incident_public_newest_dated_first"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NEWEST_INDEX} ON cases_incident "
        "(occurred_from DESC NULLS LAST, id DESC) "
        "WHERE status IN ('published', 'retracted')"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NEWEST_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_importer_unknown_dates_and_derived_oblast"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
