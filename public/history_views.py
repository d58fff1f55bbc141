"""A public incident's history as the transparency log should hold it, rebuilt from today's rows.

``tools/verify_log.py`` compares each item with the logged entry: a history row rewritten after
it was logged no longer matches, a deleted one leaves a logged entry without its row, and an
unlogged one has no index. Only public incidents answer; others are a 404 like their pages.
"""

from django.http import Http404, JsonResponse
from django.views.decorators.http import require_safe

from cases import transparency
from cases.models import Incident
from ledger import log
from ledger import selectors as ledger_selectors


@require_safe
def incident_history_json(request, pk: int):
    incident = Incident.objects.public().filter(pk=pk).first()
    if incident is None:
        raise Http404("No such public incident.")
    built = transparency.incident_entries(incident)
    indexes = ledger_selectors.indexes_for(subject for subject, _, _ in built)
    return JsonResponse(
        {
            "incident": incident.pk,
            "url": request.build_absolute_uri(incident.get_absolute_url()),
            "entries": [
                {
                    "subject": subject,
                    "log_index": indexes.get(subject),
                    "entry": log.document(subject=subject, payload=payload).decode("utf-8"),
                }
                for subject, _, payload in built
            ],
        }
    )
