"""Text that every output can carry: the one rule, checked at input and applied again at output.

XML 1.0 (the Atom feeds) cannot carry the C0 control characters other than tab, newline and
carriage return, nor U+FFFE/U+FFFF; PostgreSQL refuses U+0000; lone surrogates cannot be encoded
as UTF-8 at all. They reach us pasted from PDFs and word processors (U+000B is Word's line
break) and mean nothing to a reader, so they are refused where text comes in, with a field error,
and stripped where text goes out, in case older code stored some.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

# Tab, newline and carriage return stay: browsers submit textareas with CRLF line ends.
# DEL (U+007F) is legal in XML but invisible, and no keyboard types it, so it goes too.
_UNSERIALISABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def check_text(value: str) -> None:
    """Raise a ValidationError naming the first character that no output can carry."""
    found = _UNSERIALISABLE.search(value)
    if found is None:
        return
    raise ValidationError(
        _(
            "This text contains an invisible control character (U+%(code)04X) at position "
            "%(position)d that cannot be published. Remove it; it is often pasted in from a PDF "
            "or a word processor."
        ),
        code="control_character",
        params={"code": ord(found.group()), "position": found.start() + 1},
    )


def printable(value: str) -> str:
    """The text without the characters ``check_text`` refuses: for output of stored text."""
    return _UNSERIALISABLE.sub("", value)


def unprintable(value: str) -> bool:
    """Whether ``value`` holds a character ``check_text`` refuses (to check output in bulk)."""
    return _UNSERIALISABLE.search(value) is not None


def printable_data(value):
    """``printable`` applied to every string in nested dicts, lists and tuples (lists out)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable_data(item) for item in value]
    return value


class CheckedTextModel(models.Model):
    """Checks every CharField and TextField with ``check_text`` in ``full_clean()``.

    A base class, not a validator on each field: the rule covers fields added later without a
    migration per field, and it is written once.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 - Django's name, overridden
        """``get_<field>_display()`` without rebuilding the choices on every call.

        Django's version makes every (value, label) pair hashable on each call, which
        translates every label of the field: a list page of 25 incidents spent about a fifth of
        its time there (issue 21). The value → label dict is built once per field; the label
        stays lazy, so it is translated into the language of the request that shows it.
        """
        labels = getattr(field, "_display_labels", None)
        if labels is None:
            labels = dict(field.flatchoices)
            field._display_labels = labels
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)

    def clean_fields(self, exclude=None):
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude = set(exclude or ())
        for field in self._meta.concrete_fields:
            if field.name in exclude or not isinstance(field, models.CharField | models.TextField):
                continue
            value = getattr(self, field.attname)
            if not isinstance(value, str):
                continue
            try:
                check_text(value)
            except ValidationError as error:
                errors.setdefault(field.name, []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)
