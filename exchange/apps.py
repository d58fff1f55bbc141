from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Data in and out: the CSV importer, the demo loader, the exports and the JSON API."""

    name = "exchange"
    verbose_name = _("Data exchange")
