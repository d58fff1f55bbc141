"""The PDF dossier of an incident: ``/incidents/<slug>/dossier.pdf``, gated like its page.

Every claim with its status, rationale, methods and evidence; victims (names withheld unless
publication is allowed); statements and their figures; sources with the SHA-256 of the files
readers may download; the public history. Rendered by WeasyPrint from
``templates/public/dossier.html`` with its styles inline; WeasyPrint fetches no URL (a
document we publish must not make requests on our behalf).
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Incident
from public import overview, selectors
from public.cache import cache_public_page
from sources.models import SourceFile


def _no_fetching(url, *args, **kwargs):
    raise ValueError(f"the dossier fetches nothing: {url}")


def dossier_html(incident: Incident) -> str:
    claims = list(incident.claims.all())
    history = selectors.incident_history(incident) if incident.is_public else []
    sources = list(incident.sources.all())
    files = SourceFile.objects.public().filter(source__in=sources).order_by("source", "pk")
    files_by_source: dict[int, list] = {}
    for held in files:
        files_by_source.setdefault(held.source_id, []).append(held)
    for source in sources:
        source.dossier_files = files_by_source.get(source.pk, [])
    return render_to_string(
        "public/dossier.html",
        {
            "incident": incident,
            "claims": claims,
            "sources": sources,
            "history": history,
            "overview": overview.incident_overview(
                incident=incident, claims=claims, history=history
            ),
            "permalink": settings.SITE_URL + incident.get_absolute_url(),
            "generated": timezone.now(),
        },
    )


@cache_public_page
def incident_dossier(request, slug):
    from weasyprint import HTML  # imported here: only this view needs it, and it is heavy

    try:
        incident = selectors.incident_for_page(slug=slug, user=request.user)
    except Incident.DoesNotExist:
        raise Http404(_("No such incident.")) from None
    pdf = HTML(string=dossier_html(incident), url_fetcher=_no_fetching).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{incident.slug}.pdf"'
    return response
