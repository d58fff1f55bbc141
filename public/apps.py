from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public site: pages, feeds, sitemap, JSON-LD, the page cache, the home page's tallies."""

    name = "public"
    verbose_name = _("Public site")

    def ready(self):
        from public import invalidation, tallies

        invalidation.connect()
        tallies.connect()
