from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public site: pages, feeds, sitemap, JSON-LD and the page cache. No models."""

    name = "public"
    verbose_name = _("Public site")

    def ready(self):
        from public.cache import connect_invalidation

        connect_invalidation()
