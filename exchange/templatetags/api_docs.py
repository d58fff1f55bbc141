"""The API docs page's one filter: the OpenAPI descriptions' markdown as HTML (issue 14).

drf-spectacular writes the choices of a filter as a markdown list with code spans, and our
docstrings use paragraphs; shown raw they read as ``* `verified` - Verified``. markdown-it-py
renders CommonMark; with ``html`` off, any raw HTML in a description is shown as text, and its
link check refuses ``javascript:`` and other unsafe addresses, so the output is safe to mark so.
"""

import functools

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

# Tables are off in "commonmark"; the descriptions have none, and a table could not reflow.
_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@functools.lru_cache(maxsize=512)
def _render(text: str) -> str:
    return _RENDERER.render(text)


@register.filter
def markdown(text) -> SafeString:
    """``text`` (markdown) as HTML; an empty string for nothing."""
    if not text:
        return mark_safe("")  # noqa: S308 (empty)
    return mark_safe(_render(str(text)))  # noqa: S308 (html off: markdown-it escapes raw HTML)
