from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class MultipleChoiceField(models.JSONField):
    """A list of values from a ``TextChoices``, stored as JSON so it works on SQLite and PostgreSQL.

    Forms show it as checkboxes; validation rejects unknown or repeated values.
    """

    def __init__(self, *args, choices_enum=None, **kwargs):
        self.choices_enum = choices_enum
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices_enum"] = self.choices_enum
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if not isinstance(value, list):
            raise ValidationError(_("Expected a list of values."), code="invalid")
        allowed = set(self.choices_enum.values)
        unknown = [item for item in value if item not in allowed]
        if unknown:
            raise ValidationError(
                _("Unknown value(s): %(values)s."),
                code="invalid_choice",
                params={"values": ", ".join(map(str, unknown))},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("A value is listed twice."), code="duplicate")

    def formfield(self, **kwargs):
        return forms.TypedMultipleChoiceField(
            choices=self.choices_enum.choices,
            required=not self.blank,
            label=self.verbose_name.capitalize(),
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )

    def label_list(self, value) -> list[str]:
        labels = dict(self.choices_enum.choices)
        return [str(labels.get(item, item)) for item in value or []]
