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
        provision, _ = Provision.objects.update_or_create(
            code=item["code"], defaults={name: item[name] for name in PROVISION_FIELDS}
        )
        for element in item["elements"]:
            Element.objects.update_or_create(
                identifier=element["identifier"],
                defaults={
                    "provision": provision,
                    "number": element["number"],
                    "kind": element["kind"],
                    "text": element["text"],
                },
            )
    return len(data["provisions"])
