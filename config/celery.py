"""The Celery application of the project: `celery -A config worker` runs the background jobs.

Its settings are the ``CELERY_*`` names in config/settings.py (block "jobs (issue 16)").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("case_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Loads jobs.tasks (and any other app's tasks.py) once Django's apps are ready.
app.autodiscover_tasks()
