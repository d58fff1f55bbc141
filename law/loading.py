"""Loads the committed, sourced provisions file (``law/data/provisions.json``).

Called by the data migration and safe to call again: rows are matched on their stable codes
(``Provision.code``, ``Element.identifier``), so a corrected text in the file updates the row and
a new provision is added; nothing is deleted (incidents may be mapped to it).
"""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "provisions.json"

PROVISION_FIELDS = (
    "instrument",
    "article",
    "title",
    "text",
    "conflict_type",
    "source_title",
    "source_url",
    "elements_source_title",
    "elements_source_url",
    "note",
)


def read_data(path: Path = DATA_FILE) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_provisions(apps=None, path: Path = DATA_FILE) -> int:
    """Create or update every provision and element of the file; return how many provisions."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    Provision = apps.get_model("law", "Provision")
    Element = apps.get_model("law", "Element")
    data = read_data(path)
    for item in data["provisions"]:
        provision, created = Provision.objects.update_or_create(
            code=item["code"], defaults={name: item[name] for name in PROVISION_FIELDS}
        )
        if created:
            _first_history_row(apps, provision)
        for element in item["elements"]:
            row, created = Element.objects.update_or_create(
                identifier=element["identifier"],
                defaults={
                    "provision": provision,
                    "number": element["number"],
                    "kind": element["kind"],
                    "text": element["text"],
                },
            )
            if created:
                _first_history_row(apps, row)
    return len(data["provisions"])


def _first_history_row(apps, obj) -> None:
    """A loaded text's first version in its history (a migration's models send no signals)."""
    from django.utils import timezone

    model = type(obj)
    historical = apps.get_model("law", f"Historical{model.__name__}")
    if historical.objects.filter(id=obj.pk).exists():
        return  # saved through the real model: simple-history wrote it
    values = {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}
    historical.objects.create(
        **values,
        history_date=timezone.now(),
        history_type="+",
        history_change_reason=f"Loaded from {DATA_FILE.name}",
    )


def ensure_provisions() -> None:
    """Load the file when any of its provisions is missing (the data migration's rows can be
    gone: a test database flushed between tests, or rows removed by hand)."""
    from law.models import Provision

    codes = {item["code"] for item in read_data()["provisions"]}
    if Provision.objects.filter(code__in=codes).count() != len(codes):
        load_provisions()
