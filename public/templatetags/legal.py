"""The element table of an incident page: ``{% load legal %}{% element_table incident %}``.

A tag rather than a line in the incident view, so that the table (and its three queries) goes
wherever an incident page is rendered. The incident given is already through the gate.
"""

from django import template

from law.models import ElementState
from law.selectors import mapping_for_incident

register = template.Library()


@register.inclusion_tag("law/_element_table.html")
def element_table(incident):
    return {"incident": incident, "tables": mapping_for_incident(incident), "states": ElementState}


@register.inclusion_tag("law/_element_state.html")
def element_state_tag(state):
    """An element's state: a symbol and words, never colour alone."""
    return {"state": ElementState(state)}
