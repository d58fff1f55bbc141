"""schema.org ClaimReview JSON-LD for incident pages.

Every assessed claim (any status but Unverified) of a published incident becomes a
``ClaimReview``. The rating is on the numeric scale documented on /about/verification/ and in
docs/data-out.md; our own status label goes in the rating's ``alternateName``, which is what
fact-check readers and search engines show.
"""

import json

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from cases.models import Claim, Incident, VerificationStatus

# The common fact-check scale: 1 = false … 5 = true. Unverified claims are not reviewed.
RATING_VALUES = {
    VerificationStatus.FALSE: 1,
    VerificationStatus.DISPUTED: 2,
    VerificationStatus.PARTIALLY_VERIFIED: 3,
    VerificationStatus.VERIFIED: 5,
}
WORST_RATING = 1
BEST_RATING = 5

# Escaped like django.utils.html.json_script: claim text can never close the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def rating_scale() -> list[tuple[str, str, int]]:
    """[(status, label, rating value), ...] from worst to best, for the about page."""
    labels = dict(VerificationStatus.choices)
    pairs = sorted(RATING_VALUES.items(), key=lambda pair: pair[1])
    return [(status, labels[status], value) for status, value in pairs]


def organisation() -> dict:
    return {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL + "/"}


def claim_review(claim: Claim, *, incident: Incident, permalink: str) -> dict:
    """One ClaimReview; the claim's own author and appearance where they are known."""
    item = {"@type": "Claim", "name": claim.text}
    if claim.claimant:
        item["author"] = {"@type": "Organization", "name": claim.claimant}
    statement = claim.statement
    if statement is not None:
        if not claim.claimant:
            item["author"] = {"@type": "Person", "name": statement.speaker}
        if statement.stated_on:
            item["datePublished"] = statement.stated_on.isoformat()
        source = statement.reported_in
        if source is not None and source.url:
            item["appearance"] = {"@type": "CreativeWork", "url": source.url}
    reviewed_at = claim.status_changed_at or incident.published_at
    return {
        "@type": "ClaimReview",
        "url": f"{permalink}#claim-{claim.pk}",
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "author": organisation(),
        "datePublished": reviewed_at.date().isoformat() if reviewed_at else None,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUES[claim.status],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": claim.get_status_display(),
        },
    }


def incident_jsonld(incident: Incident, claims: list[Claim]) -> SafeString:
    """The page's JSON-LD data block, or "" when there is nothing to review.

    Only published incidents carry reviews: a retracted one has withdrawn its findings, and a
    draft previewed by staff is not for search engines.
    """
    if incident.status != Incident.Status.PUBLISHED:
        return mark_safe("")
    permalink = settings.SITE_URL + incident.get_absolute_url()
    reviews = [
        claim_review(claim, incident=incident, permalink=permalink)
        for claim in claims
        if claim.status in RATING_VALUES
    ]
    if not reviews:
        return mark_safe("")
    document = {"@context": "https://schema.org", "@graph": reviews}
    text = json.dumps(document, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 -- escaped above, like json_script
