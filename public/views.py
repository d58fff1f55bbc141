"""Public pages: what readers see. Each view starts from the visibility gate."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cases.models import Claim, Incident, VerificationMethod, VerificationStatus
from public import facets, figures, jsonld, overview, selectors
from public.cache import cache_public_page, incident_tag
from public.filters import IncidentFilter

PAGE_SIZE = 25


@cache_public_page
def home(request):
    # Published only: a retracted incident keeps its page and notice, but is no news to lead with.
    latest = selectors.attach_tallies(
        Incident.objects.published().order_by("-published_at", "-pk")[:5]
    )
    return render(
        request,
        "cases/home.html",
        {
            "latest": latest,
            "status_counts": selectors.claim_status_counts(),
            "figure_series": figures.public_series(compare=False, limit=3),  # issue 14
        },
    )


@cache_public_page
def incident_list(request):
    incident_filter = IncidentFilter(request.GET or None, queryset=Incident.objects.public())
    facets.apply_facets(incident_filter, request.GET)  # issue 14: counts on every option
    # Page through ids only (an index-only scan, fast even at page 2,000), then fetch the rows.
    paginator = Paginator(incident_filter.sorted_qs.values_list("pk", flat=True), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    incidents = selectors.attach_tallies(selectors.incidents_in_order(list(page.object_list)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/incident_list.html",
        {
            "filter": incident_filter,
            "page": page,
            "incidents": incidents,
            "query_string": query.urlencode(),
        },
    )


@cache_public_page(tags=lambda request, slug: [incident_tag(slug)])
def incident_detail(request, slug):
    try:
        incident = selectors.incident_for_page(slug=slug, user=request.user)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident.")) from None
    claims = list(incident.claims.all())
    history = selectors.incident_history(incident) if incident.is_public else []
    return render(
        request,
        "cases/incident_detail.html",
        {
            "incident": incident,
            "claims": claims,
            "sources_by_kind": selectors.sources_by_kind(incident.sources.all()),
            "history": history,
            "permalink": settings.SITE_URL + incident.get_absolute_url(),
            "jsonld": jsonld.incident_jsonld(incident, claims),
            # issue 14: tally, victims, contents and the small map above the details
            "overview": overview.incident_overview(
                incident=incident, claims=claims, history=history
            ),
        },
    )


@cache_public_page(tags=())
def about_verification(request):
    return render(
        request,
        "cases/about_verification.html",
        {
            "statuses": list(VerificationStatus),
            "methods": VerificationMethod.choices,
            "claim_model": Claim,
            "rating_scale": jsonld.rating_scale(),
        },
    )


def robots_txt(request):
    """Crawlers may read everything public; the admin and the review queue are not for them."""
    # The review queue lives under each language's prefix (/en/review/, /uk/review/).
    review = [f"Disallow: /{code}/review/" for code, _name in settings.LANGUAGES]
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        *review,
        "Allow: /",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
