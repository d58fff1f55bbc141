"""Request-level safety nets: a database outage is a 503 page, not a 500 with a trace."""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.errors import DATABASE_DOWN, database_unavailable

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when a view fails because the database is unreachable.

    Nothing needs resetting afterwards: Django discards a connection that raised (and
    ``CONN_HEALTH_CHECKS`` tests a kept one before reuse), so the first request after the
    database is back opens a fresh connection and the site recovers by itself. Failures outside
    views (e.g. saving the session) reach ``core.errors.server_error``, which does the same.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable(request)
