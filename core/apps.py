from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site-wide plumbing: error pages, middleware, /health/, base models, the admin base.

    Imports no other app of the project; every app may import it.
    """

    name = "core"
    verbose_name = _("Core")
