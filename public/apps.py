from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site: pages, feeds, sitemap, JSON-LD and the page cache. No models."""

    name = "public"
    verbose_name = "Public site"

    def ready(self):
        from public import invalidation

        invalidation.connect()
