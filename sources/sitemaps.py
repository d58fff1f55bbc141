"""Sitemap entries for the public source and statement pages."""

from cases.sitemaps import SiteURLSitemap
from sources.models import OfficialStatement, Source


class SourceSitemap(SiteURLSitemap):
    def items(self):
        return Source.objects.visible_to(None).only("pk", "updated_at").order_by("pk")

    def lastmod(self, item: Source):
        return item.updated_at


class StatementSitemap(SiteURLSitemap):
    def items(self):
        return OfficialStatement.objects.visible_to(None).only("pk", "updated_at").order_by("pk")

    def lastmod(self, item: OfficialStatement):
        return item.updated_at
