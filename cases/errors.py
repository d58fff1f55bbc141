"""Friendly error pages. None of them shows a stack trace or touches the database.

The 400/403/404 pages are Django's default handlers with our templates (templates/400.html ...);
they render with the request, so the header shows the signed-in user as on any page. The 500
and 503 pages are rendered here *without* a request context: no context processor runs, so
they still render when the database or the session store is what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

# Seconds a client (or a crawler) should wait before trying again during a database outage.
RETRY_AFTER_SECONDS = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 Service Unavailable, with Retry-After, for a database outage."""
    html = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # An outage page must not be cached by a proxy as the page's content.
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the uncaught error was the database going away."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable(request)
    html = loader.get_template("500.html").render({})
    return HttpResponse(html, status=500)
