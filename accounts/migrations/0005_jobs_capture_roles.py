from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Both roles read the captures of cited pages (issue 16)."""

    dependencies = [
        ("accounts", "0004_jobs_roles"),
        ("sources", "0006_jobs_source_captures"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
