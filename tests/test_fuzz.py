"""Fuzzed input: generated query strings and form posts never cause a 500 or a partial write.

The CI profile (tests/conftest.py) runs a few hundred examples in all; `make fuzz` runs 10,000 per
test. Query-string endpoints are a list so exports and the API add one line each.
"""

from urllib.parse import urlencode

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.models import (
    Category,
    Claim,
    ClaimStatusChange,
    Incident,
    Oblast,
    PublicationEvent,
    VerificationMethod,
    VerificationStatus,
)
from tests.factories import AllegedVictimFactory, ClaimFactory, IncidentFactory, SourceFactory
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db

# Endpoints that read filters from the query string. Add exports and API lists here, e.g.
# "/incidents/export.csv", "/api/v1/incidents/".
QUERY_ENDPOINTS: list[str] = [
    "/en/incidents/",
    "/incidents/export.csv",
    "/incidents/export.geojson",
    "/api/v1/incidents/",
    # issue 17: the transparency log's endpoints that read numbers from the query string
    "/transparency/tree-head.json",
    "/transparency/entries.json",
    "/transparency/proof/inclusion.json",
    "/transparency/proof/consistency.json",
]

# The parameters the list understands, plus a few it does not.
PARAMETERS = [
    "q",
    "oblast",
    "category",
    "status",
    "victim_status",
    "source_kind",
    "perpetrator",
    "date_from",
    "date_to",
    "sort",
    "page",
    "format",
    "limit",
    "offset",
    "csrfmiddlewaretoken",
    # issue 17
    "tree_size",
    "start",
    "end",
    "index",
    "first",
    "second",
    "variant",
]

# Values near what the parameters expect, and values far from it.
near_values = st.sampled_from(
    [
        *Oblast.values,
        *Category.values,
        *VerificationStatus.values,
        "2022-04-20",
        "2022-02-30",
        "0001-01-01",
        "9999-12-31",
        "-1",
        "0",
        "99999999999999999999",
        "1e9",
        "oldest",
        "victims",
        "'; DROP TABLE cases_incident; --",
        "%00",
        "\x00",
        "<script>alert(1)</script>",
        "a" * 3000,
        '"unbalanced',
        "∞",
        "🙂",
    ]
)
values = st.one_of(near_values, st.text(max_size=200))
query_strings = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=20)), values), max_size=8
)
# Raw query strings, not necessarily well-formed percent-encoding.
raw_queries = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300
) | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"cases", "sources"}
    }


@pytest.fixture
def some_incidents(db):
    incident = IncidentFactory(published=True)
    ClaimFactory(incident=incident)
    AllegedVictimFactory(incident=incident)
    incident.sources.add(SourceFactory())
    IncidentFactory(published=True, oblast=Oblast.ZAPORIZHZHIA, category=Category.TORTURE)
    return incident


@pytest.mark.parametrize("endpoint", QUERY_ENDPOINTS)
@given(pairs=query_strings)
def test_query_strings_never_500(client, some_incidents, endpoint, pairs):
    response = client.get(f"{endpoint}?{urlencode(pairs)}")
    assert response.status_code < 500


@pytest.mark.parametrize("endpoint", QUERY_ENDPOINTS)
@given(raw=raw_queries)
def test_raw_query_strings_never_500(client, some_incidents, endpoint, raw):
    response = client.get(endpoint, QUERY_STRING=raw)
    assert response.status_code < 500


# --- review queue forms --------------------------------------------------------------------------

versions = st.one_of(st.just("CURRENT"), st.integers(-5, 10**12).map(str), st.text(max_size=10))
texts = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "\x00", "Geolocated."]))


def claim_snapshot(claim: Claim) -> dict:
    return Claim.objects.filter(pk=claim.pk).values().get()


@given(
    status=st.one_of(st.sampled_from(VerificationStatus.values), st.text(max_size=20)),
    methods=st.lists(
        st.one_of(st.sampled_from(VerificationMethod.values), st.text(max_size=20)), max_size=4
    ),
    rationale=texts,
    version=versions,
)
def test_review_claim_posts(client_for, editor, status, methods, rationale, version):
    claim = Claim.objects.first() or ClaimFactory(incident=IncidentFactory(published=True))
    before, counts = claim_snapshot(claim), table_counts()
    data = {
        "status": status,
        "methods": methods,
        "rationale": rationale,
        "loaded_version": str(claim.version) if version == "CURRENT" else version,
    }
    response = client_for(editor).post(f"/en/review/claims/{claim.pk}/", data)
    assert response.status_code in (302, 400)
    after = claim_snapshot(claim)
    new_changes = ClaimStatusChange.objects.count() - counts["cases.ClaimStatusChange"]
    if response.status_code == 400 or after == before:
        # Refused (or nothing to change): not a single row written anywhere.
        assert after == before and table_counts() == counts
    else:
        # Done: the claim and exactly one audit record, together.
        assert new_changes == 1 and after["version"] == before["version"] + 1


@given(
    action=st.one_of(st.sampled_from(PublicationEvent.Action.values), st.text(max_size=20)),
    note=texts,
    version=versions,
)
def test_review_incident_posts(client_for, editor, action, note, version):
    incident = Incident.objects.first() or IncidentFactory(status=Incident.Status.IN_REVIEW)
    before = Incident.objects.filter(pk=incident.pk).values().get()
    counts = table_counts()
    data = {
        "action": action,
        "note": note,
        "loaded_version": str(incident.version) if version == "CURRENT" else version,
    }
    response = client_for(editor).post(f"/en/review/incidents/{incident.pk}/", data)
    assert response.status_code in (302, 400)
    after = Incident.objects.filter(pk=incident.pk).values().get()
    if response.status_code == 400:
        assert after == before and table_counts() == counts
    else:
        events = PublicationEvent.objects.count() - counts["cases.PublicationEvent"]
        assert events == 1 and after["status"] != before["status"]


# --- the admin incident form ---------------------------------------------------------------------

INCIDENT_FIELDS = {
    "title": texts,
    "slug": st.one_of(st.text(max_size=150), st.from_regex(r"\A[a-z0-9-]{1,140}\Z")),
    "summary": texts,
    "occurred_from": st.one_of(
        st.dates().map(str), st.sampled_from(["", "2022-02-30", "yesterday"])
    ),
    "occurred_to": st.one_of(st.dates().map(str), st.just(""), st.text(max_size=12)),
    "latitude": st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True).map(str), st.just(""), st.text(max_size=12)
    ),
    "longitude": st.one_of(st.floats().map(str), st.just(""), st.text(max_size=12)),
    "victims_min": st.one_of(st.integers(-10, 10**20).map(str), st.just("")),
    "victims_max": st.one_of(st.integers(-10, 10**20).map(str), st.just("")),
    "category": st.one_of(st.sampled_from(Category.values), st.text(max_size=20)),
    "oblast": st.one_of(st.sampled_from(Oblast.values), st.text(max_size=20)),
    "date_precision": st.text(max_size=12),
    "loaded_version": versions,
}


@pytest.fixture
def incident_form(client_for, editor):
    """The editor's client and the change form of one incident as a browser would post it."""
    client = client_for(editor)
    incident = IncidentFactory(published=True)
    ClaimFactory(incident=incident)
    url = f"/admin/cases/incident/{incident.pk}/change/"
    data = form_data(client.get(url).content.decode(), "incident_form")
    data = {name: value for name, value in data.items() if "__prefix__" not in name}
    return client, incident, url, data


# The form's fields in two groups whose validations interact only within the group (the date
# range and its precision; the place, the victim range and the choices), fuzzed as two tests so
# they run on two test workers at once. Each gets half the profile's examples: the same budget.
FIELD_GROUPS = {
    "text and dates": [
        "title", "slug", "summary", "occurred_from", "occurred_to", "date_precision"
    ],
    "place, numbers and choices": [
        "latitude", "longitude", "victims_min", "victims_max", "category", "oblast"
    ],
}  # fmt: skip
HALF_THE_EXAMPLES = settings(max_examples=max(1, settings().max_examples // 2))


def incident_changes(group: str):
    fields = {name: INCIDENT_FIELDS[name] for name in [*FIELD_GROUPS[group], "loaded_version"]}
    return st.fixed_dictionaries({}, optional=fields)


@pytest.mark.parametrize("group", FIELD_GROUPS)
@HALF_THE_EXAMPLES
@given(data=st.data())
def test_admin_incident_form_posts(incident_form, group, data):
    changes = data.draw(incident_changes(group), label="changes")
    client, incident, url, form = incident_form
    before = Incident.objects.filter(pk=incident.pk).values().get()
    counts = table_counts()
    if changes.get("loaded_version") == "CURRENT":
        changes["loaded_version"] = str(before["version"])
    response = client.post(url, {**form, **changes, "loaded_version": before["version"]} | changes)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the form again, with its errors
        assert Incident.objects.filter(pk=incident.pk).values().get() == before
        assert table_counts() == counts
