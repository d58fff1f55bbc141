"""Friendly error pages. None of them shows a stack trace or touches the database.

The 400/403 pages are Django's default handlers with our templates (templates/400.html ...);
404 is Django's default too, except under /api/, where clients get JSON. They render with the
request, so the header shows the signed-in user as on any page. The 500
and 503 pages are rendered here *without* a request context: no context processor runs, so
they still render when the database or the session store is what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

# What psycopg2 and sqlite3 raise (wrapped by Django) when the server is gone, restarting or
# refusing connections. A programming error (bad SQL, IntegrityError) is not one of these.
DATABASE_DOWN = (OperationalError, InterfaceError)

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
    if isinstance(error, DATABASE_DOWN):
        return database_unavailable(request)
    html = loader.get_template("500.html").render({})
    return HttpResponse(html, status=500)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/ (clients parse it), the friendly page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
