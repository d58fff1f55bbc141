"""Content in more than one language: a record's text in its original language, with
translations into the interface languages beside it (docs/decisions/0016-two-languages.md).

The original stays in the record's own field (``Incident.title``, ``Claim.text``) with its language
marked (``original_language``, ``text_language``); a translation lives in ``<field>_<code>`` for
each interface language (``title_uk``, ``text_en``). A reader sees the text in the page's language
when it exists, else the original, and is told which one they read.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ContentLanguage(models.TextChoices):
    """Languages a record's text is written in. Russian for originals only (intercepts, orders,
    Russian officials' words): readers get it translated into English and Ukrainian."""

    EN = "en", _("English")
    UK = "uk", _("Ukrainian")
    RU = "ru", _("Russian")


# The interface languages a record's text is translated into (settings.LANGUAGES).
TRANSLATED_INTO = ("en", "uk")

TRANSLATED_FROM = {
    "en": _("Translated from English"),
    "uk": _("Translated from Ukrainian"),
    "ru": _("Translated from Russian"),
}
ORIGINAL_IN = {
    "en": _("Original in English"),
    "uk": _("Original in Ukrainian"),
    "ru": _("Original in Russian"),
}
ORIGINAL_LABEL = {
    "en": _("Original (English)"),
    "uk": _("Original (Ukrainian)"),
    "ru": _("Original (Russian)"),
}


@dataclass(frozen=True)
class LocalizedText:
    """The text a reader gets for one field, and in which language it is."""

    text: str
    language: str  # the language of ``text`` (for the element's lang attribute)
    original: str  # the original text
    original_language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def is_translation(self) -> bool:
        return self.language != self.original_language

    @property
    def note(self) -> str:
        """What a reader is told: 'Translated from …', 'Original in …', or nothing."""
        if self.is_translation:
            return str(TRANSLATED_FROM.get(self.original_language, ""))
        if self.original_language != _interface_language():
            return str(ORIGINAL_IN.get(self.original_language, ""))
        return ""

    @property
    def original_label(self) -> str:
        return str(ORIGINAL_LABEL.get(self.original_language, ""))


def _interface_language() -> str:
    return (get_language() or "en").split("-")[0]


def localize(obj, name: str, original_language: str) -> LocalizedText:
    """``obj.<name>`` in the reader's language when a translation exists, else the original."""
    original = getattr(obj, name) or ""
    language = _interface_language()
    translated = ""
    if language != original_language and language in TRANSLATED_INTO:
        translated = getattr(obj, f"{name}_{language}", "") or ""
    if translated:
        return LocalizedText(translated, language, original, original_language)
    return LocalizedText(original, original_language, original, original_language)


def translation_field_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{name}_{code}" for name in names for code in TRANSLATED_INTO)


def no_translation_into_the_original(
    language_field: str, names: tuple[str, ...], constraint_name: str
) -> models.CheckConstraint:
    """A translation into the original's own language would be a second original: refuse it."""
    condition = Q()
    for code in TRANSLATED_INTO:
        empty = Q()
        for name in names:
            empty &= Q(**{f"{name}_{code}": ""})
        condition &= ~Q(**{language_field: code}) | empty
    return models.CheckConstraint(
        condition=condition,
        name=constraint_name,
        violation_error_message=_(
            "A translation cannot be in the original's own language: leave that one empty."
        ),
    )
