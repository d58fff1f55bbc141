from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from core.health import health
from exchange.api import ClaimViewSet, IncidentViewSet, SourceViewSet, StatementViewSet, api_docs
from public import views as public_views
from public.feeds import ClaimChangeFeed, IncidentFeed
from public.sitemaps import (
    IncidentSitemap,
    SourceSitemap,
    StatementSitemap,
    StaticPagesSitemap,
)

admin.site.site_header = "Case tracker — data entry"
admin.site.site_title = "Case tracker admin"
admin.site.index_title = "Incidents, sources and statements"

api_router = DefaultRouter()
api_router.register("incidents", IncidentViewSet, basename="incident")
api_router.register("claims", ClaimViewSet, basename="claim")
api_router.register("sources", SourceViewSet, basename="source")
api_router.register("statements", StatementViewSet, basename="statement")

api_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    # issue 19: the write API for archivers and bots (token authentication, drafts only).
    path("write/", include("exchange.write_urls")),
    path("", include(api_router.urls)),
]

feed_urlpatterns = [
    path("incidents.atom", IncidentFeed(), name="incidents"),
    path("claims.atom", ClaimChangeFeed(), name="claims"),
]

sitemaps = {
    "pages": StaticPagesSitemap,
    "incidents": IncidentSitemap,
    "sources": SourceSitemap,
    "statements": StatementSitemap,
}
# 400 and 403 use Django's handlers with templates/400.html and 403.html.
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    # issue 20: staff two-factor sign-in and sessions (not translated: staff pages, like /admin/).
    path("account/", include("accounts.urls")),
    path("_nested_admin/", include("nested_admin.urls")),
    path("api/v1/", include(api_urlpatterns)),
    path("feeds/", include((feed_urlpatterns, "feeds"))),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    # Exports are data with stable, language-neutral addresses, like the API and the feeds.
    path("", include("exchange.urls")),
    # --- i18n (issue 15) ---
    # Crawlers look for robots.txt at the root, never under a language.
    path("robots.txt", public_views.robots_txt, name="robots_txt"),
    # issue 17: the public transparency log and its proofs keep one language-neutral address, so
    # outside verifiers (tools/verify_log.py) and pinned monitors never follow a redirect.
    path("", include("ledger.urls")),
    path("", include("public.history_urls")),
    # issue 17: an incident's evidence package, a download with one address in every language.
    path("", include("exchange.package_urls")),
]

# The pages people read, under /en/ and /uk/ (docs/decisions/0016-two-languages.md). An old
# address without the prefix answers with a redirect to the reader's language (LocaleMiddleware:
# the language cookie, then Accept-Language, then LANGUAGE_CODE).
urlpatterns += i18n_patterns(
    path("", include("public.urls")),
    path("", include("public.source_urls")),
    path("", include("public.file_urls")),
    path("", include("cases.urls")),
    # issue 18: legal provisions and their elements
    path("", include("public.law_urls")),
)
