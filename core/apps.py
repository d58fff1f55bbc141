from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide plumbing: error pages, middleware, /health/, base models, the admin base.

    Imports no other app of the project; every app may import it.
    """

    name = "core"
    verbose_name = "Core"
