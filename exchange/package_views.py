"""issue 17: an incident's evidence package. Editors get the full package (restricted files and
custody logs; their download is written to each file's custody log), with ``?variant=public``
for the public one; everyone else the public package of a public incident. Invisible: 404."""

from django.http import Http404, StreamingHttpResponse
from django.views.decorators.http import require_safe

from exchange import evidence


@require_safe
def evidence_package(request, slug):
    incident = evidence.incident_for_package(slug)
    editor = request.user.is_active and request.user.has_perm("cases.publish_incident")
    if incident is None or not (incident.is_public or editor):
        raise Http404("No such incident.")
    full = editor and request.GET.get("variant") != evidence.PUBLIC
    variant = evidence.FULL if full else evidence.PUBLIC
    if not full and not incident.is_public:
        raise Http404("No such incident.")  # nothing of a draft is public
    files = evidence.package_files(incident, variant)
    if full:
        evidence.record_exports(files=files, incident=incident, by=request.user)
    package = evidence.build(incident=incident, variant=variant, files=files)
    response = StreamingHttpResponse(
        evidence.stream(package, incident=incident), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{incident.slug}-evidence-{variant}.zip"'
    )
    response["Cache-Control"] = "private, no-store" if full else "public, max-age=300"
    return response
