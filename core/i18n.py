"""Interface languages: the switcher's links, hreflang alternates, and ?lang= for data addresses.

The public pages carry their language in the address (/en/..., /uk/...: i18n_patterns); the
switcher links to the same page and the same query string under the other prefix, so a reader
keeps the filters they chose. Addresses without a prefix (feeds, the API, the admin) follow the
language cookie and Accept-Language as LocaleMiddleware decides, and feeds and the API also
accept ``?lang=uk`` because a feed reader cannot set headers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    url: str  # this page, with its query string, in that language
    absolute_url: str  # the page without its query, under settings.SITE_URL: hreflang alternates
    current: bool


def language_links(request: HttpRequest) -> dict:
    """Context processor: ``language_links`` (one per language) and ``has_translations``.

    ``has_translations`` is false on pages whose address carries no language (the admin, error
    pages of unknown addresses): there is nothing to link to then but the same page.
    """
    current = translation.get_language()
    here = request.get_full_path()
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(here, code)
        links.append(
            LanguageLink(
                code=code,
                name=name,
                url=url,
                absolute_url=settings.SITE_URL + url.split("?", 1)[0],
                current=code == current,
            )
        )
    has_translations = len({link.url for link in links}) == len(links)
    if not has_translations:
        return {"language_links": [], "x_default_url": ""}
    # x-default: the address without a prefix, which sends each reader to their language.
    # Alternates name pages, not searches: no query string (a filter is the reader's input).
    prefix = f"/{current}/"
    path = request.path
    unprefixed = "/" + path[len(prefix) :] if path.startswith(prefix) else path
    return {"language_links": links, "x_default_url": settings.SITE_URL + unprefixed}


# Addresses whose language may also be asked for with ?lang= (stable, language-neutral URLs).
QUERY_LANGUAGE_PREFIXES = ("/feeds/", "/api/")


class QueryLanguageMiddleware:
    """``?lang=uk`` on a feed or API address: labels in that language (after LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("lang", "")
        if code in self.codes and request.path.startswith(QUERY_LANGUAGE_PREFIXES):
            with translation.override(code):
                request.LANGUAGE_CODE = code
                response = self.get_response(request)
                response.headers.setdefault("Content-Language", code)
                return response
        response = self.get_response(request)
        if request.path.startswith(QUERY_LANGUAGE_PREFIXES):
            patch_vary_headers(response, ("Accept-Language",))
        return response
