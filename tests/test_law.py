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


def element_row_state(html: str, identifier: str) -> str:
    """The state shown in the element table's row for ``identifier``."""
    import re

    row = re.search(
        r'<span class="element-id">' + re.escape(identifier) + r"</span>(.*?)</tr>", html, re.S
    )
    assert row, identifier
    state = re.search(r'class="element-state element-state-(\w+)"', row.group(1))
    return state.group(1)


def test_every_combination_shows_its_state_on_the_page_and_in_the_api(client, editor):
    for n, statuses in enumerate(ALL_COMBINATIONS):
        incident = IncidentFactory(published=True, slug=f"combo-{n}")
        map_incident(incident, editor, statuses=sorted(statuses))
        expected = expected_state(statuses).value
        page = client.get(incident.get_absolute_url()).content.decode()
        assert element_row_state(page, "8(2)(b)(vi)/2") == expected, statuses
        record = client.get(reverse("incident-detail", args=[incident.slug])).json()
        elements = record["legal_mapping"][0]["elements"]
        assert elements[1]["identifier"] == "8(2)(b)(vi)/2"
        assert elements[1]["state"] == expected, statuses
        assert [c["status"] for c in elements[1]["claims"]] == sorted(statuses)
        assert elements[0]["state"] == ElementState.MISSING


# --- the publication policy ------------------------------------------------------------------


def test_researchers_map_drafts_but_not_public_incidents(researcher):
    from django.core.exceptions import PermissionDenied

    from law import services

    draft = IncidentFactory()
    chosen = services.incident_provision_add(
        incident=draft, provision=Provision.objects.get(code="rs-8-2-a-i"), by=researcher
    )
    assert chosen.pk
    public = IncidentFactory(published=True)
    with pytest.raises(PermissionDenied):
        services.incident_provision_add(
            incident=public, provision=Provision.objects.get(code="rs-8-2-a-i"), by=researcher
        )
    assert not public.legal_provisions.exists()


def test_an_editor_changes_a_public_mapping_only_with_a_reason_shown_in_its_history(client, editor):
    from django.core.exceptions import ValidationError

    from law import services

    incident = IncidentFactory(published=True)
    with pytest.raises(ValidationError):
        services.incident_provision_add(
            incident=incident, provision=Provision.objects.get(code="rs-8-2-a-i"), by=editor
        )
    assert not incident.legal_provisions.exists()
    chosen = map_incident(incident, editor, statuses=[V.PARTIALLY_VERIFIED])
    link = chosen.links.get()
    services.claim_element_update(
        link=link,
        by=editor,
        data={"element": chosen.provision.elements.get(number=1)},
        reason="The footage shows the shooting, not the surrender.",
    )
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "The footage shows the shooting, not the surrender." in page
    assert element_row_state(page, "8(2)(b)(vi)/1") == ElementState.UNVERIFIED
    assert element_row_state(page, "8(2)(b)(vi)/2") == ElementState.MISSING
    assert incident.corrections.count() == 3  # provision added, claim linked, link changed


def test_a_claim_of_another_incident_cannot_be_linked(editor):
    from django.core.exceptions import ValidationError

    from law import services

    chosen = map_incident(IncidentFactory(), editor)
    elsewhere = ClaimFactory(incident=IncidentFactory())
    with pytest.raises(ValidationError):
        services.claim_element_link(
            incident_provision=chosen,
            element=chosen.provision.elements.get(number=1),
            claim=elsewhere,
            by=editor,
        )
    assert not chosen.links.exists()


def test_elements_are_never_deleted(editor):
    from django.core.exceptions import PermissionDenied

    from law import services

    element = Element.objects.first()
    with pytest.raises(PermissionDenied):
        services.element_delete(element=element, by=editor)
    assert Element.objects.filter(pk=element.pk).exists()


# --- across incidents: filters, counts and the gate ------------------------------------------


def listed_slugs(client, **params) -> set[str]:
    response = client.get(reverse("incident-list"), params)
    return {record["slug"] for record in response.json()["results"]}


def test_filters_by_provision_and_by_element_gap(client, editor):
    full = IncidentFactory(published=True, slug="full")
    chosen = map_incident(full, editor)
    for element in chosen.provision.elements.all():
        claim = ClaimFactory(incident=full, status=V.VERIFIED, rationale="Geolocated.")
        from law import services

        services.claim_element_link(
            incident_provision=chosen, element=element, claim=claim, by=editor, reason="Mapped."
        )
    gap = IncidentFactory(published=True, slug="gap")
    map_incident(gap, editor, statuses=[V.VERIFIED])
    map_incident(IncidentFactory(slug="draft"), editor, statuses=[V.VERIFIED])
    IncidentFactory(published=True, slug="unmapped")

    assert listed_slugs(client, provision="rs-8-2-b-vi") == {"full", "gap"}
    assert listed_slugs(client, element_gap="1") == {"gap"}
    assert listed_slugs(client, provision="rs-8-2-a-i") == set()
    html = client.get(reverse("cases:incident_list"), {"provision": "rs-8-2-b-vi"}).content
    assert b"/incidents/full/" in html and b"/incidents/gap/" in html
    assert b"/incidents/unmapped/" not in html
    html = client.get(reverse("cases:incident_list"), {"element_gap": "1"}).content
    assert b"/incidents/gap/" in html and b"/incidents/full/" not in html


def test_law_pages_count_published_incidents_only(client, editor):
    map_incident(IncidentFactory(published=True, title="Published one"), editor)
    map_incident(IncidentFactory(title="A draft one"), editor)
    map_incident(IncidentFactory(retracted=True, title="A retracted one"), editor)
    page = client.get(reverse("law:provision_detail", args=["rs-8-2-b-vi"])).content.decode()
    assert "Published one" in page
    assert "A draft one" not in page and "A retracted one" not in page
    index = client.get(reverse("law:provision_list")).content.decode()
    assert '?provision=rs-8-2-b-vi">1</a>' in index


# --- the wording: allegations, never findings -------------------------------------------------


def test_no_page_says_committed_or_guilty(client, editor):
    import re

    incident = IncidentFactory(published=True)
    map_incident(incident, editor, statuses=[V.VERIFIED, V.FALSE])
    urls = [incident.get_absolute_url(), reverse("law:provision_list")] + [
        reverse("law:provision_detail", args=[code])
        for code in Provision.objects.values_list("code", flat=True)
    ]
    for url in urls:
        html = client.get(url).content.decode()
        # Quoted treaty text (in <blockquote>) is the law's wording, not ours.
        ours = re.sub(r"<blockquote.*?</blockquote>", "", html, flags=re.S).lower()
        for word in ("committed", "guilty", "perpetrated"):
            assert word not in ours, (url, word)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "may apply" in page and "not a legal finding" in page


# --- done when: the demo, the review queue and the page cache ---------------------------------


def test_a_status_decided_in_the_review_queue_changes_the_element_on_the_next_view(
    client, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.core.management import call_command

    from accounts.models import User
    from cases.models import Claim, Incident
    from tests.security_fixtures import SecondFactorClient

    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    cache.clear()
    call_command("load_demo", stdout=__import__("io").StringIO())
    incident = Incident.objects.get(slug__startswith="zaporizhzhia")
    url = incident.get_absolute_url()
    page = client.get(url).content.decode()
    states = [element_row_state(page, f"8(2)(b)(vi)/{n}") for n in range(1, 6)]
    assert states == ["unverified"] * 3 + ["missing"] * 2
    assert client.get(url).content.decode() == page  # served from the page cache

    footage = Claim.objects.get(incident=incident, text__startswith="Drone footage shows")
    editor = SecondFactorClient()  # an editor who gave the second factor (issue 20)
    editor.force_login(User.objects.get(username="editor"))
    prefix = f"claim-{footage.pk}"
    with django_capture_on_commit_callbacks(execute=True):  # the page cache's invalidation
        response = editor.post(
            reverse("review:review_claim", args=[footage.pk]),
            {
                f"{prefix}-status": "verified",
                f"{prefix}-rationale": "Geolocated and chronolocated.",
                f"{prefix}-methods": ["geolocation"],
                f"{prefix}-loaded_version": footage.version,
            },
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert element_row_state(page, "8(2)(b)(vi)/1") == "supported"
    assert element_row_state(page, "8(2)(b)(vi)/2") == "supported"
    assert element_row_state(page, "8(2)(b)(vi)/3") == "unverified"
    cache.clear()


def test_the_demo_maps_both_seed_incidents_and_the_json_export_carries_it(client):
    import json

    from django.core.management import call_command

    call_command("load_demo", stdout=__import__("io").StringIO())
    body = b"".join(client.get(reverse("exchange:incident_export_json")).streaming_content)
    data = json.loads(body)
    records = {r["slug"].split("-")[0]: r for r in data.get("incidents", data.get("results", []))}
    assert records, list(data)
    assert [p["provision"] for p in records["zaporizhzhia"]["legal_mapping"]] == [
        "rs-8-2-a-i",
        "rs-8-2-b-vi",
    ]
    popasna = {p["provision"]: p["liability"] for p in records["popasna"]["legal_mapping"]}
    assert popasna == {"rs-8-2-b-xii": "ordering", "rs-8-2-b-vi": "ordering"}
