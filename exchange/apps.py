from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Data in and out: the CSV importer, the demo loader, the exports and the JSON API."""

    name = "exchange"
    verbose_name = "Data exchange"
