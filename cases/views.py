from django.shortcuts import get_object_or_404, render

from cases.models import Incident, VerificationStatus


def home(request):
    incidents = Incident.objects.visible_to(request.user).public()[:10]
    return render(request, "cases/home.html", {"incidents": incidents})


def incident_list(request):
    incidents = Incident.objects.visible_to(request.user)
    return render(request, "cases/incident_list.html", {"incidents": incidents})


def incident_detail(request, slug):
    incident = get_object_or_404(Incident.objects.visible_to(request.user), slug=slug)
    return render(request, "cases/incident_detail.html", {"incident": incident})


def about_verification(request):
    return render(request, "cases/about_verification.html", {"statuses": VerificationStatus})
