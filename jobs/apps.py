from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        # Each app names its job kinds in its own `jobs.py` (e.g. sources/jobs.py); importing
        # them here means a worker knows every kind before it takes its first message.
        autodiscover_modules("jobs")
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        if settings.CELERY_BROKER_URL.startswith("filesystem:"):
            # The folder transport expects its folders to exist.
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                if options.get(key):
                    Path(options[key]).mkdir(parents=True, exist_ok=True)
