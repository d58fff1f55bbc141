from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def signing_key_configured(app_configs, **kwargs):
    if settings.LEDGER_SIGNING_KEY:
        return []
    return [
        Error(
            "LEDGER_SIGNING_KEY is not set: the transparency log would be signed with a "
            "development key.",
            hint="Make one with `python manage.py ledger_key` and keep it secret.",
            id="ledger.E001",
        )
    ]
