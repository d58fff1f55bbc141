"""A cache of the pages anonymous readers see, invalidated by a site-wide content version.

Measurement (docs/benchmarks.md) showed that rendering, not the database, dominates the public
pages at 100,000 incidents, so a rendered page is kept for ``PUBLIC_PAGE_CACHE_SECONDS`` and
served to the next anonymous reader of the same address. Every committed write to a record of
ours bumps the content version, and the version is part of every key: a publication, a status
change or a correction is visible on the next request, never after a timeout. Signed-in staff
are never served from the cache (they see drafts and banners).

The version is bumped from model signals rather than from each service: invalidation must not
depend on every write path (admin inlines, importer, shell) remembering to do it. Bulk writes
send no signals; the importer and the bench loader call ``bump_content_version`` themselves.
"""

import hashlib
import time
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

VERSION_KEY = "public-pages:version"
CACHED_APPS = {"cases", "sources", "law"}
# Writes that never change a public page: the custody log of files, and history rows.
NOT_SHOWN = {"sources.FileCustodyEvent"}


def content_version() -> int:
    return cache.get_or_set(VERSION_KEY, time.time_ns, timeout=None)


def bump_content_version() -> None:
    """Make every cached page stale (call after a commit that changes public content).

    A new token rather than a counter: if the version key is ever evicted, the next one still
    differs from every version a cached page was stored under.
    """
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _shown(model) -> bool:
    return (
        model._meta.app_label in CACHED_APPS
        and model._meta.label not in NOT_SHOWN
        and not model.__name__.startswith("Historical")
    )


def _on_write(sender, **kwargs) -> None:
    transaction.on_commit(bump_content_version)


def connect_invalidation() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in apps.get_models():
        if _shown(model):
            post_save.connect(_on_write, sender=model, weak=False)
            post_delete.connect(_on_write, sender=model, weak=False)
            for field in model._meta.many_to_many:
                m2m_changed.connect(_on_write, sender=field.remote_field.through, weak=False)


def cache_public_page(view):
    """Serve anonymous GETs of ``view`` from the cache while the content version holds."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        if seconds <= 0 or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"public-page:{content_version()}:{path}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return response

    return wrapper
