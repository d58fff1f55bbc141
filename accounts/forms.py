from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept in the access log."),
    )


class SuspendForm(ReasonForm):
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[
            (User.Access.READ_ONLY, User.Access.READ_ONLY.label),
            (User.Access.NO_ACCESS, User.Access.NO_ACCESS.label),
        ],
    )
