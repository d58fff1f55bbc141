from django.db import migrations


def fill_normalised_urls(apps, schema_editor):
    from sources.normalise import normalise_url

    Source = apps.get_model("sources", "Source")
    for source in Source.objects.exclude(url="").only("pk", "url").iterator():
        Source.objects.filter(pk=source.pk).update(normalised_url=normalise_url(source.url))


def sync_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_source_files"),
        ("accounts", "0002_roles"),
    ]

    operations = [
        migrations.RunPython(fill_normalised_urls, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
