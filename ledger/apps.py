from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Transparency log and timestamps"

    def ready(self):
        from ledger import checks  # noqa: F401  (registers the deploy check)
