from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Editors may make a victim's identity public; both roles read corrections and proposals."""

    dependencies = [
        ("accounts", "0002_roles"),
        ("cases", "0005_corrections_and_identity_decisions"),
        ("sources", "0005_custody_flag_events"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
