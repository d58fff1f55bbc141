"""The legal mapping of an incident as data out (issue 18): the API's and the JSON export's
``legal_mapping``, and the CSV's ``legal_provisions`` and ``elements_without_verified_claim``.

Codes are stable (``Provision.code``, ``Element.identifier``). The element ``state`` is derived
from the linked claims' statuses at the time of the request (``law.models.element_state``); it
says what the record shows, never that a crime was committed.
"""

from django.conf import settings
from rest_framework import serializers

from law.models import ElementState, IncidentProvision, Provision


def legal_mapping(tables, incident_permalink: str) -> list[dict]:
    """``tables`` (law.selectors.ProvisionTable list) as plain data."""
    return [
        {
            "provision": table.provision.code,
            "instrument": table.provision.instrument,
            "article": table.provision.article,
            "title": table.provision.title,
            "url": settings.SITE_URL + table.provision.get_absolute_url(),
            "liability": table.chosen.liability,
            "note": table.chosen.note,
            "elements": [
                {
                    "identifier": row.element.identifier,
                    "number": row.element.number,
                    "kind": row.element.kind,
                    "state": row.state.value,
                    "claims": [
                        {
                            "id": link.claim_id,
                            "permalink": f"{incident_permalink}#claim-{link.claim_id}",
                            "status": link.claim.status,
                            "note": link.note,
                        }
                        for link in row.links
                    ],
                }
                for row in table.rows
            ],
        }
        for table in tables
    ]


def csv_cells(tables) -> dict[str, str]:
    """The two CSV columns: chosen provisions' codes, and elements without a verified claim."""
    return {
        "legal_provisions": " | ".join(table.provision.code for table in tables),
        "elements_without_verified_claim": " | ".join(
            row.element.identifier for table in tables for row in table.missing
        ),
    }


CSV_COLUMNS = ["legal_provisions", "elements_without_verified_claim"]


# --- the schema of ``legal_mapping`` (documentation only: the data is built above) ----------


class LinkedClaimSchema(serializers.Serializer):
    id = serializers.IntegerField()
    permalink = serializers.URLField()
    status = serializers.CharField(help_text="The claim's verification status today.")
    note = serializers.CharField()


class ElementSchema(serializers.Serializer):
    identifier = serializers.CharField(help_text="Stable, e.g. 8(2)(b)(vi)/2.")
    number = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(
        choices=ElementState.choices,
        help_text="Derived from the linked claims' statuses; never a legal finding.",
    )
    claims = LinkedClaimSchema(many=True)


class LegalMappingSchema(serializers.Serializer):
    provision = serializers.CharField(help_text="Stable code, e.g. rs-8-2-b-vi (/law/<code>/).")
    instrument = serializers.ChoiceField(choices=Provision.Instrument.choices)
    article = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    liability = serializers.ChoiceField(
        choices=IncidentProvision.Liability.choices, help_text="The alleged mode of liability."
    )
    note = serializers.CharField()
    elements = ElementSchema(many=True)
