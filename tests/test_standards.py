"""ClaimReview JSON-LD, Atom feeds, the sitemap and robots.txt."""

import datetime as dt
import json
import re

import feedparser
import pytest
from pyld import jsonld

from cases import services
from public.jsonld import BEST_RATING, RATING_VALUES, WORST_RATING
from tests.factories import (
    ClaimFactory,
    ClaimStatusChangeFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
# schema.org's context, reduced to what expansion needs; no request ever leaves the test.
SCHEMA_CONTEXT = {"@context": {"@vocab": SCHEMA}}


def offline_loader(url, options=None):
    assert url.rstrip("/") in {"https://schema.org", "http://schema.org"}, url
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}


def jsonld_blocks(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return [json.loads(block) for block in blocks]


def expanded_reviews(html: str) -> list[dict]:
    [document] = jsonld_blocks(html)
    expanded = jsonld.expand(document, {"documentLoader": offline_loader})
    return [node for node in expanded if SCHEMA + "ClaimReview" in node.get("@type", [])]


def value(node: dict, name: str):
    [item] = node[SCHEMA + name]
    return item.get("@value", item)


def assess(claim, status, by, rationale="Checked."):
    services.claim_change_status(
        claim=claim, status=status, rationale=rationale, methods=["geolocation"], by=by
    )


# --- ClaimReview ---------------------------------------------------------------------------------


def test_assessed_claims_become_claim_reviews_with_the_required_fields(client, editor):
    incident = IncidentFactory(published=True, slug="popasna")
    report = SourceFactory(url="https://example.org/cnn-report")
    statement = OfficialStatementFactory(reported_in=report, stated_on=dt.date(2025, 5, 5))
    verified = ClaimFactory(incident=incident, claimant="HUR", statement=statement)
    assess(verified, "verified", editor)
    disputed = ClaimFactory(incident=incident, claimant="")
    assess(disputed, "disputed", editor)
    ClaimFactory(incident=incident)  # unverified: no review

    reviews = expanded_reviews(client.get("/en/incidents/popasna/").content.decode())
    assert len(reviews) == 2
    by_url = {value(review, "url"): review for review in reviews}
    review = by_url[f"http://127.0.0.1:8000/en/incidents/popasna/#claim-{verified.pk}"]
    # schema.org / Google's required properties of a ClaimReview
    assert value(review, "claimReviewed") == verified.text
    assert value(review, "datePublished") == verified.status_changed_at.date().isoformat()
    assert value(value(review, "author"), "name") == "Case tracker"
    rating = value(review, "reviewRating")
    assert value(rating, "ratingValue") == RATING_VALUES["verified"] == BEST_RATING
    assert value(rating, "worstRating") == WORST_RATING
    assert value(rating, "alternateName") == "Verified"
    item = value(review, "itemReviewed")
    assert item["@type"] == [SCHEMA + "Claim"]
    assert value(value(item, "author"), "name") == "HUR"
    assert value(item, "datePublished") == "2025-05-05"
    assert value(value(item, "appearance"), "url") == "https://example.org/cnn-report"
    other = by_url[f"http://127.0.0.1:8000/en/incidents/popasna/#claim-{disputed.pk}"]
    assert value(value(other, "reviewRating"), "ratingValue") == 2
    # No claimant and no statement: the claim's author is not known, so none is given.
    assert SCHEMA + "author" not in value(other, "itemReviewed")


def test_claim_text_cannot_break_out_of_the_script_element(client, editor):
    hostile = '</script><script>alert("x")</script> & <!--'
    claim = ClaimFactory(incident=IncidentFactory(published=True, slug="x"), text=hostile)
    assess(claim, "false", editor)
    html = client.get("/en/incidents/x/").content.decode()
    head = html.split("</head>")[0]
    assert "alert" not in head.replace("\\u003C/script\\u003E\\u003Cscript\\u003Ealert", "")
    [document] = jsonld_blocks(html)
    assert document["@graph"][0]["claimReviewed"] == hostile


@pytest.mark.parametrize("state", ["draft", "retracted", "unassessed"])
def test_no_claim_review_without_a_published_assessment(client, editor, state):
    traits = {"draft": {}, "retracted": {"retracted": True}, "unassessed": {"published": True}}
    incident = IncidentFactory(slug="x", **traits[state])
    claim = ClaimFactory(incident=incident)
    if state != "unassessed":
        assess(claim, "verified", editor)
    client.force_login(editor)  # staff can preview the draft
    html = client.get("/en/incidents/x/").content.decode()
    assert "application/ld+json" not in html


def test_rating_scale_is_documented(client):
    html = client.get("/en/about/verification/").content.decode()
    assert 'id="rating-scale"' in html
    for label, rating in [
        ("False", 1),
        ("Disputed", 2),
        ("Partially verified", 3),
        ("Verified", 5),
    ]:
        assert f"<td>{label}</td><td>{rating}</td>" in html


# --- feeds ---------------------------------------------------------------------------------------


def test_incident_feed_lists_public_incidents_with_retractions(client):
    IncidentFactory(published=True, title="Published one")
    IncidentFactory(retracted=True, title="Withdrawn one")
    IncidentFactory(title="Draft one")
    response = client.get("/feeds/incidents.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    titles = [entry.title for entry in feed.entries]
    assert sorted(titles) == ["Published one", "Retracted: Withdrawn one"]
    retracted = next(e for e in feed.entries if e.title.startswith("Retracted"))
    assert "The footage was shown to predate the war." in retracted.summary
    assert all(
        entry.link.startswith("http://127.0.0.1:8000/en/incidents/") for entry in feed.entries
    )


def test_claim_feed_lists_status_changes_of_public_incidents(client, editor):
    public = ClaimFactory(incident=IncidentFactory(published=True), text="Public claim")
    assess(public, "partially_verified", editor, rationale="One of two sources confirmed.")
    assess(public, "verified", editor, rationale="Both confirmed.")
    ClaimStatusChangeFactory(claim=ClaimFactory(incident=IncidentFactory(), text="Draft claim"))
    feed = feedparser.parse(client.get("/feeds/claims.atom").content)
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == [
        "Partially verified → Verified: Public claim",
        "Unverified → Partially verified: Public claim",
    ]
    assert "Both confirmed." in feed.entries[0].summary
    assert len({entry.id for entry in feed.entries}) == 2
    assert feed.entries[0].link.endswith(f"#claim-{public.pk}")


# --- sitemap and robots.txt ----------------------------------------------------------------------


def test_sitemap_lists_public_pages_only(client):
    public = IncidentFactory(published=True)
    draft = IncidentFactory()
    source = SourceFactory()
    source.incidents.add(public)
    hidden_source = SourceFactory()
    hidden_source.incidents.add(draft)
    statement = OfficialStatementFactory()
    statement.incidents.add(public)
    xml = client.get("/sitemap.xml").content.decode()
    base = "http://127.0.0.1:8000"
    for url in ["/en/", "/en/incidents/", "/en/about/verification/", public.get_absolute_url()]:
        assert f"<loc>{base}{url}</loc>" in xml
    assert f"<loc>{base}{source.get_absolute_url()}</loc>" in xml
    assert f"<loc>{base}{statement.get_absolute_url()}</loc>" in xml
    assert draft.get_absolute_url() not in xml
    assert hidden_source.get_absolute_url() not in xml
    assert "<lastmod>" in xml


def test_sitemap_uses_site_url_not_the_host_header(client, settings):
    settings.SITE_URL = "https://tracker.example"
    settings.ALLOWED_HOSTS = ["evil.example"]
    xml = client.get("/sitemap.xml", HTTP_HOST="evil.example").content.decode()
    assert "https://tracker.example/en/incidents/" in xml and "evil.example" not in xml


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert (
        "Disallow: /admin/" in text
        and "Disallow: /en/review/" in text
        and "Disallow: /uk/review/" in text
    )
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
