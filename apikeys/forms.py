from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apikeys.models import Scope


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “archive bot”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        help_text=_("Optional, e.g. 2027-01-31 18:00. Empty: until revoked."),
    )
    user = forms.ModelChoiceField(
        label=_("For user"),
        queryset=get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("username"),
        required=False,
        help_text=_("Superusers only; empty: for yourself."),
    )

    def __init__(self, *args, by, **kwargs):
        super().__init__(*args, **kwargs)
        if not by.is_superuser:
            del self.fields["user"]
