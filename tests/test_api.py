"""The read-only JSON API under /api/v1/ and its OpenAPI schema."""

import io
from collections import Counter

import jsonschema
import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.throttling import AnonRateThrottle

from cases import services
from cases.models import Claim, Incident
from sources.models import OfficialStatement, Source
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    ReportedFigureFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


# --- validating answers against the published schema ---------------------------------------------


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's ``nullable: true`` is ``type: [..., "null"]`` in JSON Schema."""
    if isinstance(node, dict):
        node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"]
            elif "allOf" in node or "$ref" in node:
                node = {"anyOf": [{"type": "null"}, node]}
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(value) for value in node]
    return node


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def assert_matches_schema(openapi, path: str, data):
    """Validate a 200 answer against the schema's response for GET ``path``."""
    content = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    schema = content["application/json"]["schema"]
    document = _nullable_to_json_schema({**schema, "components": openapi["components"]})
    jsonschema.validate(data, document)


# --- round trip ----------------------------------------------------------------------------------


def test_demo_data_round_trips_through_the_api(client, openapi):
    call_command("load_demo", stdout=io.StringIO())
    public = Incident.objects.public()

    listing = client.get("/api/v1/incidents/?page_size=100").json()
    assert_matches_schema(openapi, "/api/v1/incidents/", listing)
    assert listing["count"] == public.count()
    assert {item["slug"] for item in listing["results"]} == set(
        public.values_list("slug", flat=True)
    )
    for item in listing["results"]:
        detail = client.get(f"/api/v1/incidents/{item['slug']}/").json()
        assert_matches_schema(openapi, "/api/v1/incidents/{slug}/", detail)
        db_claims = Claim.objects.filter(incident__slug=item["slug"]).order_by("pk")
        assert [c["status"] for c in detail["claims"]] == [c.status for c in db_claims]
        assert len(detail["victims"]) == Incident.objects.get(slug=item["slug"]).victims.count()

    claims = client.get("/api/v1/claims/?page_size=100").json()
    assert_matches_schema(openapi, "/api/v1/claims/", claims)
    assert Counter(c["status"] for c in claims["results"]) == Counter(
        Claim.objects.filter(incident__in=public).values_list("status", flat=True)
    )
    sources = client.get("/api/v1/sources/?page_size=100").json()
    assert_matches_schema(openapi, "/api/v1/sources/", sources)
    assert sources["count"] == Source.objects.visible_to(None).count()
    statements = client.get("/api/v1/statements/?page_size=100").json()
    assert_matches_schema(openapi, "/api/v1/statements/", statements)
    assert statements["count"] == OfficialStatement.objects.visible_to(None).count()
    for path in ["claims", "sources", "statements"]:
        first = client.get(f"/api/v1/{path}/").json()["results"][0]
        detail = client.get(f"/api/v1/{path}/{first['id']}/").json()
        assert_matches_schema(openapi, f"/api/v1/{path}/{{id}}/", detail)


def test_incident_detail_shows_what_the_public_sees(client, editor, openapi):
    incident = IncidentFactory(published=True, slug="popasna")
    claim = ClaimFactory(incident=incident, text="Footage geolocated.")
    services.claim_change_status(
        claim=claim,
        status="verified",
        rationale="Matched buildings.",
        methods=["geolocation"],
        by=editor,
    )
    ClaimEvidenceFactory(claim=claim, source=SourceFactory(notes="internal"))
    AllegedVictimFactory(incident=incident, name="Hidden Person", notes="note")
    AllegedVictimFactory(incident=incident, name="Known Person", identity_public=True)
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    ReportedFigureFactory(statement=statement, value=75)

    response = client.get("/api/v1/incidents/popasna/")
    text = response.content.decode()
    assert "Hidden Person" not in text and "internal" not in text and editor.username not in text
    data = response.json()
    assert_matches_schema(openapi, "/api/v1/incidents/{slug}/", data)
    [verified] = data["claims"]
    assert verified["status"] == "verified" and verified["methods"] == ["geolocation"]
    assert verified["history"][0]["from_status"] == "unverified"
    assert verified["history"][0]["rationale"] == "Matched buildings."
    assert data["victims"][0] == {
        "name": None,
        "name_withheld": True,
        "status": "pow",
        "fate": "killed",
        "count": 1,
    }
    assert data["victims"][1]["name"] == "Known Person"
    assert data["statements"][0]["figures"][0]["value"] == 75


# --- filters and pagination ----------------------------------------------------------------------


def test_incident_list_applies_the_list_filters(client):
    IncidentFactory(published=True, slug="in-luhansk", oblast="luhansk")
    IncidentFactory(published=True, slug="in-donetsk", oblast="donetsk")
    verified = ClaimFactory(incident__published=True, incident__slug="has-verified")
    Claim.objects.filter(pk=verified.pk).update(status="verified", rationale="x")
    results = client.get("/api/v1/incidents/?oblast=donetsk").json()["results"]
    assert [item["slug"] for item in results] == ["in-donetsk"]
    results = client.get("/api/v1/incidents/?status=verified").json()["results"]
    assert [item["slug"] for item in results] == ["has-verified"]
    claims = client.get("/api/v1/claims/?status=verified").json()["results"]
    assert [claim["id"] for claim in claims] == [verified.pk]


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("incidents", "date_from=notadate", "date_from"),
        ("incidents", "oblast=atlantis", "oblast"),
        ("incidents", "sort=sideways", "sort"),
        ("claims", "status=maybe", "status"),
        ("sources", "kind=rumour", "kind"),
        ("statements", "stance=shrugs", "stance"),
    ],
)
def test_bad_filter_values_are_400_with_the_reason(client, path, query, field):
    response = client.get(f"/api/v1/{path}/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_pagination_defaults_to_25_and_caps_at_100(client):
    IncidentFactory.create_batch(30, published=True)
    page = client.get("/api/v1/incidents/").json()
    assert page["count"] == 30 and len(page["results"]) == 25 and page["next"]
    assert len(client.get("/api/v1/incidents/?page=2").json()["results"]) == 5
    assert len(client.get("/api/v1/incidents/?page_size=1000").json()["results"]) == 30
    assert client.get("/api/v1/incidents/?page=99").status_code == 404


# --- gate ----------------------------------------------------------------------------------------


def test_drafts_and_their_records_are_404_even_for_staff(client, editor):
    draft = IncidentFactory(slug="draft-one")
    claim = ClaimFactory(incident=draft)
    only_draft_source = SourceFactory()
    draft.sources.add(only_draft_source)
    statement = OfficialStatementFactory()
    statement.incidents.add(draft)
    client.force_login(editor)  # the API ignores sessions: staff see public data only
    for url in [
        "/api/v1/incidents/draft-one/",
        f"/api/v1/claims/{claim.pk}/",
        f"/api/v1/sources/{only_draft_source.pk}/",
        f"/api/v1/statements/{statement.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/incidents/").json()["count"] == 0


def test_shared_source_names_only_public_incidents(client):
    public = IncidentFactory(published=True, slug="public-one")
    draft = IncidentFactory(slug="secret-draft")
    source = SourceFactory()
    source.incidents.add(public, draft)
    data = client.get(f"/api/v1/sources/{source.pk}/").json()
    assert data["incidents"] == ["public-one"]


def test_the_api_is_read_only(client):
    IncidentFactory(published=True, slug="x")
    assert client.post("/api/v1/incidents/", {}).status_code == 405
    assert client.delete("/api/v1/incidents/x/").status_code == 405


def test_anonymous_clients_are_throttled(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    try:
        codes = [client.get("/api/v1/incidents/").status_code for _ in range(4)]
    finally:
        cache.clear()
    assert codes == [200, 200, 200, 429]


# --- query budgets -------------------------------------------------------------------------------


def _incident_with_everything():
    incident = IncidentFactory(published=True)
    sources = SourceFactory.create_batch(2)
    incident.sources.add(*sources)
    for source in sources:
        ClaimEvidenceFactory(claim=ClaimFactory(incident=incident), source=source)
        AllegedVictimFactory(incident=incident)
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    ReportedFigureFactory.create_batch(2, statement=statement)
    return incident


@pytest.mark.parametrize("n", [2, 20])
def test_incident_list_query_budget(client, django_assert_max_num_queries, n):
    for _ in range(n):
        _incident_with_everything()
    # count, page, claims, evidence, status changes, victims, sources, statements, figures,
    # chosen legal provisions (issue 18; their elements and links only when some are mapped)
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/incidents/")
    assert len(response.json()["results"]) == n


def test_incident_detail_query_budget(client, django_assert_max_num_queries):
    incident = _incident_with_everything()
    # incident, claims, evidence, status changes, victims, sources, statements, figures,
    # chosen legal provisions (issue 18)
    with django_assert_max_num_queries(9):
        assert client.get(f"/api/v1/incidents/{incident.slug}/").status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_other_list_query_budgets(client, django_assert_max_num_queries, n):
    for _ in range(n):
        _incident_with_everything()
    # count, page, and one prefetch per nested list (at most three)
    for path in ["claims", "sources", "statements"]:
        with django_assert_max_num_queries(5):
            assert client.get(f"/api/v1/{path}/").status_code == 200


# --- schema and documentation --------------------------------------------------------------------


def test_schema_describes_every_endpoint_and_the_list_filters(openapi):
    assert openapi["openapi"].startswith("3.")
    assert {
        "/api/v1/incidents/",
        "/api/v1/incidents/{slug}/",
        "/api/v1/claims/",
        "/api/v1/sources/",
        "/api/v1/statements/",
    } <= set(openapi["paths"])
    names = {p["name"] for p in openapi["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"q", "date_from", "date_to", "oblast", "category", "status", "sort", "page"} <= names


def test_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_documentation_page_lists_the_endpoints(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert "GET /api/v1/incidents/" in html and "/api/v1/schema/" in html
    assert "<script" not in html


def test_docs_page_lists_each_filters_type_and_choices(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert "string: disputed, false, partially_verified, unverified, verified" in html
    assert "25 per page by default, up to 100" in html


def test_docs_page_renders_the_descriptions_markdown(client):
    # issue 14: a filter's choices read as a list with code, not as "* `verified` - Verified".
    html = client.get("/api/v1/docs/").content.decode()
    assert "<li><code>verified</code> - Verified</li>" in html
    assert "* `verified`" not in html
    # Paragraphs of a docstring stay paragraphs.
    assert "<p>Answers are kept in the page cache like the pages" in html
    assert "<script" not in html


def test_docs_markdown_shows_raw_html_as_text_and_refuses_script_links():
    from exchange.templatetags.api_docs import markdown

    html = markdown('<img src=x onerror="alert(1)"> [here](javascript:alert(1)) `a<b`')
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript:' not in html
    assert "<code>a&lt;b</code>" in html
    assert markdown("") == "" and markdown(None) == ""
