"""The sitemap: fixed pages, public incidents, sources and statements.

Addresses come from settings.SITE_URL, so the sitemap needs no django.contrib.sites and does not
trust the request's Host header.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from cases.models import Incident
from sources.models import OfficialStatement, Source


class SiteURLSitemap(Sitemap):
    """A sitemap whose absolute addresses start with settings.SITE_URL.

    Every page is listed once per language (/en/..., /uk/...), each entry with its hreflang
    alternates and an x-default (Django's sitemap i18n support).
    """

    i18n = True
    alternates = True
    x_default = True

    @property
    def protocol(self) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class StaticPagesSitemap(SiteURLSitemap):
    def items(self):
        return ["cases:home", "cases:incident_list", "cases:about_verification"]

    def location(self, item):
        return reverse(item)


class IncidentSitemap(SiteURLSitemap):
    def items(self):
        return Incident.objects.public().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Incident):
        return item.updated_at


class SourceSitemap(SiteURLSitemap):
    def items(self):
        return Source.objects.public().only("pk", "updated_at").order_by("pk")

    def lastmod(self, item: Source):
        return item.updated_at


class StatementSitemap(SiteURLSitemap):
    def items(self):
        return OfficialStatement.objects.public().only("pk", "updated_at").order_by("pk")

    def lastmod(self, item: OfficialStatement):
        return item.updated_at
