"""The demo's legal mapping (issue 18): the provisions that may apply to the two seed incidents
and which of their claims would go to which element, loaded through ``law.services``.

Claims are named by the start of their text (``exchange.demo_data``). Only claims that would go
to an element are linked: a claim about who published what, or about a prosecutor's
investigation, establishes no element, so the table honestly shows what is still missing.
"""

from django.utils.translation import gettext as _

from law import services
from law.loading import ensure_provisions
from law.models import IncidentProvision, Provision

ZAPORIZHZHIA = "zaporizhzhia-2024-11-execution-of-surrendering-soldiers"
POPASNA = "popasna-2022-04-intercepted-order-to-kill-prisoners"

FOOTAGE = "Drone footage shows six Ukrainian soldiers"
KILL_THE_REST = "Intercepted Russian radio traffic contains the order"
ORDERS_RELATE = "The intercepted radio orders relate to the execution"
POPASNA_ORDER = "The recording contains an order to kill all"
RUSSIAN_VOICES = "The voices on the recording are those of Russian soldiers"

# slug → [(provision code, liability, note, {element number: [(claim text start, note)]})]
LEGAL_MAPPING = {
    ZAPORIZHZHIA: [
        (
            "rs-8-2-b-vi",
            IncidentProvision.Liability.PERPETRATION,
            "Soldiers shown lying face down, unarmed, are alleged to have been shot.",
            {
                1: [(FOOTAGE, "Shows two men shot at close range.")],
                2: [(FOOTAGE, "Lying face down on the ground, under guard.")],
                3: [
                    (KILL_THE_REST, "“Seize the commander” implies they were in custody."),
                    (ORDERS_RELATE, ""),
                ],
            },
        ),
        (
            "rs-8-2-a-i",
            IncidentProvision.Liability.PERPETRATION,
            "",
            {
                1: [(FOOTAGE, "")],
                2: [(FOOTAGE, "Soldiers who surrendered are prisoners of war (GC III art. 4).")],
                3: [(KILL_THE_REST, "")],
            },
        ),
    ],
    POPASNA: [
        (
            "rs-8-2-b-xii",
            IncidentProvision.Liability.ORDERING,
            "The intercepted order is alleged to leave no prisoner alive but the highest-ranking.",
            {
                1: [(POPASNA_ORDER, "")],
                4: [(RUSSIAN_VOICES, "Would place the speakers on one side of the conflict.")],
            },
        ),
        (
            "rs-8-2-b-vi",
            IncidentProvision.Liability.ORDERING,
            "Alleged as an order: no killing has been documented in this incident yet.",
            {2: [(POPASNA_ORDER, "The order concerns prisoners of war.")]},
        ),
    ],
}

REASON = (
    "Legal mapping added: the provisions that may apply and the claims that go to their elements."
)


def map_incident(*, incident, by, reason: str = "") -> int:
    """Add the demo's mapping of ``incident`` where it is missing; return how many provisions.

    On an incident that is already public (a demo database loaded before the mapping existed)
    ``by`` is an editor and the reason becomes a public correction.
    """
    ensure_provisions()
    added = 0
    claims = list(incident.claims.all())
    for code, liability, note, links in LEGAL_MAPPING.get(incident.slug, []):
        provision = Provision.objects.get(code=code)
        if IncidentProvision.objects.filter(incident=incident, provision=provision).exists():
            continue
        chosen = services.incident_provision_add(
            incident=incident,
            provision=provision,
            by=by,
            data={"liability": liability, "note": note},
            reason=reason,
        )
        added += 1
        for number, pairs in links.items():
            element = provision.elements.get(number=number)
            for start, link_note in pairs:
                claim = next(c for c in claims if c.text.startswith(start))
                services.claim_element_link(
                    incident_provision=chosen,
                    element=element,
                    claim=claim,
                    by=by,
                    note=link_note,
                    reason=reason,
                )
    return added


def public_reason() -> str:
    return _(REASON)
