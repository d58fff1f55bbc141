"""A cache of the pages anonymous readers see, invalidated precisely by tags.

Measurement (docs/benchmarks.md) showed that rendering, not the database, dominates the public
pages, so a rendered page is kept for ``PUBLIC_PAGE_CACHE_SECONDS`` and served to the next
anonymous reader of the same address. Signed-in staff are never served from the cache (they see
drafts and banners).

Each cached page names the *tags* of what it shows: ``incident:<slug>``, ``source:<pk>``,
``statement:<pk>``, ``listing`` (home, the list, feeds, the sitemap) and ``all``. Each tag has
a random version token kept in the same cache (no expiry), and a page's key holds the tokens of
its tags: invalidating a tag gives it a new token, so every page that shows it is missed on the
next request and nothing else is (docs/decisions/0010-shared-cache-and-precise-invalidation.md).
What a write invalidates is worked out in ``public.invalidation`` after the commit.

The cache is Django's: Redis (``REDIS_URL``) shared by every server, or the file cache shared by
the worker processes of one machine.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from core.replicas import confirm_replica_reads, note_public_write

logger = logging.getLogger(__name__)

TAG_PREFIX = "page-tag:"
PAGE_PREFIX = "page:"
# Every page carries it; only bulk loads (the importer, the bench generator) bump it.
EVERYTHING = "all"
LISTING = "listing"
# Any change shown by any public incident, its claims or what it cites: for answers that show
# many incidents with their sources and statements (the API's incident list).
PUBLIC_DATA = "public-data"
# Any change to a public statement or the figures it reports: for the pages that quote official
# figures (home, /figures/). Publication changes which statements are public: LISTING covers it.
FIGURES = "figures"
# Headers of the view's answer that a cached copy keeps (e.g. the sitemap's X-Robots-Tag).
_DROPPED_HEADERS = {"content-length", "set-cookie", "vary", "x-page-cache"}


def incident_tag(slug: str) -> str:
    return f"incident:{slug}"


def source_tag(pk) -> str:
    return f"source:{pk}"


def statement_tag(pk) -> str:
    return f"statement:{pk}"


def _new_token() -> str:
    return secrets.token_hex(8)


def tag_tokens(tags: Iterable[str]) -> list[str]:
    """The current token of each tag (one round trip when they all exist)."""
    keys = [TAG_PREFIX + tag for tag in tags]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        # add(), not set(): two workers meeting a missing tag at once must agree on its token.
        for key in missing:
            cache.add(key, _new_token(), timeout=None)
        found.update(cache.get_many(missing))
    confirm_replica_reads()
    return [str(found.get(key, "")) for key in keys]


def invalidate(*tags: str) -> None:
    """Give each tag a new token: every cached page that shows one of them is stale.

    Call after the commit (``public.invalidation`` does, from ``transaction.on_commit``).
    """
    if tags:
        # Issue 22: pages rebuilt from now on must not be read from a replica still replaying
        # the change. The pin comes first: a request that sees a new token sees the pin too
        # (``tag_tokens`` checks it), so it never keeps an old page under a new token.
        note_public_write()
        cache.set_many({TAG_PREFIX + tag: _new_token() for tag in set(tags)}, timeout=None)


def invalidate_everything() -> None:
    """After a bulk write that sent no signals (importer, bench generator): every page is stale."""
    invalidate(EVERYTHING)


def page_key(request, tags: Iterable[str]) -> str:
    tags = [EVERYTHING, *tags]
    tokens = tag_tokens(tags)
    parts = [get_language() or "", request.get_full_path(), *tags, *tokens]
    return PAGE_PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def record_fragments(records: list, *, tag: Callable, kind: str, build: Callable) -> list:
    """One fragment per record (its API representation, a block of HTML), each kept in the
    cache under the current token of the record's tag and the language, so that a list showing
    25 records rebuilds only those that changed since (issue 21).

    ``tag(record)`` names the record's tag; ``build(records)`` makes the fragments of the
    records given, in their order. As with pages, the tokens are read before ``build`` reads
    the database, so a fragment built from old data is never kept under a newer token.
    """
    language = get_language() or ""
    try:
        tokens = tag_tokens([EVERYTHING, *(tag(record) for record in records)])
        keys = [
            f"fragment:{kind}:"
            + hashlib.sha256(f"{language}\n{tag(r)}\n{token}\n{tokens[0]}".encode()).hexdigest()
            for r, token in zip(records, tokens[1:], strict=True)
        ]
        found = cache.get_many(keys)
    except Exception:  # the cache server is down: build them all, keep none
        logger.exception("Fragment cache unavailable; %s built uncached.", kind)
        return list(build(records))
    missing = [index for index, key in enumerate(keys) if key not in found]
    if missing:
        built = build([records[index] for index in missing])
        fresh = {keys[index]: fragment for index, fragment in zip(missing, built, strict=True)}
        found.update(fresh)
        try:
            cache.set_many(fresh, settings.FRAGMENT_CACHE_SECONDS)
        except Exception:
            logger.exception("Fragment cache unavailable; %s not stored.", kind)
    return [found[key] for key in keys]


TagsArg = Iterable[str] | Callable[..., Iterable[str]]


def cache_public_page(view=None, *, tags: TagsArg = (LISTING,)):
    """Serve anonymous GETs of ``view`` from the cache while the page's tags hold.

    ``tags`` is a list of tags, or a function of the view's arguments giving them (a detail
    page: its record's tag). The tokens are read *before* the view queries the database, and
    invalidation runs after the commit, so a page built from old data is never stored under
    the tokens that follow the write.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            page_tags = tags(request, *args, **kwargs) if callable(tags) else tags
            return serve_cached(request, page_tags, lambda: view(request, *args, **kwargs))

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator


def serve_cached(request, tags: Iterable[str], build: Callable, render: Callable | None = None):
    """The cached answer for ``request`` under ``tags``, or ``build()``'s, stored when a 200.

    ``render`` prepares an answer that is not rendered yet (the API's) before it is stored.
    """
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    if seconds <= 0:
        return build()
    try:
        key = page_key(request, tags)
        hit = cache.get(key)
    except Exception:  # the cache server is down: readers still get pages, built each time
        logger.exception("Page cache unavailable; serving %s uncached.", request.path)
        return build()
    if hit is not None:
        content, headers = hit
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response
    response = build()
    if response.status_code == 200 and not response.streaming and not response.cookies:
        if render is not None:
            render(response)
        elif hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in _DROPPED_HEADERS
        ]
        try:
            cache.set(key, (response.content, headers), seconds)
        except Exception:
            logger.exception("Page cache unavailable; %s not stored.", request.path)
            return response
        response["X-Page-Cache"] = "miss"
    return response
