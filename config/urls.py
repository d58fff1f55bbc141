from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from core.health import health
from exchange.api import ClaimViewSet, IncidentViewSet, SourceViewSet, StatementViewSet, api_docs
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
    path("_nested_admin/", include("nested_admin.urls")),
    path("api/v1/", include(api_urlpatterns)),
    path("feeds/", include((feed_urlpatterns, "feeds"))),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("", include("exchange.urls")),
    path("", include("public.urls")),
    path("", include("public.source_urls")),
    path("", include("public.file_urls")),
    path("", include("cases.urls")),
    # issue 17: the public transparency log
    path("", include("ledger.urls")),
    path("", include("public.history_urls")),
    path("", include("exchange.package_urls")),
]
