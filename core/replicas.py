"""Read replicas: which database a query goes to (docs/decisions/0021-replicas-and-cluster.md).

With ``DATABASE_REPLICA_URLS`` set, config/settings.py adds one database alias per replica
(``replica1``, ``replica2`` …), installs ``ReplicaRouter`` and ``ReplicaReadsMiddleware``.
The rule is *primary unless proven harmless*:

- Reads go to a replica only inside a request the middleware let through: a GET or HEAD from
  someone with no session (an anonymous reader; every signed-in person has a session cookie),
  no ``Authorization`` header (API tokens), no "pin" cookie (set for
  ``DATABASE_REPLICA_PIN_SECONDS`` after any POST, PUT, PATCH or DELETE from that browser) and
  not within ``DATABASE_REPLICA_PIN_SECONDS`` of a change readers can see (``note_public_write``,
  called by the page cache's invalidation, so a page rebuilt right after a publication is
  rebuilt from the primary and never cached stale).
- Everything else reads from the primary: staff and every signed-in person, jobs (Celery
  workers have no request), management commands and the shell, reads inside a transaction, and
  every read after the request's first write.
- Every write goes to the primary; migrations run only there.

A replica that falls further behind than ``DATABASE_REPLICA_PIN_SECONDS`` shows readers the
previous version until it catches up; staff never see it (they read from the primary).
"""

import contextlib
import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections

PIN_COOKIE = "primary_reads"
PUBLIC_WRITE_KEY = "replicas:public-write-until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether this request's reads may go to a replica. Off by default: code that is not a request
# the middleware cleared (jobs, commands, tests) reads from the primary.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# The one replica this request reads from: every query of a page sees the same point of replay
# (two replicas at different points could show a claim without its incident).
_replica_alias: ContextVar[str] = ContextVar("replica_alias", default=DEFAULT_DB_ALIAS)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def reading_from_replica() -> bool:
    """Whether reads made now would go to a replica (for tests and logging)."""
    return _replica_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block


def use_primary() -> None:
    """Send the rest of this request's reads to the primary (after a write, for example)."""
    _replica_reads.set(False)


def note_public_write() -> None:
    """Something readers can see changed: for the next ``DATABASE_REPLICA_PIN_SECONDS`` every
    reader reads from the primary, so pages rebuilt now (and cached) show the change even while
    the replicas replay it. Shared through the cache, so it holds on every server."""
    if not replica_aliases():
        return
    seconds = settings.DATABASE_REPLICA_PIN_SECONDS
    # A cache outage must not fail the write that was already committed.
    with contextlib.suppress(Exception):
        cache.set(PUBLIC_WRITE_KEY, time.time() + seconds, timeout=seconds)


def confirm_replica_reads() -> None:
    """Check again, now, that no change readers can see is being replayed: called when a
    request reads the page cache's tokens, so a request that began before a publication but
    sees its new tokens builds (and caches) its page from the primary, never from a replica
    that has not replayed the change yet."""
    if _replica_reads.get() and _recent_public_write():
        use_primary()


def _recent_public_write() -> bool:
    try:
        until = cache.get(PUBLIC_WRITE_KEY)
    except Exception:
        return True  # cannot tell: the primary is always right
    return until is not None and until > time.time()


class ReplicaRouter:
    """Reads to a replica when the request allows it; writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return _replica_alias.get()

    def db_for_write(self, model, **hints):
        # Read-after-write within one request: once it wrote, it reads what it wrote.
        _replica_reads.set(False)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: objects read from a replica may be related to
        # objects of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _may_read_from_replica(request) -> bool:
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not _recent_public_write()
    )


class ReplicaReadsMiddleware:
    """Decides, per request, whether its reads may go to a replica (rules in the module's
    docstring), and pins a browser to the primary for a while after it wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Threads serve many requests: every request states its own choice.
        aliases = replica_aliases()
        _replica_reads.set(bool(aliases) and _may_read_from_replica(request))
        _replica_alias.set(random.choice(aliases) if aliases else DEFAULT_DB_ALIAS)
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax")
        return response


def _request_done(**kwargs):
    # A streamed answer (an export) keeps reading after the view returned; the choice ends with
    # the request, not with the view.
    _replica_reads.set(False)


request_finished.connect(_request_done, dispatch_uid="core.replicas.request_done")
