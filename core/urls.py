"""Record URLs without a ``reverse()`` per record.

``reverse()`` resolves the pattern anew on every call (tens of microseconds); a page listing
500 sources or claims spent a large part of its rendering time there (issue 21). The address of
a record is its pattern with one value filled in, so the pattern is reversed once per URL
configuration, script prefix and language (the language matters once pages live under /en/ and
/uk/) and the value is put in by string formatting. Only for slugs and integer keys, whose
characters never need quoting in a path.
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stands in for the value while the pattern is reversed; valid as a slug and as an int.
_PLACEHOLDER = "9090909090909"


@lru_cache(maxsize=256)
def _pattern(name: str, kwarg: str, urlconf, prefix: str, language) -> tuple[str, str]:
    path = reverse(name, kwargs={kwarg: _PLACEHOLDER}, urlconf=urlconf)
    before, found, after = path.partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{name} does not put {kwarg} in its path.")
    return before, after


def record_url(name: str, kwarg: str, value) -> str:
    """The same as ``reverse(name, kwargs={kwarg: value})`` for a slug or an integer value."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    before, after = _pattern(name, kwarg, urlconf, get_script_prefix(), get_language())
    return f"{before}{value}{after}"


def _forget_patterns(**kwargs) -> None:
    _pattern.cache_clear()


# Tests that swap the URL configuration must not get addresses from the previous one.
setting_changed.connect(_forget_patterns, dispatch_uid="core.urls.forget_patterns")
