"""The public pages of legal provisions: ``/law/`` and ``/law/<code>/``.

Texts are public (quoted treaty law); what is counted is only published incidents.
"""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from cases.models import Incident
from law.models import ElementState, IncidentProvision, Provision
from law.selectors import element_totals, provision_incidents
from public.cache import cache_public_page


@cache_public_page
def provision_list(request):
    published = Incident.objects.published()
    provisions = Provision.objects.annotate(
        element_count=Count("elements", distinct=True),
    ).order_by("instrument", "pk")
    mapped = dict(
        IncidentProvision.objects.filter(incident__in=published)
        .order_by()
        .values_list("provision_id")
        .annotate(n=Count("incident_id", distinct=True))
    )
    for provision in provisions:
        provision.incident_count = mapped.get(provision.pk, 0)
    return render(request, "law/provision_list.html", {"provisions": provisions})


@cache_public_page
def provision_detail(request, code):
    provision = get_object_or_404(Provision, code=code)
    entries = provision_incidents(provision)
    return render(
        request,
        "law/provision_detail.html",
        {
            "provision": provision,
            "elements": list(provision.elements.all()),
            "entries": entries,
            "totals": element_totals(entries),
            "states": list(ElementState),
        },
    )
