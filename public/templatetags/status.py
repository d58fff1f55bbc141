"""``{% load status %}{{ claim.status|status_icon }}``: the shape shown with each status.

One place for the shapes, so that long lists (the incident page's claims in short) can show
them without an ``{% include %}`` per row (issue 21); ``components/status_icon.html`` uses it too.
"""

from django import template
from django.utils.html import format_html_join

register = template.Library()

# A shape per status, so colour is never the only cue; "?" for unverified and anything unknown.
ICONS = {"verified": "✔", "partially_verified": "◐", "disputed": "⚠", "false": "✖"}


@register.filter
def status_icon(status) -> str:
    return ICONS.get(status, "?")


@register.simple_tag
def claims_in_short(rows, *, about: str, meaning: str, details: str):
    """The incident page's other claims, one ``<li>`` each at its ``#claim-<id>`` address:
    status badge (shape and label, linking to its meaning), text in the reader's language, and
    a link to its claims page. ``rows``: [(claim, claims page number)]. Built with
    ``format_html_join`` rather than a template loop: a page may list 450 (issue 21)."""
    return format_html_join(
        "\n",
        '<li id="claim-{0}" class="claim-short"><a class="badge badge-{1}" href="{2}#status-{1}"'
        ' title="{3}"><span class="badge-icon" aria-hidden="true">{4}</span> {5}</a>'
        ' <span lang="{6}">{7}</span> <a href="?claims={8}#claim-{0}">{9}</a></li>',
        (
            (
                claim.pk,
                claim.status,
                about,
                meaning,
                status_icon(claim.status),
                claim.get_status_display(),
                text.language,
                text.text,
                number,
                details,
            )
            for claim, number in rows
            for text in [claim.localized_text]
        ),
    )
