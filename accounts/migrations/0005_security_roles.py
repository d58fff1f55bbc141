from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """issue 20: Editors may see withheld identities in lists and exports."""

    dependencies = [
        ("accounts", "0004_security_access_sessions"),
        ("cases", "0006_search_triggers"),
        ("sources", "0005_custody_flag_events"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
