"""Issue 18: legal provisions and elements, claims mapped to them, and what is still missing."""

import itertools

import pytest
from django.urls import reverse

from cases.models import VerificationStatus
from law.loading import load_provisions, read_data
from law.models import Element, ElementState, Provision, element_state
from tests.factories import ClaimFactory, IncidentFactory

pytestmark = pytest.mark.django_db

V = VerificationStatus


# --- the data file and its migration ---------------------------------------------------------


def test_the_migration_loads_every_provision_and_element_of_the_file():
    data = read_data()
    assert Provision.objects.count() == len(data["provisions"])
    assert Element.objects.count() == sum(len(p["elements"]) for p in data["provisions"])
    hors_de_combat = Provision.objects.get(code="rs-8-2-b-vi")
    assert [e.identifier for e in hors_de_combat.elements.all()] == [
        f"8(2)(b)(vi)/{n}" for n in range(1, 6)
    ]
    assert (
        hors_de_combat.elements.get(number=2).text == "Such person or persons were hors de combat."
    )
    assert "Elements-of-Crimes" in hors_de_combat.elements_source_url


def test_every_provision_the_issue_names_is_there_with_a_source():
    codes = set(Provision.objects.values_list("code", flat=True))
    assert {
        "rs-8-2-a-i", "rs-8-2-a-ii-1", "rs-8-2-a-ii-2", "rs-8-2-b-vi", "rs-8-2-b-xii",
        "rs-8-2-b-xxi", "rs-8-2-c-i-1", "rs-8-2-e-x", "gc3-13", "gc3-130",
    } <= codes  # fmt: skip
    for provision in Provision.objects.all():
        assert provision.source_url.startswith("https://")
        assert provision.text.strip()
        if provision.instrument == Provision.Instrument.ROME_STATUTE:
            assert provision.elements.count() >= 4
        else:
            assert provision.elements.count() == 0  # references, not crimes with elements


def test_loading_again_changes_nothing():
    before = list(Element.objects.order_by("pk").values_list())
    load_provisions()
    assert list(Element.objects.order_by("pk").values_list()) == before


# --- the state of an element: every combination of its claims' statuses ----------------------


def expected_state(statuses: set) -> ElementState:
    if not statuses:
        return ElementState.MISSING
    if V.VERIFIED in statuses:
        if statuses & {V.DISPUTED, V.FALSE}:
            return ElementState.CONTESTED
        return ElementState.SUPPORTED
    if statuses & {V.DISPUTED, V.FALSE}:
        return ElementState.CONTRADICTED
    return ElementState.UNVERIFIED


ALL_COMBINATIONS = [
    set(combo) for n in range(len(V) + 1) for combo in itertools.combinations(list(V), n)
]


def test_all_32_combinations_are_covered():
    assert len(ALL_COMBINATIONS) == 32


@pytest.mark.parametrize("statuses", ALL_COMBINATIONS, ids=lambda s: "+".join(sorted(s)) or "none")
def test_element_state(statuses):
    assert element_state(statuses) == expected_state(statuses)
    # Two claims with the same status say no more than one.
    assert element_state([*statuses, *statuses]) == expected_state(statuses)


# --- mapping through the services, and what readers see ------------------------------------


def map_incident(incident, by, *, statuses=(), code="rs-8-2-b-vi", element=2):
    """Choose ``code`` for ``incident`` and link one claim per status to element ``element``."""
    from law import services

    provision = Provision.objects.get(code=code)
    chosen = services.incident_provision_add(
        incident=incident,
        provision=provision,
        by=by,
        data={"liability": "perpetration"},
        reason="Mapping reason.",
    )
    target = provision.elements.get(number=element)
    for n, status in enumerate(statuses):
        claim = ClaimFactory(
            incident=incident,
            text=f"Claim number {n} about the killing.",
            status=status,
            rationale="" if status == V.UNVERIFIED else "Assessed for the test.",
        )
        services.claim_element_link(
            incident_provision=chosen, element=target, claim=claim, by=by, reason="Mapping reason."
        )
    return chosen


def test_the_incident_page_shows_the_element_table(client, editor):
    incident = IncidentFactory(published=True)
    map_incident(incident, editor, statuses=[V.VERIFIED])
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Legal elements: provisions that may apply" in page
    assert "8(2)(b)(vi)/2" in page
    assert "Supported by verified claims" in page
    assert page.count("Nothing yet") == 4
    assert "This is not a legal finding" in page


def test_law_pages(client, editor):
    incident = IncidentFactory(published=True, title="Mapped incident")
    map_incident(incident, editor, statuses=[V.UNVERIFIED])
    index = client.get(reverse("law:provision_list")).content.decode()
    assert "RS art. 8(2)(b)(vi)" in index
    page = client.get(reverse("law:provision_detail", args=["rs-8-2-b-vi"])).content.decode()
    assert "Mapped incident" in page
    assert "Such person or persons were hors de combat." in page
    assert client.get(reverse("law:provision_detail", args=["no-such"])).status_code == 404
