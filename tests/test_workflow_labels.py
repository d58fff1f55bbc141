"""The admin's workflow buttons say what they will do; the history says what was done."""

import re

import pytest

from cases import services
from cases.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def buttons(html: str) -> list[str]:
    tools = html[html.index('class="object-tools"') :]
    tools = tools[: tools.index("</ul>")]
    return re.findall(r'/workflow/[a-z_]+/">([^<]+)</a>', tools)


@pytest.mark.parametrize(
    ("who", "status", "expected"),
    [
        ("researcher", Incident.Status.DRAFT, ["Submit for review"]),
        ("editor", Incident.Status.IN_REVIEW, ["Publish", "Send back to draft"]),
        ("editor", Incident.Status.PUBLISHED, ["Retract", "Unpublish"]),
    ],
)
def test_workflow_buttons_are_imperative(client_for, request, who, status, expected):
    user = request.getfixturevalue(who)
    incident = IncidentFactory(status=status, published=status == Incident.Status.PUBLISHED)
    client = client_for(user)

    html = client.get(f"/admin/cases/incident/{incident.pk}/change/").content.decode()

    assert sorted(buttons(html)) == sorted(expected)


def test_workflow_page_is_titled_with_the_verb_and_history_keeps_the_past(client, editor):
    incident = IncidentFactory(status=Incident.Status.IN_REVIEW, title="Popasna order")
    client.force_login(editor)

    page = client.get(f"/admin/cases/incident/{incident.pk}/workflow/publish/")

    html = page.content.decode()
    assert "<title>Publish: Popasna order" in html
    assert '<input type="submit" class="default" value="Publish">' in html
    services.incident_transition(incident=incident, action="publish", by=editor)
    change = client.get(f"/admin/cases/incident/{incident.pk}/change/").content.decode()
    assert "<td>Published</td>" in change
    assert "Unpublish</a>" in change
