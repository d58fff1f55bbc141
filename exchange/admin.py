"""The CSV import page, mounted on the incident admin: /admin/cases/incident/import/.

The domain app does not know the importer exists: this module (found by the admin's
autodiscovery, after ``cases.admin`` because ``cases`` comes first in INSTALLED_APPS) registers
the incident admin again with the import page added (docs/decisions/0007-layout.md).
"""

from django.contrib import admin

from cases.admin import IncidentAdmin
from cases.models import Incident
from exchange.bulk import BulkEditAdminMixin
from exchange.importing.admin_views import ImportJobMixin, IncidentImportAdminMixin


class IncidentWithImportAdmin(
    BulkEditAdminMixin, ImportJobMixin, IncidentImportAdminMixin, IncidentAdmin
):
    """The incident admin with the CSV import page (run as a job) and the bulk edits."""


admin.site.unregister(Incident)
admin.site.register(Incident, IncidentWithImportAdmin)
