from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApikeysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apikeys"
    verbose_name = _("API tokens")
