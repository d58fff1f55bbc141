from django.db import migrations


def load_provisions(apps, schema_editor):
    from law.loading import load_provisions

    load_provisions(apps)


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("law", "0001_initial"),
        ("accounts", "0003_roles_corrections"),
        ("sources", "0005_custody_flag_events"),
    ]

    operations = [
        migrations.RunPython(load_provisions, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
