"""What the public site keeps for itself: the home page's claim counts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import VerificationStatus


class ClaimStatusTally(models.Model):
    """How many claims of published incidents are in one status, kept by ``public.tallies``.

    Counting them on each view of the home page read every claim (796 ms of the cold home page
    at 100,000 incidents, issue 21); the count is changed instead, in the writer's transaction,
    by each write that moves a claim in or out of a status or an incident in or out of
    publication. Retracted incidents are left out, as the home page always did.
    """

    status = models.CharField(
        _("status"), max_length=20, choices=VerificationStatus, primary_key=True
    )
    count = models.BigIntegerField(_("claims"), default=0)

    class Meta:
        verbose_name = _("claim status tally")

    def __str__(self):
        return f"{self.status}: {self.count}"
