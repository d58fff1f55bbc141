"""Form pieces shared by the apps' admin forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

# The form field that carries an editor's public reason for a correction (cases.policy names it
# in its refusals, the admin forms carry it, the services receive its value).
REASON_FIELD = "correction_reason"


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for this correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_(
            "Needed when you change what readers see on a published or retracted record: "
            "readers see it in the record's history, beside what changed."
        ),
    )
