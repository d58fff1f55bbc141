"""Public pages: what readers see. Each view starts from the visibility gate."""

import contextlib
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Claim, Incident, VerificationMethod, VerificationStatus
from public import facets, figures, jsonld, overview, selectors
from public.cache import FIGURES, LISTING, cache_public_page, incident_tag, record_fragments
from public.filters import IncidentFilter

PAGE_SIZE = 25
# Claims shown in full on an incident's page; the others are listed in short (status and text,
# each keeping its #claim-<id> address) with a link to the claims page that shows it in full
# (?claims=N). A 500-claim page was 1.3 MB and took a second to build (issue 21,
# docs/decisions/0019-cold-pages-fragments-and-long-incidents.md).
CLAIMS_PER_PAGE = 25  # as many as incidents on a list page
# The history shows its latest changes; all of them with ?history=all (and as JSON).
HISTORY_SHOWN = 50
# Sources listed (by kind, then newest); all of them with ?sources=all.
SOURCES_SHOWN = 50


# The official figures it quotes change with their statements (FIGURES), not LISTING.
@cache_public_page(tags=(LISTING, FIGURES))
def home(request):
    # Published only: a retracted incident keeps its page and notice, but is no news to lead with.
    latest = list(Incident.objects.published().order_by("-published_at", "-pk")[:5])
    return render(
        request,
        "cases/home.html",
        {
            "latest": incident_summaries(request, latest),
            "status_counts": selectors.claim_status_counts(),
            "home_figures": home_figures(request),  # issue 14
        },
    )


@cache_public_page
def incident_list(request):
    incident_filter = IncidentFilter(request.GET or None, queryset=Incident.objects.public())
    # Page through ids only (an index-only scan, fast even at page 2,000), then fetch the rows.
    ids = incident_filter.sorted_qs.values_list("pk", flat=True)
    paginator = Paginator(ids, PAGE_SIZE)
    paginator.count = facets.matching_count(request.GET, ids)  # kept like the facet counts
    page = paginator.get_page(request.GET.get("page"))
    incidents = incident_summaries(request, selectors.incidents_in_order(list(page.object_list)))
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
            "filter_form": filter_form(request, incident_filter, query.urlencode()),
        },
    )


def home_figures(request) -> str:
    """``public/_home_figures.html``: the first official figure series, kept under the
    ``figures`` tag. Reading every public figure to find them is most of a cold home page, and
    the home page is rebuilt after every claim decision, which leaves the figures as they were."""

    def render_block(_records) -> list[str]:
        series = figures.public_series(compare=False, limit=3)
        return [render_to_string("public/_home_figures.html", {"figure_series": series}, request)]

    # One fragment whose "record" is the tag itself.
    return record_fragments([FIGURES], tag=str, kind="home-figures", build=render_block)[0]


def incident_summaries(request, incidents: list[Incident]) -> list[str]:
    """Each incident's summary (``cases/_incident_summary.html``: title, facts, claim tally),
    kept under its page's tag: a list page renders only the rows that changed (issue 21)."""

    def render_rows(missing: list[Incident]) -> list[str]:
        return [
            render_to_string("cases/_incident_summary.html", {"incident": incident}, request)
            for incident in selectors.attach_tallies(missing)
        ]

    return record_fragments(
        incidents,
        tag=lambda incident: incident_tag(incident.slug),
        kind="incident-summary",
        build=render_rows,
    )


def filter_form(request, incident_filter: IncidentFilter, query_string: str) -> str:
    """The list's filter form with its counts (issue 14), kept per language, query and version
    of the public data: its widgets cost a fifth of a cold list page (issue 21)."""
    version = facets.data_version()
    key = (
        "filter-form:"
        + hashlib.sha256(f"{get_language()}\n{query_string}\n{version}".encode()).hexdigest()
    )
    with contextlib.suppress(Exception):  # the cache server is down: render, as without one
        html = cache.get(key)
        if html is not None:
            return html
    facets.apply_facets(incident_filter, request.GET)  # issue 14: counts on every option
    html = render_to_string(
        "components/filter_form.html", {"filter": incident_filter}, request=request
    )
    with contextlib.suppress(Exception):
        cache.set(key, html, settings.FRAGMENT_CACHE_SECONDS)
    return html


@cache_public_page(tags=lambda request, slug: [incident_tag(slug)])
def incident_detail(request, slug):
    try:
        incident = selectors.incident_for_page(slug=slug, user=request.user, evidence=False)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident.")) from None
    claims = list(incident.claims.all())
    history = selectors.incident_history(incident, claims) if incident.is_public else []
    claims_page = Paginator(claims, CLAIMS_PER_PAGE).get_page(request.GET.get("claims"))
    selectors.with_evidence(list(claims_page.object_list))
    sources_by_kind = selectors.sources_by_kind(incident.sources.all())
    if request.GET.get("sources") != "all":
        sources_by_kind = first_sources(sources_by_kind, SOURCES_SHOWN)
    return render(
        request,
        "cases/incident_detail.html",
        {
            "incident": incident,
            "claims": claims,
            "claims_page": claims_page,
            "claims_in_short": claims_in_short(claims, claims_page),
            "sources_by_kind": sources_by_kind,
            "sources_shown": sum(len(group) for _label, group in sources_by_kind),
            "history": history,
            "history_shown": history
            if request.GET.get("history") == "all"
            else history[-HISTORY_SHOWN:],
            "permalink": settings.SITE_URL + incident.get_absolute_url(),
            "jsonld": jsonld.incident_jsonld(incident, claims),
            # issue 14: tally, victims, contents and the small map above the details
            "overview": overview.incident_overview(
                incident=incident, claims=claims, history=history
            ),
        },
    )


def first_sources(groups: list[tuple], limit: int) -> list[tuple]:
    """The first ``limit`` sources of [(kind label, sources)], in the order shown."""
    shown = []
    for label, sources in groups:
        if limit <= 0:
            break
        shown.append((label, sources[:limit]))
        limit -= len(sources)
    return shown


def claims_in_short(claims: list, claims_page) -> list[tuple]:
    """(claim, number of the claims page showing it in full) for each claim not on this one."""
    if claims_page.paginator.num_pages == 1:
        return []
    shown = {claim.pk for claim in claims_page.object_list}
    return [
        (claim, index // CLAIMS_PER_PAGE + 1)
        for index, claim in enumerate(claims)
        if claim.pk not in shown
    ]


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
