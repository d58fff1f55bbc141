from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Joins the jobs (issue 16) and security (issue 20) role updates; the roles are synced again
    once both apps' and the legal texts' and API tokens' permissions exist."""

    dependencies = [
        ("accounts", "0005_jobs_capture_roles"),
        ("accounts", "0005_security_roles"),
        ("jobs", "0001_initial"),
        ("law", "0002_law_load_provisions"),
        ("apikeys", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
