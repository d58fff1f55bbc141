from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Both roles read the background jobs (issue 16)."""

    dependencies = [
        ("accounts", "0003_roles_corrections"),
        ("jobs", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
