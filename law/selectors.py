"""Reads of legal mappings that span models: the element table of an incident, the incidents
mapped to a provision, and the querysets behind the list filters.

Callers pass incidents already through the gate (``Incident.objects.public()`` or
``visible_to``); a mapping is shown exactly where its incident is.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch

from cases.models import Incident, VerificationStatus
from law.models import ClaimElement, Element, ElementRow, ElementState, IncidentProvision


@dataclass
class ProvisionTable:
    """One provision chosen for an incident, with a row per element."""

    chosen: IncidentProvision
    rows: list[ElementRow] = field(default_factory=list)

    @property
    def provision(self):
        return self.chosen.provision

    @property
    def missing(self) -> list[ElementRow]:
        """Elements no verified claim goes to yet."""
        return [row for row in self.rows if row.state not in _ESTABLISHED]


_ESTABLISHED = {ElementState.SUPPORTED, ElementState.CONTESTED}


def chosen_queryset():
    """Chosen provisions with what their tables need: the provision, its elements and the
    linked claims (three queries, however many incidents)."""
    return (
        IncidentProvision.objects.select_related("provision")
        .prefetch_related(
            Prefetch("provision__elements", queryset=Element.objects.order_by("number")),
            Prefetch(
                "links", queryset=ClaimElement.objects.select_related("claim").order_by("claim_id")
            ),
        )
        .order_by("incident_id", "provision__instrument", "provision_id")
    )


def mapping_prefetch() -> Prefetch:
    """For ``Incident`` querysets (the API): ``incident.legal_provisions`` ready for ``tables``."""
    return Prefetch("legal_provisions", queryset=chosen_queryset())


def tables(chosen_provisions) -> list[ProvisionTable]:
    """The element tables of chosen provisions read through ``chosen_queryset``."""
    result = []
    for chosen in chosen_provisions:
        links_by: dict[int, list[ClaimElement]] = defaultdict(list)
        for link in chosen.links.all():
            links_by[link.element_id].append(link)
        table = ProvisionTable(chosen=chosen)
        for element in chosen.provision.elements.all():
            table.rows.append(ElementRow(element=element, links=links_by[element.pk]))
        result.append(table)
    return result


def mapping_for_incidents(incident_ids) -> dict[int, list[ProvisionTable]]:
    """The element tables of many incidents, keyed by incident id."""
    incident_ids = list(incident_ids)
    if not incident_ids:
        return {}
    grouped: dict[int, list[IncidentProvision]] = defaultdict(list)
    for chosen in chosen_queryset().filter(incident_id__in=incident_ids):
        grouped[chosen.incident_id].append(chosen)
    return {incident_id: tables(chosen) for incident_id, chosen in grouped.items()}


def mapping_for_incident(incident: Incident) -> list[ProvisionTable]:
    return mapping_for_incidents([incident.pk]).get(incident.pk, [])


def incidents_with_provision(queryset, code: str):
    """The incidents of ``queryset`` to which the provision with ``code`` may apply."""
    return queryset.filter(
        Exists(IncidentProvision.objects.filter(incident=OuterRef("pk"), provision__code=code))
    )


def incidents_with_element_gap(queryset):
    """The incidents of ``queryset`` with a chosen provision that has an element no verified
    claim goes to (nothing linked, or only unverified, partially verified, disputed or false)."""
    verified_link = ClaimElement.objects.filter(
        incident_provision=OuterRef(OuterRef("pk")),
        element=OuterRef("pk"),
        claim__status=VerificationStatus.VERIFIED,
    )
    gap = Element.objects.filter(provision=OuterRef("provision")).filter(~Exists(verified_link))
    chosen_with_gap = IncidentProvision.objects.filter(incident=OuterRef("pk")).filter(Exists(gap))
    return queryset.filter(Exists(chosen_with_gap))


def provision_incidents(provision) -> list[dict]:
    """The published incidents mapped to ``provision``, each with its counts by element state.

    Retracted incidents are left out, as from the home page: their claims no longer vouch for
    anything. Drafts and incidents in review are never counted.
    """
    incidents = list(
        Incident.objects.published()
        .filter(
            Exists(IncidentProvision.objects.filter(incident=OuterRef("pk"), provision=provision))
        )
        .order_by("-occurred_from", "-pk")
    )
    tables = mapping_for_incidents(i.pk for i in incidents)
    result = []
    for incident in incidents:
        table = next(t for t in tables[incident.pk] if t.chosen.provision_id == provision.pk)
        counts = dict.fromkeys(ElementState.values, 0)
        for row in table.rows:
            counts[row.state] += 1
        result.append(
            {
                "incident": incident,
                "chosen": table.chosen,
                "counts": [(ElementState(s), n) for s, n in counts.items()],
                "rows": table.rows,
            }
        )
    return result


def element_totals(entries: list[dict]) -> list[tuple]:
    """Per element, how many mapped incidents are in each state: [(element, {state: n})]."""
    if not entries:
        return []
    totals: dict[int, dict[str, int]] = {}
    elements = {}
    for entry in entries:
        for row in entry["rows"]:
            elements[row.element.pk] = row.element
            by_state = totals.setdefault(row.element.pk, dict.fromkeys(ElementState.values, 0))
            by_state[row.state] += 1
    return [
        (elements[pk], [(ElementState(s), n) for s, n in totals[pk].items()])
        for pk in sorted(elements, key=lambda pk: elements[pk].number)
    ]
