"""``/health/``: the liveness probe for load balancers, and the floor of the benchmark.

It does the least a request that proves the stack works can do: one trivial query on the
database. It never touches the session or the user (so no extra queries), is never cached, and
answers 503 rather than 500 when the database cannot be reached, so a balancer takes the
instance out of rotation instead of paging someone about an exception.
"""

import logging

from django.db import Error, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error:
        # Logged once per failed probe: the balancer's retries are the alert, not this line.
        logger.warning("health check: database unavailable", exc_info=True)
        response = JsonResponse({"status": "unavailable"}, status=503)
    else:
        response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response
