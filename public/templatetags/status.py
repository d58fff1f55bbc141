"""``{% load status %}{{ claim.status|status_icon }}``: the shape shown with each status.

One place for the shapes, so that long lists (the incident page's claims in short) can show
them without an ``{% include %}`` per row (issue 21); ``components/status_icon.html`` uses it too.
"""

from django import template

register = template.Library()

# A shape per status, so colour is never the only cue; "?" for unverified and anything unknown.
ICONS = {"verified": "✔", "partially_verified": "◐", "disputed": "⚠", "false": "✖"}


@register.filter
def status_icon(status) -> str:
    return ICONS.get(status, "?")
